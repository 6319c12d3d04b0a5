//! The `tts-gateway` binary: read settings, start, serve until SIGTERM/SIGINT.
//! `tts-gateway keygen NAME [LIMITS…]` prints a new API key and its line for
//! `API_KEYS_FILE`, and exits.

use tts_gateway::{telemetry, Application, Settings};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("keygen") {
        std::process::exit(keygen(&args[1..]));
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tts-gateway: configuration error: {e}");
            std::process::exit(2);
        }
    };
    telemetry::init(settings.log_json);
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            std::process::exit(1);
        }
    };
    let state = app.state();
    let formats: Vec<String> = state
        .codecs
        .available()
        .iter()
        .map(ToString::to_string)
        .collect();
    tracing::info!(
        addr = %state.local_addr,
        providers = ?state.providers.ids(),
        voices = state.catalog.all().len(),
        formats = %formats.join(","),
        mp3_quality = if state.settings.mp3_complexity.is_some() { "fast" } else { "standard" },
        wyoming = %app.wyoming_port().map_or("off".to_string(), |p| p.to_string()),
        api_keys = state.auth.as_ref().map_or(0, |a| a.keys().len()),
        metrics = %app.metrics_addr().map_or("public port".to_string(), |a| a.to_string()),
        "tts-gateway listening"
    );
    log_auth(&app);

    // Serve from a runtime worker rather than the main thread, so the accept loop and the
    // connections share the same threads (on one core: no extra thread to switch to).
    match tokio::spawn(app.run_until_stopped(shutdown_signal())).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, "server error");
            std::process::exit(1);
        }
        Err(e) => {
            tracing::error!(error = %e, "server task failed");
            std::process::exit(1);
        }
    }
    tracing::info!("stopped");
}

/// Says loudly who may use the gateway.
fn log_auth(app: &Application) {
    let state = app.state();
    let auth = &state.settings.auth;
    match &state.auth {
        None => tracing::warn!(
            "API KEYS ARE OFF: anyone who can reach this port can use the gateway and spend \
             its CPU. Set API_KEYS_FILE to require keys (docs/AUTH.md)."
        ),
        Some(a) => tracing::info!(
            file = %auth.keys_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            keys = a.keys().len(),
            tokens = if a.signer().is_some() { "on" } else { "off (AUTH_TOKEN_SECRET unset)" },
            ui_key = auth.ui_key.as_deref().unwrap_or("off"),
            "API keys on: every door but /healthz, /readyz and the UI wants a key or token"
        ),
    }
    if let (Some(_), Some(port)) = (&state.auth, app.wyoming_port()) {
        tracing::warn!(
            port,
            "WYOMING_ALLOW_ANONYMOUS: the Wyoming port takes no key (its protocol has none); \
             anyone who reaches it can use it: keep it on a private network"
        );
    }
}

/// `keygen NAME [sessions=N] [streams=N] [chars=N]`: a new random key, and the line that
/// grants it. The key is shown once; the file keeps only its hash.
fn keygen(args: &[String]) -> i32 {
    let Some(name) = args.first() else {
        eprintln!("usage: tts-gateway keygen NAME [sessions=N] [streams=N] [chars=N]");
        return 2;
    };
    let mut random = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut random) {
        eprintln!("tts-gateway keygen: no random source: {e}");
        return 1;
    }
    use base64::Engine;
    let key = format!(
        "tgk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let mut line = format!("{name} {}", tts_gateway::auth::hash_hex(&key));
    for limit in &args[1..] {
        line.push(' ');
        line.push_str(limit);
    }
    // The line must be one the file accepts.
    if let Err((_, message)) = tts_gateway::auth::Keys::parse(&line) {
        eprintln!("tts-gateway keygen: {message}");
        return 2;
    }
    println!("key:  {key}");
    println!("line: {line}");
    eprintln!("Give the key to its user; append the line to API_KEYS_FILE. The key is not stored anywhere.");
    0
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}
