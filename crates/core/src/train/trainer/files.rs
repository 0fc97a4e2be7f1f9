//! The files a training run writes besides models: `eval_results.txt` and
//! `training_progress_scores.csv`, in Python's formats, each replaced atomically.

use std::io::Write;
use std::path::Path;

use super::super::TrainError;
use super::super::trainable::EvalResults;

/// Name of the file holding one evaluation's results.
pub const EVAL_RESULTS_FILE: &str = "eval_results.txt";

/// Write `dir/eval_results.txt`: sorted `key = value` lines, as Python.
pub fn write_eval_results(dir: &Path, results: &EvalResults) -> Result<(), TrainError> {
    let text: String = results
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect();
    replace_file(&dir.join(EVAL_RESULTS_FILE), text.as_bytes())
}

/// `training_progress_scores.csv`: one column per key, one row per evaluation.
pub(super) fn write_progress(path: &Path, rows: &[EvalResults]) -> Result<(), TrainError> {
    let mut columns: Vec<&String> = Vec::new();
    for row in rows {
        for key in row.keys() {
            if !columns.contains(&key) {
                columns.push(key);
            }
        }
    }
    // Python's column order: global_step, train_loss, then metrics.
    columns.sort_by_key(|c| match c.as_str() {
        "global_step" => (0, String::new()),
        "train_loss" => (1, String::new()),
        other => (2, other.to_string()),
    });
    let mut out = Vec::new();
    let header: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
    writeln!(out, "{}", header.join(",")).ok();
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(*c).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        writeln!(out, "{}", cells.join(",")).ok();
    }
    replace_file(path, &out)
}

/// Write `contents` to a temporary sibling and rename it over `path`: readers see the old file
/// or the new one, never half of one.
fn replace_file(path: &Path, contents: &[u8]) -> Result<(), TrainError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(|e| TrainError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_csv_has_python_column_order() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("training_progress_scores.csv");
        let rows = vec![EvalResults::from([
            ("mcc".to_string(), 0.5),
            ("eval_loss".to_string(), 0.25),
            ("global_step".to_string(), 2.0),
            ("train_loss".to_string(), 0.75),
        ])];
        write_progress(&path, &rows).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            text,
            "global_step,train_loss,eval_loss,mcc\n2,0.75,0.25,0.5\n"
        );
    }
}
