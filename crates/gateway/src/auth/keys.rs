//! The API keys file (`API_KEYS_FILE`): one key a line, as its name, the SHA-256 of the
//! key (never the key itself) and optional per-key limits:
//!
//! ```text
//! # name   sha256 of the key (64 hex digits)                              limits
//! alice    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  sessions=100 streams=4 chars=200000
//! ci       60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
//! ```
//!
//! The file is read again when it changes (its modification time or length, looked at
//! no more than once a second on the request path), so revoking a key is deleting its
//! line. A malformed line refuses the whole file with its line number: at start-up the
//! gateway does not start; on a reload the previous keys stay in force and the error is
//! logged.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use subtle::ConstantTimeEq;

/// The limits of one key; `None` is unlimited (the gateway's own limits still apply).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `sessions=N`: streams started (sessions, speech requests, realtime contexts) per
    /// `RATE_LIMIT_WINDOW_SECONDS`.
    pub sessions: Option<u64>,
    /// `streams=N`: streams running at once.
    pub streams: Option<u64>,
    /// `chars=N`: characters of text per UTC day.
    pub chars_per_day: Option<u64>,
}

/// One key of the file.
#[derive(Debug, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub hash: [u8; 32],
    pub limits: Limits,
}

/// A line the file cannot hold.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The parsed keys.
#[derive(Debug, Default)]
pub struct Keys {
    keys: Vec<Arc<Key>>,
}

impl Keys {
    /// Parses the file's text; the error names the first bad line (1-based).
    pub fn parse(src: &str) -> Result<Self, (usize, String)> {
        let mut keys: Vec<Arc<Key>> = Vec::new();
        for (i, raw) in src.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let key = parse_line(line).map_err(|m| (i + 1, m))?;
            if keys.iter().any(|k| k.name == key.name) {
                return Err((i + 1, format!("key name {:?} is used twice", key.name)));
            }
            if keys.iter().any(|k| k.hash == key.hash) {
                return Err((i + 1, "this hash is already another key's".into()));
            }
            keys.push(Arc::new(key));
        }
        Ok(Self { keys })
    }

    /// The key whose hash is SHA-256 of `presented`. Every key's hash is compared, each
    /// in constant time, so the time taken says nothing of which bytes matched.
    pub fn find(&self, presented: &str) -> Option<Arc<Key>> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.hash.ct_eq(&digest)) {
                found = Some(Arc::clone(key));
            }
        }
        found
    }

    /// The key named `name` (for tokens, which carry the name of the key that minted them).
    pub fn named(&self, name: &str) -> Option<Arc<Key>> {
        self.keys.iter().find(|k| k.name == name).cloned()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn parse_line(line: &str) -> Result<Key, String> {
    let mut fields = line.split_whitespace();
    let name = fields.next().unwrap_or_default();
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        || name.len() > 64
    {
        return Err(format!(
            "key name {name:?}: use at most 64 letters, digits, '-', '_', '.' or '@'"
        ));
    }
    let hex = fields
        .next()
        .ok_or_else(|| format!("key {name:?} has no hash: expected `name sha256-hex [limits]`"))?;
    let hash = decode_hash(hex).ok_or_else(|| {
        format!("key {name:?}: the hash must be 64 hex digits (SHA-256 of the key), got {hex:?}")
    })?;
    let mut limits = Limits::default();
    for field in fields {
        let (what, value) = field
            .split_once('=')
            .ok_or_else(|| format!("{field:?}: expected sessions=N, streams=N or chars=N"))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{field:?}: {value:?} is not a whole number"))?;
        let slot = match what {
            "sessions" => &mut limits.sessions,
            "streams" => &mut limits.streams,
            "chars" => &mut limits.chars_per_day,
            other => {
                return Err(format!(
                    "unknown limit {other:?}: expected sessions, streams or chars"
                ))
            }
        };
        *slot = Some(n);
    }
    Ok(Key {
        name: name.to_string(),
        hash,
        limits,
    })
}

fn decode_hash(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// SHA-256 of `key` in hex: the form the file holds.
pub fn hash_hex(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What identifies a version of the file.
type Stamp = (Option<SystemTime>, u64);

struct Loaded {
    checked: Instant,
    stamp: Stamp,
    keys: Arc<Keys>,
}

/// The keys file, read again when it changes.
pub struct KeysFile {
    path: PathBuf,
    interval: Duration,
    loaded: parking_lot::Mutex<Loaded>,
}

impl KeysFile {
    /// Reads and parses the file at `path`.
    pub fn open(path: &Path) -> Result<Self, KeysError> {
        let (keys, stamp) = load(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            interval: Duration::from_secs(1),
            loaded: parking_lot::Mutex::new(Loaded {
                checked: Instant::now(),
                stamp,
                keys: Arc::new(keys),
            }),
        })
    }

    /// How often [`KeysFile::current`] may look at the file (zero: on every call).
    pub fn with_check_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The keys as of the last good read; the file is looked at again once the check
    /// interval has passed. A read that fails keeps the keys in force and is logged.
    pub fn current(&self) -> Arc<Keys> {
        let mut loaded = self.loaded.lock();
        if loaded.checked.elapsed() >= self.interval {
            loaded.checked = Instant::now();
            if stamp(&self.path).ok() != Some(loaded.stamp) {
                match load(&self.path) {
                    Ok((keys, stamp)) => {
                        tracing::info!(path = %self.path.display(), keys = keys.len(), "API keys reloaded");
                        loaded.keys = Arc::new(keys);
                        loaded.stamp = stamp;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "API keys file not reloaded; the previous keys stay in force");
                        // Not read again until it changes once more.
                        if let Ok(s) = stamp(&self.path) {
                            loaded.stamp = s;
                        }
                    }
                }
            }
        }
        Arc::clone(&loaded.keys)
    }
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.modified().ok(), meta.len()))
}

fn load(path: &Path) -> Result<(Keys, Stamp), KeysError> {
    let read = |source| KeysError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Stamp first: a write landing between the two is then seen as a change later.
    let stamp = stamp(path).map_err(read)?;
    let src = std::fs::read_to_string(path).map_err(read)?;
    let keys = Keys::parse(&src).map_err(|(line, message)| KeysError::Line {
        path: path.to_path_buf(),
        line,
        message,
    })?;
    Ok((keys, stamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_its_hash_only() {
        let line = format!(
            "alice {} sessions=3 streams=1 chars=100\n",
            hash_hex("s3cret")
        );
        let keys = Keys::parse(&format!("# comment\n\n{line}")).unwrap();
        let k = keys.find("s3cret").expect("found");
        assert_eq!(k.name, "alice");
        assert_eq!(
            k.limits,
            Limits {
                sessions: Some(3),
                streams: Some(1),
                chars_per_day: Some(100)
            }
        );
        assert!(keys.find("s3cret ").is_none());
        assert!(keys.find(&hash_hex("s3cret")).is_none());
    }

    #[test]
    fn malformed_lines_are_named_by_number() {
        let h = hash_hex("x");
        for (src, line, says) in [
            ("alice\n", 1, "no hash"),
            ("# c\nalice abc\n", 2, "64 hex"),
            (&*format!("a {h}\nb {h}\n"), 2, "already"),
            (&*format!("a {h} streams=two\n"), 1, "not a whole number"),
            (&*format!("a {h} minutes=3\n"), 1, "unknown limit"),
            (&*format!("a {h}\na {}\n", hash_hex("y")), 2, "used twice"),
            (&*format!("a/b {h}\n"), 1, "key name"),
        ] {
            let (n, message) = Keys::parse(src).unwrap_err();
            assert_eq!(n, line, "{src}: {message}");
            assert!(message.contains(says), "{src}: {message}");
        }
    }
}
