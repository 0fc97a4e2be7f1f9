//! `st conv-ai train|eval|predict|interact` on the tiny double-heads fixture: training with
//! evaluation prints the results, `eval` prints `language_model_loss` and `f1_score` as JSON,
//! `predict` replies per JSON line, and `interact` holds a conversation in a real terminal
//! (tmux: keys sent, the pane read back) and ends cleanly on end of input and on Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

const ARGS: &str = r#"{"num_train_epochs": 2, "train_batch_size": 2, "manual_seed": 3,
    "silent": true, "save_steps": -1, "save_model_every_epoch": false, "learning_rate": 0.01,
    "max_length": 6}"#;

/// A model trained by `st conv-ai train` into `dir/model`.
fn train(dir: &Path) -> (PathBuf, Value) {
    let data = fixtures().join("conv_ai/dialogues.json");
    let model = fixtures().join("models/gpt2-double-heads");
    let out = dir.join("model");
    let (ok, stdout, err) = common::st(
        &[
            "conv-ai",
            "train",
            "--model-name",
            model.to_str().unwrap(),
            "--train",
            data.to_str().unwrap(),
            "--eval",
            data.to_str().unwrap(),
            "--output-dir",
            out.to_str().unwrap(),
            "--args",
            ARGS,
        ],
        Some(dir),
    );
    assert!(ok, "{err}");
    (out, serde_json::from_str(stdout.trim()).unwrap())
}

#[test]
fn train_eval_and_predict_print_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, summary) = train(tmp.path());
    assert!(summary["global_step"].as_u64().unwrap() > 0);
    assert!(summary["eval"]["language_model_loss"].as_f64().unwrap() > 0.0);
    let data = fixtures().join("conv_ai/dialogues.json");
    let (ok, stdout, err) = common::st(
        &[
            "conv-ai",
            "eval",
            "--model",
            model.to_str().unwrap(),
            "--eval",
            data.to_str().unwrap(),
        ],
        Some(tmp.path()),
    );
    assert!(ok, "{err}");
    let results: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        results, summary["eval"],
        "eval of the saved model = the training's"
    );
    assert!(results["f1_score"].as_f64().is_some());

    let input = tmp.path().join("turns.jsonl");
    std::fs::write(
        &input,
        "{\"personality\": [\"i like to ski.\"], \"history\": [\"hi\"], \"message\": \"how are you?\"}\n\n\
         {\"message\": \"hello\"}\n",
    )
    .unwrap();
    let predict = || {
        let (model, input) = (model.to_str().unwrap(), input.to_str().unwrap());
        common::st(
            &["conv-ai", "predict", "--model", model, "--input", input],
            Some(tmp.path()),
        )
    };
    let (ok, stdout, err) = predict();
    assert!(ok, "{err}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["message"], "hello");
    assert!(lines[0]["reply"].is_string());

    std::fs::write(&input, "{\"history\": []}\n").unwrap();
    let (ok, _, err) = predict();
    assert!(
        !ok && err.contains("line 1") && err.contains("message"),
        "{err}"
    );
}

/// A tmux server of its own (a private socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pane(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "chat"])
    }

    /// Wait until the pane (trailing blanks trimmed by tmux: the prompt reads `>>>`) satisfies
    /// `done` (the model loads and replies in well under a
    /// minute even on a loaded machine).
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let pane = self.pane();
            if done(&pane) {
                return pane;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "waiting for {what}:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// `st conv-ai interact` in a tmux pane, its exit status printed after it. The shell traps
/// SIGINT (a handler, which `st` does not inherit) so that it outlives a Ctrl-C to report it.
fn start_chat(tmux: &Tmux, model: &Path) {
    let command = format!(
        "trap true INT; '{}' conv-ai interact --model '{}' --personality 'i like to ski.'; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_st"),
        model.display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "chat",
        "-x",
        "160",
        "-y",
        "40",
        &command,
    ]);
}

#[test]
fn interact_converses_in_a_terminal_and_exits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        panic!(
            "this test drives a real terminal with tmux; install tmux (Debian: apt install tmux)"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = train(tmp.path());
    let tmux = Tmux {
        socket: format!("st-conv-ai-{}", std::process::id()),
    };
    start_chat(&tmux, &model);
    tmux.wait_for("the first prompt", |p| p.contains(">>>"));
    tmux.run(&["send-keys", "-t", "chat", "hello, do you ski?", "Enter"]);
    let pane = tmux.wait_for("a reply and the next prompt", |p| {
        p.matches(">>>").count() >= 2
    });
    tmux.run(&["send-keys", "-t", "chat", "Enter"]);
    tmux.wait_for("the empty-line notice", |p| {
        p.contains("Prompt should not be empty!")
    });
    tmux.run(&["send-keys", "-t", "chat", "what else?", "Enter"]);
    tmux.wait_for("the second reply", |p| p.matches(">>>").count() >= 4);
    // End of input (Ctrl-D at the prompt) ends the conversation with status 0.
    tmux.run(&["send-keys", "-t", "chat", "C-d"]);
    let end = tmux.wait_for("the exit status", |p| p.contains("EXIT="));
    eprintln!("the terminal:\n{}", end.trim_end());
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(!end.contains("error") && !end.contains("panicked"), "{end}");
    let reply = pane
        .lines()
        .skip_while(|l| !l.contains("hello, do you ski?"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        !reply.starts_with(">>>"),
        "a reply line after the message:\n{pane}"
    );
    tmux.run(&["kill-session", "-t", "chat"]);

    // Ctrl-C while waiting for input ends it too, without a trace or an error message.
    start_chat(&tmux, &model);
    tmux.wait_for("the first prompt", |p| p.contains(">>>"));
    tmux.run(&["send-keys", "-t", "chat", "C-c"]);
    let end = tmux.wait_for("the exit status", |p| p.contains("EXIT="));
    assert!(
        end.contains("EXIT=130"),
        "interrupted (128 + SIGINT):\n{end}"
    );
    assert!(!end.contains("error") && !end.contains("panicked"), "{end}");
}
