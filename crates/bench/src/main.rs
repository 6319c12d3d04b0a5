//! The `tts-bench` binary: parse flags, raise the open-file limit, run on the runtime the
//! flags ask for.

use clap::Parser;
use std::process::ExitCode;
use tts_bench::app::{self, Verdict};
use tts_bench::cli::Args;
use tts_bench::procfs;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = procfs::raise_open_file_limit() {
        eprintln!("warning: cannot raise the open-file limit: {e}");
    }
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads as usize)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tts-bench: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(app::run(&args)) {
        Ok(Verdict::Passed) => ExitCode::SUCCESS,
        Ok(Verdict::TooManyFailures) => ExitCode::from(1),
        Err(e) => {
            eprintln!("tts-bench: {e}");
            ExitCode::from(2)
        }
    }
}
