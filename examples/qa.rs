//! Extractive question answering: fine-tune on questions about CoNLL-2003 news (which person,
//! organisation, place or other named thing is mentioned first; a quarter of the questions
//! have no answer in their context) and report SQuAD exact match / F1 on held-out questions.
//!
//! ```text
//! python3 scripts/make_conll_data.py        # CoNLL-2003 into target/data/conll2003
//! python3 scripts/make_conll_qa_data.py     # questions into target/data/conll-qa
//! cargo run --release -p st-examples --example qa [-- --model DIR] [--data DIR]
//!     [--epochs N] [--lr F] [--max-seq-length N] [--doc-stride N]
//! ```

mod common;

use std::time::Instant;

use common::{Error, Setup, repo};
use st_core::task::TaskModel;
use st_qa::{Context, QaArgs, QaMetrics, QaOptions, QuestionAnsweringModel, read_squad};

fn flag<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|v| v.parse().ok())
}

fn questions(contexts: &[Context]) -> (usize, usize) {
    let all = contexts.iter().flat_map(|c| &c.qas);
    let impossible = all.clone().filter(|q| q.is_impossible).count();
    (all.count(), impossible)
}

fn main() -> Result<(), Error> {
    let setup = Setup::new("qa")?;
    let data = flag::<String>("--data")
        .map(Into::into)
        .unwrap_or_else(|| repo().join("target/data/conll-qa"));
    if !data.join("train.json").is_file() {
        return Err(format!(
            "no QA data in {}: run `python3 scripts/make_conll_data.py` and then \
             `python3 scripts/make_conll_qa_data.py` first",
            data.display()
        )
        .into());
    }
    let mut args = QaArgs {
        model: setup.args(flag("--epochs").unwrap_or(1)),
        ..Default::default()
    };
    args.model.train_batch_size = 16;
    args.model.eval_batch_size = 64;
    args.model.max_seq_length = flag("--max-seq-length").unwrap_or(192);
    args.doc_stride = flag("--doc-stride").unwrap_or(96);
    args.max_answer_length = 30;
    args.model.learning_rate = flag("--lr").unwrap_or(if setup.small { 1e-3 } else { 1e-4 });
    let options = QaOptions {
        args: Some(args),
        ..Default::default()
    };
    let mut model = QuestionAnsweringModel::new("bert", &setup.model_dir, options)?;

    let train = read_squad(&data.join("train.json"))?;
    let eval = read_squad(&data.join("eval.json"))?;
    let (n_train, impossible) = questions(&train);
    println!(
        "training on {n_train} questions ({impossible} without an answer) about {} contexts",
        train.len()
    );

    let start = Instant::now();
    let output = model.train_model(&train, None, QaMetrics::new())?;
    let train_seconds = start.elapsed().as_secs_f64();
    println!(
        "trained {} steps in {train_seconds:.1} s ({:.1} questions/s), training loss {:.4}",
        output.global_step,
        n_train as f64 * model.args().model.num_train_epochs as f64 / train_seconds,
        output.training_loss
    );

    let start = Instant::now();
    let (result, texts) = model.eval_model(&eval, &QaMetrics::new())?;
    let (n_eval, impossible) = questions(&eval);
    println!(
        "held out ({n_eval} questions, {impossible} without an answer; {:.1} s): exact {:.2} f1 {:.2} \
         | correct {} similar {} incorrect {} | eval_loss {:.4}",
        start.elapsed().as_secs_f64(),
        result["exact"],
        result["f1"],
        result["correct"],
        result["similar"],
        result["incorrect"],
        result["eval_loss"]
    );
    for (id, miss) in texts.incorrect_text.iter().take(3) {
        println!(
            "  missed {id}: {:?} → {:?} (truth {:?})",
            miss.question, miss.predicted, miss.truth
        );
    }

    let to_predict = [Context::unanswered(
        "Angela Merkel met Emmanuel Macron in Paris on Tuesday to discuss the European Union budget .",
        [
            ("person", "Which person is mentioned first?"),
            ("place", "Which place is mentioned first?"),
            ("organisation", "Which organisation is mentioned first?"),
        ],
    )];
    let (answers, probabilities) = model.predict_n_best(&to_predict, 3)?;
    for (a, p) in answers.iter().zip(&probabilities) {
        let shown: Vec<String> = a
            .answer
            .iter()
            .zip(&p.probability)
            .map(|(t, p)| format!("{t:?} {p:.3}"))
            .collect();
        println!("  {}: {}", a.id, shown.join(", "));
    }
    println!(
        "predictions written to {}/predictions_test.json",
        model.args().model.output_dir
    );
    Ok(())
}
