//! Helpers the classification test binaries share.

#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

/// Burn's CPU backends share one process-wide random generator and tests run on parallel
/// threads; each test holds this lock so that `manual_seed` means the same numbers.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tiny random BERT fixture.
pub fn tiny_bert() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/models/bert")
        .to_string_lossy()
        .into_owned()
}
