//! Capture: where frames come from. Today: still images and image folders
//! (replayed as sequences); every source yields the same [`Frame`], an RGB8
//! view that the pose stage reads without copying.

mod image_file;

pub use image_file::{ImageError, MAX_SIDE, collect_images, load_rgb};

/// A borrowed RGB8 frame, rows packed, `width * height * 3` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub width: u32,
    pub height: u32,
    pub data: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Wraps an RGB8 buffer; `None` when its length does not match the size.
    pub fn new(width: u32, height: u32, data: &'a [u8]) -> Option<Self> {
        (width > 0 && height > 0 && data.len() == width as usize * height as usize * 3).then_some(Self {
            width,
            height,
            data,
        })
    }
}
