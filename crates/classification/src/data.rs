//! Examples and labels.

use serde::{Deserialize, Serialize};

/// A label as users write it: a class index or name, a number for regression, or a multi-hot
/// list for multi-label classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Label {
    Int(i64),
    Float(f64),
    Text(String),
    MultiHot(Vec<u8>),
}

impl Label {
    /// The key the label is looked up by in `labels_map`.
    pub fn key(&self) -> String {
        match self {
            Label::Int(i) => i.to_string(),
            Label::Float(f) => f.to_string(),
            Label::Text(s) => s.clone(),
            Label::MultiHot(v) => format!("{v:?}"),
        }
    }

    /// The label as a number (regression).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Label::Int(i) => Some(*i as f64),
            Label::Float(f) => Some(*f),
            Label::Text(s) => s.trim().parse().ok(),
            Label::MultiHot(_) => None,
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl From<i64> for Label {
    fn from(v: i64) -> Self {
        Label::Int(v)
    }
}

impl From<f64> for Label {
    fn from(v: f64) -> Self {
        Label::Float(v)
    }
}

impl From<Vec<u8>> for Label {
    fn from(v: Vec<u8>) -> Self {
        Label::MultiHot(v)
    }
}

impl From<&str> for Label {
    fn from(v: &str) -> Self {
        Label::Text(v.to_string())
    }
}

/// One example: a text (or a pair of texts) and its label (Python's `InputExample`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub text_a: String,
    pub text_b: Option<String>,
    pub label: Label,
}

impl Example {
    /// A single-text example.
    pub fn new(text: impl Into<String>, label: impl Into<Label>) -> Self {
        Self {
            text_a: text.into(),
            text_b: None,
            label: label.into(),
        }
    }

    /// A sentence-pair example.
    pub fn pair(
        text_a: impl Into<String>,
        text_b: impl Into<String>,
        label: impl Into<Label>,
    ) -> Self {
        Self {
            text_a: text_a.into(),
            text_b: Some(text_b.into()),
            label: label.into(),
        }
    }
}
