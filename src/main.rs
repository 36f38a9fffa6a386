//! The `frontdesk` binary: parses the command line, loads configuration, and hands over to the
//! library. Everything else lives in the library so tests can drive it.

use clap::Parser;
use frontdesk::cli::{self, Cli, Command};
use frontdesk::server;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// jemalloc with background threads gives freed memory back after a burst; see Cargo.toml.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), (u8, anyhow::Error)> {
    let config = cli
        .load_config()
        .map_err(|e| (e.exit_code(), anyhow::Error::new(e)))?;
    if let Command::Serve = cli.command {
        let shutdown = CancellationToken::new();
        server::cancel_on_signals(shutdown.clone());
        let (file, overrides) = (cli.config.clone(), cli.overrides());
        let reload: server::Reload =
            Box::new(move || frontdesk::config::Config::load(file.as_deref(), &overrides));
        let running = server::start_with_reload(config, shutdown, Some(reload))
            .await
            .map_err(|e| (1, anyhow::Error::new(e)))?;
        // Tests and scripts read the bound ports from this line.
        let bound = running.bound;
        let mut ready = format!("frontdesk: ready http={} sip={}", bound.http, bound.sip);
        if let Some(tcp) = bound.sip_tcp {
            ready.push_str(&format!(" sip_tcp={tcp}"));
        }
        if let Some(tls) = bound.sip_tls {
            ready.push_str(&format!(" sip_tls={tls}"));
        }
        println!("{ready}");
        return running.wait().await.map_err(|e| (1, anyhow::Error::new(e)));
    }
    cli::run(&cli, &config)
        .await
        .map_err(|e| (e.exit_code(), anyhow::Error::new(e)))
}

/// Logs go to stderr; `FRONTDESK_LOG` (or `RUST_LOG`) sets the filter. Commands other than `serve`
/// stay quiet unless asked, so their stdout is clean for scripts.
fn init_tracing(serving: bool) {
    use tracing_subscriber::EnvFilter;
    // The SIP stack logs every datagram at info: transport logs are for debugging, not for floods.
    let default = if serving {
        "info,sqlx=warn,rsipstack=warn"
    } else {
        "warn"
    };
    let filter = std::env::var("FRONTDESK_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}
