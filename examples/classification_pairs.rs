//! Sentence-pair classification: does a claim about a movie-review snippet hold?
//! (`examples/data/vader/pairs`: `text_a` a snippet, `text_b` "The reviewer liked the film."
//! or "The reviewer disliked the film.", `labels` 1 when the claim holds; see the README there.)
//! The pair is encoded as `[CLS] a [SEP] b [SEP]` with segment ids, as transformers does.
//! Relating the claim to the snippet is harder than reading the snippet's sentiment: 320 pairs
//! are too few for all-MiniLM-L6-v2 to learn it (held-out accuracy 0.53 after 3 or 8 epochs;
//! it learns the snippet's sentiment and ignores the claim). The example shows the API; give
//! it more data for a useful model.
//!
//! ```text
//! cargo run -p st-examples --example classification_pairs [-- --model DIR]
//! ```

mod common;

use common::{Setup, train_and_eval};
use st_classification::{ClassificationArgs, ClassificationModel, ClassificationOptions, softmax};
use st_core::metrics::Metrics;
use st_core::task::TaskModel;

fn main() -> Result<(), common::Error> {
    let setup = Setup::new("pairs")?;
    let options = ClassificationOptions {
        args: Some(ClassificationArgs {
            model: setup.args(3),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (train, eval) = train_and_eval("vader/pairs", false)?;

    let mut model = ClassificationModel::new("bert", &setup.model_dir, options)?;
    model.train_model(&train, None, Metrics::new())?;
    let (result, _, _) = model.eval_model(&eval, &Metrics::new())?;
    println!(
        "held-out accuracy {:.3}, mcc {:.3} ({} snippet-claim pairs)",
        result["accuracy"],
        result["mcc"],
        eval.len()
    );

    let pairs = [
        (
            "A triumph from start to finish.",
            "The reviewer liked the film.",
        ),
        (
            "A triumph from start to finish.",
            "The reviewer disliked the film.",
        ),
        (
            "Dull, overlong and badly written.",
            "The reviewer disliked the film.",
        ),
    ];
    let (predictions, raw) = model.predict_pairs(&pairs)?;
    for (((a, b), label), p) in pairs.iter().zip(&predictions).zip(softmax(&raw)) {
        let verdict = if label.key() == "1" { "holds" } else { "fails" };
        println!("{verdict:>8} (p = {:.2})  {a} | {b}", p[1]);
    }
    Ok(())
}
