//! Regression: predict how positive a movie-review snippet is, on the -4..4 scale people
//! rated it on (`examples/data/vader/regression`; see the README there).
//!
//! ```text
//! cargo run -p st-examples --example classification_regression [-- --model DIR]
//! ```

mod common;

use common::{Setup, train_and_eval};
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions};
use st_core::metrics::{FnMetric, Metrics, pearson};
use st_core::task::TaskModel;

fn main() -> Result<(), common::Error> {
    let setup = Setup::new("regression")?;
    let args = ClassificationArgs {
        model: setup.args(3),
        regression: true,
        ..Default::default()
    };
    let options = ClassificationOptions {
        num_labels: Some(1),
        args: Some(args),
        ..Default::default()
    };
    // `true`: labels are numbers, not class names.
    let (train, eval) = train_and_eval("vader/regression", true)?;

    let mut model = ClassificationModel::new("bert", &setup.model_dir, options)?;
    model.train_model(&train, None, Metrics::new())?;
    let correlation = FnMetric::new("pearson", |truth: &[f64], predicted: &[f64]| {
        pearson(truth, predicted).unwrap_or(f64::NAN)
    });
    let (result, _, _) = model.eval_model(&eval, &Metrics::new().with(correlation))?;
    println!(
        "held-out eval_loss (MSE) {:.3}, Pearson r {:.3} ({} snippets)",
        result["eval_loss"],
        result["pearson"],
        eval.len()
    );

    let texts = [
        "A gorgeous, moving film with a career-best performance.",
        "It is watchable, if a little long.",
        "A tedious, joyless mess.",
    ];
    // For regression each raw output is the predicted value itself.
    let (_, raw) = model.predict(&texts)?;
    for (text, value) in texts.iter().zip(&raw) {
        println!("{:+.2}  {text}", value[0]);
    }
    Ok(())
}
