//! The processes under test: one `redis-server` and two gateways sharing it through
//! `REDIS_URL`, each on a free port, each with its stderr kept in a log file (searched
//! for panics at the end). The harness signals them itself: SIGKILL/SIGSTOP/SIGCONT to
//! Redis, SIGTERM to a gateway.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound and released: the child binds it next).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sends `signal` to `pid`; false if the process is gone.
pub fn signal(pid: u32, signal: libc::c_int) -> bool {
    // SAFETY: kill takes plain integers; a stale pid at worst signals nothing (ESRCH).
    unsafe { libc::kill(pid as libc::pid_t, signal) == 0 }
}

/// Waits until something accepts TCP connections on `port`.
pub async fn wait_listening(port: u16, limit: Duration) -> Result<(), String> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("nothing listens on port {port} after {limit:?}"))
}

/// `redis-server` with an append-only file written at every command, so that a SIGKILL
/// loses no completed session: a restarted Redis has what the killed one had.
pub struct Redis {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    pub async fn start(dir: &Path) -> Result<Self, String> {
        let mut r = Self {
            port: free_port().map_err(|e| e.to_string())?,
            dir: dir.join("redis"),
            child: None,
        };
        // A fresh dataset each run: a previous run's append-only file would be loaded at
        // start and on every restart (seconds of LOADING for a big one), and its sessions
        // are not this run's.
        match std::fs::remove_dir_all(&r.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot clear {}: {e}", r.dir.display())),
        }
        std::fs::create_dir_all(&r.dir).map_err(|e| e.to_string())?;
        r.spawn().await?;
        Ok(r)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    async fn spawn(&mut self) -> Result<(), String> {
        let log = log_file(&self.dir.join("redis.log"))?;
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--dir", &self.dir.to_string_lossy()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        self.child = Some(child);
        wait_listening(self.port, Duration::from_secs(10)).await
    }

    /// SIGKILL, and reaps the process.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub async fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn().await
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGCONT);
        }
        self.kill();
    }
}

/// How to start a gateway: the binary and the environment every instance shares.
#[derive(Clone, Debug)]
pub struct GatewaySpec {
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
}

/// One gateway process. `incarnation` counts restarts (after a SIGTERM).
pub struct Gateway {
    pub name: String,
    pub port: u16,
    pub incarnation: u32,
    log_path: PathBuf,
    spec: GatewaySpec,
    child: Option<Child>,
    pub started: Instant,
}

impl Gateway {
    pub async fn start(name: &str, spec: &GatewaySpec, dir: &Path) -> Result<Self, String> {
        let mut g = Self {
            name: name.to_string(),
            port: free_port().map_err(|e| e.to_string())?,
            incarnation: 0,
            log_path: dir.join(format!("{name}.log")),
            spec: spec.clone(),
            child: None,
            started: Instant::now(),
        };
        g.spawn().await?;
        Ok(g)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    async fn spawn(&mut self) -> Result<(), String> {
        let log = log_file(&self.log_path)?;
        let child = Command::new(&self.spec.binary)
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)))
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.spec.binary.display()))?;
        self.child = Some(child);
        self.started = Instant::now();
        // Piper loads its voice before the listener opens: allow for a slow, busy machine.
        if let Err(e) = wait_listening(self.port, Duration::from_secs(120)).await {
            let status = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            return Err(format!(
                "{} did not start ({e}; exit {status:?}); see {}",
                self.name,
                self.log_path.display()
            ));
        }
        Ok(())
    }

    /// Sends SIGTERM; the process drains and exits on its own ([`Gateway::reap`]).
    pub fn terminate(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGTERM);
        }
    }

    /// Waits for the process to exit (after [`Gateway::terminate`]); its exit status.
    pub async fn reap(&mut self, limit: Duration) -> Result<std::process::ExitStatus, String> {
        let until = Instant::now() + limit;
        loop {
            let Some(child) = self.child.as_mut() else {
                return Err("not running".into());
            };
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                self.child = None;
                return Ok(status);
            }
            if Instant::now() > until {
                return Err(format!(
                    "{} still running {limit:?} after SIGTERM",
                    self.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the process again, on the same port.
    pub async fn restart(&mut self) -> Result<(), String> {
        self.incarnation += 1;
        self.spawn().await
    }

    /// Lines of the log that report a panic.
    pub fn panics(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log_path)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("panicked"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn log_file(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}
