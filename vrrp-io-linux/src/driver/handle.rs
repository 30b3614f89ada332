//! Driving VRRP from another thread: a handle that wakes the loop.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use mio::Waker;

use super::{Driver, DriverConfig, DriverError, DriverEvent};

/// What a [`Handle`] asks of the driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// New base priority for an instance (index into the config).
    SetPriority {
        /// The instance.
        instance: usize,
        /// Its new base priority, 1..=255.
        priority: u8,
    },
    /// Send every event from now on to this channel.
    Subscribe(Sender<DriverEvent>),
    /// Stop gracefully: priority 0, VIPs removed.
    Shutdown,
    /// Run a function on the driver between two turns (status, metrics).
    Inspect(Inspect),
}

/// A function a [`Handle`] runs on the driver's thread, with the driver.
pub struct Inspect(pub Box<dyn FnOnce(&Driver) + Send>);

impl std::fmt::Debug for Inspect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inspect(..)")
    }
}

/// Controls a driver running on another thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Handle {
    sender: Sender<Control>,
    waker: Arc<Waker>,
}

impl Handle {
    pub(super) fn new(sender: Sender<Control>, waker: Arc<Waker>) -> Self {
        Self { sender, waker }
    }

    fn send(&self, control: Control) -> bool {
        self.sender.send(control).is_ok() && self.waker.wake().is_ok()
    }

    /// Changes an instance's base priority; false if the driver is gone.
    pub fn set_priority(&self, instance: usize, priority: u8) -> bool {
        self.send(Control::SetPriority { instance, priority })
    }

    /// Every event from now on, on a channel.
    pub fn subscribe(&self) -> Receiver<DriverEvent> {
        let (sender, receiver) = mpsc::channel();
        self.send(Control::Subscribe(sender));
        receiver
    }

    /// Runs `look` on the driver between two turns and returns its answer
    /// (a status snapshot, say); `None` if the driver did not answer within
    /// `wait`.
    pub fn inspect<T: Send + 'static>(
        &self,
        look: impl FnOnce(&Driver) -> T + Send + 'static,
        wait: std::time::Duration,
    ) -> Option<T> {
        let (sender, receiver) = mpsc::channel();
        let asked = self.send(Control::Inspect(Inspect(Box::new(move |driver| {
            let _ = sender.send(look(driver));
        }))));
        if !asked {
            return None;
        }
        receiver.recv_timeout(wait).ok()
    }

    /// Begins the graceful stop; the driver's thread ends after it.
    pub fn shutdown(&self) -> bool {
        self.send(Control::Shutdown)
    }
}

/// Starts a driver on its own thread; returns a handle to it and the
/// thread, which ends when the driver stopped.
pub fn spawn(
    config: DriverConfig,
) -> Result<(Handle, JoinHandle<Result<(), DriverError>>), DriverError> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("vrrp".into())
        .spawn(move || {
            let mut driver = match Driver::new(config) {
                Ok(driver) => driver,
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                    return Ok(());
                }
            };
            let _ = ready_tx.send(Ok(driver.handle()));
            driver.run(|_, _| {})
        })
        .map_err(DriverError::Poll)?;
    match ready_rx.recv() {
        Ok(Ok(handle)) => Ok((handle, thread)),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(DriverError::Poll(std::io::Error::other(
            "driver thread died during start-up",
        ))),
    }
}
