//! Ctrl-C, SIGTERM and SIGHUP while the demonstration runs: the first one
//! makes the next wait unwind (every host's Drop then removes its namespace
//! and processes); a second one removes the namespaces at once and exits.
//!
//! Handlers (signal-hook's), not a blocked mask and `sigwait`: children
//! inherit a blocked mask across exec, and the daemons would never see
//! their SIGTERM; a handled signal goes back to its default in them.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::Signal;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The signal that interrupted us, 0 while none did.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The lab's directory, for a forced exit to remove too.
static LAB_DIR: OnceLock<PathBuf> = OnceLock::new();

/// The panic payload that unwinds the story after a signal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interrupted;

/// Handles the signals on a thread of their own from now on.
pub(crate) fn install() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for number in signals.forever() {
                let name = Signal::try_from(number).map_or("a signal", Signal::as_str);
                if RECEIVED.swap(number, Ordering::SeqCst) == 0 {
                    println!("\n{name}: stopping, removing the lab (again to force)");
                } else {
                    let removed = crate::lab::remove_namespaces_of(std::process::id());
                    if let Some(dir) = LAB_DIR.get() {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                    println!("{name} again: removed {removed} namespace(s) at once");
                    std::process::exit(128 + number);
                }
            }
        })?;
    Ok(())
}

/// Names the lab's directory, which a forced exit removes.
pub(crate) fn lab_dir(dir: PathBuf) {
    let _ = LAB_DIR.set(dir);
}

/// The signal received so far, if any.
pub(crate) fn received() -> Option<Signal> {
    Signal::try_from(RECEIVED.load(Ordering::SeqCst)).ok()
}

/// Unwinds with [`Interrupted`] once a signal came: called by every wait.
pub(crate) fn check() {
    if received().is_some() {
        std::panic::panic_any(Interrupted);
    }
}
