//! `cargo run --example keepalive-haproxy` with no arguments: a
//! demonstration in throw-away network namespaces (the lab of `vrrp-lab`, shared with the tests).
//! Two load balancers, lb1 and lb2, each run HAProxy and this very binary
//! as their daemon (`-f <config> -n`, in the host's namespaces); a client
//! fetches `http://VIP/`, which names the host that answered. Before the
//! lab starts, `--verify` reads the article's two files. Act 1 runs the
//! article's configuration and shows its tie; act 2 the corrected one and
//! its failovers, each timed. Exit 0 only when everything went as expected;
//! 1 when not (the logs are kept and their directory named); 2 when it
//! cannot run here (not root, tools missing); 128 + n after signal n.

mod acts;
mod configs;
mod interrupt;
mod probe;
mod standin;
mod story;
mod timeline;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use crate::lab::{self, Lab};
use timeline::{Timeline, secs};

/// The programs the lab and the article's check run.
const TOOLS: [(&str, &str); 6] = [
    ("ip", "iproute2"),
    ("nsenter", "util-linux"),
    ("unshare", "util-linux"),
    ("setsid", "util-linux"),
    ("bash", "bash"),
    ("killall", "psmisc"),
];

/// The first panic's message: what failed.
static FIRST_FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// `Some(exit code)` when this process is the demonstration (no arguments
/// at all) or its stand-in HAProxy; `None` for the daemon.
pub(crate) fn entry() -> Option<ExitCode> {
    if let Some(args) = standin::invoked() {
        return Some(standin::serve(&args));
    }
    (std::env::args_os().len() == 1).then(run)
}

fn run() -> ExitCode {
    if !nix::unistd::geteuid().is_root() {
        let exe =
            std::env::current_exe().map_or("keepalive-haproxy".into(), |p| p.display().to_string());
        eprintln!(
            "keepalive-haproxy: the demonstration builds network namespaces and needs root: run \
             `sudo {exe}` (or `sudo -E env PATH=\"$PATH\" cargo run --example keepalive-haproxy`)"
        );
        return ExitCode::from(2);
    }
    let missing = missing_tools(&std::env::var_os("PATH").unwrap_or_default());
    if !missing.is_empty() {
        let (tools, packages): (Vec<&str>, Vec<&str>) = missing.into_iter().unzip();
        eprintln!(
            "keepalive-haproxy: the demonstration needs {} (install {})",
            tools.join(", "),
            packages.join(", ")
        );
        return ExitCode::from(2);
    }
    if let Err(error) = interrupt::install() {
        eprintln!("keepalive-haproxy: cannot handle signals: {error}");
        return ExitCode::FAILURE;
    }
    std::panic::set_hook(Box::new(record_panic));
    let clock = Instant::now();
    let mut timeline = Timeline::new(SystemTime::now());
    println!(
        "keepalive-haproxy, no arguments: a demonstration (the daemon: keepalive-haproxy -f keepalived.conf -n).\n\
         Two HAProxy hosts and a client in throw-away network namespaces; Ctrl-C stops and removes them.\n"
    );
    acts::verify_first();
    let Ok(Some(lab)) = catch_unwind(|| Lab::new("keepalive-haproxy demonstration")) else {
        return report_failure(None, clock);
    };
    interrupt::lab_dir(lab.dir().to_owned());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut stage = story::Stage::new(&lab, &mut timeline);
        let watched = acts::article(&mut stage);
        let failovers = acts::corrected(&mut stage);
        (watched, failovers)
    }));
    let kept = (outcome.is_err() && interrupt::received().is_none()).then(|| keep_logs(&lab));
    let id = lab.id().to_owned();
    drop(lab);
    let left: Vec<String> = lab::netns_list()
        .into_iter()
        .filter(|ns| ns.starts_with(&format!("{id}-")))
        .collect();
    println!("\n{}", timeline.render());
    if !left.is_empty() {
        println!("could not remove the namespaces {left:?}: `ip netns del` them");
        return ExitCode::FAILURE;
    }
    match outcome {
        Ok((watched, failovers)) => {
            println!(
                "result: as expected. The article's configuration kept the VIP on lb1 with HAProxy dead there\n        \
                 (watched {}; 100 = 98 + 2 is a tie); with weight {} the VIP moved to lb2 in {},\n        \
                 came back in {}, and moved in {} on SIGTERM.",
                secs(watched),
                configs::CORRECTED_WEIGHT,
                secs(failovers.haproxy_killed),
                secs(failovers.haproxy_back),
                secs(failovers.sigterm)
            );
            println!(
                "lab removed (namespaces, processes, files); {} in all",
                secs(clock.elapsed())
            );
            ExitCode::SUCCESS
        }
        Err(_) => report_failure(kept.flatten(), clock),
    }
}

/// Says why the demonstration stopped; the exit code.
fn report_failure(logs: Option<PathBuf>, clock: Instant) -> ExitCode {
    if let Some(signal) = interrupt::received() {
        println!(
            "interrupted by {signal}; lab removed, {} in all",
            secs(clock.elapsed())
        );
        return ExitCode::from(128 + u8::try_from(signal as i32).unwrap_or(0));
    }
    let what = FIRST_FAILURE
        .lock()
        .map(|first| first.clone())
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".to_owned());
    eprintln!("FAILED: {what}");
    match logs {
        Some(dir) => eprintln!(
            "the daemons', HAProxys' and watchers' logs are in {}",
            dir.display()
        ),
        None => eprintln!("(no logs kept)"),
    }
    eprintln!("lab removed; {} in all", secs(clock.elapsed()));
    ExitCode::FAILURE
}

/// Moves the lab's directory (configs, logs) out of the lab's way, which
/// removes its own; where it went.
fn keep_logs(lab: &Lab) -> Option<PathBuf> {
    let kept = std::env::temp_dir().join(format!("keepalive-haproxy-demo-{}", std::process::id()));
    std::fs::rename(lab.dir(), &kept).ok()?;
    Some(kept)
}

/// The panic hook: remembers the first failure instead of printing it.
fn record_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    if payload.is::<interrupt::Interrupted>() {
        return;
    }
    let what = if let Some(probe::Failure(what)) = payload.downcast_ref() {
        what.clone()
    } else {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" (at {l})"))
            .unwrap_or_default();
        format!("{message}{at}")
    };
    if let Ok(mut first) = FIRST_FAILURE.lock() {
        first.get_or_insert(what);
    }
}

/// The [`TOOLS`] not found in `path` (a `PATH` value).
fn missing_tools(path: &std::ffi::OsStr) -> Vec<(&'static str, &'static str)> {
    let dirs: Vec<PathBuf> = std::env::split_paths(path).collect();
    TOOLS
        .into_iter()
        .filter(|(tool, _)| !dirs.iter().any(|dir| dir.join(tool).is_file()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_missing_tools_on_the_path() {
        let none = super::missing_tools(std::ffi::OsStr::new("/nonexistent"));
        assert_eq!(none.len(), super::TOOLS.len());
        assert!(none.contains(&("killall", "psmisc")));
    }
}
