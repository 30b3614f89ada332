//! Pid files held as keepalived 2.4.3 holds its own (`pidfile.c`,
//! `create_pidfile`): opened (made rw-r--r--, their directory rwxr-xr-x),
//! locked with an open file description lock for the life of the process,
//! then truncated and written. A file another live process holds locked
//! means a daemon already runs: refused. So is one that names a live
//! process of one of the caller's programs (keepalived 2.2.7 locks
//! nothing: it reads the pid and asks `kill(pid, 0)`). Any other file is
//! stale: taken over. The files go when the [`PidFile`] is dropped.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, fcntl};
use nix::libc;

/// Why a pid file could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    /// Another process holds it: a daemon already runs.
    #[error(
        "{}: another process holds this pid file locked{}: keepalived or this daemon \
         already runs (keepalived: \"daemon is already running\"); stop it, or name \
         another pid file with -p",
        path.display(),
        holder.as_ref().map_or_else(String::new, |pid| format!(" (pid {pid}, as the file says)"))
    )]
    Running {
        /// The pid file.
        path: PathBuf,
        /// The pid the file names, if it names one.
        holder: Option<String>,
    },
    /// It could not be made, locked or written.
    #[error("pid file {}: {source}", path.display())]
    Io {
        /// The pid file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
}

/// A pid file this process holds; removed on drop.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    /// Open, so the lock lasts as long as we do.
    file: File,
}

impl PidFile {
    /// Makes or takes over `path`, locks it and writes our pid; refused
    /// while another process holds it, or while the pid it names is a
    /// live process whose executable is named one of `programs`.
    pub fn create(path: &Path, programs: &[&str]) -> Result<Self, PidFileError> {
        let io = |source: io::Error| PidFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            make_dir(dir).map_err(io)?;
        }
        loop {
            let file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)
                .map_err(io)?;
            // rw-r--r-- whatever the umask, as keepalived.
            file.set_permissions(Permissions::from_mode(0o644))
                .map_err(io)?;
            let holder = || {
                std::fs::read_to_string(path)
                    .ok()
                    .map(|text| text.trim().to_string())
                    .filter(|pid| !pid.is_empty())
            };
            let running = |holder| PidFileError::Running {
                path: path.to_path_buf(),
                holder,
            };
            match lock(&file) {
                Ok(()) => {}
                Err(Errno::EAGAIN | Errno::EACCES) => return Err(running(holder())),
                Err(errno) => return Err(io(errno.into())),
            }
            if let Some(pid) = holder().filter(|pid| runs_one_of(pid, programs)) {
                return Err(running(Some(pid)));
            }
            // keepalived: "Make sure the file has not been removed/moved"
            // between the open and the lock; else open the new one.
            let same = std::fs::metadata(path).ok().zip(file.metadata().ok());
            if !same
                .is_some_and(|(named, held)| named.dev() == held.dev() && named.ino() == held.ino())
            {
                continue;
            }
            file.set_len(0).map_err(io)?;
            let mut held = Self {
                path: path.to_path_buf(),
                file,
            };
            writeln!(held.file, "{}", std::process::id()).map_err(io)?;
            return Ok(held);
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Removed before the lock goes with the file, as keepalived's
        // `pidfile_rm`.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `pid` is a live process other than us whose executable is
/// named one of `programs`.
fn runs_one_of(pid: &str, programs: &[&str]) -> bool {
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    let name = exe.file_name().map(|n| n.to_string_lossy().into_owned());
    // An executable replaced on disk since it started reads "NAME (deleted)".
    let name = name.as_deref().map(|n| n.trim_end_matches(" (deleted)"));
    name.is_some_and(|name| programs.contains(&name))
}

/// A whole-file write lock owned by the open file description
/// (`F_OFD_SETLK`), so it is ours for as long as `file` is open.
fn lock(file: &File) -> Result<(), Errno> {
    let whole = libc::flock {
        l_type: libc::F_WRLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    };
    loop {
        match fcntl(file, FcntlArg::F_OFD_SETLK(&whole)) {
            Err(Errno::EINTR) => continue,
            other => return other.map(drop),
        }
    }
}

/// `dir` and its missing parents, each rwxr-xr-x whatever the umask, as
/// keepalived's `create_pid_dir`.
fn make_dir(dir: &Path) -> io::Result<()> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    DirBuilder::new().recursive(true).mode(0o755).create(dir)?;
    for made in missing {
        std::fs::set_permissions(made, Permissions::from_mode(0o755))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pidfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("sub").join("vrrp.pid")
    }

    #[test]
    fn a_held_file_is_refused_a_stale_one_taken_over() {
        let path = scratch("held");
        let held = PidFile::create(&path, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        assert_eq!(mode(path.parent().unwrap()), 0o755);
        // A second holder (another open file description) is refused,
        // naming the pid the file holds.
        let second = PidFile::create(&path, &[]).unwrap_err();
        let said = second.to_string();
        assert!(matches!(second, PidFileError::Running { .. }), "{said}");
        assert!(
            said.contains(&format!("pid {}", std::process::id())),
            "{said}"
        );
        assert!(path.exists(), "a refused start leaves the holder's file");
        drop(held);
        assert!(!path.exists(), "removed when dropped");
        // A stale file (nobody holds it) with a longer pid is replaced.
        std::fs::write(&path, "4194304999\n").unwrap();
        let taken = PidFile::create(&path, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(taken.path()).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(taken);
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn a_file_naming_a_live_daemon_is_refused_without_a_lock() {
        let path = scratch("named");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // A live process that is not us, and its program's name.
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        std::fs::write(&path, format!("{}\n", child.id())).unwrap();
        let exe = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap();
        let program = exe.file_name().unwrap().to_string_lossy().into_owned();
        let refused = PidFile::create(&path, &[program.as_str()]).unwrap_err();
        assert!(matches!(refused, PidFileError::Running { .. }), "{refused}");
        // Another program's live process: the file is stale.
        let taken = PidFile::create(&path, &["keepalived"]).unwrap();
        drop(taken);
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }
}
