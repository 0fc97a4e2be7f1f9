//! Saving and restoring the optimiser state with a checkpoint ([`OPTIMIZER_FILE`]), by Hugging
//! Face parameter name, so that a resumed run (whose parameters have new ids) finds it.

use std::collections::HashMap;

use burn::module::ParamId;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use super::OptimizerConfig;
use super::grouped::GroupedOptimizer;
use super::state::{Second, State, StateTensor};
use crate::train::TrainError;

/// File holding the optimiser state in a checkpoint.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

impl<B: Backend> GroupedOptimizer<B> {
    /// Write the per-parameter state as safetensors, each tensor named
    /// `{hf_name}/{exp_avg|exp_avg_sq|exp_avg_sq_row|exp_avg_sq_col}` and the step counts in
    /// the metadata, so that a resumed run (whose parameters have new ids) finds them by name.
    pub fn save_state(
        &self,
        names: &HashMap<ParamId, String>,
        path: &std::path::Path,
    ) -> Result<(), TrainError> {
        let mut tensors: Vec<(String, crate::weights::HostTensor)> = Vec::new();
        let mut steps = serde_json::Map::new();
        for (id, state) in &self.state {
            let Some(name) = names.get(id) else { continue };
            let (step, parts) = state.parts();
            steps.insert(name.clone(), step.into());
            for (part, tensor) in parts {
                tensors.push((format!("{name}/{part}"), host(tensor)));
            }
        }
        let metadata = HashMap::from([
            ("format".to_string(), "st-optimizer".to_string()),
            (
                "steps".to_string(),
                serde_json::Value::Object(steps).to_string(),
            ),
        ]);
        safetensors::serialize_to_file(tensors, Some(metadata), path).map_err(|e| {
            TrainError::BadState {
                path: path.to_path_buf(),
                message: format!("cannot write optimizer state: {e}"),
            }
        })
    }

    /// Restore the state written by [`GroupedOptimizer::save_state`]; `ids` maps Hugging Face
    /// names to this model's parameter ids.
    pub fn load_state(
        &mut self,
        ids: &HashMap<String, ParamId>,
        path: &std::path::Path,
        device: &B::Device,
    ) -> Result<(), TrainError> {
        let bad = |message: String| TrainError::BadState {
            path: path.to_path_buf(),
            message: format!("invalid optimizer state: {message}"),
        };
        let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
        let (_, metadata) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
        let file = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
        let steps: serde_json::Map<String, serde_json::Value> = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get("steps"))
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| bad("no step counts".into()))?;
        let tensor = |name: &str| -> Result<Option<crate::weights::HostTensor>, TrainError> {
            match file.tensor(name) {
                Ok(view) => Ok(Some(crate::weights::HostTensor {
                    shape: view.shape().to_vec(),
                    values: view
                        .data()
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                })),
                Err(_) => Ok(None),
            }
        };
        for (name, step) in steps {
            let Some(id) = ids.get(&name) else {
                return Err(bad(format!("parameter {name} is not in the model")));
            };
            let step = step
                .as_u64()
                .ok_or_else(|| bad(format!("step of {name}")))?;
            let get = |part: &str| tensor(&format!("{name}/{part}"));
            let required = |part: &str| -> Result<Tensor<B, 1>, TrainError> {
                device_tensor(get(part)?, device)
                    .ok_or_else(|| bad(format!("{name}/{part} missing")))
            };
            let state = match &self.config {
                OptimizerConfig::AdamW { .. } => State::Adam {
                    step,
                    exp_avg: required("exp_avg")?,
                    exp_avg_sq: required("exp_avg_sq")?,
                },
                OptimizerConfig::Adafactor(_) => {
                    let second = match (get("exp_avg_sq_row")?, get("exp_avg_sq_col")?) {
                        (Some(row), Some(col)) => Second::Factored {
                            row: device_tensor2(row, device),
                            col: device_tensor2(col, device),
                        },
                        _ => Second::Full(required("exp_avg_sq")?),
                    };
                    State::Adafactor {
                        step,
                        exp_avg: device_tensor(get("exp_avg")?, device),
                        second,
                    }
                }
            };
            self.state.insert(*id, state);
        }
        Ok(())
    }
}

fn host<B: Backend>(tensor: StateTensor<B>) -> crate::weights::HostTensor {
    let data = match tensor {
        StateTensor::Flat(t) => t.into_data(),
        StateTensor::Matrix(t) => t.into_data(),
    };
    let shape = data.shape.to_vec();
    let values = data.convert::<f32>().to_vec().unwrap_or_default();
    crate::weights::HostTensor { shape, values }
}

fn device_tensor<B: Backend>(
    tensor: Option<crate::weights::HostTensor>,
    device: &B::Device,
) -> Option<Tensor<B, 1>> {
    tensor.map(|t| {
        Tensor::from_data(
            burn::tensor::TensorData::new(t.values, [t.shape.iter().product::<usize>()]),
            device,
        )
    })
}

fn device_tensor2<B: Backend>(
    tensor: crate::weights::HostTensor,
    device: &B::Device,
) -> Tensor<B, 2> {
    let shape = [tensor.shape[0], tensor.shape.get(1).copied().unwrap_or(1)];
    Tensor::from_data(burn::tensor::TensorData::new(tensor.values, shape), device)
}
