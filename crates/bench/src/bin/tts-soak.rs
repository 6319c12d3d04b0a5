//! `tts-soak`: the soak and fault harness (docs/RELIABILITY.md). Exit status 0 only if
//! nothing was lost, mismatched or leaked, no gateway panicked, every fault recovered, and
//! resident memory grew no more than the limit after warm-up.

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;
use tts_bench::soak::{self, Options};

#[derive(Parser)]
#[command(
    about = "Mixed, abusive load on every door of two gateways sharing Redis, with faults injected"
)]
struct Args {
    /// Seconds of load (faults included).
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds of warm-up before memory is compared and faults begin (default: a tenth of
    /// the duration, 10 to 120).
    #[arg(long)]
    warmup: Option<u64>,
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value_t = 3)]
    abusers: usize,
    /// The gateway binary (a release build).
    #[arg(
        long,
        env = "TTS_GATEWAY_BIN",
        default_value = "target/release/tts-gateway"
    )]
    gateway_bin: PathBuf,
    /// Start Piper when ORT_DYLIB_PATH and PIPER_VOICES_DIR allow it (`--piper false`: never).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    piper: bool,
    /// Where the logs, Redis's files and the JSON report go.
    #[arg(long, default_value = "target/soak")]
    out_dir: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds of quiet between two faults (default: the faults spread over the run).
    #[arg(long)]
    fault_gap: Option<u64>,
    /// Largest resident-memory growth after warm-up, in percent.
    #[arg(long, default_value_t = 5.0)]
    rss_limit_pct: f64,
    /// Descriptors and runtime tasks a gateway may hold at rest above its idle level.
    #[arg(long, default_value_t = 8)]
    fd_slack: u64,
    #[arg(long, default_value_t = 8)]
    task_slack: u64,
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let warmup = a.warmup.unwrap_or((a.duration / 10).clamp(10, 120));
    // Six faults, each about 10 s with its recovery, spread over what is left.
    let fault_gap = a
        .fault_gap
        .unwrap_or_else(|| (a.duration.saturating_sub(warmup + 10 + 6 * 10) / 6).clamp(1, 120));
    let opts = Options {
        duration: Duration::from_secs(a.duration),
        warmup: Duration::from_secs(warmup),
        clients: a.clients,
        abusers: a.abusers,
        gateway_bin: a.gateway_bin,
        piper: a.piper && soak::piper_available(),
        out_dir: a.out_dir.clone(),
        seed: a.seed,
        fault_gap: Duration::from_secs(fault_gap),
        rss_limit_pct: a.rss_limit_pct,
        fd_slack: a.fd_slack,
        task_slack: a.task_slack,
    };
    let report = match soak::run(opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tts-soak: {e}");
            std::process::exit(2);
        }
    };
    print!("{}", report.text());
    let json_path = a.out_dir.join("soak-report.json");
    match serde_json::to_vec_pretty(&report) {
        Ok(j) => {
            if let Err(e) = std::fs::write(&json_path, j) {
                eprintln!("tts-soak: cannot write {}: {e}", json_path.display());
            } else {
                println!("report: {}", json_path.display());
            }
        }
        Err(e) => eprintln!("tts-soak: cannot serialise the report: {e}"),
    }
    std::process::exit(if report.passed() { 0 } else { 1 });
}
