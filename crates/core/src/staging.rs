//! Atomic directory writes: a model directory is written into a staging directory next to
//! its target and renamed into place only when complete, so an interrupted save never leaves
//! a half-written checkpoint behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory being written; becomes `target` on [`StagedDir::commit`], and is removed if
/// dropped uncommitted.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

fn sibling(target: &Path, tag: &str) -> PathBuf {
    let parent = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

impl StagedDir {
    /// Start writing what will become `target`.
    pub fn new(target: &Path) -> std::io::Result<Self> {
        let staging = sibling(target, "staging");
        std::fs::create_dir_all(&staging)?;
        Ok(Self {
            staging,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Move the finished directory into place, replacing an existing `target`.
    pub fn commit(mut self) -> std::io::Result<()> {
        let previous = sibling(&self.target, "previous");
        let had_previous = self.target.exists();
        if had_previous {
            std::fs::rename(&self.target, &previous)?;
        }
        if let Err(e) = std::fs::rename(&self.staging, &self.target) {
            if had_previous {
                // Put the old directory back rather than leave nothing.
                let _ = std::fs::rename(&previous, &self.target);
            }
            return Err(e);
        }
        self.committed = true;
        if had_previous {
            std::fs::remove_dir_all(&previous)?;
        }
        Ok(())
    }
}

impl StagedDir {
    /// Move the finished files into `target`, which may hold other things (an `output_dir`
    /// with checkpoints): each file replaces the one of the same name by an atomic rename;
    /// everything else in `target` is kept.
    pub fn commit_into(mut self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.target)?;
        for entry in std::fs::read_dir(&self.staging)? {
            let entry = entry?;
            let destination = self.target.join(entry.file_name());
            if entry.file_type()?.is_dir() && destination.exists() {
                std::fs::remove_dir_all(&destination)?;
            }
            std::fs::rename(entry.path(), destination)?;
        }
        std::fs::remove_dir(&self.staging)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("model");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old.txt"), "old").unwrap();

        let staged = StagedDir::new(&target).unwrap();
        std::fs::write(staged.path().join("new.txt"), "new").unwrap();
        drop(staged);
        assert!(
            target.join("old.txt").exists(),
            "an abandoned save leaves the old model"
        );
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging left"
        );

        let staged = StagedDir::new(&target).unwrap();
        std::fs::write(staged.path().join("new.txt"), "new").unwrap();
        staged.commit().unwrap();
        assert!(target.join("new.txt").exists());
        assert!(!target.join("old.txt").exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn commit_into_keeps_other_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("outputs");
        std::fs::create_dir_all(target.join("checkpoint-2")).unwrap();
        std::fs::write(target.join("model.safetensors"), "old").unwrap();
        let staged = StagedDir::new(&target).unwrap();
        std::fs::write(staged.path().join("model.safetensors"), "new").unwrap();
        staged.commit_into().unwrap();
        assert!(target.join("checkpoint-2").is_dir());
        assert_eq!(
            std::fs::read_to_string(target.join("model.safetensors")).unwrap(),
            "new"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
