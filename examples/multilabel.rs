//! Multi-label classification: is a tweet positive, and is it intense? Any combination of the
//! two may hold (`examples/data/vader/multilabel`, labels as JSON lists `[positive, intense]`;
//! see the README there). Raw outputs are per-label sigmoid probabilities.
//!
//! ```text
//! cargo run -p st-examples --example multilabel [-- --model DIR]
//! ```

mod common;

use common::{Setup, data};
use st_classification::files::read_multilabel_examples;
use st_classification::{
    ClassificationArgs, Example, Label, MultiLabelClassificationArgs,
    MultiLabelClassificationModel, MultiLabelOptions, Threshold,
};
use st_core::metrics::Metrics;
use st_core::task::TaskModel;

fn main() -> Result<(), common::Error> {
    let setup = Setup::new("multilabel")?;
    let options = MultiLabelOptions {
        num_labels: Some(2),
        args: Some(MultiLabelClassificationArgs {
            classification: ClassificationArgs {
                model: setup.args(3),
                ..MultiLabelClassificationArgs::default().classification
            },
            // One threshold per label: call "intense" only when the model is fairly sure.
            threshold: Threshold::PerLabel(vec![0.5, 0.6]),
        }),
        ..Default::default()
    };
    let dir = data("vader/multilabel");
    // Each row: a text and its multi-hot list, checked to have two entries.
    let read = |file: &str| -> Result<Vec<Example>, common::Error> {
        let rows = read_multilabel_examples(&dir.join(file), Some(2))?;
        Ok(rows
            .into_iter()
            .map(|(text, hot)| Example::new(text, Label::MultiHot(hot)))
            .collect())
    };
    let (train, eval) = (read("train.tsv")?, read("eval.tsv")?);

    let mut model = MultiLabelClassificationModel::new("bert", &setup.model_dir, options)?;
    model.train_model(&train, None, Metrics::new())?;
    let (result, _, _) = model.eval_model(&eval, &Metrics::new())?;
    println!(
        "held-out LRAP {:.3}, eval_loss {:.3} ({} tweets)",
        result["LRAP"],
        result["eval_loss"],
        eval.len()
    );

    let texts = [
        "I LOVE this so much, best news all year!!!",
        "meh, it was fine I guess",
        "this is the worst service I have ever had. never again.",
    ];
    let (predictions, probabilities) = model.predict(&texts)?;
    for ((text, label), p) in texts.iter().zip(&predictions).zip(&probabilities) {
        println!(
            "{}  positive {:.2}, intense {:.2}  {text}",
            label.key(),
            p[0],
            p[1]
        );
    }
    Ok(())
}
