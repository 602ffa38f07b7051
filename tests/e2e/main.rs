//! End-to-end tests on real images and the real models. One test binary
//! (link time adds up on two cores); each module covers one area.
//!
//! Test images are read from `../shared/testdata` (override with
//! `HEADSUP_TESTDATA`); reference values come from `scripts/golden.py`.

mod alloc;
mod bad_input;
mod camera;
mod common;
mod fuzz;
mod golden;
mod journal;
mod layers;
mod models;
mod overlay;
mod posture;
mod runtimes;
mod sequence;
mod tray;
pub mod ui;
mod watch;
