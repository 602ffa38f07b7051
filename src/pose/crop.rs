//! Image → tensor: a rotated square region of an RGB frame sampled into an
//! NHWC float buffer, as MediaPipe's `ImageToTensorCalculator` (OpenCV path)
//! does with `warpPerspective`, bilinear, then a linear value range.

use super::roi::Roi;
use crate::capture::Frame;

/// What a sample outside the frame reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Border {
    /// Pixel value 0 (the detector's letterbox).
    Zero,
    /// The nearest edge pixel (the landmark crop).
    Replicate,
}

/// Samples `roi` into `out` (`size`×`size`×3, row-major) with values mapped
/// linearly from 0..255 to `lo..hi`.
///
/// Matches OpenCV's `boxPoints` + `getPerspectiveTransform` + `warpPerspective`:
/// the rectangle's corners map to output coordinates 0 and `size`, pixel
/// centres sit on integer coordinates, and each sample is rounded to 8 bits
/// before the range mapping, as the uint8 warp does.
pub fn crop_into(
    frame: &Frame<'_>,
    roi: &Roi,
    size: usize,
    lo: f32,
    hi: f32,
    border: Border,
    out: &mut [f32],
) {
    debug_assert_eq!(out.len(), size * size * 3);
    let (sin, cos) = roi.rotation.sin_cos();
    // Top-left corner and the per-output-pixel steps along x and y.
    let (hw, hh) = (roi.width / 2.0, roi.height / 2.0);
    let x0 = roi.cx - cos * hw + sin * hh;
    let y0 = roi.cy - sin * hw - cos * hh;
    let step = 1.0 / size as f32;
    let (ux, uy) = (cos * roi.width * step, sin * roi.width * step);
    let (vx, vy) = (-sin * roi.height * step, cos * roi.height * step);
    let scale = (hi - lo) / 255.0;
    for (v, row) in out.chunks_exact_mut(size * 3).enumerate() {
        let (rx, ry) = (x0 + vx * v as f32, y0 + vy * v as f32);
        for (u, px) in row.chunks_exact_mut(3).enumerate() {
            let rgb = sample(frame, rx + ux * u as f32, ry + uy * u as f32, border);
            for (o, c) in px.iter_mut().zip(rgb) {
                *o = c.round() * scale + lo;
            }
        }
    }
}

/// Bilinear sample at (x, y) with pixel centres on integers.
#[inline]
fn sample(frame: &Frame<'_>, x: f32, y: f32, border: Border) -> [f32; 3] {
    let (w, h) = (frame.width as i64, frame.height as i64);
    let fx = x.floor();
    let fy = y.floor();
    let (ax, ay) = (x - fx, y - fy);
    let (ix, iy) = (fx as i64, fy as i64);
    // Fast path: all four taps inside the frame.
    if ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h {
        let stride = frame.width as usize * 3;
        let i = iy as usize * stride + ix as usize * 3;
        let d = frame.data;
        let mut out = [0.0; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let top = d[i + c] as f32 * (1.0 - ax) + d[i + 3 + c] as f32 * ax;
            let bot = d[i + stride + c] as f32 * (1.0 - ax) + d[i + stride + 3 + c] as f32 * ax;
            *o = top * (1.0 - ay) + bot * ay;
        }
        return out;
    }
    let tap = |tx: i64, ty: i64| -> [f32; 3] {
        let (tx, ty) = match border {
            Border::Zero if tx < 0 || ty < 0 || tx >= w || ty >= h => return [0.0; 3],
            Border::Zero => (tx, ty),
            Border::Replicate => (tx.clamp(0, w - 1), ty.clamp(0, h - 1)),
        };
        let i = (ty as usize * frame.width as usize + tx as usize) * 3;
        [frame.data[i] as f32, frame.data[i + 1] as f32, frame.data[i + 2] as f32]
    };
    let (p00, p10, p01, p11) = (tap(ix, iy), tap(ix + 1, iy), tap(ix, iy + 1), tap(ix + 1, iy + 1));
    let mut out = [0.0; 3];
    for c in 0..3 {
        let top = p00[c] * (1.0 - ax) + p10[c] * ax;
        let bot = p01[c] * (1.0 - ax) + p11[c] * ax;
        out[c] = top * (1.0 - ay) + bot * ay;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> Vec<u8> {
        let mut d = Vec::new();
        for y in 0..h {
            for x in 0..w {
                d.extend_from_slice(&[x as u8, y as u8, 7]);
            }
        }
        d
    }

    #[test]
    fn identity_crop_reproduces_pixels() {
        let data = gradient(8, 8);
        let frame = Frame { width: 8, height: 8, data: &data };
        let roi = Roi { cx: 4.0, cy: 4.0, width: 8.0, height: 8.0, rotation: 0.0 };
        let mut out = vec![0.0; 8 * 8 * 3];
        crop_into(&frame, &roi, 8, 0.0, 255.0, Border::Replicate, &mut out);
        assert_eq!(&out[..6], &[0.0, 0.0, 7.0, 1.0, 0.0, 7.0]);
        assert_eq!(out[(5 * 8 + 3) * 3], 3.0);
        assert_eq!(out[(5 * 8 + 3) * 3 + 1], 5.0);
    }

    #[test]
    fn letterbox_pads_with_minus_one_in_detector_range() {
        let data = vec![255u8; 4 * 2 * 3];
        let frame = Frame { width: 4, height: 2, data: &data };
        let roi = Roi::letterbox(4, 2);
        let mut out = vec![0.0; 4 * 4 * 3];
        crop_into(&frame, &roi, 4, -1.0, 1.0, Border::Zero, &mut out);
        assert_eq!(out[0], -1.0, "top row is padding");
        assert_eq!(out[(2 * 4 + 1) * 3], 1.0, "middle is image");
    }

    #[test]
    fn quarter_turn_rotates_the_content() {
        let data = gradient(8, 8);
        let frame = Frame { width: 8, height: 8, data: &data };
        let roi = Roi { cx: 4.0, cy: 4.0, width: 8.0, height: 8.0, rotation: std::f32::consts::FRAC_PI_2 };
        let mut out = vec![0.0; 8 * 8 * 3];
        crop_into(&frame, &roi, 8, 0.0, 255.0, Border::Replicate, &mut out);
        // Rotating the sampling grid by +90°: output x runs down the frame's y.
        let (r, g) = (out[2 * 3], out[2 * 3 + 1]);
        assert_eq!((r, g), (7.0, 2.0));
    }
}
