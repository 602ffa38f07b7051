//! Image files: decoding with limits checked before any pixel buffer is
//! allocated, errors that name the file and the problem, and folder listing.

use std::path::{Path, PathBuf};

use image::ImageFormat;

/// Largest accepted width or height: a 16k frame is already far beyond any webcam.
pub const MAX_SIDE: u32 = 16_384;
/// Largest accepted pixel count (8K UHD fits): a header's claim is checked
/// against it before any buffer is sized from it, so a few corrupt bytes
/// cannot ask for gigabytes.
pub const MAX_PIXELS: u64 = 1 << 25;

/// Whether a header's size is one headsup decodes.
pub fn size_ok(width: u32, height: u32) -> bool {
    width > 0
        && height > 0
        && width <= MAX_SIDE
        && height <= MAX_SIDE
        && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// Why an image could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: not an image headsup can read (expected JPEG or PNG)")]
    UnknownFormat { path: PathBuf },
    #[error(
        "{path}: image is {width}×{height} pixels; expected 1 to {MAX_SIDE} on each side and at most {MAX_PIXELS} pixels; refused before decoding"
    )]
    TooLarge { path: PathBuf, width: u32, height: u32 },
    #[error("{path}: corrupt or truncated image ({message})")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: no JPEG or PNG images in this folder")]
    EmptyFolder { path: PathBuf },
}

/// Decodes `path` into an RGB8 buffer, reusing `buf`'s allocation.
/// Returns (width, height).
pub fn load_rgb(path: &Path, buf: &mut Vec<u8>) -> Result<(u32, u32), ImageError> {
    let p = || path.to_path_buf();
    let bytes = std::fs::read(path).map_err(|source| ImageError::Io { path: p(), source })?;
    if bytes.is_empty() {
        return Err(ImageError::Empty { path: p() });
    }
    let format =
        image::guess_format(&bytes).ok().filter(|f| matches!(f, ImageFormat::Jpeg | ImageFormat::Png));
    let Some(format) = format else {
        return Err(ImageError::UnknownFormat { path: p() });
    };
    // The size from the header alone, before any pixel buffer exists.
    if let Ok(size) = imagesize::blob_size(&bytes) {
        let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let (width, height) = (side(size.width), side(size.height));
        if !size_ok(width, height) {
            return Err(ImageError::TooLarge { path: p(), width, height });
        }
    }
    let (width, height) = match format {
        ImageFormat::Jpeg => {
            decode_jpeg(&bytes, None, buf).map_err(|message| ImageError::Corrupt { path: p(), message })?
        }
        _ => decode_png(&bytes, buf).map_err(|e| classify(path, e))?,
    };
    if !size_ok(width, height) {
        return Err(ImageError::TooLarge { path: p(), width, height });
    }
    Ok((width, height))
}

/// JPEG through libjpeg-turbo's decoder (mozjpeg), as OpenCV decodes it.
/// The size in the header is checked before the pixel buffer is sized: it
/// must be within the limits and, for a camera frame, the size the camera
/// was set to (`expect`).
pub(crate) fn decode_jpeg(
    bytes: &[u8],
    expect: Option<(u32, u32)>,
    buf: &mut Vec<u8>,
) -> Result<(u32, u32), String> {
    if !jpeg_has_end_marker(bytes) {
        // libjpeg would fill the missing part with grey and carry on.
        return Err("JPEG data ends before its end-of-image marker".into());
    }
    // libjpeg reports fatal errors by unwinding (without the panic hook).
    let decoded =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> std::io::Result<(u32, u32)> {
            let mut img = mozjpeg::Decompress::new_mem(bytes)?.rgb()?;
            let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
            let size = (side(img.width()), side(img.height()));
            if !size_ok(size.0, size.1) || expect.is_some_and(|e| e != size) {
                // Refused by the caller, which names the size.
                return Ok(size);
            }
            let (w, h) = (img.width(), img.height());
            // Every byte is written by the decoder: a buffer of the right
            // size (every camera frame after the first) is not cleared.
            buf.resize(w * h * 3, 0);
            img.read_scanlines_into::<u8>(buf)?;
            img.finish()?;
            Ok((w as u32, h as u32))
        }));
    match decoded {
        Ok(Ok(size)) => Ok(size),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "libjpeg error".into())),
    }
}

fn decode_png(bytes: &[u8], buf: &mut Vec<u8>) -> Result<(u32, u32), image::ImageError> {
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), ImageFormat::Png);
    let mut limits = image::Limits::default();
    // Pixel budget: the largest accepted frame at 8 bytes per pixel (16-bit RGBA).
    limits.max_alloc = Some(MAX_PIXELS * 8);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let rgb = reader.decode()?.into_rgb8();
    let (w, h) = rgb.dimensions();
    buf.clear();
    buf.extend_from_slice(rgb.as_raw());
    Ok((w, h))
}

/// Whether the JPEG's end-of-image marker (FF D9) is near the end of the file.
/// Entropy-coded data never contains it (0xFF is stuffed with 0x00), so a
/// truncated file lacks it; a little trailing junk after it is tolerated.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn classify(path: &Path, e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Unsupported(_) => ImageError::UnknownFormat { path: path.to_path_buf() },
        image::ImageError::IoError(source) if source.kind() != std::io::ErrorKind::UnexpectedEof => {
            ImageError::Io { path: path.to_path_buf(), source }
        }
        other => ImageError::Corrupt { path: path.to_path_buf(), message: other.to_string() },
    }
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
}

/// The image files of a folder, sorted by name (a recording's frame order).
pub fn collect_images(dir: &Path) -> Result<Vec<PathBuf>, ImageError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| ImageError::Io { path: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && is_image(p)).collect();
    if files.is_empty() {
        return Err(ImageError::EmptyFolder { path: dir.to_path_buf() });
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_header_claiming_a_huge_image_is_refused_before_decoding() {
        // A valid PNG signature and IHDR for 100000×100000 RGB, no pixel data.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        // A few bytes of (bogus) pixel data and the end marker, as a real file has.
        let idat = b"IDAT\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01";
        png.extend_from_slice(&10u32.to_be_bytes());
        png.extend_from_slice(idat);
        png.extend_from_slice(&crc32(idat).to_be_bytes());
        png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        let dir = std::env::temp_dir().join(format!("headsup-huge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("huge.png");
        std::fs::write(&path, &png).unwrap();
        let err = load_rgb(&path, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { width: 100_000, .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
