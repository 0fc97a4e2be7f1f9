//! The grouped optimiser against PyTorch's `AdamW` and `transformers`' `Adafactor`, and
//! global-norm clipping against `clip_grad_norm_`, on `fixtures/train/*.json`
//! (`scripts/make_train_fixtures.py`).

use std::collections::HashMap;
use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::module::{Module, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use serde_json::Value;
use st_core::backend::DefaultBackend as Inner;
use st_core::train::groups::ParamGroup;
use st_core::train::optim::{
    AdafactorConfig, GroupedOptimizer, OptimizerConfig, clip_coefficient, global_grad_norm,
};

type AB = Autodiff<Inner>;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/train")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn shape(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// Named parameters of rank 1 to 3, as the fixtures use them. (Burn's `Module` derive only
/// recognises the backend parameter when it is called `B`.)
#[derive(Module, Debug)]
struct Params<B: Backend> {
    rank1: Vec<Param<Tensor<B, 1>>>,
    rank2: Vec<Param<Tensor<B, 2>>>,
    rank3: Vec<Param<Tensor<B, 3>>>,
}

struct Named {
    params: Params<AB>,
    /// name → (rank, index)
    slots: HashMap<String, (usize, usize)>,
    ids: HashMap<String, ParamId>,
}

fn build(initial: &serde_json::Map<String, Value>) -> Named {
    let device = Default::default();
    let mut params = Params::<AB> {
        rank1: vec![],
        rank2: vec![],
        rank3: vec![],
    };
    let mut slots = HashMap::new();
    let mut ids = HashMap::new();
    for (name, tensor) in initial {
        let data = TensorData::new(floats(tensor), shape(tensor));
        let slot = match shape(tensor).len() {
            1 => {
                let p = Param::from_data(data, &device);
                ids.insert(name.clone(), p.id);
                params.rank1.push(p);
                (1, params.rank1.len() - 1)
            }
            2 => {
                let p = Param::from_data(data, &device);
                ids.insert(name.clone(), p.id);
                params.rank2.push(p);
                (2, params.rank2.len() - 1)
            }
            3 => {
                let p = Param::from_data(data, &device);
                ids.insert(name.clone(), p.id);
                params.rank3.push(p);
                (3, params.rank3.len() - 1)
            }
            n => panic!("rank {n}"),
        };
        slots.insert(name.clone(), slot);
    }
    Named { params, slots, ids }
}

fn values_of(named: &Named, name: &str) -> Vec<f32> {
    let data = match named.slots[name] {
        (1, i) => named.params.rank1[i].val().into_data(),
        (2, i) => named.params.rank2[i].val().into_data(),
        (3, i) => named.params.rank3[i].val().into_data(),
        _ => unreachable!(),
    };
    data.convert::<f32>().to_vec().unwrap()
}

fn gradients(named: &Named, grads: &serde_json::Map<String, Value>) -> GradientsParams {
    let device = Default::default();
    let mut out = GradientsParams::new();
    for (name, tensor) in grads {
        let id = named.ids[name];
        let data = TensorData::new(floats(tensor), shape(tensor));
        match named.slots[name].0 {
            1 => out.register::<Inner, 1>(id, Tensor::from_data(data, &device)),
            2 => out.register::<Inner, 2>(id, Tensor::from_data(data, &device)),
            3 => out.register::<Inner, 3>(id, Tensor::from_data(data, &device)),
            _ => unreachable!(),
        }
    }
    out
}

fn groups(named: &Named, case: &Value) -> Vec<ParamGroup> {
    case["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let names: Vec<String> = g["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect();
            ParamGroup {
                lr: g["lr"].as_f64().unwrap_or(0.0),
                weight_decay: g["weight_decay"].as_f64().unwrap(),
                ids: names.iter().map(|n| named.ids[n]).collect(),
                names,
            }
        })
        .collect()
}

/// Run every case's three steps and return the worst absolute difference against the
/// reference precision `reference`.
fn run_cases(
    file: &str,
    config_of: impl Fn(&Value) -> OptimizerConfig,
    reference: &str,
) -> Vec<(String, f32)> {
    let fixture = fixture(file);
    let mut worst = Vec::new();
    for case in fixture["cases"].as_array().unwrap() {
        let mut named = build(case["initial"].as_object().unwrap());
        let groups = groups(&named, case);
        let lrs: Vec<f64> = groups.iter().map(|g| g.lr).collect();
        let mut optimizer = GroupedOptimizer::<Inner>::new(config_of(case), groups);
        let mut case_worst = 0.0f32;
        for (step, grads) in case["grads"].as_array().unwrap().iter().enumerate() {
            let grads = gradients(&named, grads.as_object().unwrap());
            named.params = optimizer.step::<AB, _>(named.params, grads, &lrs, 1.0);
            for (name, expected) in case[reference][step].as_object().unwrap() {
                let ours = values_of(&named, name);
                for (a, b) in ours.iter().zip(floats(expected)) {
                    case_worst = case_worst.max((a - b).abs());
                }
            }
        }
        worst.push((case["name"].as_str().unwrap().to_string(), case_worst));
    }
    worst
}

#[test]
fn adamw_matches_pytorch() {
    let worst = run_cases(
        "adamw.json",
        |case| {
            let g = &case["groups"][0];
            OptimizerConfig::AdamW {
                betas: (
                    g["betas"][0].as_f64().unwrap(),
                    g["betas"][1].as_f64().unwrap(),
                ),
                eps: g["eps"].as_f64().unwrap(),
            }
        },
        "float32",
    );
    assert_eq!(worst.len(), 3);
    for (name, diff) in worst {
        eprintln!("adamw {name}: max abs diff after 3 steps {diff:.2e}");
        assert!(diff <= 1e-6, "{name}: {diff}");
    }
}

#[test]
fn adafactor_matches_transformers() {
    let worst = run_cases(
        "adafactor.json",
        |case| {
            let g = &case["groups"][0];
            OptimizerConfig::Adafactor(AdafactorConfig {
                eps: (g["eps"][0].as_f64().unwrap(), g["eps"][1].as_f64().unwrap()),
                clip_threshold: g["clip_threshold"].as_f64().unwrap(),
                decay_rate: g["decay_rate"].as_f64().unwrap(),
                beta1: g["beta1"].as_f64(),
                scale_parameter: g["scale_parameter"].as_bool().unwrap(),
                relative_step: g["relative_step"].as_bool().unwrap(),
                warmup_init: g["warmup_init"].as_bool().unwrap(),
            })
        },
        // The default settings make ~1e-6 updates: compare with the float64 run, whose only
        // rounding is the final cast, so that the check measures the algorithm.
        "float64",
    );
    assert_eq!(worst.len(), 3);
    for (name, diff) in worst {
        eprintln!("adafactor {name}: max abs diff after 3 steps {diff:.2e}");
        assert!(diff <= 1e-6, "{name}: {diff}");
    }
}

#[test]
fn clipping_matches_clip_grad_norm() {
    let fixture = fixture("clip_grad_norm.json");
    for case in fixture["cases"].as_array().unwrap() {
        let grads_json = case["grads"].as_object().unwrap();
        let named = build(grads_json); // parameter values are irrelevant; shapes matter
        let grads = gradients(&named, grads_json);
        let norm = global_grad_norm::<AB, _>(&named.params, &grads, &|_| true);
        let max_norm = case["max_norm"].as_f64().unwrap();
        let expected_norm = case["float64"]["total_norm"].as_f64().unwrap();
        assert!(
            (norm - expected_norm).abs() <= 1e-5 * expected_norm.max(1.0),
            "{}: norm {norm} vs {expected_norm}",
            case["name"]
        );
        let coef = clip_coefficient(norm, max_norm);
        let expected_coef = case["float64"]["clip_coef"].as_f64().unwrap();
        assert!(
            (coef - expected_coef).abs() <= 1e-6,
            "{}: coef {coef} vs {expected_coef}",
            case["name"]
        );
    }
}

/// Clipping's scale reaches AdamW as if the gradients had been scaled first.
#[test]
fn grad_scale_is_applied_to_the_gradients() {
    fn halve(v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.iter().map(halve).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), if k == "shape" { v.clone() } else { halve(v) }))
                    .collect(),
            ),
            Value::Number(n) => serde_json::json!(n.as_f64().unwrap() * 0.5),
            other => other.clone(),
        }
    }
    let fixture = fixture("adamw.json");
    let case = &fixture["cases"][1];
    let config = OptimizerConfig::AdamW {
        betas: (0.9, 0.999),
        eps: 1e-8,
    };
    let mut results = Vec::new();
    for (scale, transform) in [(0.5, false), (1.0, true)] {
        let mut named = build(case["initial"].as_object().unwrap());
        let groups = groups(&named, case);
        let lrs: Vec<f64> = groups.iter().map(|g| g.lr).collect();
        let mut optimizer = GroupedOptimizer::<Inner>::new(config.clone(), groups);
        for grads in case["grads"].as_array().unwrap() {
            let grads = if transform {
                halve(grads)
            } else {
                grads.clone()
            };
            let grads = gradients(&named, grads.as_object().unwrap());
            named.params = optimizer.step::<AB, _>(named.params, grads, &lrs, scale);
        }
        let names: Vec<String> = case["initial"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        results.push(
            names
                .iter()
                .flat_map(|n| values_of(&named, n))
                .collect::<Vec<f32>>(),
        );
    }
    assert_eq!(results[0], results[1]);
}
