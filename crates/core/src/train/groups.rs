//! Parameter groups by Hugging Face parameter names, exactly as Simple Transformers builds them,
//! so that a Python configuration (`custom_parameter_groups`, `custom_layer_parameters`,
//! `train_custom_parameters_only`) ports over unchanged.
//!
//! Precedence, as in Python:
//! 1. each `custom_parameter_groups` entry takes the parameters it names;
//! 2. each `custom_layer_parameters` entry takes the remaining parameters whose name contains
//!    `layer.{n}.`, split into a decaying group and a `weight_decay = 0` group (names containing
//!    `bias` or `LayerNorm.weight`);
//! 3. unless `train_custom_parameters_only`, everything left forms two default groups:
//!    `weight_decay = args.weight_decay`, and `0.0` for bias / LayerNorm weights.
//!
//! Parameters in no group are frozen: the optimiser never changes them.
//!
//! A group that does not set `lr` uses `learning_rate`; one that does not set `weight_decay`
//! gets the optimiser's constructor default, as in Python: for AdamW that is PyTorch's 0.01
//! (Simple Transformers does not pass `weight_decay` to `AdamW`), for Adafactor
//! `args.weight_decay`.

use std::collections::HashSet;

use burn::module::ParamId;

use crate::args::ModelArgs;
use crate::weights::NamedParameter;

/// Names containing one of these are never decayed by the default and layer groups.
pub const NO_DECAY: [&str; 2] = ["bias", "LayerNorm.weight"];

/// One optimiser parameter group.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamGroup {
    /// Base learning rate (the schedule scales it).
    pub lr: f64,
    pub weight_decay: f64,
    /// Hugging Face names of the parameters, in model order.
    pub names: Vec<String>,
    pub ids: Vec<ParamId>,
}

/// What the optimiser's constructor would use for a group that does not say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupDefaults {
    pub lr: f64,
    pub weight_decay: f64,
}

/// An unknown parameter name in `custom_parameter_groups`.
#[derive(Debug, thiserror::Error)]
#[error(
    "custom_parameter_groups names parameter(s) the model does not have: {}; \
     list the model's names with get_named_parameters()",
    .unknown.join(", ")
)]
pub struct UnknownParameters {
    pub unknown: Vec<String>,
}

fn decays(name: &str) -> bool {
    !NO_DECAY.iter().any(|nd| name.contains(nd))
}

fn group(lr: f64, weight_decay: f64, params: &[&NamedParameter]) -> ParamGroup {
    ParamGroup {
        lr,
        weight_decay,
        names: params.iter().map(|p| p.hf_name.clone()).collect(),
        ids: params.iter().map(|p| p.id).collect(),
    }
}

/// Build the optimiser's parameter groups from the model's named parameters and the args.
pub fn parameter_groups(
    params: &[NamedParameter],
    args: &ModelArgs,
    defaults: GroupDefaults,
) -> Result<Vec<ParamGroup>, UnknownParameters> {
    let mut taken: HashSet<&str> = HashSet::new();
    let mut groups = Vec::new();

    let known: HashSet<&str> = params.iter().map(|p| p.hf_name.as_str()).collect();
    let unknown: Vec<String> = args
        .custom_parameter_groups
        .iter()
        .flat_map(|g| g.params.iter())
        .filter(|n| !known.contains(n.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(UnknownParameters { unknown });
    }

    for custom in &args.custom_parameter_groups {
        let members: Vec<&NamedParameter> = params
            .iter()
            .filter(|p| custom.params.contains(&p.hf_name))
            .collect();
        taken.extend(members.iter().map(|p| p.hf_name.as_str()));
        groups.push(group(
            custom.lr.unwrap_or(defaults.lr),
            custom.weight_decay.unwrap_or(defaults.weight_decay),
            &members,
        ));
    }

    for layer in &args.custom_layer_parameters {
        let marker = format!("layer.{}.", layer.layer);
        let members: Vec<&NamedParameter> = params
            .iter()
            .filter(|p| !taken.contains(p.hf_name.as_str()) && p.hf_name.contains(&marker))
            .collect();
        taken.extend(members.iter().map(|p| p.hf_name.as_str()));
        let (decay, no_decay): (Vec<_>, Vec<_>) =
            members.into_iter().partition(|p| decays(&p.hf_name));
        let lr = layer.lr.unwrap_or(defaults.lr);
        groups.push(group(
            lr,
            layer.weight_decay.unwrap_or(defaults.weight_decay),
            &decay,
        ));
        groups.push(group(lr, 0.0, &no_decay));
    }

    if !args.train_custom_parameters_only {
        let rest: Vec<&NamedParameter> = params
            .iter()
            .filter(|p| !taken.contains(p.hf_name.as_str()))
            .collect();
        let (decay, no_decay): (Vec<_>, Vec<_>) =
            rest.into_iter().partition(|p| decays(&p.hf_name));
        groups.push(group(args.learning_rate, args.weight_decay, &decay));
        groups.push(group(args.learning_rate, 0.0, &no_decay));
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{CustomLayerParameters, CustomParameterGroup};

    fn params(names: &[&str]) -> Vec<NamedParameter> {
        names
            .iter()
            .map(|n| NamedParameter {
                burn_path: n.to_string(),
                hf_name: n.to_string(),
                id: ParamId::new(),
                shape: vec![1],
                transposed: false,
            })
            .collect()
    }

    const NAMES: [&str; 7] = [
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.0.attention.self.query.weight",
        "bert.encoder.layer.0.attention.self.query.bias",
        "bert.encoder.layer.0.output.LayerNorm.weight",
        "bert.encoder.layer.1.output.dense.weight",
        "bert.encoder.layer.10.output.dense.weight",
        "classifier.weight",
    ];

    const DEFAULTS: GroupDefaults = GroupDefaults {
        lr: 4e-5,
        weight_decay: 0.01,
    };

    #[test]
    fn default_groups_split_decay_like_python() {
        let args = ModelArgs {
            weight_decay: 0.1,
            ..Default::default()
        };
        let groups = parameter_groups(&params(&NAMES), &args, DEFAULTS).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].weight_decay, 0.1);
        assert_eq!(groups[0].names.len(), 5);
        assert_eq!(groups[1].weight_decay, 0.0);
        assert_eq!(
            groups[1].names,
            [
                "bert.encoder.layer.0.attention.self.query.bias",
                "bert.encoder.layer.0.output.LayerNorm.weight"
            ]
        );
    }

    #[test]
    fn custom_groups_take_precedence_over_layers() {
        let args = ModelArgs {
            custom_parameter_groups: vec![CustomParameterGroup {
                params: vec!["classifier.weight".into(), NAMES[1].into()],
                lr: Some(1e-3),
                weight_decay: None,
            }],
            custom_layer_parameters: vec![CustomLayerParameters {
                layer: 0,
                lr: Some(1e-4),
                weight_decay: Some(0.2),
            }],
            ..Default::default()
        };
        let groups = parameter_groups(&params(&NAMES), &args, DEFAULTS).unwrap();
        assert_eq!(
            groups[0].names,
            [
                "bert.encoder.layer.0.attention.self.query.weight",
                "classifier.weight"
            ]
        );
        assert_eq!((groups[0].lr, groups[0].weight_decay), (1e-3, 0.01));
        // layer 0 without the query weight (taken above); `layer.0.` does not match layer.10.
        assert!(groups[1].names.is_empty());
        assert_eq!(
            groups[2].names,
            [
                "bert.encoder.layer.0.attention.self.query.bias",
                "bert.encoder.layer.0.output.LayerNorm.weight"
            ]
        );
        assert_eq!((groups[2].lr, groups[2].weight_decay), (1e-4, 0.0));
        assert_eq!(groups.len(), 5);
        assert!(groups[3].names.contains(&NAMES[5].to_string()));
    }

    #[test]
    fn train_custom_parameters_only_freezes_the_rest() {
        let args = ModelArgs {
            custom_parameter_groups: vec![CustomParameterGroup {
                params: vec!["classifier.weight".into()],
                lr: None,
                weight_decay: Some(0.0),
            }],
            train_custom_parameters_only: true,
            ..Default::default()
        };
        let groups = parameter_groups(&params(&NAMES), &args, DEFAULTS).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].names, ["classifier.weight"]);
        assert_eq!(groups[0].lr, 4e-5);
    }

    #[test]
    fn unknown_names_are_an_error() {
        let args = ModelArgs {
            custom_parameter_groups: vec![CustomParameterGroup {
                params: vec!["classifier.wieght".into()],
                lr: None,
                weight_decay: None,
            }],
            ..Default::default()
        };
        let err = parameter_groups(&params(&NAMES), &args, DEFAULTS).unwrap_err();
        assert!(err.to_string().contains("classifier.wieght"));
    }
}
