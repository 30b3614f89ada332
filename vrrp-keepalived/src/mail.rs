//! keepalived's e-mail alerts (`smtp_alert`): when an instance or a sync
//! group that alerts changes state, a mail with keepalived's subject and
//! body (`[router_id] VRRP Instance VI_1 - Entering MASTER state`) goes to
//! every `notification_email` through `smtp_server`.
//!
//! A worker thread of its own sends them, from a bounded queue: the daemon's
//! loop only queues, so a dead or slow SMTP server never delays an advert.
//! A mail that cannot be sent, or that finds the queue full, costs a
//! warning in the log and nothing else.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vrrp_core::State;

use crate::conf::KeepalivedConfig;

/// keepalived's `smtp_connect_timeout` when not written.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Mails waiting for the worker before new ones are dropped (with a warning).
const QUEUE: usize = 64;

/// Where mails go, and who sends them: read from a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertPlan {
    /// The SMTP server.
    pub server: SocketAddr,
    /// What `HELO` says (keepalived's default: localhost).
    pub helo_name: String,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// `MAIL FROM` and the `From:` header.
    pub from: String,
    /// Every recipient.
    pub to: Vec<String>,
    /// The subject's `[router_id]`.
    pub router_id: String,
    /// No mail on entering FAULT (`no_email_faults`).
    pub no_email_faults: bool,
    /// The instances that alert, by name.
    pub instances: Vec<String>,
    /// The sync groups that alert: name and member instances.
    pub groups: Vec<(String, Vec<String>)>,
}

impl AlertPlan {
    /// The plan of `config`; `None` when no mail would be sent (no server,
    /// no recipient, or nothing alerts), as keepalived sends none then.
    pub fn from_config(config: &KeepalivedConfig) -> Option<Self> {
        let smtp = &config.global.smtp;
        let server = smtp.server.as_ref()?.value;
        if smtp.to.is_empty() {
            return None;
        }
        let default = smtp.alert_vrrp.or(smtp.alert).unwrap_or(false);
        let instances: Vec<String> = config
            .instances
            .iter()
            .filter(|i| i.smtp_alert.unwrap_or(default))
            .map(|i| i.name.clone())
            .collect();
        let groups: Vec<(String, Vec<String>)> = config
            .sync_groups
            .iter()
            .filter(|g| g.smtp_alert.unwrap_or(default))
            .map(|g| {
                let members = g.members.iter().map(|m| m.value.clone()).collect();
                (g.name.clone(), members)
            })
            .collect();
        if instances.is_empty() && groups.is_empty() {
            return None;
        }
        Some(Self {
            server,
            helo_name: smtp.helo_name.clone().unwrap_or_else(|| "localhost".into()),
            timeout: smtp.connect_timeout.unwrap_or(CONNECT_TIMEOUT),
            from: smtp.from.clone().unwrap_or_default(),
            to: smtp.to.clone(),
            router_id: config.global.router_id.clone().unwrap_or_else(host_name),
            no_email_faults: smtp.no_email_faults,
            instances,
            groups,
        })
    }
}

/// keepalived's default `router_id`: the host's name.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|n| n.trim().to_string())
        .unwrap_or_default()
}

/// One mail: keepalived's subject and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// `[router_id] VRRP Instance NAME - Entering MASTER state`.
    pub subject: String,
    /// `=> VRRP Instance is now owning VRRP VIPs <=`.
    pub body: String,
}

/// The alerts of a running daemon: which state each alerting instance and
/// group was last mailed in, and the worker that sends.
#[derive(Debug)]
pub struct Alerts {
    plan: AlertPlan,
    queue: SyncSender<Mail>,
    /// The last state of every instance heard of.
    states: HashMap<String, State>,
    /// The state each instance (`false`) or group (`true`) was last mailed
    /// in, by name: a group may share a name with an instance.
    mailed: HashMap<(bool, String), State>,
}

impl Alerts {
    /// The plan it follows.
    pub fn plan(&self) -> &AlertPlan {
        &self.plan
    }

    /// Starts the worker for `plan`.
    pub fn start(plan: AlertPlan) -> std::io::Result<Self> {
        let (queue, mails) = sync_channel(QUEUE);
        let worker = plan.clone();
        std::thread::Builder::new()
            .name("smtp-alert".into())
            .spawn(move || send_all(&worker, &mails))?;
        Ok(Self {
            plan,
            queue,
            states: HashMap::new(),
            mailed: HashMap::new(),
        })
    }

    /// `instance` entered `to` (`Initialize` after a stop): queues the
    /// instance's mail, and its group's once every member is in `to`.
    pub fn on_state(&mut self, instance: &str, to: State) {
        self.states.insert(instance.to_string(), to);
        let mut mails = Vec::new();
        if self.plan.instances.iter().any(|i| i == instance) {
            mails.extend(self.mail_once(instance, to, false));
        }
        let groups: Vec<String> = self
            .plan
            .groups
            .iter()
            .filter(|(_, members)| members.iter().any(|m| m == instance))
            .filter(|(_, members)| members.iter().all(|m| self.states.get(m) == Some(&to)))
            .map(|(name, _)| name.clone())
            .collect();
        for group in groups {
            mails.extend(self.mail_once(&group, to, true));
        }
        for mail in mails {
            match self.queue.try_send(mail) {
                Ok(()) => {}
                Err(TrySendError::Full(mail)) => {
                    tracing::warn!(subject = %mail.subject, "smtp_alert: {QUEUE} mails wait for the SMTP server already; this one is dropped");
                }
                Err(TrySendError::Disconnected(mail)) => {
                    tracing::warn!(subject = %mail.subject, "smtp_alert: the mail worker is gone; this mail is dropped");
                }
            }
        }
    }

    /// The mail for `name` entering `to`, unless it was mailed in `to` last
    /// or keepalived sends none for it.
    fn mail_once(&mut self, name: &str, to: State, group: bool) -> Option<Mail> {
        let key = (group, name.to_string());
        if self.mailed.get(&key) == Some(&to) || (to == State::Fault && self.plan.no_email_faults) {
            return None;
        }
        let mail = mail(&self.plan.router_id, name, to, group);
        self.mailed.insert(key, to);
        Some(mail)
    }
}

/// keepalived's mail for instance (or, with `group`, sync group) `name`
/// entering `to` (`Initialize`: stopping).
pub fn mail(router_id: &str, name: &str, to: State, group: bool) -> Mail {
    let word = match to {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Initialize => "",
    };
    let subject = if to == State::Initialize {
        "Stopping".to_string()
    } else {
        format!("Entering {word} state")
    };
    let body = match (group, to) {
        (false, State::Master) => "=> VRRP Instance is now owning VRRP VIPs <=".to_string(),
        (false, State::Initialize) => "=> VRRP Instance stopping <=".to_string(),
        (false, _) => "=> VRRP Instance is no longer owning VRRP VIPs <=".to_string(),
        (true, State::Initialize) => "=> All VRRP group instances are now stopping <=".to_string(),
        (true, _) => format!("=> All VRRP group instances are now in {word} state <="),
    };
    let what = if group { "Group" } else { "Instance" };
    Mail {
        subject: format!("[{router_id}] VRRP {what} {name} - {subject}"),
        body,
    }
}

/// The worker: sends each mail as it comes, until the daemon goes.
fn send_all(plan: &AlertPlan, mails: &Receiver<Mail>) {
    for mail in mails {
        match send(plan, &mail) {
            Ok(()) => {
                tracing::info!(subject = %mail.subject, server = %plan.server, "smtp_alert: mail sent")
            }
            Err(error) => tracing::warn!(
                subject = %mail.subject,
                server = %plan.server,
                "smtp_alert: mail not sent: {error}"
            ),
        }
    }
}

/// One SMTP conversation (RFC 5321): HELO, MAIL, RCPT per recipient, DATA.
fn send(plan: &AlertPlan, mail: &Mail) -> Result<(), String> {
    let stream = TcpStream::connect_timeout(&plan.server, plan.timeout)
        .map_err(|e| format!("cannot connect: {e}"))?;
    for set in [TcpStream::set_read_timeout, TcpStream::set_write_timeout] {
        set(&stream, Some(plan.timeout)).map_err(|e| e.to_string())?;
    }
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut writer = stream;
    let mut step = |command: Option<String>, expect: u16| -> Result<(), String> {
        if let Some(command) = &command {
            writer
                .write_all(command.as_bytes())
                .map_err(|e| format!("sending {}: {e}", first_word(command)))?;
        }
        let what = command.as_deref().map_or("the greeting", first_word);
        let code = reply(&mut reader).map_err(|e| format!("after {what}: {e}"))?;
        if code == expect {
            Ok(())
        } else {
            Err(format!(
                "after {what}: the server answered {code}, not {expect}"
            ))
        }
    };
    step(None, 220)?;
    step(Some(format!("HELO {}\r\n", plan.helo_name)), 250)?;
    step(Some(format!("MAIL FROM:{}\r\n", envelope(&plan.from))), 250)?;
    for to in &plan.to {
        step(Some(format!("RCPT TO:{}\r\n", envelope(to))), 250)?;
    }
    step(Some("DATA\r\n".into()), 354)?;
    step(Some(message(plan, mail, SystemTime::now())), 250)?;
    step(Some("QUIT\r\n".into()), 221)
}

/// The `<address>` of `Name <address>`, or `address` in brackets.
fn envelope(address: &str) -> String {
    match (address.find('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => address[open..=close].to_string(),
        _ => format!("<{}>", address.trim()),
    }
}

fn first_word(command: &str) -> &str {
    command.split([' ', '\r']).next().unwrap_or(command)
}

/// Reads one reply, its continuation lines (`250-...`) too; its code.
fn reply(reader: &mut impl BufRead) -> Result<u16, String> {
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
        let code = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("not an SMTP reply: {:?}", line.trim_end()))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(code);
        }
    }
}

/// The DATA part, as keepalived writes it, ended by `.`.
fn message(plan: &AlertPlan, mail: &Mail, now: SystemTime) -> String {
    format!(
        "Date: {}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n\r\n.\r\n",
        rfc2822(now),
        plan.from,
        mail.subject,
        plan.to.join(",\r\n "),
        mail.body
    )
}

/// `Mon, 07 Dec 2026 08:30:00 +0000`.
fn rfc2822(now: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (year, month, day) = civil_from_days(days);
    let rest = secs % 86_400;
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[usize::try_from(days % 7).unwrap_or(0)],
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Year, month (1..12) and day of the `days`-th day after 1970-01-01
/// (Howard Hinnant's civil_from_days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_subjects_and_bodies() {
        let m = mail("lb1", "VI_1", State::Master, false);
        assert_eq!(
            m.subject,
            "[lb1] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(m.body, "=> VRRP Instance is now owning VRRP VIPs <=");
        let f = mail("lb1", "VI_1", State::Fault, false);
        assert_eq!(f.subject, "[lb1] VRRP Instance VI_1 - Entering FAULT state");
        assert_eq!(f.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let s = mail("lb1", "VI_1", State::Initialize, false);
        assert_eq!(s.subject, "[lb1] VRRP Instance VI_1 - Stopping");
        assert_eq!(s.body, "=> VRRP Instance stopping <=");
        let gs = mail("lb1", "G", State::Initialize, true);
        assert_eq!(gs.body, "=> All VRRP group instances are now stopping <=");
        let g = mail("lb1", "G", State::Backup, true);
        assert_eq!(g.subject, "[lb1] VRRP Group G - Entering BACKUP state");
        assert_eq!(
            g.body,
            "=> All VRRP group instances are now in BACKUP state <="
        );
    }

    #[test]
    fn dates_as_mail_headers_write_them() {
        let at = |secs| rfc2822(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        // 2026-12-07 08:30:05 UTC, a Monday.
        assert_eq!(at(1_796_632_205), "Mon, 07 Dec 2026 08:30:05 +0000");
        // 2024-02-29, a leap day.
        assert_eq!(at(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 +0000");
    }

    #[test]
    fn envelope_addresses() {
        assert_eq!(envelope("ops@example.org"), "<ops@example.org>");
        assert_eq!(envelope("Ops <ops@example.org>"), "<ops@example.org>");
    }

    #[test]
    fn replies_with_continuation_lines() {
        let mut text: &[u8] = b"250-first\r\n250-second\r\n250 last\r\n354 go\r\n";
        assert_eq!(reply(&mut text), Ok(250));
        assert_eq!(reply(&mut text), Ok(354));
        assert!(reply(&mut text).unwrap_err().contains("closed"));
        let mut junk: &[u8] = b"hello\r\n";
        assert!(reply(&mut junk).unwrap_err().contains("not an SMTP reply"));
    }
}
