//! GPT-2 without the PyTorch fixture: the key/value cache gives the logits of a full
//! recomputation, a left-padded row gives the logits of the same row unpadded, and saved weights
//! have `transformers`' names and `Conv1D` layout and load back.

use burn::tensor::{Int, Tensor};
use st_core::backend::DefaultBackend;
use st_core::weights::Checkpoint;
use st_models::config::Activation;
use st_models::decoder::{DecoderConfig, Gpt2LmHead, Gpt2Names};
use st_models::{DecoderSpec, decoder_architecture, load_decoder, save_decoder};

type B = DefaultBackend;

fn config() -> DecoderConfig {
    DecoderConfig {
        vocab_size: 50,
        n_positions: 32,
        n_embd: 16,
        n_layer: 2,
        n_head: 4,
        n_inner: 24,
        activation: Activation::GeluTanh,
        layer_norm_epsilon: 1e-5,
        resid_pdrop: 0.1,
        embd_pdrop: 0.1,
        attn_pdrop: 0.1,
        scale_attn_weights: true,
        scale_attn_by_inverse_layer_idx: false,
        bos_token_id: Some(49),
        eos_token_id: Some(49),
        pad_token_id: None,
    }
}

fn ints(rows: &[Vec<i64>]) -> Tensor<B, 2, Int> {
    let flat: Vec<i64> = rows.iter().flatten().copied().collect();
    Tensor::<B, 1, Int>::from_ints(flat.as_slice(), &Default::default())
        .reshape([rows.len(), rows[0].len()])
}

fn values<const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec().unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn the_cache_gives_the_logits_of_a_full_recomputation_on_a_left_padded_batch() {
    let model = Gpt2LmHead::<B>::new(&config(), &Default::default());
    // Row 1 is left-padded by two (pads 0, masked).
    let tokens = vec![vec![5, 9, 13, 2, 7, 30], vec![0, 0, 11, 4, 8, 21]];
    let masks = vec![vec![1; 6], vec![0, 0, 1, 1, 1, 1]];
    let full = model.forward(ints(&tokens), ints(&masks), None);

    let mut cache = model.new_cache();
    let prompt = |r: &Vec<i64>| r[..3].to_vec();
    let mut steps = vec![values(model.last_logits(
        ints(&tokens.iter().map(prompt).collect::<Vec<_>>()),
        ints(&masks.iter().map(prompt).collect::<Vec<_>>()),
        Some(&mut cache),
    ))];
    for t in 3..6 {
        let new: Vec<Vec<i64>> = tokens.iter().map(|r| vec![r[t]]).collect();
        let mask: Vec<Vec<i64>> = masks.iter().map(|r| r[..=t].to_vec()).collect();
        steps.push(values(model.last_logits(
            ints(&new),
            ints(&mask),
            Some(&mut cache),
        )));
    }
    assert_eq!(cache.len(), 6);
    let full = values(full);
    for (step, logits) in steps.iter().enumerate() {
        let t = step + 2;
        for row in 0..2 {
            let at = (row * 6 + t) * 50;
            let d = max_diff(&full[at..at + 50], &logits[row * 50..(row + 1) * 50]);
            assert!(d < 1e-5, "row {row} position {t}: {d}");
        }
    }

    // The padded row equals the same tokens without padding.
    let alone = values(model.forward(ints(&[vec![11, 4, 8, 21]]), ints(&[vec![1; 4]]), None));
    let padded = &full[(6 + 2) * 50..12 * 50];
    assert!(max_diff(padded, &alone) < 1e-5);
}

#[test]
fn saved_weights_have_transformers_names_and_layout_and_load_back() {
    let config = config();
    let model = Gpt2LmHead::<B>::new(&config, &Default::default());
    let spec = DecoderSpec {
        arch: decoder_architecture("gpt2").unwrap(),
        config: config.clone(),
        hf_config: serde_json::json!({"model_type": "gpt2", "vocab_size": 50, "n_positions": 32,
            "n_embd": 16, "n_layer": 2, "n_head": 4, "n_inner": 24,
            "bos_token_id": 49, "eos_token_id": 49}),
    };
    let dir = tempfile::tempdir().unwrap();
    save_decoder(&model, &spec, dir.path()).unwrap();
    let checkpoint = Checkpoint::open(dir.path()).unwrap();
    assert_eq!(
        checkpoint.shape("transformer.h.0.attn.c_attn.weight"),
        Some(&[16usize, 48][..]),
        "Conv1D: [in, out]"
    );
    assert_eq!(
        checkpoint.shape("transformer.h.1.mlp.c_fc.weight"),
        Some(&[16usize, 24][..])
    );
    assert!(checkpoint.contains("transformer.ln_f.weight"));
    assert!(
        !checkpoint.contains("lm_head.weight"),
        "the tied head is not stored"
    );
    let config_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config_json["architectures"][0], "GPT2LMHeadModel");

    let spec = DecoderSpec::read("gpt2", dir.path()).unwrap();
    let (loaded, report) = load_decoder::<B>(&spec, dir.path(), &Default::default()).unwrap();
    assert!(report.unexpected.is_empty());
    let input = ints(&[vec![1, 2, 3]]);
    let mask = ints(&[vec![1, 1, 1]]);
    let a = values(model.forward(input.clone(), mask.clone(), None));
    let b = values(loaded.forward(input, mask, None));
    assert_eq!(a, b);
    let _ = Gpt2Names;
}

#[test]
fn impossible_configs_are_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, named) in [
        ("n_head", 5, "divisor of n_embd"),
        ("n_embd", 0, "\"n_embd\""),
        ("n_positions", 0, "\"n_positions\""),
    ] {
        let mut config = serde_json::json!({"n_embd": 16, "n_head": 4});
        config[key] = value.into();
        let err = DecoderSpec::new("gpt2", config, dir.path()).unwrap_err();
        assert!(err.to_string().contains(named), "{key}: {err}");
    }
    let err = DecoderSpec::new("bert", serde_json::json!({}), dir.path()).unwrap_err();
    // `bert` is both an encoder and an encoder-decoder (BERT2BERT): both are named, in order.
    assert!(
        err.to_string()
            .contains("registered among the encoders and encoder-decoders"),
        "{err}"
    );
}
