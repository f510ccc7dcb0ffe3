//! `reference-server`: serves the Todo AI Chatbot API. First stdout line: `listening on http://ADDR:PORT`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use reference_server::config::Cli;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let cli = Cli::parse();
    let config = match cli.into_config(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if let Some(flaw) = config.flaw {
        let line = "!".repeat(78);
        eprintln!("{line}");
        eprintln!("!! WARNING: DELIBERATE VULNERABILITY SWITCHED ON: {flaw}");
        eprintln!("!! ({}) {}", flaw.criterion(), flaw.description());
        eprintln!("!! breaks {} of specs/spec.md", flaw.breaks().join(", "));
        eprintln!("!! This server is insecure on purpose. TEST USE ONLY; never expose it.");
        eprintln!("{line}");
        tracing::warn!(flaw = flaw.id(), breaks = ?flaw.breaks(), "deliberate vulnerability switched on");
    }
    // Register the signal handlers before announcing the address, so that a SIGTERM sent as soon as
    // the line is read cannot kill the process ungracefully.
    let shutdown_signal = ShutdownSignal::register();
    let server = match reference_server::start(config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.base_url());
    let _ = stdout.flush();
    drop(stdout);

    shutdown_signal.recv().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C (SIGINT) or SIGTERM, registered eagerly.
struct ShutdownSignal {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl ShutdownSignal {
    #[cfg(unix)]
    fn register() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = signal(SignalKind::interrupt())
            .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
            .ok();
        ShutdownSignal { signals }
    }

    #[cfg(not(unix))]
    fn register() -> Self {
        ShutdownSignal {}
    }

    #[cfg(unix)]
    async fn recv(self) {
        match self.signals {
            Some((mut interrupt, mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            None => std::future::pending::<()>().await,
        }
    }

    #[cfg(not(unix))]
    async fn recv(self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
