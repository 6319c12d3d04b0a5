//! The `tts-gateway` binary: read settings, start, serve until SIGTERM/SIGINT.

use tts_gateway::{telemetry, Application, Settings};

#[tokio::main]
async fn main() {
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
        "tts-gateway listening"
    );

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
