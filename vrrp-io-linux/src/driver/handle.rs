//! Driving VRRP from another thread: a handle that wakes the loop.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use mio::Waker;

use super::error::DriverError;
use super::event::DriverEvent;
use super::run::{Control, Driver, Inspect};
use super::spec::DriverConfig;

/// Controls a driver running on another thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Handle {
    sender: Sender<Control>,
    waker: Arc<Waker>,
}

impl Driver {
    /// A handle another thread can use to control this driver.
    pub fn handle(&self) -> Handle {
        Handle {
            sender: self.control.0.clone(),
            waker: Arc::clone(self.wakeups.waker()),
        }
    }
}

impl Handle {
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
