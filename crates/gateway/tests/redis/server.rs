//! [`RedisServer`]: a private `redis-server` on a free loopback port, without persistence,
//! that a test can stop, restart on the same port, pause and resume. Killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port (another port if that one was taken meanwhile).
    pub async fn start() -> Self {
        for _ in 0..5 {
            let mut server = Self::reserve();
            if server.try_start().await {
                return server;
            }
        }
        panic!("could not start redis-server (installed by scripts/setup.sh)");
    }

    /// A free port with no server on it yet: a gateway pointed at it finds Redis down.
    pub fn reserve() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().unwrap().port();
        Self { port, child: None }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server; everything it held is gone (no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self.try_start().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not start again on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("server running").id();
        let status = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Spawns the server and waits until it answers PING; false if it exited instead.
    async fn try_start(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/setup.sh)");
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if self.answers_ping().await {
                return true;
            }
            let exited = self.child.as_mut().unwrap().try_wait().unwrap().is_some();
            if exited || tokio::time::Instant::now() > deadline {
                self.stop();
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn answers_ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").await.is_ok()
            && s.read_exact(&mut buf).await.is_ok()
            && &buf == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
