//! The run as a whole: check the gateway is there, then a load run (warm-up, measured
//! phase) or a slow-readers run, then the report.

use crate::cli::Args;
use crate::cli::Door;
use crate::gateway_metrics;
use crate::hold::{self, HoldPlan};
use crate::load::{self, Progress, ProgressLine};
use crate::monitor::{CpuWatch, MaxSampler};
use crate::procfs::Proc;
use crate::report::{HoldRun, LoadRun};
use crate::session::{Target, TargetOptions};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// What the process should exit with.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    TooManyFailures,
}

/// Runs the benchmark `args` describe and prints its report. `Err` when it cannot start.
pub async fn run(args: &Args) -> Result<Verdict, String> {
    let hold = args.hold.is_some();
    let texts = texts(args)?;
    let target = Arc::new(Target::new(TargetOptions {
        url: args.url.clone(),
        bodies: texts
            .iter()
            .map(|text| match args.api {
                Door::Session => create_body(args, text),
                Door::Openai => speech_body(args, text),
            })
            .collect(),
        openai: args.api == Door::Openai,
        format: args.format.clone(),
        rate: args.rate,
        verify: args.verify,
        recv_buffer: args.rcvbuf,
        // tungstenite allocates and zeroes this buffer for every connection: at thousands
        // of sessions a second tungstenite's 128 KiB default costs more than reading does.
        // 16 KiB still takes several ~4.3 kB frames per read.
        read_buffer: if hold { 8 * 1024 } else { 16 * 1024 },
        http_pool: args.concurrency as usize,
        api_key: args.api_key.clone(),
    })?);
    preflight(&target, args).await?;
    let server = args.pid.map(Proc::Pid);
    if let Some(Proc::Pid(pid)) = server {
        Proc::Pid(pid)
            .cpu_ticks()
            .map_err(|e| format!("cannot read /proc/{pid}/stat (--pid): {e}"))?;
    }
    let limit = Duration::from_secs_f64(args.timeout_secs);
    if args
        .arrival_rate
        .is_some_and(|r| !(r > 0.0 && r.is_finite()))
    {
        return Err("--arrival-rate must be a positive number of sessions per second".into());
    }

    let ratio = if let Some(streams) = args.hold {
        let plan = HoldPlan {
            streams: streams as usize,
            hold: Duration::from_secs_f64(args.hold_secs),
            read_every: (args.hold_read_ms > 0).then(|| Duration::from_millis(args.hold_read_ms)),
            open_concurrency: args.concurrency as usize,
            limit,
            settle: Duration::from_millis(args.settle_ms),
            quiet: args.quiet,
        };
        let before = gateway_metrics::scrape(target.http(), &args.url).await;
        let report = hold::run(&target, &plan, server).await;
        let after = gateway_metrics::scrape(target.http(), &args.url).await;
        let run = HoldRun {
            args,
            report: &report,
            gateway: after.zip(before).map(|(a, b)| a.since(&b)),
        };
        print(args, run.text(), run.json());
        run.failure_ratio()
    } else {
        if args.warmup > 0 {
            let progress = Arc::new(Progress::default());
            let _line = (!args.quiet)
                .then(|| ProgressLine::start("warm-up", args.warmup, Arc::clone(&progress)));
            let warm = phase(&target, args, args.warmup, limit, &progress).await;
            if warm.failed > 0 && !args.quiet {
                eprintln!(
                    "warm-up: {} of {} sessions failed",
                    warm.failed,
                    warm.sessions()
                );
            }
        }
        let progress = Arc::new(Progress::default());
        let line = (!args.quiet)
            .then(|| ProgressLine::start("measured", args.sessions, Arc::clone(&progress)));
        let before = gateway_metrics::scrape(target.http(), &args.url).await;
        let sampler = server.map(MaxSampler::rss);
        let cpu = CpuWatch::start(server);
        let stats = phase(&target, args, args.sessions, limit, &progress).await;
        let cpu = cpu.stop();
        drop(line);
        let run = LoadRun {
            args,
            texts: &texts,
            stats: &stats,
            cpu,
            rss_max: sampler.map(MaxSampler::stop),
            rss_peak_since_start: server.and_then(|p| p.peak_rss().ok()),
            gateway: gateway_metrics::scrape(target.http(), &args.url)
                .await
                .zip(before)
                .map(|(a, b)| a.since(&b)),
        };
        print(args, run.text(), run.json());
        run.failure_ratio()
    };
    Ok(match args.failure_threshold() {
        Some(max) if ratio > max => Verdict::TooManyFailures,
        _ => Verdict::Passed,
    })
}

async fn phase(
    target: &Arc<Target>,
    args: &Args,
    sessions: u64,
    limit: Duration,
    progress: &Arc<Progress>,
) -> crate::stats::Stats {
    let concurrency = args.concurrency as usize;
    match args.arrival_rate {
        Some(rate) => load::run_open(target, sessions, rate, concurrency, limit, progress).await,
        None => load::run(target, sessions, concurrency, limit, progress).await,
    }
}

fn print(args: &Args, text: String, json: Value) {
    if args.json {
        println!("{json}");
    } else {
        print!("{text}");
    }
}

/// The texts the sessions take in turn: --text, or the lines of --texts-file.
pub fn texts(args: &Args) -> Result<Vec<String>, String> {
    let Some(path) = &args.texts_file else {
        return Ok(vec![args.text.clone()]);
    };
    let file = std::fs::read_to_string(path)
        .map_err(|e| format!("--texts-file {}: {e}", path.display()))?;
    let texts: Vec<String> = file
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if texts.is_empty() {
        return Err(format!("--texts-file {}: no text in it", path.display()));
    }
    Ok(texts)
}

/// The create-session body of `text`, serialised once for every session that sends it.
pub fn create_body(args: &Args, text: &str) -> bytes::Bytes {
    let mut body = json!({
        "provider": args.provider,
        "voice": args.voice,
        "text": text,
        "target_format": args.format,
        "sample_rate_hz": args.rate,
    });
    if let Some(language) = &args.language {
        body["language"] = json!(language);
    }
    if let Some(kbps) = args.bitrate_kbps {
        body["bitrate_kbps"] = json!(kbps);
    }
    if !args.cache {
        body["cache"] = json!(false);
    }
    body.to_string().into()
}

/// The `POST /v1/audio/speech` body of an `--api openai` session saying `text`.
pub fn speech_body(args: &Args, text: &str) -> bytes::Bytes {
    let format = match args.format.as_str() {
        "pcm16" => "pcm",
        other => other,
    };
    let mut body = json!({
        "model": args.provider,
        "voice": args.voice,
        "input": text,
        "response_format": format,
        "sample_rate": args.rate,
    });
    if !args.cache {
        body["cache"] = json!(false);
    }
    body.to_string().into()
}

/// Fails early when the gateway is not there; warns when the voice or format is not listed.
async fn preflight(target: &Target, args: &Args) -> Result<(), String> {
    let url = format!("{}/v1/voices", args.url.trim_end_matches('/'));
    let response = target
        .http()
        .get(&url)
        .query(&[("provider", &args.provider)])
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("cannot reach the gateway at {}: {e}", args.url))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("GET {url}: {status}, body is not JSON: {e}"))?;
    let voices = body["voices"].as_array().cloned().unwrap_or_default();
    match voices.iter().find(|v| v["id"] == args.voice.as_str()) {
        None => eprintln!(
            "warning: GET /v1/voices?provider={} does not list voice {:?}; sessions will likely fail",
            args.provider, args.voice
        ),
        Some(voice) => {
            let formats = voice["supported_formats"].as_array().cloned().unwrap_or_default();
            if !formats.iter().any(|f| f == args.format.as_str()) {
                eprintln!(
                    "warning: voice {:?} lists formats {}; {:?} is not among them",
                    args.voice,
                    Value::from(formats),
                    args.format
                );
            }
        }
    }
    Ok(())
}
