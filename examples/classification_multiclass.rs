//! Multi-class classification with string labels: tweets as negative, neutral or positive
//! (`examples/data/vader/multiclass`, real tweets rated by people; see the README there).
//!
//! ```text
//! cargo run -p st-examples --example classification_multiclass [-- --model DIR]
//! ```

mod common;

use common::{Setup, train_and_eval};
use st_classification::{
    ClassificationArgs, ClassificationModel, ClassificationOptions, Label, softmax,
};
use st_core::metrics::{FnMetric, Metrics};
use st_core::task::TaskModel;

fn main() -> Result<(), common::Error> {
    let setup = Setup::new("multiclass")?;
    let labels = ["negative", "neutral", "positive"];
    let args = ClassificationArgs {
        model: setup.args(3),
        // String labels in, string labels out; their order fixes the class ids.
        labels_list: labels.iter().map(|l| Label::Text(l.to_string())).collect(),
        ..Default::default()
    };
    let options = ClassificationOptions {
        args: Some(args),
        ..Default::default()
    };
    let (train, eval) = train_and_eval("vader/multiclass", false)?;

    let mut model = ClassificationModel::new("bert", &setup.model_dir, options)?;
    model.train_model(&train, None, Metrics::new())?;
    // Multi-class results carry mcc and eval_loss, as in Python; accuracy is an extra metric.
    let accuracy = FnMetric::new("accuracy", |truth: &[f64], predicted: &[f64]| {
        let hits = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
        hits as f64 / truth.len() as f64
    });
    let (result, _, _) = model.eval_model(&eval, &Metrics::new().with(accuracy))?;
    println!(
        "held-out accuracy {:.3}, mcc {:.3}, eval_loss {:.3} ({} tweets, 3 balanced classes)",
        result["accuracy"],
        result["mcc"],
        result["eval_loss"],
        eval.len()
    );

    let texts = [
        "best day ever, thank you all so much!!",
        "the bus leaves at 8 tomorrow",
        "my phone died again and I missed the call. great.",
    ];
    let (predictions, raw) = model.predict(&texts)?;
    for ((text, label), p) in texts.iter().zip(&predictions).zip(softmax(&raw)) {
        let shown: Vec<String> = labels
            .iter()
            .zip(&p)
            .map(|(l, p)| format!("{l} {p:.2}"))
            .collect();
        println!("{:>9}  [{}]  {text}", label.key(), shown.join(", "));
    }
    Ok(())
}
