//! The built-in BERT-family architectures: how each reads its `config.json` and names its
//! parameters in Hugging Face checkpoints.
//!
//! Every architecture maps the same Burn parameter paths (see [`crate::Encoder`]):
//!
//! | Burn path                              | meaning                          |
//! |----------------------------------------|----------------------------------|
//! | `embeddings.word_embeddings.weight`    | token embeddings                 |
//! | `embeddings.position_embeddings.weight`| position embeddings              |
//! | `embeddings.token_type_embeddings.weight` | segment embeddings            |
//! | `embeddings.norm.{weight,bias}`        | embedding LayerNorm              |
//! | `projection.{weight,bias}`             | embedding → hidden projection    |
//! | `layers.N.attention.{query,key,value}.*` | attention projections          |
//! | `layers.N.attention.output.*`          | attention output projection      |
//! | `layers.N.attention.norm.*`            | post-attention LayerNorm         |
//! | `layers.N.intermediate.*`              | feed-forward in                  |
//! | `layers.N.output.*`                    | feed-forward out                 |
//! | `layers.N.norm.*`                      | post-feed-forward LayerNorm      |
//! | `pooler.dense.*`                       | pooler                           |
//!
//! (LayerNorm `gamma`/`beta` appear as `weight`/`bias` here; the loader renames them and
//! transposes linear weights.) Each module below documents its Hugging Face names.

pub mod albert;
pub mod bert;
pub mod distilbert;

/// Split `layers.N.rest` into `(N, rest)`.
pub(crate) fn split_layer(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("layers.")?;
    let (index, rest) = rest.split_once('.')?;
    Some((index.parse().ok()?, rest))
}
