//! Named-entity recognition: fine-tune on CoNLL-2003 (English news, PER / ORG / LOC / MISC)
//! and report seqeval's entity-level scores on its test set.
//!
//! ```text
//! python3 scripts/make_conll_data.py        # fetches the data into target/data/conll2003
//! cargo run --release -p st-examples --example ner [-- --model DIR] [--data DIR]
//!     [--epochs N] [--train-sentences N] [--lr F]
//! ```
//!
//! `--train-sentences` trains on the first N sentences of train.txt (all 14,041 by default).

mod common;

use std::time::Instant;

use common::{Error, Setup, repo};
use st_core::metrics::Metrics;
use st_core::task::TaskModel;
use st_ner::{NerArgs, NerModel, NerOptions, read_conll};

fn flag<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|v| v.parse().ok())
}

fn main() -> Result<(), Error> {
    let setup = Setup::new("ner")?;
    let data = flag::<String>("--data")
        .map(Into::into)
        .unwrap_or_else(|| repo().join("target/data/conll2003"));
    if !data.join("train.txt").is_file() {
        return Err(format!(
            "no CoNLL data in {}: run `python3 scripts/make_conll_data.py` first",
            data.display()
        )
        .into());
    }
    let mut args = NerArgs {
        model: setup.args(flag("--epochs").unwrap_or(1)),
        ..Default::default()
    };
    args.model.train_batch_size = 16;
    args.model.eval_batch_size = 64;
    args.model.learning_rate = flag("--lr").unwrap_or(if setup.small { 1e-3 } else { 1e-4 });
    args.classification_report = true;
    let options = NerOptions {
        args: Some(args),
        ..Default::default()
    };
    let mut model = NerModel::new("bert", &setup.model_dir, options)?;
    println!("tags: {}", model.labels().join(" "));

    let mut train = read_conll(&data.join("train.txt"), model.labels())?;
    if let Some(n) = flag::<usize>("--train-sentences") {
        train.truncate(n);
    }
    let test = read_conll(&data.join("test.txt"), model.labels())?;
    let words: usize = train.iter().map(|s| s.len()).sum();
    println!("training on {} sentences ({words} words)", train.len());

    let start = Instant::now();
    let output = model.train_model(&train, None, Metrics::new())?;
    let train_seconds = start.elapsed().as_secs_f64();
    println!(
        "trained {} steps in {train_seconds:.1} s ({:.1} sentences/s), training loss {:.4}",
        output.global_step,
        train.len() as f64 * model.args().model.num_train_epochs as f64 / train_seconds,
        output.training_loss
    );

    let start = Instant::now();
    let (result, _, _) = model.eval_model(&test, &Metrics::new())?;
    let eval_seconds = start.elapsed().as_secs_f64();
    println!(
        "test ({} sentences, {eval_seconds:.1} s): precision {:.4} recall {:.4} f1 {:.4} eval_loss {:.4}",
        test.len(),
        result["precision"],
        result["recall"],
        result["f1_score"],
        result["eval_loss"]
    );
    for kind in ["PER", "ORG", "LOC", "MISC"] {
        println!(
            "  {kind:4} f1 {:.4} (support {})",
            result[&format!("{kind}/f1-score")],
            result[&format!("{kind}/support")]
        );
    }

    let (tagged, _) =
        model.predict(&["Angela Merkel met Emmanuel Macron in Paris on Tuesday ."])?;
    let shown: Vec<String> = tagged[0]
        .iter()
        .map(|t| format!("{}/{}", t.word, t.tag))
        .collect();
    println!("{}", shown.join(" "));
    Ok(())
}
