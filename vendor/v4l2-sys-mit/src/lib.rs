//! Raw V4L2 bindings (v4l2-sys-mit 0.3.0, MIT), with the bindings that its
//! build script would generate with bindgen (and so libclang) at build time
//! pre-generated in `v4l2_bindings.rs`. See ../README.md.
#![allow(clippy::all)]
#![allow(deref_nullptr)]
#![allow(non_camel_case_types)]
#![allow(non_snake_case)]
#![allow(non_upper_case_globals)]
#![allow(dead_code)]

include!("v4l2_bindings.rs");
