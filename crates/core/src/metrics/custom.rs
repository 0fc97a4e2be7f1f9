//! User-supplied metrics. Simple Transformers accepts extra metrics as
//! `name=fn(labels, preds)` keyword arguments to `train_model`/`eval_model`,
//! reports them next to the built-in ones and lets `early_stopping_metric`
//! name any of them. [`Metric`] is such a named function and [`Metrics`] an
//! ordered set of them evaluated into a name → value map.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The function behind a [`Metric`]: labels and predictions in, score out.
pub type MetricFn<L, P> = dyn Fn(&[L], &[P]) -> f64 + Send + Sync;

/// A named metric function over labels of type `L` and predictions of type
/// `P` (e.g. `usize` class ids, `f64` regression outputs, or tag sequences).
///
/// Cloning is cheap (the function is shared), so a trainer can hand the same
/// metrics to every evaluation and to other threads.
pub struct Metric<L, P> {
    name: String,
    f: Arc<MetricFn<L, P>>,
}

impl<L, P> Metric<L, P> {
    /// Names a metric function; the name is the key it is reported under.
    pub fn new(
        name: impl Into<String>,
        f: impl Fn(&[L], &[P]) -> f64 + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            f: Arc::new(f),
        }
    }

    /// The name the metric is reported (and selected for early stopping) by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the metric.
    pub fn compute(&self, labels: &[L], preds: &[P]) -> f64 {
        (self.f)(labels, preds)
    }
}

impl<L, P> Clone for Metric<L, P> {
    // Derived `Clone` would needlessly require `L: Clone, P: Clone`.
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            f: Arc::clone(&self.f),
        }
    }
}

impl<L, P> fmt::Debug for Metric<L, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metric")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// An ordered collection of metrics with unique names.
pub struct Metrics<L, P> {
    metrics: Vec<Metric<L, P>>,
}

impl<L, P> Metrics<L, P> {
    /// An empty collection.
    pub fn new() -> Self {
        Self {
            metrics: Vec::new(),
        }
    }

    /// Adds a metric; one with the same name is replaced (in place), since a
    /// name can only be reported once, just as a Python keyword argument can
    /// only be given once.
    pub fn push(&mut self, metric: Metric<L, P>) {
        match self.metrics.iter_mut().find(|m| m.name == metric.name) {
            Some(existing) => *existing = metric,
            None => self.metrics.push(metric),
        }
    }

    /// Builder form of [`Metrics::push`].
    pub fn with(mut self, metric: Metric<L, P>) -> Self {
        self.push(metric);
        self
    }

    /// The metric with this name, if any.
    pub fn get(&self, name: &str) -> Option<&Metric<L, P>> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The metrics in insertion order.
    pub fn iter(&self) -> std::slice::Iter<'_, Metric<L, P>> {
        self.metrics.iter()
    }

    /// Number of metrics.
    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    /// Whether there are no metrics.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// Runs every metric and returns name → value.
    pub fn evaluate(&self, labels: &[L], preds: &[P]) -> BTreeMap<String, f64> {
        self.metrics
            .iter()
            .map(|m| (m.name.clone(), m.compute(labels, preds)))
            .collect()
    }
}

impl<L, P> Default for Metrics<L, P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L, P> Clone for Metrics<L, P> {
    fn clone(&self) -> Self {
        Self {
            metrics: self.metrics.clone(),
        }
    }
}

impl<L, P> fmt::Debug for Metrics<L, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.metrics.iter().map(|m| &m.name))
            .finish()
    }
}

impl<L, P> FromIterator<Metric<L, P>> for Metrics<L, P> {
    fn from_iter<I: IntoIterator<Item = Metric<L, P>>>(iter: I) -> Self {
        let mut metrics = Self::new();
        iter.into_iter().for_each(|m| metrics.push(m));
        metrics
    }
}

impl<'a, L, P> IntoIterator for &'a Metrics<L, P> {
    type Item = &'a Metric<L, P>;
    type IntoIter = std::slice::Iter<'a, Metric<L, P>>;

    fn into_iter(self) -> Self::IntoIter {
        self.metrics.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accuracy(labels: &[usize], preds: &[usize]) -> f64 {
        super::super::accuracy(labels, preds).unwrap_or(f64::NAN)
    }

    #[test]
    fn evaluates_by_name_and_replaces_duplicates() {
        let metrics = Metrics::new()
            .with(Metric::new("acc", accuracy))
            .with(Metric::new("count", |l: &[usize], _: &[usize]| {
                l.len() as f64
            }))
            .with(Metric::new("acc", |_: &[usize], _: &[usize]| -1.0));
        let results = metrics.evaluate(&[1, 0, 1], &[1, 1, 1]);
        assert_eq!(results.len(), 2);
        assert_eq!(results["acc"], -1.0);
        assert_eq!(results["count"], 3.0);
        assert_eq!(format!("{metrics:?}"), r#"["acc", "count"]"#);
    }

    #[test]
    fn clone_shares_the_function_and_debug_shows_the_name() {
        let metric = Metric::new("acc", accuracy);
        let copy = metric.clone();
        assert_eq!(copy.compute(&[1, 0], &[1, 1]), 0.5);
        assert_eq!(format!("{metric:?}"), r#"Metric { name: "acc", .. }"#);
    }
}
