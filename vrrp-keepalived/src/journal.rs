//! journald's native protocol without libsystemd: each log event as one
//! datagram to journald's socket, the text as on stderr in `MESSAGE`, and
//! each field of the event in a field of its own, so
//! `journalctl -u keepalive-haproxy VRID=51 TO=Master` finds the state
//! changes of one virtual router.
//!
//! Field names are the event's, upper-cased (`instance` → `INSTANCE`);
//! `priority` becomes `VRRP_PRIORITY`, as journald's `PRIORITY` is the
//! syslog level, which is set from the event's level. A value with a line
//! break is sent in the protocol's binary form. An event that cannot be
//! sent (journald stopped, say) goes to stderr instead: nothing is lost.

use std::fmt::{self, Write as _};
use std::io::{self, Write as _};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// journald's socket for native messages.
pub const SOCKET: &str = "/run/systemd/journal/socket";

/// Names another socket than [`SOCKET`] (a container's journald, a test's
/// listener).
pub const SOCKET_ENV: &str = "KEEPALIVE_HAPROXY_JOURNAL_SOCKET";

/// Where journald listens: `$KEEPALIVE_HAPROXY_JOURNAL_SOCKET`, else [`SOCKET`].
pub fn socket_path() -> PathBuf {
    std::env::var_os(SOCKET_ENV).map_or_else(|| PathBuf::from(SOCKET), PathBuf::from)
}

/// The identifier journald files the lines under (`SYSLOG_IDENTIFIER`).
pub const IDENTIFIER: &str = "keepalive-haproxy";

/// Whether this process logs to journald: systemd connected stderr to the
/// journal (`JOURNAL_STREAM` names stderr's device and inode).
pub fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = stream.to_str().and_then(|s| s.split_once(':')) else {
        return false;
    };
    let Ok(meta) = std::fs::metadata("/proc/self/fd/2") else {
        return false;
    };
    dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino())
}

/// A layer that sends every event to journald's socket.
#[derive(Debug)]
pub struct JournalLayer {
    socket: UnixDatagram,
    path: PathBuf,
}

impl JournalLayer {
    /// Sends to journald's socket at `path` ([`SOCKET`] in production).
    pub fn new(path: &Path) -> io::Result<Self> {
        let socket = UnixDatagram::unbound()?;
        socket.connect(path)?;
        Ok(Self {
            socket,
            path: path.to_owned(),
        })
    }
}

impl<S: Subscriber> Layer<S> for JournalLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let datagram = entry(*event.metadata().level(), &fields);
        if self.socket.send(&datagram).is_err() {
            // journald gone or the entry too large: stderr keeps it.
            let _ = writeln!(
                io::stderr(),
                "{} {} (journald at {} refused it)",
                event.metadata().level(),
                fields.text(),
                self.path.display()
            );
        }
    }
}

/// An event's message and its other fields, in order.
#[derive(Debug, Default)]
struct Fields {
    message: String,
    others: Vec<(&'static str, String)>,
}

impl Fields {
    /// The line as the stderr format writes it: the message, then
    /// `name=value` for each other field.
    fn text(&self) -> String {
        let mut text = self.message.clone();
        for (name, value) in &self.others {
            let _ = write!(text, " {name}={value}");
        }
        text
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others.push((field.name(), format!("{value:?}")));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.others.push((field.name(), value.to_owned()));
        }
    }
}

/// syslog's level of a tracing level (journald's `PRIORITY`).
fn syslog_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// The journal field name of an event field: upper case, `[A-Z0-9_]`, not
/// starting with `_` (journald reserves those), `priority` renamed.
fn field_name(name: &str) -> String {
    if name == "priority" {
        return "VRRP_PRIORITY".to_owned();
    }
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    upper.trim_start_matches('_').to_owned()
}

/// One datagram of journald's native protocol.
fn entry(level: Level, fields: &Fields) -> Vec<u8> {
    let mut out = Vec::new();
    push(&mut out, "MESSAGE", &fields.text());
    push(&mut out, "PRIORITY", &syslog_level(level).to_string());
    push(&mut out, "SYSLOG_IDENTIFIER", IDENTIFIER);
    for (name, value) in &fields.others {
        let name = field_name(name);
        if !name.is_empty() {
            push(&mut out, &name, value);
        }
    }
    out
}

/// `NAME=value\n`, or for a value with a line break `NAME\n`, its length
/// as 64-bit little endian, the value and `\n`.
fn push(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    if value.contains('\n') {
        out.push(b'\n');
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
    } else {
        out.push(b'=');
    }
    out.extend_from_slice(value.as_bytes());
    out.push(b'\n');
}

/// Reads a datagram of the native protocol back: (name, value) pairs. For
/// tests, and for whoever checks what was sent.
pub fn parse_entry(mut datagram: &[u8]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    while !datagram.is_empty() {
        let end = datagram
            .iter()
            .position(|&b| b == b'\n' || b == b'=')
            .unwrap_or(datagram.len());
        let name = String::from_utf8_lossy(&datagram[..end]).into_owned();
        let rest = &datagram[end.min(datagram.len())..];
        let (value, after) = match rest.first() {
            Some(b'=') => {
                let rest = &rest[1..];
                let line = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                (&rest[..line], &rest[(line + 1).min(rest.len())..])
            }
            Some(b'\n') if rest.len() >= 9 => {
                let mut len = [0; 8];
                len.copy_from_slice(&rest[1..9]);
                let len = usize::try_from(u64::from_le_bytes(len)).unwrap_or(usize::MAX);
                let body = &rest[9..];
                let len = len.min(body.len());
                (&body[..len], &body[(len + 1).min(body.len())..])
            }
            _ => (&rest[..0], &rest[..0]),
        };
        fields.push((name, String::from_utf8_lossy(value).into_owned()));
        datagram = after;
    }
    fields
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_state_change_is_one_entry_with_its_fields() {
        let dir = std::env::temp_dir().join(format!("vrrp-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("socket");
        let _ = std::fs::remove_file(&path);
        let journal = UnixDatagram::bind(&path).unwrap();
        let layer = JournalLayer::new(&path).unwrap();
        let subscriber =
            tracing_subscriber::layer::SubscriberExt::with(tracing_subscriber::registry(), layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(instance = %"VI_51", vrid = 51, from = ?"Backup", priority = 150, "state changed");
            tracing::warn!("two\nlines");
        });
        let mut buf = [0u8; 4096];
        let len = journal.recv(&mut buf).unwrap();
        let fields = parse_entry(&buf[..len]);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
        };
        assert_eq!(
            get("MESSAGE"),
            "state changed instance=VI_51 vrid=51 from=\"Backup\" priority=150"
        );
        assert_eq!(get("PRIORITY"), "6");
        assert_eq!(get("SYSLOG_IDENTIFIER"), IDENTIFIER);
        assert_eq!(get("INSTANCE"), "VI_51");
        assert_eq!(get("VRID"), "51");
        assert_eq!(get("VRRP_PRIORITY"), "150");
        let len = journal.recv(&mut buf).unwrap();
        let fields = parse_entry(&buf[..len]);
        assert_eq!(fields[0], ("MESSAGE".to_owned(), "two\nlines".to_owned()));
        assert_eq!(fields[1], ("PRIORITY".to_owned(), "4".to_owned()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn field_names_are_journald_names() {
        assert_eq!(field_name("instance"), "INSTANCE");
        assert_eq!(field_name("priority"), "VRRP_PRIORITY");
        assert_eq!(field_name("_secret"), "SECRET");
        assert_eq!(field_name("a.b"), "A_B");
    }
}
