//! headsup: watches a person at their screen through the webcam and tells
//! them when their head has drifted forward of their shoulders.
//!
//! The modules follow a frame's path:
//! 1. [`capture`] — frames from the webcam, a replayed folder or video, image files;
//! 2. [`pose`] — frame → 33 BlazePose landmarks (MediaPipe's pipeline on ONNX models);
//! 3. [`posture`] — landmarks → signals → score against the calibrated baseline → state over time;
//! 4. [`watch`] — the all-day loop: a capture feed into a [`watch::Watcher`], whose every
//!    event and judged frame goes to its sinks: the events log, [`alert`]s, the [`journal`]
//!    (reviewed through [`report`]) and the snapshot the [`ui`] window draws.
//!
//! At the edges: [`config`] holds the settings (TOML, live reload) and builds the
//! `posture::Params` posture reads; [`calibrate`] turns good frames into a baseline,
//! which [`profiles`] stores; [`output`] writes `analyze` records; [`clock`] is local time.
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
