//! HAProxy on a lab host: the real one, Debian's `haproxy` package (.ci/run
//! installs it), with a one-frontend config that answers every HTTP request
//! with the host's name. The process is really named `haproxy`, so the
//! article's `killall -0 haproxy` check sees it, and a client can tell which
//! host answered on the VIP.

use super::{Host, Proc};

/// The config: a frontend on `port`, every address (so a VIP added later is
/// served at once), answering `<host name>\n`.
pub fn config(host: &Host<'_>, port: u16) -> String {
    format!(
        "global\n    maxconn 64\n\n\
         defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\n\
         frontend lab\n    bind :::{port} v4v6\n    \
         http-request return status 200 content-type text/plain string \"{}\\n\"\n",
        host.name()
    )
}

/// Starts HAProxy on `host`, serving on `port`, in the foreground (`-db`).
pub fn start(host: &Host<'_>, port: u16) -> Proc {
    let path = host.dir().join("haproxy.cfg");
    std::fs::write(&path, config(host, port)).expect("write haproxy.cfg");
    let path = path.display().to_string();
    host.spawn("haproxy", &["haproxy", "-db", "-f", &path])
}
