//! Validation and re-encoding of an uploaded image, in this order, each step refusing before
//! the next costs anything: the real type from the bytes' magic numbers (JPEG, PNG, WebP; never
//! the name or the declared content type), the dimensions from the header alone and the
//! pixel-count limit (a decompression bomb is refused before a byte of it is decoded), then
//! the decoding under [`image::Limits`] (a second line: `max_alloc`), and the re-encoding of
//! three sizes. Re-encoding writes only pixels: EXIF (GPS positions), XMP, ICC profiles and
//! comments of the upload are gone.
//!
//! **SVG is refused**, not sanitised: an SVG is an XML document that may carry scripts, event
//! handlers, external references and entities (XXE); serving one safely needs a sanitiser kept
//! up to date with browsers, which this project does not keep. Owners upload PNG instead.
//!
//! CPU work: call [`process`] inside `tokio::task::spawn_blocking`.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Longest side of the thumbnail.
pub const THUMB_SIDE: u32 = 256;
/// Longest side of the medium size.
pub const MEDIUM_SIDE: u32 = 1024;
/// Longest side of the stored original.
pub const ORIGINAL_SIDE: u32 = 2560;
/// JPEG quality of every size.
const JPEG_QUALITY: u8 = 85;

/// Why an upload is refused (each is a field code of the `file` field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not JPEG, PNG or WebP by its bytes (SVG included): `unsupported_type`.
    UnsupportedType,
    /// More pixels than the limit, from the header: `too_many_pixels`.
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The right magic but a broken body: `undecodable`.
    Undecodable,
}

/// One encoded size.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// The file.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The three sizes of an accepted image, all in one format.
#[derive(Clone, Debug)]
pub struct Processed {
    /// `image/jpeg` (opaque images) or `image/png` (images with alpha).
    pub content_type: &'static str,
    /// `jpg` or `png`: the keys' extension.
    pub extension: &'static str,
    /// Fits in [`THUMB_SIDE`].
    pub thumb: Encoded,
    /// Fits in [`MEDIUM_SIDE`].
    pub medium: Encoded,
    /// Fits in [`ORIGINAL_SIDE`].
    pub original: Encoded,
}

/// The accepted format of `bytes`, from their magic numbers.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, Refusal> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(f),
        _ => Err(Refusal::UnsupportedType),
    }
}

/// Validates, decodes and re-encodes `bytes` (see the module docs).
pub fn process(bytes: &[u8], max_pixels: u64) -> Result<Processed, Refusal> {
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(Refusal::Undecodable);
    }
    let reader = |limits: Limits| {
        let mut r = ImageReader::with_format(Cursor::new(bytes), format);
        r.limits(limits);
        r
    };
    // The header only: no limit applies yet (the pixel count is the limit, just below).
    let (width, height) = reader(Limits::no_limits())
        .into_dimensions()
        .map_err(|_| Refusal::Undecodable)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal::TooManyPixels { width, height });
    }
    let mut limits = Limits::default();
    // Four bytes per pixel (RGBA8) and the decoder's own buffers: a header lying about the
    // size still cannot make the decoder allocate past this.
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    let image = reader(limits).decode().map_err(|_| Refusal::Undecodable)?;
    let alpha = image.color().has_alpha();
    let encode = |img: &DynamicImage| encode(img, alpha);
    let original = fit(&image, ORIGINAL_SIDE);
    let medium = fit(&original, MEDIUM_SIDE);
    let thumb = fit(&medium, THUMB_SIDE);
    Ok(Processed {
        content_type: if alpha { "image/png" } else { "image/jpeg" },
        extension: if alpha { "png" } else { "jpg" },
        thumb: encode(&thumb)?,
        medium: encode(&medium)?,
        original: encode(&original)?,
    })
}

/// Whether a JPEG has its end-of-image marker after its first scan. The JPEG decoder is
/// lenient and fills a truncated file's missing rows with grey; a truncated upload must be
/// refused instead. Inside the entropy-coded data every `FF` byte is followed by `00` or a
/// restart marker, so an `FF D9` after the start of scan is the real end (bytes an application
/// appended after it, like a motion photo's video, are allowed and never decoded).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xDA {
            return bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        at += 2 + usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
    }
    false
}

/// `image` shrunk to fit in `side` × `side` (aspect kept), never enlarged.
fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image.clone()
    } else {
        image.resize(side, side, FilterType::Triangle)
    }
}

/// `image` as PNG (with alpha) or JPEG.
fn encode(image: &DynamicImage, alpha: bool) -> Result<Encoded, Refusal> {
    let mut bytes = Vec::new();
    let written = if alpha {
        DynamicImage::ImageRgba8(image.to_rgba8()).write_with_encoder(PngEncoder::new(&mut bytes))
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
    };
    written.map_err(|_| Refusal::Undecodable)?;
    Ok(Encoded {
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image::RgbImage::new(40, 30))
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    #[test]
    fn a_jpeg_needs_its_end_marker_after_the_scan() {
        let whole = jpeg();
        assert!(jpeg_is_complete(&whole));
        assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
        let mut appended = whole.clone();
        appended.extend_from_slice(b"trailing data of a motion photo");
        assert!(jpeg_is_complete(&appended));
        let processed = process(&appended, 40_000_000).map(|p| (p.extension, p.original.width));
        assert_eq!(processed.ok(), Some(("jpg", 40)));
    }

    #[test]
    fn the_pixel_limit_is_read_from_the_header() {
        assert_eq!(
            process(&jpeg(), 1_000).map(|_| ()),
            Err(Refusal::TooManyPixels {
                width: 40,
                height: 30
            })
        );
        assert_eq!(
            process(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 1_000).map(|_| ()),
            Err(Refusal::UnsupportedType)
        );
    }
}
