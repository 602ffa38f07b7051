//! What a camera offers and which of it headsup takes: the pixel formats
//! it can decode, the one rule that picks a format from a camera's list,
//! and the decoding of one captured buffer into RGB. Pure functions, so the
//! rule is tested on real cameras' lists without a camera.

use std::fmt;

use crate::capture::decode_jpeg;

/// The pixel formats headsup decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Motion-JPEG (V4L2 `MJPG` or `JPEG`), with or without Huffman tables.
    Mjpeg,
    /// YUYV 4:2:2, uncompressed.
    Yuyv,
}

impl PixelFormat {
    /// From a V4L2 four-character code; `None` for formats headsup cannot read.
    pub fn from_fourcc(code: &[u8; 4]) -> Option<Self> {
        match code {
            b"MJPG" | b"JPEG" => Some(Self::Mjpeg),
            b"YUYV" | b"YUY2" => Some(Self::Yuyv),
            _ => None,
        }
    }

    pub fn fourcc(self) -> [u8; 4] {
        match self {
            Self::Mjpeg => *b"MJPG",
            Self::Yuyv => *b"YUYV",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mjpeg => "MJPEG",
            Self::Yuyv => "YUYV",
        }
    }
}

/// One size of one format, with the frame rates offered at it (fps).
#[derive(Clone, Debug, PartialEq)]
pub struct Offered {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub rates: Vec<f64>,
}

impl Offered {
    fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    fn max_rate(&self) -> f64 {
        self.rates.iter().copied().fold(0.0, f64::max)
    }
}

impl fmt::Display for Offered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rates: Vec<String> = self.rates.iter().map(|r| fmt_rate(*r)).collect();
        write!(f, "{} {}x{} @ {} fps", self.format.name(), self.width, self.height, rates.join(", "))
    }
}

fn fmt_rate(r: f64) -> String {
    if (r - r.round()).abs() < 0.01 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// The format a camera is opened with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Frames per second asked of the camera.
    pub fps: f64,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}x{} @ {} fps", self.format.name(), self.width, self.height, fmt_rate(self.fps))
    }
}

/// Picks from what the camera offers: the size nearest the wanted one by
/// area, not smaller where possible (the pose model needs detail, a larger
/// frame only costs decoding); at that size YUYV when it reaches `min_fps`
/// (no decoding artefacts, no JPEG decode), else MJPEG; then the lowest
/// offered rate that reaches `min_fps` (less USB bandwidth, longer exposure
/// in dim rooms), else the fastest. `None` when nothing offered is readable.
pub fn choose(offered: &[Offered], width: u32, height: u32, min_fps: f64) -> Option<Choice> {
    let want = u64::from(width) * u64::from(height);
    let size = offered
        .iter()
        .filter(|o| !o.rates.is_empty())
        .min_by_key(|o| if o.area() >= want { (0, o.area() - want) } else { (1, want - o.area()) })?;
    let (w, h) = (size.width, size.height);
    let at_size = |f: PixelFormat| offered.iter().find(|o| o.format == f && (o.width, o.height) == (w, h));
    let pick = match (at_size(PixelFormat::Yuyv), at_size(PixelFormat::Mjpeg)) {
        (Some(y), _) if y.max_rate() + 1e-6 >= min_fps => y,
        (_, Some(m)) => m,
        (Some(y), None) => y,
        (None, None) => size,
    };
    let fps = pick
        .rates
        .iter()
        .copied()
        .filter(|r| *r + 1e-6 >= min_fps)
        .min_by(f64::total_cmp)
        .unwrap_or_else(|| pick.max_rate());
    Some(Choice { format: pick.format, width: w, height: h, fps })
}

/// Decodes one captured frame (already cut to the bytes the driver says it
/// filled) into `rgb`. Errors are one unreadable frame, in words.
pub fn decode(
    format: PixelFormat,
    data: &[u8],
    width: u32,
    height: u32,
    rgb: &mut Vec<u8>,
) -> Result<(u32, u32), String> {
    match format {
        PixelFormat::Mjpeg => {
            if !jpeg_complete(data) {
                return Err(format!(
                    "incomplete MJPEG frame ({} bytes, no end-of-image marker at its end)",
                    data.len()
                ));
            }
            let (w, h) = decode_jpeg(data, Some((width, height)), rgb)?;
            if (w, h) != (width, height) {
                return Err(format!("MJPEG frame is {w}x{h}, the camera was set to {width}x{height}"));
            }
            Ok((w, h))
        }
        PixelFormat::Yuyv => {
            yuyv_to_rgb(data, width, height, rgb).ok_or_else(|| {
                format!(
                    "short YUYV frame ({} bytes for {width}x{height}, {} expected)",
                    data.len(),
                    width as usize * height as usize * 2
                )
            })?;
            Ok((width, height))
        }
    }
}

/// Whether an MJPEG frame ends with its end-of-image marker (FF D9). Some
/// cameras pad a frame with a few zero bytes after it; anything else there
/// means the frame was cut short. Only the frame's own bytes are looked at,
/// never the rest of the capture buffer (it may hold an older frame's end).
fn jpeg_complete(data: &[u8]) -> bool {
    const MAX_PADDING: usize = 64;
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    data.len() - end <= MAX_PADDING && data.starts_with(&[0xFF, 0xD8]) && data[..end].ends_with(&[0xFF, 0xD9])
}

/// YUYV 4:2:2 (BT.601, limited range) → RGB8 into `out`.
pub fn yuyv_to_rgb(src: &[u8], width: u32, height: u32, out: &mut Vec<u8>) -> Option<()> {
    let pixels = width as usize * height as usize;
    if src.len() < pixels * 2 {
        return None;
    }
    out.clear();
    out.reserve(pixels * 3);
    let clamp = |v: i32| (v >> 8).clamp(0, 255) as u8;
    for q in src[..pixels * 2].chunks_exact(4) {
        let (u, v) = (i32::from(q[1]) - 128, i32::from(q[3]) - 128);
        for y in [q[0], q[2]] {
            let c = 298 * (i32::from(y) - 16) + 128;
            out.extend_from_slice(&[clamp(c + 409 * v), clamp(c - 100 * u - 208 * v), clamp(c + 516 * u)]);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::PixelFormat::{Mjpeg, Yuyv};
    use super::*;

    fn o(format: PixelFormat, width: u32, height: u32, rates: &[f64]) -> Offered {
        Offered { format, width, height, rates: rates.to_vec() }
    }

    /// Logitech C920 (046d:082d) as `v4l2-ctl --list-formats-ext` lists it
    /// (H.264 left out: headsup cannot read it and the listing skips it).
    fn c920() -> Vec<Offered> {
        let yuyv: [(u32, u32, f64); 10] = [
            (640, 480, 30.0),
            (160, 120, 30.0),
            (320, 240, 30.0),
            (640, 360, 30.0),
            (800, 600, 24.0),
            (960, 720, 15.0),
            (1280, 720, 10.0),
            (1600, 896, 7.5),
            (1920, 1080, 5.0),
            (2304, 1536, 2.0),
        ];
        let mut v: Vec<Offered> = yuyv
            .iter()
            .map(|&(w, h, max)| {
                let rates: Vec<f64> =
                    [30.0, 24.0, 20.0, 15.0, 10.0, 7.5, 5.0, 2.0].into_iter().filter(|r| *r <= max).collect();
                o(Yuyv, w, h, &rates)
            })
            .collect();
        for (w, h) in [
            (640, 480),
            (160, 120),
            (320, 240),
            (640, 360),
            (800, 600),
            (960, 720),
            (1280, 720),
            (1920, 1080),
        ] {
            v.push(o(Mjpeg, w, h, &[30.0, 24.0, 20.0, 15.0, 10.0, 7.5, 5.0]));
        }
        v
    }

    /// A laptop's integrated UVC camera (Chicony/Realtek style): MJPEG for
    /// the large sizes, YUYV full rate only at 640x480.
    fn integrated() -> Vec<Offered> {
        vec![
            o(Mjpeg, 1280, 720, &[30.0]),
            o(Mjpeg, 640, 480, &[30.0]),
            o(Mjpeg, 640, 360, &[30.0]),
            o(Yuyv, 640, 480, &[30.0]),
            o(Yuyv, 640, 360, &[30.0]),
            o(Yuyv, 1280, 720, &[10.0]),
        ]
    }

    #[test]
    fn c920_at_the_default_size_takes_yuyv_at_the_lowest_rate_that_reaches_drifting() {
        let c = choose(&c920(), 640, 480, 5.0).expect("choice");
        assert_eq!(c, Choice { format: Yuyv, width: 640, height: 480, fps: 5.0 });
    }

    #[test]
    fn yuyv_too_slow_at_the_size_falls_back_to_mjpeg() {
        // 1920x1080: YUYV reaches 5 fps, MJPEG 30; wanting 10 fps takes MJPEG.
        let c = choose(&c920(), 1920, 1080, 10.0).expect("choice");
        assert_eq!((c.format, c.width, c.height, c.fps), (Mjpeg, 1920, 1080, 10.0));
        let c = choose(&integrated(), 1280, 720, 5.0).expect("choice");
        assert_eq!((c.format, c.width, c.height), (Yuyv, 1280, 720), "YUYV 10 fps reaches 5");
        let c = choose(&integrated(), 1280, 720, 15.0).expect("choice");
        assert_eq!((c.format, c.fps), (Mjpeg, 30.0), "only MJPEG reaches 15 fps at 720p");
    }

    #[test]
    fn a_missing_size_takes_the_nearest_not_smaller_one() {
        // Only 1280x720 offered, 640x480 wanted.
        let only_720p = [o(Mjpeg, 1280, 720, &[30.0, 15.0])];
        let c = choose(&only_720p, 640, 480, 5.0).expect("choice");
        assert_eq!(c, Choice { format: Mjpeg, width: 1280, height: 720, fps: 15.0 });
        // 800x600 wanted from the C920: 960x720 is the nearest larger.
        let c = choose(&c920(), 800, 601, 5.0).expect("choice");
        assert_eq!((c.width, c.height), (960, 720));
        // Nothing large enough: the largest there is.
        let small = [o(Yuyv, 320, 240, &[30.0]), o(Yuyv, 160, 120, &[30.0])];
        let c = choose(&small, 640, 480, 5.0).expect("choice");
        assert_eq!((c.width, c.height, c.fps), (320, 240, 30.0));
    }

    #[test]
    fn yuyv_only_cameras_and_empty_lists() {
        let yuyv_only = [o(Yuyv, 640, 480, &[30.0, 15.0]), o(Yuyv, 1280, 720, &[7.5])];
        let c = choose(&yuyv_only, 640, 480, 5.0).expect("choice");
        assert_eq!(c, Choice { format: Yuyv, width: 640, height: 480, fps: 15.0 });
        // Too slow but the only format at the size: still taken, at its fastest.
        let c = choose(&yuyv_only, 1280, 720, 10.0).expect("choice");
        assert_eq!((c.format, c.fps), (Yuyv, 7.5));
        assert_eq!(choose(&[], 640, 480, 5.0), None);
        assert_eq!(choose(&[o(Mjpeg, 640, 480, &[])], 640, 480, 5.0), None);
    }

    #[test]
    fn fourccs_and_names() {
        assert_eq!(PixelFormat::from_fourcc(b"MJPG"), Some(Mjpeg));
        assert_eq!(PixelFormat::from_fourcc(b"JPEG"), Some(Mjpeg));
        assert_eq!(PixelFormat::from_fourcc(b"YUYV"), Some(Yuyv));
        assert_eq!(PixelFormat::from_fourcc(b"H264"), None);
        assert_eq!(o(Yuyv, 1600, 896, &[7.5, 5.0]).to_string(), "YUYV 1600x896 @ 7.5, 5 fps");
    }

    #[test]
    fn jpeg_end_is_looked_for_only_at_the_frame_end() {
        assert!(jpeg_complete(&[0xFF, 0xD8, 1, 2, 0xFF, 0xD9]));
        assert!(jpeg_complete(&[0xFF, 0xD8, 1, 2, 0xFF, 0xD9, 0, 0, 0]));
        // Cut short: an end marker inside is an older frame's, not this one's.
        assert!(!jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xD9, 7, 7, 7]));
        assert!(!jpeg_complete(&[0xFF, 0xD8, 1, 2]));
        assert!(!jpeg_complete(&[]));
    }

    /// A real JPEG (encoded here) with and without its DHT segments, as
    /// many webcams send MJPEG: both decode to the same pixels.
    #[test]
    fn mjpeg_without_huffman_tables_decodes_like_with_them() {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img).expect("encode");
        let jpeg = jpeg.into_inner();
        let mut stripped = jpeg[..2].to_vec();
        let mut i = 2;
        while jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
            let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
            if jpeg[i + 1] != 0xC4 {
                stripped.extend_from_slice(&jpeg[i..i + 2 + len]);
            }
            i += 2 + len;
        }
        stripped.extend_from_slice(&jpeg[i..]);
        assert!(stripped.len() < jpeg.len(), "the encoder wrote Huffman tables");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(decode(Mjpeg, &jpeg, 64, 48, &mut a), Ok((64, 48)));
        assert_eq!(decode(Mjpeg, &stripped, 64, 48, &mut b), Ok((64, 48)));
        assert_eq!(a, b);
        // A frame of another size than the camera was set to is refused.
        assert!(decode(Mjpeg, &jpeg, 640, 480, &mut a).unwrap_err().contains("64x48"));
    }

    #[test]
    fn yuyv_greys_and_colours_convert() {
        let mut out = Vec::new();
        // Two pixels of video black (16) and white (235), neutral chroma.
        yuyv_to_rgb(&[16, 128, 235, 128], 2, 1, &mut out).expect("convert");
        assert_eq!(out, [0, 0, 0, 255, 255, 255]);
        // Pure red in BT.601: Y 81, U 90, V 240.
        yuyv_to_rgb(&[81, 90, 81, 240], 2, 1, &mut out).expect("convert");
        assert!(out[0] > 250 && out[1] < 5 && out[2] < 5, "{out:?}");
        assert!(yuyv_to_rgb(&[1, 2], 2, 1, &mut out).is_none());
        assert!(decode(Yuyv, &[1, 2], 2, 1, &mut out).unwrap_err().contains("short YUYV"));
    }
}
