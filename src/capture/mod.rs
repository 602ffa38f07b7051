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

    /// Mean brightness (Rec. 601 luma, 0-255) over a sparse grid of pixels:
    /// enough to tell a dark room, cheap enough for every frame.
    pub fn mean_luma(&self) -> f32 {
        const STEP: usize = 7;
        let (mut sum, mut n) = (0u64, 0u64);
        for px in self.data.chunks_exact(3).step_by(STEP) {
            sum += 299 * u64::from(px[0]) + 587 * u64::from(px[1]) + 114 * u64::from(px[2]);
            n += 1;
        }
        if n == 0 { 0.0 } else { sum as f32 / n as f32 / 1000.0 }
    }
}
