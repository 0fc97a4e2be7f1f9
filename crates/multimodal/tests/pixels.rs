//! The image transform against torchvision on Pillow (`fixtures/multimodal/transforms.json`,
//! from `scripts/make_multimodal_fixtures.py`): real emoji PNGs (RGBA, and one converted to
//! grey) and a non-square JPEG, enlarged (Resize 80, CenterCrop 72) and shrunk (Resize 40,
//! CenterCrop 32) in full, and at Python's Resize 256 / CenterCrop 224 on a 16 × 16 grid of
//! pixels and the channel means. Pillow and the `image` crate round their fixed-point
//! resampling differently, by at most one 8-bit level: 1/255/std ≤ 0.033 after normalisation.
//! JPEG decoders differ too (libjpeg-turbo's IDCT and chroma upsampling in Pillow, zune-jpeg
//! here): up to three levels on the JPEG, under half a level on average.

use std::path::Path;

use serde_json::Value;
use st_multimodal::ImageTransform;
use st_test_support::{RefTensor, fixtures, ints};

/// One 8-bit level after Simple Transformers' normalisation (the smallest std), plus float
/// rounding of the 5-decimal reference.
const ONE_LEVEL: f32 = 1.0 / 255.0 / 0.121_458_35 + 1e-4;

fn cases() -> Value {
    let path = fixtures().join("multimodal/transforms.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn load(transform: &ImageTransform, image: &Path) -> Vec<f32> {
    let mut out = vec![0.0; transform.len()];
    transform.load_into(image, &mut out).unwrap();
    out
}

/// (max, mean) absolute difference.
fn differences(ours: &[f32], theirs: &[f32]) -> (f32, f32) {
    assert_eq!(ours.len(), theirs.len());
    let diffs: Vec<f32> = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let max = diffs.iter().copied().fold(0.0, f32::max);
    (max, diffs.iter().sum::<f32>() / diffs.len() as f32)
}

#[test]
fn transforms_match_torchvision_within_one_level() {
    let images = fixtures().join("multimodal/images");
    for (name, case) in cases().as_object().unwrap() {
        let image = images.join(name);
        let (levels, mean_bound) = if name.ends_with(".jpg") {
            (4.0, 0.02)
        } else {
            (1.0, 0.005)
        };
        let tolerance = levels * ONE_LEVEL;
        for (key, resize, crop) in [("enlarge", 80, 72), ("shrink", 40, 32)] {
            let expected = RefTensor::from_json(&case[key]);
            assert_eq!(expected.shape, vec![3, crop, crop]);
            let ours = load(&ImageTransform::simple_transformers(resize, crop), &image);
            let (max, mean) = differences(&ours, &expected.data);
            eprintln!(
                "{name} {key} ({}): max {max:.4}, mean {mean:.5}",
                case["mode"]
            );
            assert!(max <= tolerance, "{name} {key}: max difference {max}");
            assert!(mean <= mean_bound, "{name} {key}: mean difference {mean}");
        }
        let default = &case["default"];
        let ours = load(&ImageTransform::default(), &image);
        let grid: Vec<usize> = ints(&default["grid"]).iter().map(|&g| g as usize).collect();
        let sampled: Vec<f32> = (0..3)
            .flat_map(|c| {
                let ours = &ours;
                let grid = &grid;
                grid.iter().flat_map(move |&y| {
                    grid.iter().map(move |&x| ours[c * 224 * 224 + y * 224 + x])
                })
            })
            .collect();
        let (max, mean) = differences(&sampled, &RefTensor::from_json(&default["pixels"]).data);
        eprintln!("{name} 256/224 grid: max {max:.4}, mean {mean:.5}");
        assert!(max <= tolerance, "{name} default: {max}");
        for (c, expected) in default["means"].as_array().unwrap().iter().enumerate() {
            let plane = &ours[c * 224 * 224..(c + 1) * 224 * 224];
            let mean = plane.iter().sum::<f32>() / plane.len() as f32;
            let expected = expected.as_f64().unwrap() as f32;
            assert!(
                (mean - expected).abs() <= mean_bound,
                "{name} channel {c}: {mean} vs {expected}"
            );
        }
    }
}

#[test]
fn unreadable_images_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let transform = ImageTransform::default();
    let missing = dir.path().join("missing.png");
    let mut out = vec![0.0; transform.len()];
    let err = transform
        .load_into(&missing, &mut out)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.png"), "{err}");
    let corrupt = dir.path().join("corrupt.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let err = transform
        .load_into(&corrupt, &mut out)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("corrupt.png") && err.contains("decode"),
        "{err}"
    );
    let err = transform
        .load_batch(&[missing.as_path(), corrupt.as_path()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.png"), "first failure in order: {err}");
}
