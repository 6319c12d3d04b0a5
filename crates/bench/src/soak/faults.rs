//! The faults injected during the run, one after another with quiet time between, and for
//! each the time until service recovered: the first probe (a whole unit of work through
//! what the fault broke) that succeeds after the fault is lifted.

use super::clients::{self, Voice};
use super::cluster::{signal, Gateway, Redis};
use super::engine_double::{EngineDouble, Mode};
use super::ledger::{Outcome, Scope};
use super::rng::Rng;
use super::{Baselines, Soak};
use serde::Serialize;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    EngineStall,
    EngineError,
    EngineGarbage,
    RedisKill,
    RedisFreeze,
    GatewayTerm,
}

pub const ALL: [Fault; 6] = [
    Fault::EngineStall,
    Fault::EngineError,
    Fault::EngineGarbage,
    Fault::RedisKill,
    Fault::RedisFreeze,
    Fault::GatewayTerm,
];

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::EngineStall => "engine stalls after its WAV header",
            Fault::EngineError => "engine answers 500",
            Fault::EngineGarbage => "engine answers a body that is not WAV",
            Fault::RedisKill => "Redis killed (SIGKILL), restarted",
            Fault::RedisFreeze => "Redis frozen (SIGSTOP), resumed (SIGCONT)",
            Fault::GatewayTerm => "gateway-2 sent SIGTERM under load, restarted",
        }
    }

    /// How long the fault is held before it is lifted.
    fn hold(self) -> Duration {
        Duration::from_secs(match self {
            Fault::EngineStall => 4,
            Fault::EngineError | Fault::EngineGarbage | Fault::RedisKill => 3,
            Fault::RedisFreeze => 4,
            Fault::GatewayTerm => 0,
        })
    }
}

/// One injected fault, as reported.
#[derive(Clone, Debug, Serialize)]
pub struct FaultRecord {
    pub fault: &'static str,
    /// Seconds since the run started.
    pub at_s: f64,
    pub held_s: f64,
    /// From the fault lifted (for SIGTERM: from the signal) to the first good probe;
    /// `None`: never within the limit.
    pub recovery_s: Option<f64>,
    pub note: String,
}

/// What the fault task owns and gives back at the end.
pub struct Cluster {
    pub redis: Redis,
    pub gateways: Vec<Gateway>,
    pub engine: EngineDouble,
}

const RECOVERY_LIMIT: Duration = Duration::from_secs(90);

/// When faults come: from `start` until `end` (times since `t0`), `gap` apart.
pub struct Plan {
    pub t0: Instant,
    pub start: Duration,
    pub end: Duration,
    pub gap: Duration,
}

/// Injects faults in turn, as `plan` says. `voices`: the mock voice (probes of Redis and
/// gateway faults) and the engine double's (probes of engine faults).
pub async fn run(
    mut cluster: Cluster,
    soak: std::sync::Arc<Soak>,
    baselines: Baselines,
    voices: (Voice, Option<Voice>),
    plan: Plan,
) -> (Cluster, Vec<FaultRecord>) {
    let Plan {
        t0,
        start,
        end,
        gap,
    } = plan;
    let mut records = Vec::new();
    let mut rng = Rng::new(0xFA017);
    tokio::time::sleep_until((t0 + start).into()).await;
    for fault in ALL.iter().cycle() {
        // Leave room for the fault, its recovery and a quiet tail.
        if t0.elapsed() + fault.hold() + Duration::from_secs(8) > end {
            break;
        }
        let at = t0.elapsed();
        let record = inject(
            *fault,
            &mut cluster,
            &soak,
            &baselines,
            &voices,
            &mut rng,
            t0,
        )
        .await;
        eprintln!(
            "[soak] {:>6.1}s {}: recovered in {}",
            at.as_secs_f64(),
            fault.name(),
            record
                .recovery_s
                .map_or("NEVER".into(), |s| format!("{s:.2} s"))
        );
        records.push(record);
        tokio::time::sleep(gap).await;
    }
    (cluster, records)
}

async fn inject(
    fault: Fault,
    c: &mut Cluster,
    soak: &Soak,
    baselines: &Baselines,
    (mock, coqui): &(Voice, Option<Voice>),
    rng: &mut Rng,
    t0: Instant,
) -> FaultRecord {
    let at_s = t0.elapsed().as_secs_f64();
    let scope = match fault {
        Fault::EngineStall | Fault::EngineError | Fault::EngineGarbage => Scope::Engine,
        _ => Scope::Cluster,
    };
    soak.disturbances.begin(scope);
    let held = Instant::now();
    let mut note = String::new();
    let lifted;
    match fault {
        Fault::EngineStall | Fault::EngineError | Fault::EngineGarbage => {
            let mode = match fault {
                Fault::EngineStall => Mode::Stall,
                Fault::EngineError => Mode::Error,
                _ => Mode::Garbage,
            };
            let before = c.engine.requests();
            c.engine.set(mode);
            tokio::time::sleep(fault.hold()).await;
            c.engine.set(Mode::Healthy);
            lifted = Instant::now();
            note = format!(
                "{} engine requests during the fault",
                c.engine.requests() - before
            );
        }
        Fault::RedisKill => {
            c.redis.kill();
            tokio::time::sleep(fault.hold()).await;
            if let Err(e) = c.redis.restart().await {
                note = format!("restart failed: {e}");
            }
            lifted = Instant::now();
        }
        Fault::RedisFreeze => {
            let pid = c.redis.pid().unwrap_or(0);
            signal(pid, libc::SIGSTOP);
            tokio::time::sleep(fault.hold()).await;
            signal(pid, libc::SIGCONT);
            lifted = Instant::now();
        }
        Fault::GatewayTerm => {
            let (recovery, n) = gateway_term(c, soak, baselines, mock, rng).await;
            soak.disturbances.end(scope);
            return FaultRecord {
                fault: fault.name(),
                at_s,
                held_s: 0.0,
                recovery_s: recovery,
                note: n,
            };
        }
    }
    let held_s = lifted.duration_since(held).as_secs_f64();
    let probe_voice = if scope == Scope::Engine {
        coqui.as_ref().unwrap_or(mock)
    } else {
        mock
    };
    let recovery = recover(soak, probe_voice, rng, lifted).await;
    soak.disturbances.end(scope);
    FaultRecord {
        fault: fault.name(),
        at_s,
        held_s,
        recovery_s: recovery,
        note,
    }
}

/// Probes until a whole session succeeds on every gateway that is up (a session created
/// on one, streamed, and its `/file` read on the other); seconds since `since`.
async fn recover(soak: &Soak, voice: &Voice, rng: &mut Rng, since: Instant) -> Option<f64> {
    while since.elapsed() < RECOVERY_LIMIT {
        if probe_all(soak, voice, rng).await {
            return Some(since.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn probe_all(soak: &Soak, voice: &Voice, rng: &mut Rng) -> bool {
    for slot in soak.slots.iter().filter(|s| s.up.load(SeqCst)) {
        if clients::session_on(soak, &slot.url, rng, voice).await != Outcome::Completed {
            return false;
        }
    }
    true
}

/// SIGTERM to gateway-2 under load. Before it, sessions streamed on gateway-2; after it
/// exits, their `/file` must come from gateway-1 through Redis. Then gateway-2 starts
/// again. Recovery: from the signal until gateway-2 serves again (gateway-1 served
/// throughout, or the note says otherwise).
async fn gateway_term(
    c: &mut Cluster,
    soak: &Soak,
    baselines: &Baselines,
    mock: &Voice,
    rng: &mut Rng,
) -> (Option<f64>, String) {
    let (g1, g2) = (&soak.slots[0], &soak.slots[1]);
    let mut made = Vec::new();
    for _ in 0..3 {
        if let Some(done) = clients::session_kept(soak, &g2.url, rng, mock).await {
            made.push(done);
        }
    }
    let gw = &mut c.gateways[1];
    let signalled = Instant::now();
    gw.terminate();
    g2.up.store(false, SeqCst);
    let served_after = if clients::session_on(soak, &g1.url, rng, mock).await == Outcome::Completed
    {
        format!(
            "gateway-1 served a session {:.2} s after the signal",
            signalled.elapsed().as_secs_f64()
        )
    } else {
        "gateway-1 did NOT serve a session right after the signal".into()
    };
    let exit = gw.reap(Duration::from_secs(60)).await;
    let drained = signalled.elapsed().as_secs_f64();
    g2.pid.store(0, SeqCst);
    let mut readable = 0;
    for s in &made {
        let mark = soak.disturbances.mark();
        let o = clients::check_file(soak, &g2.url, &s.0, &s.1, mock).await;
        if o == Outcome::Completed {
            readable += 1;
        }
        soak.ledger.record(
            "failover /file on gateway-1",
            mock.provider,
            o,
            &soak.disturbances,
            mark,
        );
    }
    if let Err(e) = gw.restart().await {
        return (None, format!("restart failed: {e}"));
    }
    g2.pid.store(gw.pid().unwrap_or(0), SeqCst);
    g2.incarnation.store(gw.incarnation, SeqCst);
    baselines
        .measure(&g2.name, gw.incarnation, gw.pid().unwrap_or(0), &g2.url)
        .await;
    g2.up.store(true, SeqCst);
    let recovered = loop {
        if clients::session_on(soak, &g2.url, rng, mock).await == Outcome::Completed {
            break Some(signalled.elapsed().as_secs_f64());
        }
        if signalled.elapsed() > RECOVERY_LIMIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let note = format!(
        "exit {}, drained in {drained:.2} s; {served_after}; {readable}/{} sessions streamed on gateway-2 read whole from gateway-1",
        exit.map_or_else(|e| e, |s| s.to_string()),
        made.len()
    );
    (recovered, note)
}
