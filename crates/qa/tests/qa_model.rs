//! `QuestionAnsweringModel` end to end on the tiny random BERT fixture: it learns to answer
//! and reports Python's keys plus SQuAD's, writes the prediction files, covers a context five
//! windows long with the answer found in the right window, cuts answers from accented and
//! multi-byte text exactly, handles impossible questions, reloads saved models with identical
//! answers, trains lazily from JSONL, and names the question of a bad answer.

use std::path::{Path, PathBuf};

use st_core::args::ModelArgs;
use st_core::metrics::FnMetric;
use st_core::task::TaskModel;
use st_core::tokenizer::{Tokenizer, TokenizerOptions};
use st_qa::{
    Answer, Context, DecodeOptions, Featurizer, QaArgs, QaError, QaMetrics, QaOptions, Question,
    QuestionAnsweringModel, WindowLogits, calculate_results, decode,
};

/// Burn's CPU backends share one random generator; each test holds this lock so that
/// `manual_seed` means the same numbers.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn question(id: &str, question: &str, context: &str, answer: Option<&str>) -> Question {
    Question {
        id: id.into(),
        question: question.into(),
        is_impossible: answer.is_none(),
        answers: answer
            .map(|a| Answer {
                text: a.into(),
                answer_start: context[..context.find(a).unwrap()].chars().count(),
            })
            .into_iter()
            .collect(),
    }
}

/// "{who} visited {city} on friday ." with "who visited the city ?", "what city was visited
/// ?" and, unanswerable, "what time was the train ?".
fn contexts() -> Vec<Context> {
    let people = ["man", "dog", "fox", "chloe"];
    let cities = ["paris", "london", "berlin", "tokyo"];
    let mut out = Vec::new();
    for (i, who) in people.iter().enumerate() {
        for (j, city) in cities.iter().enumerate() {
            if (i + j) % 2 == 1 {
                continue;
            }
            let text = format!("the {who} visited {city} on friday .");
            let id = |k: &str| format!("{i}{j}-{k}");
            out.push(Context {
                qas: vec![
                    question(&id("who"), "who visited the city ?", &text, Some(who)),
                    question(&id("city"), "what city was visited ?", &text, Some(city)),
                    question(&id("none"), "what time was the train ?", &text, None),
                ],
                context: text,
            });
        }
    }
    out
}

fn args(dir: &Path) -> QaArgs {
    QaArgs {
        model: ModelArgs {
            output_dir: dir.join("outputs").to_string_lossy().into_owned(),
            best_model_dir: dir.join("outputs/best").to_string_lossy().into_owned(),
            tensorboard_dir: Some(dir.join("runs").to_string_lossy().into_owned()),
            cache_dir: dir.join("cache").to_string_lossy().into_owned(),
            num_train_epochs: 30,
            train_batch_size: 8,
            learning_rate: 3e-3,
            max_seq_length: 48,
            manual_seed: Some(3),
            silent: true,
            save_model_every_epoch: false,
            // eval_model writes eval_results.txt into output_dir, so training after an
            // evaluation needs this, as in Python.
            overwrite_output_dir: true,
            ..Default::default()
        },
        max_query_length: 16,
        doc_stride: 16,
        n_best_size: 5,
        ..Default::default()
    }
}

fn model(args: QaArgs) -> QuestionAnsweringModel {
    let options = QaOptions {
        args: Some(args),
        ..Default::default()
    };
    QuestionAnsweringModel::new("bert", &fixture("models/bert"), options).unwrap()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn learns_to_answer_and_reports_python_and_squad_keys() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = args(tmp.path());
    // Evaluating writes the prediction files into output_dir (as in Python), which training
    // then needs leave to replace.
    args.model.overwrite_output_dir = true;
    let mut model = model(args);
    let data = contexts();
    let questions = 3 * data.len();
    let (before, _) = model.eval_model(&data, &QaMetrics::new()).unwrap();
    model.train_model(&data, None, QaMetrics::new()).unwrap();
    let extra = QaMetrics::new().with(FnMetric::new(
        "answered",
        |_: &[String], predicted: &[String]| {
            predicted.iter().filter(|p| !p.is_empty()).count() as f64
        },
    ));
    let (after, texts) = model.eval_model(&data, &extra).unwrap();
    eprintln!("before {before:?}\nafter {after:?}");
    let keys: Vec<&str> = after.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "answered",
            "correct",
            "eval_loss",
            "exact",
            "f1",
            "incorrect",
            "similar"
        ]
    );
    assert!(after["eval_loss"] < before["eval_loss"] / 4.0);
    assert_eq!(
        after["correct"] + after["similar"] + after["incorrect"],
        questions as f64
    );
    assert_eq!(texts.correct_text.len() as f64, after["correct"]);
    assert!(after["correct"] >= 0.9 * questions as f64, "{after:?}");
    assert!(after["exact"] >= 90.0 && after["f1"] >= after["exact"]);

    // Python's three files, keyed by question id.
    let outputs = tmp.path().join("outputs");
    let predictions = read_json(&outputs.join("predictions_test.json"));
    let nbest = read_json(&outputs.join("nbest_predictions_test.json"));
    let null_odds = read_json(&outputs.join("null_odds_test.json"));
    for q in data.iter().flat_map(|c| &c.qas) {
        assert!(predictions[&q.id].is_string(), "{}", q.id);
        let answers = nbest[&q.id].as_array().unwrap();
        let total: f64 = answers
            .iter()
            .map(|a| a["probability"].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!(null_odds.get(&q.id).is_some());
    }
    assert_eq!(predictions["00-who"], "man");
    assert_eq!(predictions["00-none"], "");

    // predict: Python's (answers, probabilities), n best per question, best first.
    let to_predict = [Context::unanswered(
        "the fox visited tokyo on friday .",
        [
            ("a", "who visited the city ?"),
            ("b", "what city was visited ?"),
        ],
    )];
    let (answers, probabilities) = model.predict_n_best(&to_predict, 3).unwrap();
    assert_eq!(answers[0].id, "a");
    assert_eq!(answers[0].answer[0], "fox");
    assert_eq!(answers[1].answer[0], "tokyo");
    for p in &probabilities {
        assert!(p.probability.len() <= 3);
        assert!(p.probability.windows(2).all(|w| w[0] >= w[1]));
    }
}

/// A context about five windows long: every context token is in a window, the answer near the
/// end is labelled in the one window holding it, and decoding that window's peak gives the
/// exact text back — accents and all.
#[test]
fn a_context_five_windows_long_is_covered_and_the_answer_is_found_in_its_window() {
    let tokenizer = Tokenizer::from_dir(
        Path::new(&fixture("models/bert")),
        &TokenizerOptions::default(),
    )
    .unwrap();
    let max_seq_length = 48;
    let featurizer = Featurizer::new(&tokenizer, max_seq_length, 16, 16).unwrap();
    let filler = "the man visited the city and the dog went home . ".repeat(22);
    let text = format!("{filler}Zoë met Chloé in São Paulo near the 東京 café. {filler}");
    let answer = "São Paulo";
    let c = Context {
        qas: vec![question("far", "where did zoe go ?", &text, Some(answer))],
        context: text.clone(),
    };
    let windows = featurizer.windows(&c, 0, true).unwrap();
    let tokens = tokenizer
        .inner()
        .encode(text.as_str(), false)
        .unwrap()
        .len();
    assert!(tokens >= 5 * max_seq_length, "{tokens} tokens");
    assert!(windows.len() >= 5);
    // Coverage: every context token's offsets appear in some window.
    let covered: std::collections::HashSet<(usize, usize)> = windows
        .iter()
        .flat_map(|w| w.offsets.iter().copied())
        .collect();
    assert_eq!(covered.len(), tokens);
    assert!(windows.iter().all(|w| w.ids.len() <= max_seq_length));
    // The answer is labelled in exactly the windows that hold it whole, and nowhere else.
    let begin = text.find(answer).unwrap();
    let labelled: Vec<usize> = windows
        .iter()
        .enumerate()
        .filter(|(_, w)| w.start_position != 0)
        .map(|(i, _)| i)
        .collect();
    assert!(!labelled.is_empty());
    for (i, w) in windows.iter().enumerate() {
        let holds = w.offsets.first().is_some_and(|o| o.0 <= begin)
            && w.offsets
                .last()
                .is_some_and(|o| o.1 >= begin + answer.len());
        assert_eq!(labelled.contains(&i), holds, "window {i}");
    }
    // Decoding takes a span from the window where its start has the most context.
    let k = *labelled
        .iter()
        .find(|&&i| {
            windows[i].max_context[windows[i].start_position as usize - windows[i].context_start]
        })
        .unwrap();
    let w = &windows[k];
    let (s, e) = (
        w.start_position as usize - w.context_start,
        w.end_position as usize - w.context_start,
    );
    assert_eq!(&text[w.offsets[s].0..w.offsets[e].1], answer);

    // Logits peaking on the labelled tokens of that window decode to the exact answer.
    let logits: Vec<WindowLogits> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut start = vec![0.0; w.ids.len()];
            let mut end = vec![0.0; w.ids.len()];
            if i == k {
                start[w.start_position as usize] = 10.0;
                end[w.end_position as usize] = 10.0;
            }
            WindowLogits { start, end }
        })
        .collect();
    let decoded = decode(
        &text,
        &windows.iter().collect::<Vec<_>>(),
        &logits.iter().collect::<Vec<_>>(),
        &DecodeOptions {
            n_best_size: 5,
            max_answer_length: 30,
            null_score_diff_threshold: 0.0,
        },
    );
    assert_eq!(decoded.prediction, answer);
    assert_eq!(decoded.nbest[0].text, answer);

    // Multi-byte answers: "東京 café" and "Chloé" come back byte for byte.
    for target in ["東京 café", "Chloé"] {
        let c = Context {
            qas: vec![question("t", "what ?", &text, Some(target))],
            context: text.clone(),
        };
        let windows = featurizer.windows(&c, 0, true).unwrap();
        let w = windows.iter().find(|w| w.start_position != 0).unwrap();
        let (s, e) = (
            w.start_position as usize - w.context_start,
            w.end_position as usize - w.context_start,
        );
        assert_eq!(&text[w.offsets[s].0..w.offsets[e].1], target);
    }
}

/// Python's `correct` / `similar` / `incorrect` (first gold answer, stripped; "similar" when
/// one contains the other — so any answer to an impossible question is "similar", as in
/// Python) next to the official SQuAD exact / F1 (all gold answers; only "" is right for an
/// impossible question).
#[test]
fn impossible_questions_score_as_python_and_as_squad() {
    let text = "the man visited paris on friday .";
    let data = vec![Context {
        qas: vec![
            question("right", "who ?", text, Some("man")),
            question("part", "who ?", text, Some("the man")),
            question("wrong", "where ?", text, Some("paris")),
            question("none", "when ?", text, None),
            question("null", "when ?", text, None),
        ],
        context: text.into(),
    }];
    let predictions = ["man ", "man", "friday", "friday", ""];
    let (result, texts) = calculate_results(&data, &predictions, &QaMetrics::new()).unwrap();
    assert_eq!(result["correct"], 2.0);
    assert_eq!(result["similar"], 2.0);
    assert_eq!(result["incorrect"], 1.0);
    assert!(texts.correct_text.contains_key("null"));
    assert!(texts.similar_text.contains_key("none"));
    assert_eq!(texts.incorrect_text["wrong"].predicted, "friday");
    // Exact: "man " and "" are right ("the man" normalises to "man" too): 3 of 5.
    assert!((result["exact"] - 60.0).abs() < 1e-9, "{result:?}");
    assert!((result["f1"] - 60.0).abs() < 1e-9, "{result:?}");
}

#[test]
fn saved_models_reload_with_identical_answers() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = args(tmp.path());
    args.model.num_train_epochs = 2;
    let mut model = model(args);
    model
        .train_model(&contexts(), None, QaMetrics::new())
        .unwrap();
    let saved = tmp.path().join("outputs");
    let config = read_json(&saved.join("config.json"));
    assert_eq!(config["architectures"][0], "BertForQuestionAnswering");
    let reloaded =
        QuestionAnsweringModel::new("bert", saved.to_str().unwrap(), QaOptions::default()).unwrap();
    assert_eq!(reloaded.args().max_query_length, 16);
    let data = contexts();
    assert_eq!(
        model.predict(&data).unwrap(),
        reloaded.predict(&data).unwrap()
    );
}

#[test]
fn lazy_loading_trains_from_jsonl_and_checks_every_line_first() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = contexts()
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let path = tmp.path().join("train.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n\n").unwrap();
    let mut args = args(tmp.path());
    args.lazy_loading = true;
    args.model.num_train_epochs = 2;
    let mut model = model(args);
    let output = model
        .train_model_from_file(&path, None, QaMetrics::new())
        .unwrap();
    // 24 questions in batches of 8, two epochs.
    assert_eq!(output.global_step, 6);
    assert!(output.training_loss.is_finite());

    // A wrong answer_start on line 3 fails before training, naming the line and question.
    let mut bad = contexts();
    bad[2].qas[0].answers[0].answer_start += 1;
    let mut lines = lines;
    lines[2] = serde_json::to_string(&bad[2]).unwrap();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let err = model
        .train_model_from_file(&path, None, QaMetrics::new())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 3") && err.contains(&bad[2].qas[0].id),
        "{err}"
    );
}

#[test]
fn an_answer_not_at_answer_start_is_an_error_naming_the_question() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut model = model(args(tmp.path()));
    let mut data = contexts();
    data[1].qas[1].answers[0].answer_start = 0;
    let err = model
        .train_model(&data, None, QaMetrics::new())
        .unwrap_err();
    assert!(matches!(err, QaError::Data(_)));
    let message = err.to_string();
    assert!(message.contains(&data[1].qas[1].id), "{message}");
    assert!(message.contains("answer_start 0"), "{message}");
    // Nothing was written.
    assert!(!tmp.path().join("outputs").exists());

    // Duplicate ids are refused where results are keyed by id.
    let mut twice = contexts();
    twice[1].qas[0].id = twice[0].qas[0].id.clone();
    let err = model.predict(&twice).unwrap_err().to_string();
    assert!(err.contains("more than once"), "{err}");

    // A JSON file with a syntax error names the file and line.
    let path = tmp.path().join("broken.json");
    std::fs::write(&path, "[\n  {\"context\": \"x\",\n   \"qas\": [}\n]").unwrap();
    let err = st_qa::read_squad(&path).unwrap_err().to_string();
    assert!(
        err.contains("broken.json") && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn a_run_resumed_from_its_epoch_checkpoint_ends_like_the_uninterrupted_one() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let make = |model_name: &str, outputs: &Path| {
        let mut args = args(tmp.path());
        args.model.num_train_epochs = 2;
        args.model.save_model_every_epoch = true;
        args.model.output_dir = outputs.to_string_lossy().into_owned();
        let options = QaOptions {
            args: Some(args),
            ..Default::default()
        };
        QuestionAnsweringModel::new("bert", model_name, options).unwrap()
    };
    let data = contexts();
    let results = st_test_support::resume::check_resume(
        tmp.path(),
        &fixture("models/bert"),
        make,
        (&data, &data),
        |(results, _)| results.clone(),
    );
    assert!(results.contains_key("exact"));
}

#[test]
fn max_steps_stops_exactly_there() {
    let _rng = rng_lock();
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = args(tmp.path());
    settings.model.max_steps = 4;
    let options = QaOptions {
        args: Some(settings),
        ..Default::default()
    };
    let mut model = QuestionAnsweringModel::new("bert", &fixture("models/bert"), options).unwrap();
    let output = model
        .train_model(&contexts(), None, QaMetrics::new())
        .unwrap();
    assert_eq!(output.global_step, 4);
}
