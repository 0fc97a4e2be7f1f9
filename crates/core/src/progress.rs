//! Progress bars for long work (training epochs, evaluation and prediction batches), hidden
//! when the user asked for silence so that nothing is drawn in logs or tests.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps drawn with `template`, or a hidden one when `show` is false.
pub fn bar(len: usize, show: bool, template: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
