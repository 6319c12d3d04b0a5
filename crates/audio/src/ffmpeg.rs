//! AAC (ADTS) through ONE long-lived ffmpeg process per stream; optional, never on the hot
//! path.
//!
//! Raw PCM goes in through stdin and ADTS frames come out of stdout, so the two pipes must
//! be serviced at the same time or ffmpeg blocks on a full stdout while we block on a full
//! stdin. Two threads per stream do that: a writer fed by a bounded channel and a reader
//! that collects output as it arrives. `encode` hands over its samples and appends whatever
//! output has arrived by then; it blocks only when ffmpeg has fallen `QUEUED_CHUNKS`
//! chunks behind (back-pressure instead of unbounded memory). `finish` closes stdin and
//! drains until ffmpeg exits. Dropping the encoder kills the process.

use crate::{EncodeError, Encoder, EncoderOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

const DEFAULT_KBPS: u32 = 64;
/// Chunks that may wait for the writer thread before `encode` blocks.
const QUEUED_CHUNKS: usize = 32;
/// How much of ffmpeg's stderr is kept for an error message.
const STDERR_LIMIT: usize = 4096;

/// Finds a usable ffmpeg: `FFMPEG_PATH` if set, else `ffmpeg` on `PATH`; it must run and
/// know the `aac` encoder.
pub fn find_ffmpeg() -> Option<PathBuf> {
    let candidate = match std::env::var_os("FFMPEG_PATH") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .map(|dir| dir.join("ffmpeg"))
                .find(|p| p.is_file())?
        }
    };
    has_aac_encoder(&candidate).then_some(candidate)
}

fn has_aac_encoder(ffmpeg: &Path) -> bool {
    Command::new(ffmpeg)
        .args(["-hide_banner", "-h", "encoder=aac"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Encoder aac")
        })
}

fn io_err(what: &str, e: std::io::Error) -> EncodeError {
    EncodeError::Codec(format!("ffmpeg {what}: {e}"))
}

/// One ffmpeg process turning PCM16 mono into AAC-LC in ADTS frames.
pub struct FfmpegAacEncoder {
    child: Child,
    input: Option<SyncSender<Vec<u8>>>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
    reader: Option<JoinHandle<std::io::Result<()>>>,
    stderr: Option<JoinHandle<String>>,
    output: Arc<Mutex<Vec<u8>>>,
    finished: bool,
}

/// The bitrate to use: the requested one if the aac encoder takes it, else an error.
pub(crate) fn check_bitrate(options: EncoderOptions) -> Result<u32, EncodeError> {
    let kbps = options.bitrate_kbps.unwrap_or(DEFAULT_KBPS);
    if !(8..=512).contains(&kbps) {
        return Err(EncodeError::Unsupported(format!(
            "bitrate_kbps {kbps} is not supported for aac; supported: 8 to 512"
        )));
    }
    Ok(kbps)
}

impl FfmpegAacEncoder {
    pub fn new(ffmpeg: &Path, rate: u32, options: EncoderOptions) -> Result<Self, EncodeError> {
        let kbps = check_bitrate(options)?;
        let rate_arg = rate.to_string();
        let bitrate_arg = format!("{kbps}k");
        #[rustfmt::skip]
        let args = [
            "-hide_banner", "-loglevel", "error",
            "-f", "s16le", "-ar", &rate_arg, "-ac", "1", "-i", "pipe:0",
            "-c:a", "aac", "-b:a", &bitrate_arg,
            "-f", "adts", "-flush_packets", "1", "pipe:1",
        ];
        let mut child = Command::new(ffmpeg)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io_err("spawn", e))?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(EncodeError::Codec("ffmpeg: pipes missing".into()));
                }
            };
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let spawn = |name: &str| std::thread::Builder::new().name(name.to_string());
        let writer = spawn("ffmpeg-stdin").spawn(move || {
            let mut stdin = stdin;
            for bytes in rx {
                stdin.write_all(&bytes)?;
            }
            Ok(()) // dropping stdin closes the pipe: ffmpeg sees end of input
        });
        let sink = Arc::clone(&output);
        let reader = spawn("ffmpeg-stdout").spawn(move || {
            let mut stdout = stdout;
            let mut buf = [0u8; 8192];
            loop {
                let n = stdout.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(&buf[..n]);
            }
        });
        let errors = spawn("ffmpeg-stderr").spawn(move || {
            let mut stderr = stderr;
            let mut text = Vec::new();
            let _ = (&mut stderr)
                .take(STDERR_LIMIT as u64)
                .read_to_end(&mut text);
            // Keep draining past the limit: a full stderr pipe would stall ffmpeg.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            String::from_utf8_lossy(&text).into_owned()
        });
        let mut encoder = Self {
            child,
            input: Some(tx),
            writer: None,
            reader: None,
            stderr: None,
            output,
            finished: false,
        };
        // On a failed thread spawn `encoder` drops here and kills the process.
        encoder.writer = Some(writer.map_err(|e| io_err("thread", e))?);
        encoder.reader = Some(reader.map_err(|e| io_err("thread", e))?);
        encoder.stderr = Some(errors.map_err(|e| io_err("thread", e))?);
        Ok(encoder)
    }

    fn take_output(&self, out: &mut Vec<u8>) {
        let mut ready = self.output.lock().unwrap_or_else(|p| p.into_inner());
        out.append(&mut ready);
    }
}

impl Encoder for FfmpegAacEncoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !samples.is_empty() {
            let pcm: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
            let sent = self.input.as_ref().is_some_and(|tx| tx.send(pcm).is_ok());
            if !sent {
                return Err(EncodeError::Codec(
                    "ffmpeg: input closed (process exited?)".into(),
                ));
            }
        }
        self.take_output(out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.input = None; // the writer thread ends, closing stdin
        let write_result = self.writer.take().map(JoinHandle::join);
        let read_result = self.reader.take().map(JoinHandle::join);
        let status = self.child.wait().map_err(|e| io_err("wait", e))?;
        self.finished = true;
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        self.take_output(out);
        let thread_failed =
            |r: Option<std::thread::Result<std::io::Result<()>>>| !matches!(r, Some(Ok(Ok(()))));
        if !status.success() || thread_failed(write_result) || thread_failed(read_result) {
            return Err(EncodeError::Codec(format!(
                "ffmpeg failed ({status}): {}",
                stderr.trim()
            )));
        }
        Ok(())
    }
}

impl Drop for FfmpegAacEncoder {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
