//! User-supplied and built-in metrics behind one trait. Simple Transformers accepts extra
//! metrics as `name=fn(labels, preds)` keyword arguments to `train_model`/`eval_model`,
//! reports them next to the built-in ones and lets `early_stopping_metric` name any of them.
//! [`Metric`] is anything with a name that scores labels against predictions — a closure
//! wrapped in [`FnMetric`], or a built-in from [`super::builtin`] — and [`Metrics`] an ordered
//! set of them evaluated into a name → value map, looked up by name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A named score of predictions `P` against labels `L` (class ids, regression values, tag
/// sequences, answers…).
pub trait Metric<L, P>: Send + Sync {
    /// The name the metric is reported (and selected for early stopping) by.
    fn name(&self) -> &str;
    /// The score.
    fn compute(&self, labels: &[L], preds: &[P]) -> f64;
}

/// The function behind an [`FnMetric`]: labels and predictions in, score out.
pub type MetricFn<L, P> = dyn Fn(&[L], &[P]) -> f64 + Send + Sync;

/// A user's metric function with its name (Python's `name=fn` keyword).
///
/// Cloning is cheap (the function is shared).
pub struct FnMetric<L, P> {
    name: String,
    f: Arc<MetricFn<L, P>>,
}

impl<L, P> FnMetric<L, P> {
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
}

impl<L, P> Metric<L, P> for FnMetric<L, P> {
    fn name(&self) -> &str {
        &self.name
    }

    fn compute(&self, labels: &[L], preds: &[P]) -> f64 {
        (self.f)(labels, preds)
    }
}

impl<L, P> Clone for FnMetric<L, P> {
    // Derived `Clone` would needlessly require `L: Clone, P: Clone`.
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            f: Arc::clone(&self.f),
        }
    }
}

impl<L, P> fmt::Debug for FnMetric<L, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnMetric")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// An ordered collection of metrics with unique names.
pub struct Metrics<L, P> {
    metrics: Vec<Arc<dyn Metric<L, P>>>,
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
    pub fn push(&mut self, metric: impl Metric<L, P> + 'static) {
        let metric: Arc<dyn Metric<L, P>> = Arc::new(metric);
        match self.metrics.iter_mut().find(|m| m.name() == metric.name()) {
            Some(existing) => *existing = metric,
            None => self.metrics.push(metric),
        }
    }

    /// Builder form of [`Metrics::push`].
    pub fn with(mut self, metric: impl Metric<L, P> + 'static) -> Self {
        self.push(metric);
        self
    }

    /// Builder form for a closure: [`FnMetric::new`] then [`Metrics::push`].
    pub fn with_fn(
        self,
        name: impl Into<String>,
        f: impl Fn(&[L], &[P]) -> f64 + Send + Sync + 'static,
    ) -> Self
    where
        L: 'static,
        P: 'static,
    {
        self.with(FnMetric::new(name, f))
    }

    /// The metric with this name, if any.
    pub fn get(&self, name: &str) -> Option<&dyn Metric<L, P>> {
        self.metrics
            .iter()
            .find(|m| m.name() == name)
            .map(|m| m.as_ref())
    }

    /// The metrics in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Metric<L, P>> {
        self.metrics.iter().map(|m| m.as_ref())
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
            .map(|m| (m.name().to_string(), m.compute(labels, preds)))
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
            .entries(self.metrics.iter().map(|m| m.name()))
            .finish()
    }
}

impl<L, P, M: Metric<L, P> + 'static> FromIterator<M> for Metrics<L, P> {
    fn from_iter<I: IntoIterator<Item = M>>(iter: I) -> Self {
        let mut metrics = Self::new();
        iter.into_iter().for_each(|m| metrics.push(m));
        metrics
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
            .with(FnMetric::new("acc", accuracy))
            .with_fn("count", |l: &[usize], _: &[usize]| l.len() as f64)
            .with(FnMetric::new("acc", |_: &[usize], _: &[usize]| -1.0));
        let results = metrics.evaluate(&[1, 0, 1], &[1, 1, 1]);
        assert_eq!(results.len(), 2);
        assert_eq!(results["acc"], -1.0);
        assert_eq!(results["count"], 3.0);
        assert_eq!(format!("{metrics:?}"), r#"["acc", "count"]"#);
    }

    #[test]
    fn clone_shares_the_function_and_debug_shows_the_name() {
        let metric = FnMetric::new("acc", accuracy);
        let copy = metric.clone();
        assert_eq!(copy.compute(&[1, 0], &[1, 1]), 0.5);
        assert_eq!(format!("{metric:?}"), r#"FnMetric { name: "acc", .. }"#);
    }
}
