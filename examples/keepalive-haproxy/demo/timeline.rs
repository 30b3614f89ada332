//! What happened when, for the summary at the end, and how durations read.

use std::time::{Duration, SystemTime};

/// Events stamped relative to the demonstration's start.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    start: SystemTime,
    events: Vec<(Duration, String)>,
}

impl Timeline {
    /// An empty timeline starting at `start`.
    pub(crate) fn new(start: SystemTime) -> Self {
        Self {
            start,
            events: Vec::new(),
        }
    }

    /// `what` happened now.
    pub(crate) fn mark(&mut self, what: impl Into<String>) {
        self.mark_at(SystemTime::now(), what);
    }

    /// `what` happened at `at` (a netlink timestamp, say); before the start
    /// counts as the start.
    pub(crate) fn mark_at(&mut self, at: SystemTime, what: impl Into<String>) {
        let offset = at.duration_since(self.start).unwrap_or_default();
        self.events.push((offset, what.into()));
    }

    /// One line per event, oldest first (events at the same time keep their
    /// order), seconds with centiseconds right-aligned.
    pub(crate) fn render(&self) -> String {
        let mut events: Vec<&(Duration, String)> = self.events.iter().collect();
        events.sort_by_key(|(offset, _)| *offset);
        let mut text = String::from("timeline (seconds since the start)\n");
        for (offset, what) in events {
            text += &format!("  {:>6.2}  {what}\n", offset.as_secs_f64());
        }
        text
    }
}

/// `3.61 s`: a measured or computed duration, to the centisecond.
pub(crate) fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sorted_events_in_seconds() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut timeline = Timeline::new(start);
        timeline.mark_at(start + Duration::from_millis(3617), "lb1 MASTER");
        timeline.mark_at(start, "lab up");
        timeline.mark_at(start + Duration::from_millis(12_004), "lb2 MASTER");
        timeline.mark_at(start + Duration::from_millis(3617), "client -> lb1");
        timeline.mark_at(start - Duration::from_secs(1), "before");
        assert_eq!(
            timeline.render(),
            "timeline (seconds since the start)\n\
             \x20   0.00  lab up\n\
             \x20   0.00  before\n\
             \x20   3.62  lb1 MASTER\n\
             \x20   3.62  client -> lb1\n\
             \x20  12.00  lb2 MASTER\n"
        );
    }

    #[test]
    fn durations_read_in_seconds() {
        assert_eq!(secs(Duration::from_micros(3_609_375)), "3.61 s");
        assert_eq!(secs(Duration::from_millis(540)), "0.54 s");
        assert_eq!(secs(Duration::ZERO), "0.00 s");
    }
}
