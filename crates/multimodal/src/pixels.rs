//! Images to the image encoder's input, as Simple Transformers' `get_image_transforms()`:
//! `Resize(256)` (the short side to 256, the long side scaled and truncated, bilinear with
//! antialiasing as Pillow resamples), `CenterCrop(224)` (offsets rounded half to even as
//! Python's `round`; zero padding when the image is smaller), `ToTensor` and `Normalize` with
//! Simple Transformers' mean and standard deviation (MM-IMDb's, not ImageNet's). PNG and JPEG
//! are decoded with the `image` crate; grey and RGBA images become RGB as Pillow's
//! `convert("RGB")` makes them (grey replicated, alpha dropped).
//!
//! Against torchvision on Pillow (`tests/pixels.rs`, real emoji PNGs and a JPEG): the
//! resampling differs by at most one 8-bit level per pixel (the two libraries' fixed-point
//! rounding), ≤ 0.033 after normalisation, and far less on average.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use rayon::prelude::*;

/// Simple Transformers' normalisation constants (`get_image_transforms`).
pub const SIMPLE_TRANSFORMERS_MEAN: [f32; 3] = [0.467_770_44, 0.445_314_3, 0.406_610_17];
pub const SIMPLE_TRANSFORMERS_STD: [f32; 3] = [0.122_219_94, 0.121_458_35, 0.143_804_69];

/// A decoded or transformed image that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PixelError {
    #[error("{path}: cannot read the image: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a PNG or JPEG image this library can decode: {message}")]
    Decode { path: PathBuf, message: String },
}

/// Resize, centre crop and normalise.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTransform {
    /// The short side after resizing.
    pub resize: usize,
    /// The side of the square centre crop.
    pub crop: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Default for ImageTransform {
    /// Python's: 256, 224, Simple Transformers' mean and std.
    fn default() -> Self {
        Self::simple_transformers(256, 224)
    }
}

impl ImageTransform {
    /// Simple Transformers' transform at other sizes.
    pub fn simple_transformers(resize: usize, crop: usize) -> Self {
        Self {
            resize,
            crop,
            mean: SIMPLE_TRANSFORMERS_MEAN,
            std: SIMPLE_TRANSFORMERS_STD,
        }
    }

    /// Values per image: `3 · crop · crop`.
    pub fn len(&self) -> usize {
        3 * self.crop * self.crop
    }

    /// Whether the crop is empty.
    pub fn is_empty(&self) -> bool {
        self.crop == 0
    }

    /// Decode `path` and transform it into `out` (`3 · crop · crop` values, channels first).
    pub fn load_into(&self, path: &Path, out: &mut [f32]) -> Result<(), PixelError> {
        let bytes = std::fs::read(path).map_err(|source| PixelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let image = image::load_from_memory(&bytes).map_err(|e| PixelError::Decode {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        self.apply(&image.to_rgb8(), out);
        Ok(())
    }

    /// Decode and transform every image of `paths` in parallel: `[n, 3, crop, crop]` values.
    /// The first unreadable image (in order) is the error.
    pub fn load_batch(&self, paths: &[&Path]) -> Result<Vec<f32>, PixelError> {
        let mut pixels = vec![0.0; paths.len() * self.len()];
        pixels
            .par_chunks_mut(self.len().max(1))
            .zip(paths.par_iter())
            .map(|(out, path)| self.load_into(path, out))
            .collect::<Result<Vec<()>, _>>()?;
        Ok(pixels)
    }

    /// Transform an RGB image into `out`.
    pub fn apply(&self, image: &image::RgbImage, out: &mut [f32]) {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let (new_width, new_height) = resized(width, height, self.resize);
        let resized;
        let image = if (new_width, new_height) == (width, height) {
            image
        } else {
            resized = image::imageops::resize(
                image,
                new_width as u32,
                new_height as u32,
                FilterType::Triangle,
            );
            &resized
        };
        let crop = self.crop;
        let left = crop_origin(new_width, crop);
        let top = crop_origin(new_height, crop);
        let plane = crop * crop;
        for y in 0..crop {
            for x in 0..crop {
                let source = (x as isize + left, y as isize + top);
                let inside = source.0 >= 0
                    && source.1 >= 0
                    && (source.0 as usize) < new_width
                    && (source.1 as usize) < new_height;
                let pixel = if inside {
                    image.get_pixel(source.0 as u32, source.1 as u32).0
                } else {
                    [0, 0, 0]
                };
                for c in 0..3 {
                    out[c * plane + y * crop + x] =
                        (f32::from(pixel[c]) / 255.0 - self.mean[c]) / self.std[c];
                }
            }
        }
    }
}

/// torchvision's `Resize(size)` for an int: the short side becomes `size`, the long side
/// `int(size · long / short)`.
fn resized(width: usize, height: usize, size: usize) -> (usize, usize) {
    let (short, long) = if width <= height {
        (width, height)
    } else {
        (height, width)
    };
    if short == size || short == 0 {
        return (width, height);
    }
    let new_long = (size as f64 * long as f64 / short as f64) as usize;
    if width <= height {
        (size, new_long)
    } else {
        (new_long, size)
    }
}

/// Where a centre crop of `crop` starts along a side of `side` pixels (negative: torchvision
/// pads `(crop − side) / 2` zeros before the image, and the rest after it).
fn crop_origin(side: usize, crop: usize) -> isize {
    if crop > side {
        return -(((crop - side) / 2) as isize);
    }
    // int(round((side - crop) / 2.0)), Python's round: half to even.
    let twice = side - crop;
    let half = twice / 2;
    let offset = if twice % 2 == 1 && half % 2 == 1 {
        half + 1
    } else {
        half
    };
    offset as isize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_keeps_the_aspect_ratio_as_torchvision() {
        assert_eq!(resized(64, 64, 256), (256, 256));
        assert_eq!(resized(96, 64, 80), (120, 80));
        assert_eq!(resized(64, 97, 80), (80, 121));
        assert_eq!(resized(640, 480, 256), (341, 256));
    }

    #[test]
    fn crop_offsets_round_half_to_even() {
        // (side - crop) / 2 = 0.5 → 0, 1.5 → 2, 2.5 → 2.
        assert_eq!(crop_origin(225, 224), 0);
        assert_eq!(crop_origin(227, 224), 2);
        assert_eq!(crop_origin(229, 224), 2);
        assert_eq!(crop_origin(256, 224), 16);
        assert_eq!(crop_origin(10, 13), -1);
    }
}
