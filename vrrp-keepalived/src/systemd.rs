//! systemd's readiness protocol without libsystemd: a datagram to
//! `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
//!
//! The daemon says `READY=1` once its instances run, `RELOADING=1` then
//! `READY=1` around a reload, `STOPPING=1` when it begins to stop, and
//! `STATUS=...` lines `systemctl status` shows.

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Sends `state` (e.g. `"READY=1"`) to the socket named by `NOTIFY_SOCKET`;
/// `Ok(false)` when the variable is unset (not run by systemd).
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var("NOTIFY_SOCKET") {
        Ok(socket) if !socket.is_empty() => notify_to(&socket, state).map(|()| true),
        _ => Ok(false),
    }
}

/// Sends `state` to the notification socket `socket` (a path, or
/// `@name` for the abstract namespace).
pub fn notify_to(socket: &str, state: &str) -> io::Result<()> {
    let address = match socket.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name)?,
        None => SocketAddr::from_pathname(socket)?,
    };
    let datagram = UnixDatagram::unbound()?;
    datagram.send_to_addr(state.as_bytes(), &address)?;
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn datagrams_reach_path_and_abstract_sockets() {
        let path = std::env::temp_dir().join(format!("vrrp-sdnotify-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixDatagram::bind(&path).unwrap();
        notify_to(path.to_str().unwrap(), "READY=1\nSTATUS=2 instances").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=2 instances");
        std::fs::remove_file(&path).unwrap();

        let name = format!("vrrp-sdnotify-{}", std::process::id());
        let listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap()).unwrap();
        notify_to(&format!("@{name}"), "STOPPING=1").unwrap();
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }
}
