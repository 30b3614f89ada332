//! HAProxy on a lab host: the real one when it is installed (the lab's
//! `haproxy` module), else a stand-in: this very binary, started through a
//! symlink named `haproxy` (so the process is named `haproxy` and the
//! article's `killall -0 haproxy` sees it), answering every HTTP request
//! with the host's name, as the lab's HAProxy config does.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::lab::{Host, Proc, haproxy};

/// The name a stand-in runs under.
const NAME: &str = "haproxy";

/// Which HAProxy the lab hosts run.
#[derive(Debug, Clone)]
pub(crate) enum Haproxy {
    /// `haproxy` from `PATH`, with this version line.
    Real(String),
    /// This binary through the symlink at this path.
    StandIn(PathBuf),
}

impl Haproxy {
    /// The real HAProxy if `haproxy -v` runs, else a stand-in whose symlink
    /// goes into `dir`.
    pub(crate) fn find(dir: &Path) -> std::io::Result<Self> {
        if let Ok(out) = std::process::Command::new(NAME).arg("-v").output() {
            let text = String::from_utf8_lossy(&out.stdout);
            if out.status.success() {
                let version = text.split_whitespace().take(3).collect::<Vec<_>>();
                return Ok(Self::Real(version.join(" ")));
            }
        }
        let link = dir.join("bin").join(NAME);
        std::fs::create_dir_all(dir.join("bin"))?;
        std::os::unix::fs::symlink(std::env::current_exe()?, &link)?;
        Ok(Self::StandIn(link))
    }

    /// What the narration calls it.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Real(version) => version.clone(),
            Self::StandIn(_) => "a stand-in HAProxy (haproxy is not installed)".to_owned(),
        }
    }

    /// Starts it on `host`, answering `<host name>\n` on `port`.
    pub(crate) fn start(&self, host: &Host<'_>, port: u16) -> Proc {
        match self {
            Self::Real(_) => haproxy::start(host, port),
            Self::StandIn(link) => {
                let (link, port) = (link.display().to_string(), port.to_string());
                host.spawn(NAME, &[&link, host.name(), &port])
            }
        }
    }
}

/// `Some(arguments)` when this process was started as a stand-in (its
/// program name is `haproxy`).
pub(crate) fn invoked() -> Option<Vec<OsString>> {
    let mut args = std::env::args_os();
    let program = PathBuf::from(args.next()?);
    (program.file_name()? == NAME).then(|| args.collect())
}

/// The stand-in: `haproxy NAME PORT` serves `NAME\n` over HTTP/1.0 on every
/// IPv4 address (a VIP added later included) until killed.
pub(crate) fn serve(args: &[OsString]) -> ExitCode {
    let [name, port] = args else {
        eprintln!("stand-in haproxy: usage: haproxy NAME PORT");
        return ExitCode::from(2);
    };
    let name = name.to_string_lossy();
    let listener = match port
        .to_str()
        .and_then(|p| p.parse::<u16>().ok())
        .map(|port| TcpListener::bind(("0.0.0.0", port)))
    {
        Some(Ok(listener)) => listener,
        Some(Err(error)) => {
            eprintln!("stand-in haproxy: cannot listen: {error}");
            return ExitCode::FAILURE;
        }
        None => {
            eprintln!("stand-in haproxy: not a port: {port:?}");
            return ExitCode::from(2);
        }
    };
    for stream in listener.incoming().flatten() {
        let _ = answer(stream, &name);
    }
    ExitCode::SUCCESS
}

/// Reads the request head (up to a second) and answers with `name`.
fn answer(mut stream: TcpStream, name: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    stream.write_all(response(name).as_bytes())
}

/// The HTTP/1.0 response carrying `name`.
fn response(name: &str) -> String {
    let body = format!("{name}\n");
    format!(
        "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_with_the_name() {
        assert_eq!(
            super::response("lb1"),
            "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nlb1\n"
        );
    }
}
