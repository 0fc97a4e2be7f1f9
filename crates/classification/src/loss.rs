//! The classification losses, shared with the other task heads in [`st_models::loss`].

pub use st_models::loss::{bce_with_logits, cross_entropy, mse};
