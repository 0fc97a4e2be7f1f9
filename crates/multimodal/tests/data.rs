//! Data as Python reads it: Simple Transformers' own `JsonlDataset` + `collate_fn` output on a
//! two-sample directory (`fixtures/multimodal/images/samples`, recorded by
//! `scripts/make_multimodal_fixtures.py`), the same samples as CSV, TSV and JSONL rows, key
//! renames, and errors that name the file and the key.

use std::path::{Path, PathBuf};

use serde_json::json;
use st_core::backend::TrainBackend;
use st_multimodal::features::batch;
use st_multimodal::{
    MultiModalClassificationModel, MultiModalExample, MultiModalLabel, MultiModalOptions,
};
use st_test_support::{RefTensor, fixtures, int_matrix, ints, values};

type Inner = <TrainBackend as burn::tensor::backend::AutodiffBackend>::InnerBackend;

fn images() -> PathBuf {
    fixtures().join("multimodal/images")
}

fn model(overrides: serde_json::Value) -> MultiModalClassificationModel {
    let mut args = json!({
        "max_seq_length": 10,
        "num_image_embeds": 3,
        "data_type_extension": ".json",
        "image_type_extension": ".png",
        "silent": true,
    });
    args.as_object_mut()
        .unwrap()
        .extend(overrides.as_object().unwrap().clone());
    let options = MultiModalOptions {
        label_list: Some(vec!["a".into(), "b".into(), "c".into()]),
        overrides: Some(args),
        ..Default::default()
    };
    let dir = fixtures().join("multimodal/mmbt");
    MultiModalClassificationModel::new("bert", dir.to_str().unwrap(), options).unwrap()
}

fn python() -> serde_json::Value {
    st_test_support::reference(&fixtures().join("multimodal/mmbt"))["dataset"].clone()
}

#[test]
fn directory_samples_match_simple_transformers_jsonl_dataset() {
    let model = model(json!({}));
    let expected = python();
    let stems: Vec<String> = expected["files_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let samples = images().join("samples");
    let examples = model.read_data(&samples, Some(&stems), None).unwrap();
    // Without a files_list every .json file is a sample (Python would append the extension
    // twice); the images are still looked up in the directory's parent.
    assert_eq!(model.read_data(&samples, None, None).unwrap(), examples);
    assert_eq!(examples[0].image, images().join("grinning.png"));
    assert_eq!(examples[1].labels, MultiModalLabel::Class("c".into()));

    let rows = model.featurise(&examples).unwrap();
    let device = Default::default();
    let refs: Vec<_> = rows.iter().collect();
    let batch = batch::<Inner>(&refs, model.transform(), &device).unwrap();
    let as_ints = |t: burn::tensor::Tensor<Inner, 2, burn::tensor::Int>| {
        t.into_data().convert::<i64>().to_vec::<i64>().unwrap()
    };
    assert_eq!(
        as_ints(batch.input.input_ids.clone()),
        as_ints(int_matrix::<Inner>(&expected["input_ids"], &device))
    );
    assert_eq!(
        as_ints(batch.input.attention_mask.clone()),
        as_ints(int_matrix::<Inner>(&expected["attention_mask"], &device))
    );
    let starts: Vec<i64> = rows.iter().map(|r| r.start).collect();
    let ends: Vec<i64> = rows.iter().map(|r| r.end).collect();
    assert_eq!(starts, ints(&expected["modal_start_tokens"]));
    assert_eq!(ends, ints(&expected["modal_end_tokens"]));
    let classes: Vec<i64> = rows
        .iter()
        .map(|r| match r.target {
            st_multimodal::features::Target::Class(c) => c as i64,
            _ => -1,
        })
        .collect();
    assert_eq!(classes, ints(&expected["labels"]));

    // Python's default transform (256 / 224) on the grid of pixels recorded.
    let pixels = values(batch.input.images);
    let grid: Vec<usize> = ints(&expected["image_grid"])
        .iter()
        .map(|&g| g as usize)
        .collect();
    let reference = RefTensor::from_json(&expected["image_pixels"]);
    let mut sampled = Vec::new();
    for n in 0..2 {
        for c in 0..3 {
            for &y in &grid {
                for &x in &grid {
                    sampled.push(pixels[((n * 3 + c) * 224 + y) * 224 + x]);
                }
            }
        }
    }
    let max = sampled
        .iter()
        .zip(&reference.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(max <= 1.0 / 255.0 / 0.1214 + 1e-4, "pixels differ by {max}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn rows_read_as_csv_tsv_and_jsonl() {
    let model = model(json!({"image_type_extension": ""}));
    let tmp = tempfile::tempdir().unwrap();
    let expected = vec![
        MultiModalExample::new(
            "a grinning face",
            MultiModalLabel::Class("b".into()),
            images().join("grinning.png"),
        ),
        MultiModalExample::new(
            "two, labels",
            MultiModalLabel::Classes(vec!["a".into(), "c".into()]),
            images().join("grey.png"),
        ),
    ];
    let csv = write(
        tmp.path(),
        "rows.csv",
        "text,labels,images\na grinning face,b,grinning.png\n\"two, labels\",\"[\"\"a\"\", \"\"c\"\"]\",grey.png\n",
    );
    let tsv = write(
        tmp.path(),
        "rows.tsv",
        "images\ttext\tlabels\ngrinning.png\ta grinning face\tb\ngrey.png\ttwo, labels\t[\"a\", \"c\"]\n",
    );
    let jsonl = write(
        tmp.path(),
        "rows.jsonl",
        "{\"text\": \"a grinning face\", \"labels\": \"b\", \"images\": \"grinning.png\"}\n\n{\"text\": \"two, labels\", \"labels\": [\"a\", \"c\"], \"images\": \"grey.png\"}\n",
    );
    for path in [csv, tsv, jsonl] {
        let read = model.read_data(&path, None, Some(&images())).unwrap();
        assert_eq!(read, expected, "{}", path.display());
    }
}

#[test]
fn renamed_keys_and_errors_that_name_the_file() {
    let renamed = model(
        json!({"text_label": "caption", "labels_label": "category", "images_label": "picture"}),
    );
    let tmp = tempfile::tempdir().unwrap();
    let rows = write(
        tmp.path(),
        "rows.jsonl",
        "{\"caption\": \"sun\", \"category\": \"c\", \"picture\": \"sunflower\"}\n{\"caption\": \"x\"}\n",
    );
    let err = renamed
        .read_data(&rows, None, Some(&images()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rows.jsonl, line 2") && err.contains("\"picture\""),
        "{err}"
    );

    let model = model(json!({}));
    let dir = tmp.path().join("samples");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "good.json", "{\"text\": \"a\", \"labels\": \"a\"}");
    write(&dir, "bad.json", "{\"text\": \"a\", \"labels\": ");
    let err = model.read_data(&dir, None, None).unwrap_err().to_string();
    assert!(
        err.contains("bad.json") && err.contains("not JSON"),
        "{err}"
    );
    std::fs::remove_file(dir.join("bad.json")).unwrap();
    write(&dir, "odd.json", "{\"text\": \"a\", \"labels\": \"z\"}");
    let examples = model.read_data(&dir, None, None).unwrap();
    let err = model.featurise(&examples).unwrap_err().to_string();
    assert!(
        err.contains("\"z\"") && err.contains("[\"a\", \"b\", \"c\"]"),
        "{err}"
    );

    let csv = write(tmp.path(), "rows.csv", "text,label,images\nx,a,y\n");
    let err = model.read_data(&csv, None, None).unwrap_err().to_string();
    assert!(
        err.contains("rows.csv, line 1") && err.contains("no \"labels\" column"),
        "{err}"
    );
}
