//! What happened during a step, for the timelines of counterexamples:
//! recorded by [`step`](crate::step) while a trace is printed, never while
//! checking.

use std::fmt;

use vrrp_core::{Reason, State};

use crate::partition;
use crate::state::Frame;

/// Where the events of a step go: nowhere while checking, into the timeline
/// when printing a trace.
pub(crate) type Log<'a> = Option<&'a mut Vec<Event>>;

/// Records `event` if a trace is being printed.
pub(crate) fn note(log: &mut Log<'_>, event: Event) {
    if let Some(events) = log {
        events.push(event);
    }
}

/// Something that happened during a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A router changed state.
    Changed {
        /// Which.
        router: usize,
        /// State before.
        from: State,
        /// State after.
        to: State,
        /// The core's reason.
        reason: Reason,
    },
    /// A router sent an advert to these routers.
    Sent {
        /// Sender.
        router: usize,
        /// Advertised priority.
        priority: u8,
        /// Receivers (running routers in its group).
        to: Vec<usize>,
    },
    /// A packet reached its receiver's core.
    Delivered {
        /// The packet.
        frame: Frame,
        /// Whether the core accepted it.
        accepted: bool,
    },
    /// The mutation dropped a packet before the core saw it.
    Ignored {
        /// The packet.
        frame: Frame,
    },
    /// The forger replayed a captured advert to `frame.to`.
    Replayed {
        /// The advert.
        frame: Frame,
        /// Whether the core accepted it.
        accepted: bool,
    },
    /// A packet was lost.
    Lost {
        /// The packet.
        frame: Frame,
    },
    /// The LAN became this partition.
    Partition(Vec<u8>),
    /// A router's effective priority changed (tracked object).
    Priority {
        /// Which.
        router: usize,
        /// The new effective priority.
        priority: u8,
    },
    /// A router crashed.
    Crashed(usize),
    /// A router's interface went down or came back.
    Link {
        /// Which.
        router: usize,
        /// Whether it came back.
        up: bool,
    },
}

impl Event {
    /// The router the event is about, for the timeline's router column.
    pub(crate) fn router(&self) -> Option<usize> {
        match self {
            Self::Changed { router, .. } | Self::Sent { router, .. } => Some(*router),
            Self::Priority { router, .. } | Self::Crashed(router) | Self::Link { router, .. } => {
                Some(*router)
            }
            Self::Delivered { frame, .. }
            | Self::Replayed { frame, .. }
            | Self::Ignored { frame }
            | Self::Lost { frame } => Some(usize::from(frame.to)),
            Self::Partition(_) => None,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Changed {
                from, to, reason, ..
            } => write!(f, "{from:?} -> {to:?} ({reason:?})"),
            Self::Sent { priority, to, .. } => {
                let to: Vec<String> = to.iter().map(|j| format!("R{j}")).collect();
                let to = if to.is_empty() {
                    "nobody".to_string()
                } else {
                    to.join(",")
                };
                write!(f, "sends advert p{priority} to {to}")
            }
            Self::Delivered { frame, accepted } => {
                let verdict = if *accepted { "accepted" } else { "dropped" };
                write!(
                    f,
                    "receives p{} from R{} ({verdict})",
                    frame.priority(),
                    frame.from
                )
            }
            Self::Replayed { frame, accepted } => {
                let verdict = if *accepted { "ACCEPTED" } else { "dropped" };
                write!(
                    f,
                    "REPLAY of p{} from R{} ({verdict})",
                    frame.priority(),
                    frame.from
                )
            }
            Self::Ignored { frame } => write!(
                f,
                "IGNORES p{} from R{} (mutation)",
                frame.priority(),
                frame.from
            ),
            Self::Lost { frame } => write!(f, "loses p{} from R{}", frame.priority(), frame.from),
            Self::Partition(groups) => write!(f, "LAN becomes {}", partition::show(groups)),
            Self::Priority { priority, .. } => {
                write!(f, "tracked object toggles: priority {priority}")
            }
            Self::Crashed(_) => write!(f, "crashes"),
            Self::Link { up: true, .. } => write!(f, "link up"),
            Self::Link { up: false, .. } => write!(f, "LINK DOWN"),
        }
    }
}
