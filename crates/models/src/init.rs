//! Fresh weights as `transformers`' `_init_weights` draws them for a model trained from
//! scratch: linear and embedding weights from N(0, `initializer_range`), biases zero,
//! LayerNorm weight one and bias zero, the embeddings' padding rows zero; GPT-2 also scales its
//! residual projections (`c_proj`) by 1/√(2·`n_layer`). Burn's own initialisers differ (N(0, 1)
//! embeddings, Kaiming-uniform linears), which matters when nothing is loaded over them.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor};

use crate::{EncoderWithHead, Gpt2LmHead, MaskedLm};

/// How one parameter is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    Normal(f64),
    Zeros,
    Ones,
}

/// Where a parameter sits: its path (`layers.0.attention.query.weight`), the type of the
/// module holding it (`Struct:Linear`) and its name there (`weight`).
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub path: &'a str,
    pub container: &'a str,
    pub name: &'a str,
}

/// The rule every `transformers` model shares: N(0, `std`) for linear and embedding weights and
/// any other matrix, zeros for biases, ones for LayerNorm weights.
pub fn standard(std: f64) -> impl Fn(Site<'_>) -> Init {
    move |site: Site<'_>| match (site.container, site.name) {
        ("Struct:LayerNorm", "gamma" | "weight") => Init::Ones,
        ("Struct:LayerNorm", _) => Init::Zeros,
        (_, "bias" | "beta") => Init::Zeros,
        _ => Init::Normal(std),
    }
}

struct Reinit<F> {
    stack: Vec<(String, String)>,
    rule: F,
}

impl<B: Backend, F: Fn(Site<'_>) -> Init> ModuleMapper<B> for Reinit<F> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack
            .push((name.to_string(), container_type.to_string()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let path = (self.stack.iter())
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let (name, container) = self
            .stack
            .last()
            .map(|(n, c)| (n.as_str(), c.as_str()))
            .unwrap_or(("", ""));
        let site = Site {
            path: &path,
            container,
            name,
        };
        let (shape, device) = (tensor.shape(), tensor.device());
        let fresh = match (self.rule)(site) {
            Init::Normal(std) => Tensor::random(shape, Distribution::Normal(0.0, std), &device),
            Init::Zeros => Tensor::zeros(shape, &device),
            Init::Ones => Tensor::ones(shape, &device),
        };
        // A new leaf that trains as the one it replaces did.
        let fresh = fresh.set_require_grad(tensor.is_require_grad());
        Param::from_mapped_value(id, fresh, mapper)
    }
}

/// Every float parameter of `module` drawn anew by `rule` (from the backend's generator, so
/// `manual_seed` makes it reproducible).
pub fn reinitialise<B: Backend, M: Module<B>>(module: M, rule: impl Fn(Site<'_>) -> Init) -> M {
    module.map(&mut Reinit {
        stack: Vec::new(),
        rule,
    })
}

/// Row `row` of a `[rows, width]` table set to zero (PyTorch's `padding_idx` row).
fn zero_row<B: Backend>(table: Param<Tensor<B, 2>>, row: i64) -> Param<Tensor<B, 2>> {
    table.map(|t| {
        let [rows, width] = t.dims();
        match usize::try_from(row) {
            Ok(r) if r < rows => {
                let trains = t.is_require_grad();
                let zeros = Tensor::zeros([1, width], &t.device());
                // Detached: the parameter stays a leaf of the graph.
                (t.slice_assign([r..r + 1, 0..width], zeros).detach()).set_require_grad(trains)
            }
            _ => t,
        }
    })
}

/// A masked LM (encoder + head) initialised as `transformers` initialises `*ForMaskedLM`.
pub fn init_masked_lm<B: Backend>(model: MaskedLm<B>, std: f64) -> MaskedLm<B> {
    init_encoder_with_head(model, std)
}

/// Any encoder + head (`*ForMaskedLM`, `ElectraForPreTraining`…) initialised as `transformers`
/// initialises it: the standard rule, the embeddings' padding rows zero.
pub fn init_encoder_with_head<B: Backend, H: Module<B> + burn::module::ModuleDisplay>(
    model: EncoderWithHead<B, H>,
    std: f64,
) -> EncoderWithHead<B, H> {
    let mut model = reinitialise(model, standard(std));
    let embeddings = &mut model.encoder.embeddings;
    let word = embeddings.word_embeddings.weight.clone();
    embeddings.word_embeddings.weight = zero_row(word, embeddings.pad_token_id);
    if let Some(position_pad) = embeddings.position_padding_idx {
        let table = embeddings.position_embeddings.weight.clone();
        embeddings.position_embeddings.weight = zero_row(table, position_pad);
    }
    model
}

/// GPT-2 initialised as `transformers` initialises `GPT2LMHeadModel`: the standard rule, with
/// every `c_proj` weight from N(0, `std`/√(2·`n_layer`)).
pub fn init_gpt2<B: Backend>(model: Gpt2LmHead<B>, std: f64) -> Gpt2LmHead<B> {
    let n_layer = model.transformer.h.len().max(1);
    let scaled = std / ((2 * n_layer) as f64).sqrt();
    let base = standard(std);
    reinitialise(model, move |site: Site<'_>| {
        if site.name == "weight" && site.path.ends_with("c_proj.weight") {
            Init::Normal(scaled)
        } else {
            base(site)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecoderConfig, config::Activation};

    type B = st_core::backend::DefaultBackend;

    fn stats(t: Tensor<B, 2>) -> (f64, f64) {
        let v: Vec<f32> = t.into_data().to_vec().unwrap();
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let var = v
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var.sqrt())
    }

    #[test]
    fn gpt2_weights_are_drawn_as_transformers_draws_them() {
        let config = DecoderConfig {
            vocab_size: 500,
            n_positions: 64,
            n_embd: 64,
            n_layer: 2,
            n_head: 4,
            n_inner: 256,
            activation: Activation::GeluTanh,
            layer_norm_epsilon: 1e-5,
            resid_pdrop: 0.0,
            embd_pdrop: 0.0,
            attn_pdrop: 0.0,
            scale_attn_weights: true,
            scale_attn_by_inverse_layer_idx: false,
            bos_token_id: None,
            eos_token_id: None,
            pad_token_id: None,
        };
        let device = Default::default();
        let model = init_gpt2(Gpt2LmHead::<B>::new(&config, &device), 0.02);
        let (mean, std) = stats(model.transformer.wte.weight.val());
        assert!(
            mean.abs() < 1e-3 && (std - 0.02).abs() < 1e-3,
            "{mean} {std}"
        );
        let block = &model.transformer.h[0];
        let (_, std) = stats(block.attn.c_attn.weight.val());
        assert!((std - 0.02).abs() < 1e-3, "{std}");
        let (_, std) = stats(block.mlp.c_proj.weight.val());
        assert!((std - 0.01).abs() < 1e-3, "c_proj: 0.02/√4: {std}");
        let (_, std) = stats(block.attn.c_proj.weight.val());
        assert!((std - 0.01).abs() < 1e-3, "{std}");
        let bias: Vec<f32> = block
            .attn
            .c_attn
            .bias
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .to_vec()
            .unwrap();
        assert!(bias.iter().all(|&b| b == 0.0));
        let gamma: Vec<f32> = block.ln_1.gamma.val().into_data().to_vec().unwrap();
        assert!(gamma.iter().all(|&g| g == 1.0));
    }
}
