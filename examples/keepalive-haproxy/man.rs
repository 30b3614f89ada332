//! Writes the daemon's man page, keepalive-haproxy(8), generated from its
//! command line (`cli.rs`) with clap_mangen, plus the files and signals
//! the flags do not tell. `contrib/build-deb.sh` runs it before `cargo deb`:
//!
//! ```text
//! keepalive-haproxy-man target/release/man/keepalive-haproxy.8   # then gzip
//! ```

// The command line only; `Args::options` is the daemon's.
#[allow(dead_code)]
#[path = "cli.rs"]
mod cli;

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: keepalive-haproxy-man OUTPUT.8");
        return ExitCode::from(2);
    };
    match write(Path::new(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}: {error}", Path::new(&out).display());
            ExitCode::FAILURE
        }
    }
}

fn write(out: &Path) -> std::io::Result<()> {
    let man = Man::new(cli::Args::command())
        .section("8")
        .manual("System Manager's Manual");
    let mut page = Vec::new();
    man.render(&mut page)?;
    extra().to_writer(&mut page)?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, page)
}

/// FILES, SIGNALS and SEE ALSO: what a packaged daemon reads and writes.
fn extra() -> Roff {
    let mut roff = Roff::new();
    let item = |roff: &mut Roff, term: &str, text: &str| {
        roff.control("TP", [])
            .text([bold(term)])
            .text([roman(text)]);
    };
    roff.control("SH", ["FILES"]);
    item(
        &mut roff,
        "/etc/keepalived/keepalived.conf",
        "The configuration (keepalived.conf syntax), unless -f names another.",
    );
    item(
        &mut roff,
        "/usr/lib/systemd/system/keepalive-haproxy.service",
        "The systemd unit; its status file is /run/keepalive-haproxy/status.json.",
    );
    item(
        &mut roff,
        "$TMPDIR/keepalived.data, keepalived.stats, keepalived.json",
        "keepalived's dump files, written on the signals below ($TMPDIR: /tmp when unset; \
         the unit's PrivateTmp=yes makes it a /tmp of the service's own); \
         global_defs' state_dump_file moves keepalived.data.",
    );
    roff.control("SH", ["SIGNALS"]);
    for (signal, what) in [
        (
            "SIGTERM, SIGINT",
            "Send priority 0, remove the virtual addresses, exit.",
        ),
        (
            "SIGHUP",
            "Reload the configuration; unchanged instances keep running.",
        ),
        (
            "SIGUSR1",
            "Write the JSON status (--status-file) and keepalived.data.",
        ),
        ("SIGUSR2", "Write keepalived.stats."),
        ("SIGRTMIN+2", "Write keepalived.json."),
    ] {
        item(&mut roff, signal, what);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman("keepalived(8), keepalived.conf(5), systemctl(1)")]);
    roff
}
