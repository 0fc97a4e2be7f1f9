//! Training rows held in memory or read from a file as batches need them (`lazy_loading`), for
//! tasks whose in-memory rows are a list (NER and QA windows).

/// A file of training examples indexed up front and read as batches need them.
pub trait LazyRows {
    /// How many examples the file holds.
    fn len(&self) -> usize;

    /// Whether the file holds none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Featurised rows, or a lazily read file of examples.
#[derive(Debug)]
pub enum TrainRows<R, L> {
    Memory(Vec<R>),
    Lazy(L),
}

impl<R, L: LazyRows> TrainRows<R, L> {
    /// How many training examples the trainer sees.
    pub fn len(&self) -> usize {
        match self {
            TrainRows::Memory(rows) => rows.len(),
            TrainRows::Lazy(file) => file.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The rows at `indices`.
pub fn pick<'a, R>(rows: &'a [R], indices: &[usize]) -> Vec<&'a R> {
    indices.iter().map(|&i| &rows[i]).collect()
}
