//! What the server does with every uploaded photo before anything is kept:
//! its real type read from its bytes (not its name), decoded within limits
//! (a small file claiming a huge picture is refused before it is unpacked),
//! and drawn again as plain JPEG in the sizes the pages need. Nothing of the
//! original file (metadata such as a GPS position, or anything hostile hidden
//! in it) passes through.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// The longest side of the photo on pages, and of its thumbnail, in pixels.
pub const LARGE_SIDE: u32 = 1280;
pub const THUMB_SIDE: u32 = 320;
/// The studio shrinks every photo to 1,280 px before it sends it; this leaves
/// room for another client and refuses what no phone sends (a tiny file that
/// unpacks to a huge picture).
pub const MAX_SIDE: u32 = 4_096;
/// Memory a decode may take: a 4096 × 4096 RGBA picture is 64 MiB.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;
/// Decodes at once, whatever the number of uploads finishing together: each
/// may take [`MAX_DECODE_BYTES`] and a core.
pub const PARALLEL_DECODES: usize = 2;
/// Link previews made at once: their own turns, so a crawl of preview
/// addresses never holds back the uploads waiting to decode.
pub const PARALLEL_PREVIEWS: usize = 1;
const JPEG_QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoProblem {
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is damaged or cut off")]
    Damaged,
    #[error("the image is larger than {MAX_SIDE} pixels on a side")]
    TooManyPixels,
}

/// The sizes kept of one photo, as JPEG.
pub struct Sizes {
    pub large: Vec<u8>,
    pub thumb: Vec<u8>,
}

pub fn check_and_redraw(bytes: &[u8]) -> Result<Sizes, PhotoProblem> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoProblem::NotAnImage)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) {
        return Err(PhotoProblem::NotAnImage);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => PhotoProblem::TooManyPixels,
        _ => PhotoProblem::Damaged,
    })?;
    Ok(Sizes { large: jpeg(&fit(&image, LARGE_SIDE))?, thumb: jpeg(&fit(&image, THUMB_SIDE))? })
}

/// Link previews: Telegram, WhatsApp and Facebook show 1.91:1 best.
pub const PREVIEW_WIDTH: u32 = 1200;
pub const PREVIEW_HEIGHT: u32 = 630;
/// WhatsApp skips larger images.
pub const MAX_PREVIEW_BYTES: usize = 300 * 1024;

/// A 1200 × 630 JPEG of a kept photo (its large size), cropped to fill,
/// under [`MAX_PREVIEW_BYTES`] (the quality steps down until it is).
pub fn preview(large: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    let image = image::load_from_memory_with_format(large, ImageFormat::Jpeg).map_err(|_| PhotoProblem::Damaged)?;
    let filled = image.resize_to_fill(PREVIEW_WIDTH, PREVIEW_HEIGHT, FilterType::Triangle).to_rgb8();
    for quality in [82, 72, 60, 45, 30, 20] {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality).encode_image(&filled).map_err(|_| PhotoProblem::Damaged)?;
        if out.len() <= MAX_PREVIEW_BYTES {
            return Ok(out);
        }
    }
    Err(PhotoProblem::TooManyPixels)
}

/// The picture scaled down (never up) so its longest side is at most `side`.
fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width().max(image.height()) <= side {
        image.clone()
    } else {
        image.resize(side, side, FilterType::Triangle)
    }
}

fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, PhotoProblem> {
    let mut out = Vec::new();
    // JPEG has no transparency: a PNG's is laid on white rather than black.
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => rgb.clone(),
        other => {
            let rgba = other.to_rgba8();
            let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
            for (x, y, pixel) in rgba.enumerate_pixels() {
                let alpha = u16::from(pixel[3]);
                let over_white = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha)) / 255) as u8;
                rgb.put_pixel(x, y, image::Rgb([over_white(pixel[0]), over_white(pixel[1]), over_white(pixel[2])]));
            }
            rgb
        }
    };
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&rgb).map_err(|_| PhotoProblem::Damaged)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_1200_by_630_and_small_enough_for_whatsapp() {
        // Noise is the hardest case for JPEG: the quality steps down to fit.
        let noisy = image::RgbImage::from_fn(1280, 960, |x, y| {
            let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(97);
            image::Rgb([n as u8, (n >> 8) as u8, (n >> 16) as u8])
        });
        let large = jpeg(&DynamicImage::ImageRgb8(noisy)).unwrap();
        let made = preview(&large).unwrap();
        assert!(made.len() <= MAX_PREVIEW_BYTES, "{} bytes", made.len());
        let back = image::load_from_memory_with_format(&made, ImageFormat::Jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (PREVIEW_WIDTH, PREVIEW_HEIGHT));
    }

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn size_of(jpeg: &[u8]) -> (u32, u32) {
        let image = image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap();
        (image.width(), image.height())
    }

    #[test]
    fn photos_are_redrawn_as_jpeg_in_two_sizes() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
            let sizes = check_and_redraw(&encoded(2000, 1000, format)).unwrap();
            assert_eq!(size_of(&sizes.large), (1280, 640), "{format:?}");
            assert_eq!(size_of(&sizes.thumb), (320, 160), "{format:?}");
        }
        // Small photos are not blown up.
        let sizes = check_and_redraw(&encoded(200, 300, ImageFormat::Png)).unwrap();
        assert_eq!(size_of(&sizes.large), (200, 300));
    }

    #[test]
    fn what_is_not_a_photo_is_refused() {
        assert_eq!(check_and_redraw(b"<html><script>alert(1)</script></html>").err(), Some(PhotoProblem::NotAnImage));
        assert_eq!(check_and_redraw(b"GIF89a....").err(), Some(PhotoProblem::NotAnImage));
        let png = encoded(300, 300, ImageFormat::Png);
        assert_eq!(check_and_redraw(&png[..png.len() / 2]).err(), Some(PhotoProblem::Damaged));
    }

    #[test]
    fn a_side_above_what_phones_send_is_refused() {
        // Thin, so the file is small: only its side is too long.
        assert_eq!(
            check_and_redraw(&encoded(MAX_SIDE + 1, 8, ImageFormat::Png)).err(),
            Some(PhotoProblem::TooManyPixels)
        );
        assert!(check_and_redraw(&encoded(MAX_SIDE, 8, ImageFormat::Png)).is_ok());
    }
}
