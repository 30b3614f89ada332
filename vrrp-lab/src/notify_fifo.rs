//! A notify FIFO on a lab host (keepalived's `notify_fifo` /
//! `vrrp_notify_fifo`) and its reader (`notify_fifo_script`), a script
//! that appends every line the FIFO gets to a file the test reads.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::watch::wait_for;

/// The FIFO, its reader and the reader's record, in a host's directory.
#[derive(Debug, Clone)]
pub struct NotifyFifo {
    fifo: PathBuf,
    reader: PathBuf,
    record: PathBuf,
}

impl NotifyFifo {
    /// The FIFO of the host whose directory is `dir` ([`Host::dir`]); the
    /// same paths each time.
    ///
    /// [`Host::dir`]: super::Host::dir
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            fifo: dir.join("notify.fifo"),
            reader: dir.join("fifo.sh"),
            record: dir.join("fifo.log"),
        }
    }

    /// Writes the reader script; the daemon creates the FIFO and starts it.
    pub fn write_reader(&self) {
        std::fs::write(
            &self.reader,
            format!(
                "#!/bin/sh\nwhile read -r line; do echo \"$line\" >> {}; done < \"$1\"\n",
                self.record.display()
            ),
        )
        .expect("write the FIFO reader");
        std::fs::set_permissions(&self.reader, std::fs::Permissions::from_mode(0o755))
            .expect("make the FIFO reader executable");
    }

    /// The FIFO's path, for `notify_fifo`.
    pub fn path(&self) -> &Path {
        &self.fifo
    }

    /// The reader's path, for `notify_fifo_script`.
    pub fn reader(&self) -> &Path {
        &self.reader
    }

    /// Every line the FIFO got so far.
    pub fn recorded(&self) -> String {
        std::fs::read_to_string(&self.record).unwrap_or_default()
    }

    /// Waits up to `timeout` for the FIFO to get `line`; panics, with what
    /// it got, if it does not.
    pub fn wait_line(&self, line: &str, timeout: Duration) {
        wait_for(timeout, || self.recorded().lines().any(|l| l == line)).unwrap_or_else(|| {
            panic!(
                "no `{line}` within {timeout:?}; the FIFO got:\n{}",
                self.recorded()
            )
        });
    }
}
