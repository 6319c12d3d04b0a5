//! A lexicon file that is read again when it changes, for editing pronunciations
//! without restarting the server.
//!
//! No watcher thread: [`LexiconFile::current`] looks at the file's modification time
//! and length at most once per check interval (one second by default), so the cost on
//! the request path is one clock read, and one `stat` per interval.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::{Lexicon, LexiconError};

/// What identifies a version of the file.
type Stamp = (Option<SystemTime>, u64);

#[derive(Debug)]
struct State {
    checked: Instant,
    stamp: Stamp,
    lexicon: Arc<Lexicon>,
    last_error: Option<Arc<LexiconError>>,
}

/// A [`Lexicon`] loaded from a file and reloaded when the file changes.
#[derive(Debug)]
pub struct LexiconFile {
    path: PathBuf,
    interval: Duration,
    state: Mutex<State>,
}

impl LexiconFile {
    /// Reads and parses the lexicon at `path`.
    ///
    /// # Errors
    /// [`LexiconError::Read`] if the file cannot be read, [`LexiconError::Invalid`] if
    /// it does not parse.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, LexiconError> {
        let path = path.into();
        let (lexicon, stamp) = load(&path)?;
        Ok(LexiconFile {
            path,
            interval: Duration::from_secs(1),
            state: Mutex::new(State {
                checked: Instant::now(),
                stamp,
                lexicon: Arc::new(lexicon),
                last_error: None,
            }),
        })
    }

    /// Sets how often [`LexiconFile::current`] may look at the file (default one
    /// second; zero looks on every call).
    pub fn with_check_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lexicon as of the last successful read. If the check interval has passed
    /// and the file's modification time or length changed, it is read again first; a
    /// read or parse failure keeps the previous lexicon and is reported by
    /// [`LexiconFile::last_error`] until a later read succeeds.
    pub fn current(&self) -> Arc<Lexicon> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.checked.elapsed() >= self.interval {
            state.checked = Instant::now();
            if stamp(&self.path).ok() != Some(state.stamp) {
                match load(&self.path) {
                    Ok((lexicon, stamp)) => {
                        state.lexicon = Arc::new(lexicon);
                        state.stamp = stamp;
                        state.last_error = None;
                    }
                    Err(e) => state.last_error = Some(Arc::new(e)),
                }
            }
        }
        Arc::clone(&state.lexicon)
    }

    /// Why the latest reload failed, if it did.
    pub fn last_error(&self) -> Option<Arc<LexiconError>> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_error.clone()
    }
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.modified().ok(), meta.len()))
}

fn load(path: &Path) -> Result<(Lexicon, Stamp), LexiconError> {
    let read_err = |source| LexiconError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Stamp first: a write that lands between the two is then seen as a change later.
    let stamp = stamp(path).map_err(read_err)?;
    let src = std::fs::read_to_string(path).map_err(read_err)?;
    let lexicon = Lexicon::parse(&src).map_err(|e| LexiconError::Invalid {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    Ok((lexicon, stamp))
}
