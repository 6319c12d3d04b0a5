//! `tts-soak`: hours of mixed, abusive load with faults injected, and a verdict.
//!
//! It starts its own world: a `redis-server`, two gateways (the release binary) sharing it
//! through `REDIS_URL`, and a Coqui-API engine double it can break. Clients use every door
//! ([`clients`]); others misbehave ([`abuse`]); faults come in turn ([`faults`]); once a
//! second each gateway's memory, descriptors and gauges are sampled ([`watch`]). When the
//! load stops, the gateways must fall back to rest. The run fails on any lost or
//! mismatched session, stream without a terminal message, unexpected failure, leak at
//! rest, panic, or resident memory grown by more than the limit after warm-up.
//!
//! More load later (a phrase cache, API keys) is one more entry in [`DOORS`] and its
//! client function, and any environment it needs goes in [`gateway_env`].

pub mod abuse;
pub mod clients;
pub mod cluster;
pub mod engine_double;
pub mod faults;
pub mod ledger;
pub mod report;
pub mod rng;
pub mod watch;

use bytes::Bytes;
use clients::Voice;
use cluster::{Gateway, GatewaySpec, Redis};
use engine_double::EngineDouble;
use ledger::{Disturbances, Ledger, Outcome};
use rng::Rng;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What a run is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    pub duration: Duration,
    /// Memory is compared from the end of the warm-up.
    pub warmup: Duration,
    /// Well-behaved clients running at once.
    pub clients: usize,
    /// Misbehaving clients running at once.
    pub abusers: usize,
    pub gateway_bin: PathBuf,
    /// Whether to start Piper (needs `ORT_DYLIB_PATH` and a voice in `PIPER_VOICES_DIR`).
    pub piper: bool,
    pub out_dir: PathBuf,
    pub seed: u64,
    /// Quiet time between two faults.
    pub fault_gap: Duration,
    pub rss_limit_pct: f64,
    pub fd_slack: u64,
    pub task_slack: u64,
}

/// The doors the well-behaved clients use, with their weights.
pub const DOORS: &[(&str, u32)] = &[
    ("session + /file", 30),
    ("openai", 12),
    ("realtime", 15),
    ("elevenlabs socket", 8),
    ("elevenlabs rest", 6),
    ("cartesia socket", 8),
    ("cartesia rest", 5),
    ("deepgram socket", 8),
    ("deepgram rest", 5),
];

/// How often the warm-up sends each of the clients' sentences to Piper on each gateway.
const PIPER_PRIMING_ROUNDS: usize = 5;

/// One gateway as the clients see it: where, whether it takes traffic, which process.
pub struct Slot {
    pub name: String,
    pub url: String,
    pub up: AtomicBool,
    pub pid: AtomicU32,
    pub incarnation: AtomicU32,
}

/// What every client shares.
pub struct Soak {
    pub http: reqwest::Client,
    pub slots: Arc<Vec<Slot>>,
    pub ledger: Arc<Ledger>,
    pub disturbances: Arc<Disturbances>,
    pub slow_client_timeout: Duration,
}

impl Soak {
    /// A gateway that takes traffic, at random.
    pub fn pick(&self, rng: &mut Rng) -> String {
        let up: Vec<&Slot> = self.slots.iter().filter(|s| s.up.load(SeqCst)).collect();
        if up.is_empty() {
            return self.slots[0].url.clone();
        }
        rng.pick(&up).url.clone()
    }

    /// The other gateway if it takes traffic, else `base` itself.
    pub fn other_than(&self, base: &str) -> String {
        self.slots
            .iter()
            .find(|s| s.url != base && s.up.load(SeqCst))
            .map_or_else(|| base.to_string(), |s| s.url.clone())
    }

    /// `POST base+path` with a JSON body: (status, body); `Refused(0)` if unreachable.
    pub async fn post(
        &self,
        base: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, Bytes), Outcome> {
        let r = self
            .http
            .post(format!("{base}{path}"))
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|_| Outcome::Refused(0))?;
        let status = r.status().as_u16();
        let body = r.bytes().await.map_err(|_| Outcome::Refused(0))?;
        Ok((status, body))
    }

    /// [`Soak::post`] to a gateway at random, then to the other if it could not be reached
    /// (a client's retry when an instance goes away).
    pub async fn post_with_retry(
        &self,
        path: &str,
        body: &serde_json::Value,
        rng: &mut Rng,
    ) -> Result<(String, (u16, Bytes)), Outcome> {
        let first = self.pick(rng);
        match self.post(&first, path, body).await {
            Ok(r) => Ok((first, r)),
            Err(_) => {
                let second = self.other_than(&first);
                let r = self.post(&second, path, body).await?;
                Ok((second, r))
            }
        }
    }
}

/// (gateway, incarnation) → (open descriptors, runtime tasks) when idle.
type Idle = HashMap<(String, u32), (u64, u64)>;

/// Each gateway incarnation's descriptors and runtime tasks when idle, before any load.
#[derive(Clone, Default)]
pub struct Baselines(Arc<Mutex<Idle>>);

impl Baselines {
    pub async fn measure(&self, name: &str, incarnation: u32, pid: u32, url: &str) {
        let mut gauges = None;
        for _ in 0..50 {
            gauges = watch::gauges(url).await;
            if gauges.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let tasks = gauges.map_or(0, |g| g.runtime_tasks as u64);
        let fds = watch::fds(pid);
        self.0
            .lock()
            .expect("baselines")
            .insert((name.to_string(), incarnation), (fds, tasks));
    }

    pub fn get(&self, name: &str, incarnation: u32) -> Option<(u64, u64)> {
        self.0
            .lock()
            .expect("baselines")
            .get(&(name.to_string(), incarnation))
            .copied()
    }
}

/// The environment both gateways get.
pub fn gateway_env(redis: &Redis, engine: &EngineDouble, piper: bool) -> Vec<(String, String)> {
    let on = |b: bool| if b { "1" } else { "0" }.to_string();
    [
        ("REDIS_URL", redis.url()),
        ("MOCK_TONE_ENABLED", on(true)),
        ("PIPER_ENABLED", on(piper)),
        ("PIPER_MAX_CONCURRENT", "1".into()),
        ("ESPEAK_ENABLED", on(piper)),
        ("COQUI_ENABLED", on(true)),
        ("COQUI_URL", engine.url.clone()),
        ("COQUI_MODEL_NAME", "soak-double".into()),
        ("COQUI_SAMPLE_RATE", engine_double::SAMPLE_RATE.to_string()),
        // The engine faults are felt through the Coqui client's own limit; the pipeline's
        // (PROVIDER_*_TIMEOUT_MS) keep their defaults, which Piper's queue on a busy
        // machine needs.
        ("COQUI_TIMEOUT_MS", "2000".into()),
        ("CIRCUIT_BREAKER_COOLDOWN_SECONDS", "3".into()),
        // The phrase cache is on, but small enough to be full by the end of the warm-up:
        // a cache still filling would read as memory growth.
        ("CACHE_BUDGET_MB", "2".into()),
        // Memory tier only. This Redis keeps the sessions and writes every command to its
        // append-only file (so a SIGKILL loses none); with the cache's shared tier in it
        // too, a minute of load grew the file past 300 MB, and each restart then spent
        // seconds loading it, refusing the rate limiter long after the probe passed.
        // docs/RELIABILITY.md: give the shared tier a Redis without persistence.
        ("CACHE_REDIS_TTL_SECONDS", "0".into()),
        ("RATE_LIMIT_MAX_REQUESTS_PER_WINDOW", "10000000".into()),
        ("SLOW_CLIENT_TIMEOUT_MS", "3000".into()),
        ("SHUTDOWN_GRACE_SECONDS", "5".into()),
        ("REDIS_CLAIM_LEASE_MS", "5000".into()),
        ("UI_DIR", String::new()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Whether Piper can run here: the ONNX Runtime library and a voice are present.
pub fn piper_available() -> bool {
    let lib = std::env::var("ORT_DYLIB_PATH").ok();
    let voices = std::env::var("PIPER_VOICES_DIR").ok();
    lib.is_some_and(|l| std::path::Path::new(&l).exists())
        && voices.is_some_and(|d| {
            std::fs::read_dir(d).is_ok_and(|mut e| {
                e.any(|f| f.is_ok_and(|f| f.path().extension().is_some_and(|x| x == "onnx")))
            })
        })
}

fn pick_voice<'a>(rng: &mut Rng, voices: &'a [Voice]) -> &'a Voice {
    let r = rng.below(100);
    let find = |p: &str| voices.iter().find(|v| v.provider == p);
    let chosen = if r < 20 {
        find("coqui_tts")
    } else if r < 27 {
        find("piper")
    } else {
        None
    };
    chosen.unwrap_or(&voices[0])
}

fn pick_door(rng: &mut Rng) -> &'static str {
    let total: u32 = DOORS.iter().map(|d| d.1).sum();
    let mut r = rng.below(total as usize) as u32;
    for (door, w) in DOORS {
        if r < *w {
            return door;
        }
        r -= w;
    }
    DOORS[0].0
}

async fn client_loop(soak: Arc<Soak>, voices: Arc<Vec<Voice>>, seed: u64, stop: Arc<AtomicBool>) {
    let mut rng = Rng::new(seed);
    while !stop.load(SeqCst) {
        let voice = pick_voice(&mut rng, &voices).clone();
        let door = pick_door(&mut rng);
        let mark = soak.disturbances.mark();
        let s = &*soak;
        let outcomes = match door {
            "session + /file" => vec![clients::session(s, &mut rng, &voice).await],
            "openai" => vec![clients::openai(s, &mut rng, &voice).await],
            "realtime" => clients::realtime(s, &mut rng, &voice).await,
            "elevenlabs socket" => vec![clients::elevenlabs_ws(s, &mut rng, &voice).await],
            "elevenlabs rest" => vec![clients::elevenlabs_rest(s, &mut rng, &voice).await],
            "cartesia socket" => vec![clients::cartesia_ws(s, &mut rng, &voice).await],
            "cartesia rest" => vec![clients::cartesia_rest(s, &mut rng, &voice).await],
            "deepgram socket" => vec![clients::deepgram_ws(s, &mut rng, &voice).await],
            _ => vec![clients::deepgram_rest(s, &mut rng, &voice).await],
        };
        for o in outcomes {
            soak.ledger
                .record(door, voice.provider, o, &soak.disturbances, mark);
        }
        // A pause between units, so the load is steady rather than all the machine has.
        tokio::time::sleep(Duration::from_millis(rng.below(200) as u64)).await;
    }
}

async fn abuse_loop(soak: Arc<Soak>, mock: Voice, seed: u64, stop: Arc<AtomicBool>, width: usize) {
    let permits = Arc::new(Semaphore::new(width.max(1)));
    let mut rng = Rng::new(seed);
    let mut tasks = Vec::new();
    while !stop.load(SeqCst) {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let kind = *rng.pick(abuse::KINDS);
        let (soak, mock) = (Arc::clone(&soak), mock.clone());
        let mut task_rng = Rng::new(rng.next_u64());
        tasks.push(tokio::spawn(async move {
            let mark = soak.disturbances.mark();
            let o = abuse::run(kind, &soak, &mut task_rng, &mock).await;
            soak.ledger.record(
                &format!("abuse: {kind}"),
                mock.provider,
                o,
                &soak.disturbances,
                mark,
            );
            drop(permit);
        }));
        tasks.retain(|t| !t.is_finished());
        tokio::time::sleep(Duration::from_millis(100 + rng.below(300) as u64)).await;
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn sampler(slots: Arc<Vec<Slot>>, t0: Instant, stop: Arc<AtomicBool>) -> Vec<watch::Sample> {
    let mut out = Vec::new();
    while !stop.load(SeqCst) {
        for s in slots.iter() {
            let pid = s.pid.load(SeqCst);
            if pid != 0 {
                out.push(watch::sample(t0, &s.name, s.incarnation.load(SeqCst), pid, &s.url).await);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    out
}

/// Runs the whole soak; the report (its verdict inside).
pub async fn run(opts: Options) -> Result<report::Report, String> {
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| e.to_string())?;
    let _ = crate::procfs::raise_open_file_limit();
    let t0 = Instant::now();
    let redis = Redis::start(&opts.out_dir).await?;
    let engine = EngineDouble::start().await?;
    let spec = GatewaySpec {
        binary: opts.gateway_bin.clone(),
        env: gateway_env(&redis, &engine, opts.piper),
    };
    let mut gateways = Vec::new();
    for name in ["gateway-1", "gateway-2"] {
        gateways.push(Gateway::start(name, &spec, &opts.out_dir).await?);
    }
    let slots: Arc<Vec<Slot>> = Arc::new(
        gateways
            .iter()
            .map(|g| Slot {
                name: g.name.clone(),
                url: g.url(),
                up: AtomicBool::new(true),
                pid: AtomicU32::new(g.pid().unwrap_or(0)),
                incarnation: AtomicU32::new(0),
            })
            .collect(),
    );
    let baselines = Baselines::default();
    for g in &gateways {
        baselines
            .measure(&g.name, 0, g.pid().unwrap_or(0), &g.url())
            .await;
    }
    let mock = Voice {
        provider: "mock_tone",
        id: "en-US-mock-1".into(),
        rate: 16_000,
    };
    let coqui = Voice {
        provider: "coqui_tts",
        id: "coqui-soak-double".into(),
        rate: engine_double::SAMPLE_RATE,
    };
    let mut voices = vec![mock.clone(), coqui.clone()];
    let piper = Voice {
        provider: "piper",
        id: "en_US-joe-medium".into(),
        rate: 22_050,
    };
    if opts.piper {
        voices.push(piper.clone());
    }
    let voices = Arc::new(voices);
    let soak = Arc::new(Soak {
        http: reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| e.to_string())?,
        slots: Arc::clone(&slots),
        ledger: Arc::new(Ledger::default()),
        disturbances: Arc::new(Disturbances::default()),
        slow_client_timeout: Duration::from_secs(3),
    });
    let ledger = Arc::clone(&soak.ledger);

    let load_start = t0.elapsed();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_sampling = Arc::new(AtomicBool::new(false));
    let sampling = tokio::spawn(sampler(Arc::clone(&slots), t0, Arc::clone(&stop_sampling)));
    let mut load = Vec::new();
    if opts.piper {
        // During the warm-up (clients::prime_piper says why).
        for slot in slots.iter() {
            let (soak, piper, base) = (Arc::clone(&soak), piper.clone(), slot.url.clone());
            load.push(tokio::spawn(async move {
                let (sent, failed) =
                    clients::prime_piper(&soak, &base, &piper, PIPER_PRIMING_ROUNDS).await;
                eprintln!(
                    "[soak] {:>6.1}s Piper primed on {base} ({failed} of {sent} not answered whole)",
                    t0.elapsed().as_secs_f64(),
                );
            }));
        }
    }
    for i in 0..opts.clients {
        load.push(tokio::spawn(client_loop(
            Arc::clone(&soak),
            Arc::clone(&voices),
            opts.seed.wrapping_add(i as u64 + 1),
            Arc::clone(&stop),
        )));
    }
    load.push(tokio::spawn(abuse_loop(
        Arc::clone(&soak),
        mock.clone(),
        opts.seed ^ 0xAB05E,
        Arc::clone(&stop),
        opts.abusers,
    )));
    let load_end = load_start + opts.duration;
    let fault_task = tokio::spawn(faults::run(
        faults::Cluster {
            redis,
            gateways,
            engine,
        },
        Arc::clone(&soak),
        baselines.clone(),
        (mock.clone(), Some(coqui.clone())),
        faults::Plan {
            t0,
            start: load_start + opts.warmup,
            end: load_end,
            gap: opts.fault_gap,
        },
    ));
    tokio::time::sleep_until((t0 + load_end).into()).await;
    let (cluster, fault_records) = fault_task.await.map_err(|e| e.to_string())?;
    stop.store(true, SeqCst);
    let load_stopped = t0.elapsed();
    eprintln!(
        "[soak] {:>6.1}s load stopped; waiting for the clients",
        load_stopped.as_secs_f64()
    );
    for t in load {
        let _ = t.await;
    }
    drop(soak);
    let rest = report::rest(&slots, &baselines, opts.fd_slack, opts.task_slack).await;
    stop_sampling.store(true, SeqCst);
    let samples = sampling.await.map_err(|e| e.to_string())?;
    let panics: Vec<String> = cluster.gateways.iter().flat_map(Gateway::panics).collect();
    let peaks = cluster
        .gateways
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                g.pid()
                    .and_then(|p| crate::procfs::Proc::Pid(p).peak_rss().ok()),
            )
        })
        .collect();
    Ok(report::Report::build(report::Inputs {
        opts: &opts,
        ledger: &ledger,
        faults: fault_records,
        samples,
        rest,
        panics,
        peaks,
        warm_at: (load_start + opts.warmup).as_secs_f64(),
        load_end: load_stopped.as_secs_f64(),
    }))
}
