//! keepalive-haproxy: keeps a virtual IP on a host whose HAProxy is alive,
//! configured with keepalived.conf.
//!
//! ```text
//! cargo run --example keepalive-haproxy                    # demonstration in namespaces
//! keepalive-haproxy -f /etc/keepalived/keepalived.conf -n  # the daemon
//! keepalive-haproxy -t -f keepalived.conf                  # check a configuration
//! ```

mod cli;

use std::process::ExitCode;

use clap::Parser;
use vrrp::linux::config::{self, Loaded};
use vrrp::linux::driver::{Driver, DriverEvent};

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let filter = if args.log_detail { "debug" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()),
        )
        .with_target(false)
        .init();

    let loaded = match config::load(&args.use_file) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    if args.config_test {
        println!("{}: configuration OK", args.use_file.display());
        return ExitCode::SUCCESS;
    }
    match run(&args, &loaded) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &cli::Args, loaded: &Loaded) -> Result<(), Box<dyn std::error::Error>> {
    let mut driver_config = config::driver_config(&loaded.config)?;
    driver_config.handle_signals = true;
    let mut driver = Driver::new(driver_config)?;
    if let Some(pid) = &args.pid {
        std::fs::write(pid, format!("{}\n", std::process::id()))?;
    }
    tracing::info!(instances = driver.specs().len(), "running");
    driver.run(|driver, event| match event {
        DriverEvent::Reload => {
            tracing::warn!("SIGHUP: reload is not supported yet; keeping the running configuration")
        }
        DriverEvent::DumpStatus => tracing::info!(instances = driver.specs().len(), "SIGUSR1"),
        _ => {}
    })?;
    if let Some(pid) = &args.pid {
        let _ = std::fs::remove_file(pid);
    }
    Ok(())
}
