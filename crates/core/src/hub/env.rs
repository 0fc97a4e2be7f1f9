//! The Hugging Face environment, read the way Python `huggingface_hub` reads
//! it: the offline switch, the Hugging Face home, the hub cache root and the
//! access token. The lookups take the environment as a function so that they
//! can be tested without touching the process environment.

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;

use super::HubOptions;

/// Parses an `HF_HUB_OFFLINE`-style flag: `1`, `true`, `yes` or `on`
/// (any case, surrounding spaces ignored) mean offline; anything else not.
pub fn parse_offline_flag(value: &str) -> bool {
    let value = value.trim();
    ["1", "true", "yes", "on"]
        .iter()
        .any(|on| value.eq_ignore_ascii_case(on))
}

/// Reads one environment variable, treating an empty value as unset.
pub(super) fn env_var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The Hugging Face home (`HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else
/// `~/.cache/huggingface`), computed from an environment lookup so that it
/// can be tested without touching the process environment.
fn hf_home_from(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(home) = lookup("HF_HOME") {
        return Some(home.into());
    }
    if let Some(xdg) = lookup("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("huggingface"));
    }
    let user_home = lookup("HOME").or_else(|| lookup("USERPROFILE"))?;
    Some(PathBuf::from(user_home).join(".cache").join("huggingface"))
}

/// The hub cache root as Python `huggingface_hub` computes it: `HF_HUB_CACHE`
/// (or its legacy name `HUGGINGFACE_HUB_CACHE`), else `<hf home>/hub`.
/// `hf_hub::Cache::from_env` ignores `HF_HUB_CACHE` and `XDG_CACHE_HOME`, so it
/// is not used here.
pub(super) fn cache_dir_from(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    lookup("HF_HUB_CACHE")
        .or_else(|| lookup("HUGGINGFACE_HUB_CACHE"))
        .map(PathBuf::from)
        .or_else(|| hf_home_from(&lookup).map(|home| home.join("hub")))
}

/// The token to send: explicit, else `HF_TOKEN`, else the login token file
/// in the Hugging Face home (which need not be the cache's parent).
pub(super) fn resolve_token(opts: &HubOptions) -> Option<String> {
    let from_file = || {
        let path = hf_home_from(env_var)?.join("token");
        let token = fs::read_to_string(path).ok()?;
        Some(token.trim().to_owned()).filter(|t| !t.is_empty())
    };
    opts.token
        .clone()
        .or_else(|| std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty()))
        .or_else(from_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_flag_parsing() {
        for on in ["1", "true", "TRUE", "Yes", "on", " On "] {
            assert!(parse_offline_flag(on), "{on}");
        }
        for off in ["", "0", "false", "no", "off", "2", "y"] {
            assert!(!parse_offline_flag(off), "{off}");
        }
        assert!(
            HubOptions {
                offline: Some(true),
                ..HubOptions::default()
            }
            .is_offline()
        );
        assert!(
            !HubOptions {
                offline: Some(false),
                ..HubOptions::default()
            }
            .is_offline()
        );
    }

    #[test]
    fn cache_dir_follows_hugging_face_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = env(&[("HF_HUB_CACHE", "/c"), ("HF_HOME", "/h"), ("HOME", "/u")]);
        assert_eq!(cache_dir_from(all), Some(PathBuf::from("/c")));
        let home = env(&[("HF_HOME", "/h"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/u")]);
        assert_eq!(cache_dir_from(home), Some(PathBuf::from("/h/hub")));
        let xdg = env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/u")]);
        assert_eq!(
            cache_dir_from(xdg),
            Some(PathBuf::from("/x/huggingface/hub"))
        );
        let user = env(&[("HOME", "/u")]);
        assert_eq!(
            cache_dir_from(user),
            Some(PathBuf::from("/u/.cache/huggingface/hub"))
        );
        assert_eq!(cache_dir_from(env(&[])), None);

        let explicit = HubOptions {
            cache_dir: Some("/explicit".into()),
            ..HubOptions::default()
        };
        assert_eq!(
            explicit.resolved_cache_dir().unwrap(),
            PathBuf::from("/explicit")
        );
    }
}
