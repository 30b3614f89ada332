//! Entering a named network namespace (`/run/netns/NAME`, as `ip netns`
//! makes them) before any socket is opened, as keepalived's
//! `set_namespaces` does for `net_namespace`.

use std::io;
use std::sync::Mutex;

use nix::sched::{CloneFlags, setns};

/// The namespace entered, once: keepalived cannot change it on a reload.
static ENTERED: Mutex<Option<String>> = Mutex::new(None);

/// What [`enter`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entered {
    /// The calling thread is now in it; threads and sockets it creates
    /// from now on are too.
    Now,
    /// It was entered before (a reload).
    Already,
    /// Another one was entered first and stays (named).
    Kept(String),
}

/// Moves the calling thread into network namespace `name`. An error of
/// kind `NotFound` means there is no `/run/netns/NAME`.
pub fn enter(name: &str) -> io::Result<Entered> {
    let mut entered = ENTERED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match entered.as_deref() {
        Some(first) if first == name => return Ok(Entered::Already),
        Some(first) => return Ok(Entered::Kept(first.to_owned())),
        None => {}
    }
    let file = std::fs::File::open(format!("/run/netns/{name}"))?;
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
    *entered = Some(name.to_owned());
    Ok(Entered::Now)
}
