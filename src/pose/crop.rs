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
/// Bit-exact with OpenCV's 8-bit `warpPerspective` (INTER_LINEAR), which
/// MediaPipe's `ImageToTensorCalculator` uses: the rectangle's corners map to
/// output coordinates 0 and `size`, pixel centres sit on integers, source
/// positions are rounded to 1/32 pixel, the four taps are weighted in 15-bit
/// fixed point and the result is rounded to 8 bits. The detector is sensitive
/// enough that plain float bilinear moved some landmarks by tens of pixels.
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
    let (sin, cos) = f64::from(roi.rotation).sin_cos();
    let (w, h) = (f64::from(roi.width), f64::from(roi.height));
    // Top-left corner and the per-output-pixel steps along x and y.
    let x0 = f64::from(roi.cx) - cos * w / 2.0 + sin * h / 2.0;
    let y0 = f64::from(roi.cy) - sin * w / 2.0 - cos * h / 2.0;
    let s = size as f64;
    let (ux, uy) = (cos * w / s, sin * w / s);
    let (vx, vy) = (-sin * h / s, cos * h / s);
    let mut value = [0f32; 256];
    let scale = (hi - lo) / 255.0;
    for (i, v) in value.iter_mut().enumerate() {
        *v = i as f32 * scale + lo;
    }
    for (v, row) in out.chunks_exact_mut(size * 3).enumerate() {
        let v = v as f64;
        for (u, px) in row.chunks_exact_mut(3).enumerate() {
            let u = u as f64;
            let x = round_ties_even((x0 + ux * u + vx * v) * SUBPIXELS);
            let y = round_ties_even((y0 + uy * u + vy * v) * SUBPIXELS);
            let rgb = sample(frame, x, y, border);
            for (o, c) in px.iter_mut().zip(rgb) {
                *o = value[usize::from(c)];
            }
        }
    }
}

/// OpenCV's INTER_TAB_SIZE: source positions are quantised to 1/32 pixel.
const SUBPIXELS: f64 = 32.0;

/// `cvRound`: round half to even, as `f64::round_ties_even`, without the
/// libm call that baseline x86-64 (no SSE4.1) makes for it. Adding and
/// subtracting 1.5·2⁵² rounds in the FPU's default mode, exact for |x| < 2⁵¹.
#[inline(always)]
fn round_ties_even(x: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    ((x + MAGIC) - MAGIC) as i64
}

/// Fixed-point bilinear sample at (x/32, y/32), as OpenCV's `remapBilinear`.
#[inline]
fn sample(frame: &Frame<'_>, x: i64, y: i64, border: Border) -> [u8; 3] {
    let (ix, iy) = (x >> 5, y >> 5);
    let (fx, fy) = ((x & 31) as i32, (y & 31) as i32);
    // Weights sum to 32768 exactly (products of multiples of 1/32).
    let wts = [(32 - fx) * (32 - fy) * 32, fx * (32 - fy) * 32, (32 - fx) * fy * 32, fx * fy * 32];
    let (w, h) = (i64::from(frame.width), i64::from(frame.height));
    let stride = frame.width as usize * 3;
    let d = frame.data;
    // At most 255 · 32768 per channel: fits an i32.
    let mut acc = [0i32; 3];
    if ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h {
        // Fast path: all four taps inside the frame.
        let i = iy as usize * stride + ix as usize * 3;
        let taps = [i, i + 3, i + stride, i + stride + 3];
        for (t, wt) in taps.into_iter().zip(wts) {
            for (a, &p) in acc.iter_mut().zip(&d[t..t + 3]) {
                *a += i32::from(p) * wt;
            }
        }
    } else {
        for (k, wt) in wts.into_iter().enumerate() {
            let (tx, ty) = (ix + (k as i64 & 1), iy + (k as i64 >> 1));
            let (tx, ty) = match border {
                Border::Zero if tx < 0 || ty < 0 || tx >= w || ty >= h => continue,
                Border::Zero => (tx, ty),
                Border::Replicate => (tx.clamp(0, w - 1), ty.clamp(0, h - 1)),
            };
            let t = ty as usize * stride + tx as usize * 3;
            for (a, &p) in acc.iter_mut().zip(&d[t..t + 3]) {
                *a += i32::from(p) * wt;
            }
        }
    }
    acc.map(|a| ((a + (1 << 14)) >> 15).clamp(0, 255) as u8)
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
    fn rounding_is_half_to_even_like_cv_round() {
        for (x, want) in [
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-0.5, 0),
            (-1.5, -2),
            (3.2, 3),
            (-3.7, -4),
            (1e9 + 0.5, 1_000_000_000),
        ] {
            assert_eq!(round_ties_even(x), want, "{x}");
            assert_eq!(round_ties_even(x), x.round_ties_even() as i64, "{x}");
        }
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
