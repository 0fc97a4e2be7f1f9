//! Criterion benchmarks live in `encoder.rs`; this library is empty.
