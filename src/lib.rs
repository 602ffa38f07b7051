//! headsup: watches a person at their screen through the webcam and tells
//! them when their head has drifted forward of their shoulders.
//!
//! The modules follow a frame's path:
//! 1. [`capture`] — frames from image files and folders (the camera's replay twin);
//! 2. [`pose`] — frame → 33 BlazePose landmarks (MediaPipe's pipeline on ONNX models);
//! 3. [`posture`] — landmarks → signals → score against the calibrated baseline → state over time;
//! 4. [`output`] — per-frame records as JSON lines, CSV or a table.
//!
//! [`config`] holds the settings (TOML, live reload) at the edge, above
//! `posture`, which reads only the `posture::Params` config builds;
//! [`profiles`] stores the calibrated baselines.
//!
//! The binary (`src/main.rs`, `src/cli/`) is a thin layer over this library.

#![warn(clippy::too_many_lines)]

pub mod alert;
pub mod calibrate;
pub mod capture;
pub mod clock;
pub mod config;
pub mod journal;
pub mod output;
pub mod pose;
pub mod posture;
pub mod profiles;
pub mod report;
pub mod ui;
pub mod watch;
