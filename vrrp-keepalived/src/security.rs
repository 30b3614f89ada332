//! keepalived's `enable_script_security`: a script that runs with root's
//! user or group must not be replaceable by anyone else, so its executable
//! and every directory above it must be owned by root, and writable by
//! nobody but root (a sticky directory such as /tmp excepted, as keepalived
//! does). [`check`] names the file and the reason for each script that
//! fails; the daemon refuses to start (or to reload) with such a script
//! when `enable_script_security` is on, and warns otherwise.

use std::fmt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use vrrp_io_linux::driver::DriverConfig;
use vrrp_io_linux::track::script::split_command;

/// The uid and gid a script runs as; `None`: the daemon's own.
type RunAs = Option<(u32, u32)>;

/// A script that anyone but root could change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insecure {
    /// What runs it: `vrrp_script haproxy_check`, `notify_master of OCP_EXT`.
    pub what: String,
    /// The command line.
    pub command: String,
    /// The file or directory at fault.
    pub path: PathBuf,
    /// Why: `owned by uid 1000`, `writable by group 100`, `writable by everyone`.
    pub why: String,
}

impl fmt::Display for Insecure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} runs `{}` as root, but {} is {}: anyone who can write there can run commands \
             as root. Make it root-owned and writable by root only, or run the script as \
             an unprivileged `script_user`",
            self.what,
            self.command,
            self.path.display(),
            self.why
        )
    }
}

/// Why `path` (a file or directory on a script's path) is unsafe, if it is.
pub fn unsafe_because(path: &Path) -> std::io::Result<Option<String>> {
    let meta = std::fs::metadata(path)?;
    let mode = meta.permissions().mode();
    let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
    Ok(if meta.uid() != 0 {
        Some(format!("owned by uid {}", meta.uid()))
    } else if sticky_dir {
        None
    } else if mode & 0o002 != 0 {
        Some("writable by everyone".to_owned())
    } else if meta.gid() != 0 && mode & 0o020 != 0 {
        Some(format!("writable by group {}", meta.gid()))
    } else {
        None
    })
}

/// The executable a command line runs: its first word, searched in `PATH`
/// when it has no slash. `None` when not found (the script runner reports
/// that when it tries to run it).
pub fn executable(command: &str) -> Option<PathBuf> {
    let argv = split_command(command);
    let first = if argv.first().is_some_and(|a| a == "/bin/sh") && argv.len() == 3 {
        // A line that needs a shell: check the program it starts with.
        command.split_whitespace().next()?.to_owned()
    } else {
        argv.into_iter().next()?
    };
    if first.contains('/') {
        return Some(PathBuf::from(first));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(&first))
        .find(|candidate| candidate.is_file())
}

/// The first unsafe file or directory on the way to `executable`
/// (symbolic links resolved), with the reason.
pub fn check_path(executable: &Path) -> Option<(PathBuf, String)> {
    let real = std::fs::canonicalize(executable).ok()?;
    real.ancestors()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find_map(|p| Some((p.to_path_buf(), unsafe_because(p).ok()??)))
}

/// Every script of `config` that runs with root's user or group (`run_as`
/// unset means the daemon's own user, `daemon_uid`) and is not safe.
pub fn check(config: &DriverConfig, daemon_uid: u32) -> Vec<Insecure> {
    let as_root = |run_as: RunAs| match run_as {
        Some((uid, gid)) => uid == 0 || gid == 0,
        None => daemon_uid == 0,
    };
    // (what runs it, command line, user and group)
    let mut scripts: Vec<(String, &str, RunAs)> = config
        .scripts
        .iter()
        .map(|s| {
            (
                format!("vrrp_script {}", s.name),
                s.command.as_str(),
                s.run_as,
            )
        })
        .collect();
    let names = config
        .instances
        .iter()
        .map(|i| i.name.as_str())
        .chain(config.notify.groups.iter().map(|g| g.name.as_str()));
    let notify = config
        .notify
        .instances
        .iter()
        .chain(config.notify.groups.iter().map(|g| &g.scripts));
    for (name, n) in names.zip(notify) {
        for (keyword, command) in [
            ("notify_master", &n.master),
            ("notify_backup", &n.backup),
            ("notify_fault", &n.fault),
            ("notify_stop", &n.stop),
            ("notify_deleted", &n.deleted),
            ("notify", &n.any),
        ] {
            if let Some(c) = command {
                scripts.push((format!("{keyword} of {name}"), &c.command, c.run_as));
            }
        }
    }
    for fifo in &config.notify.fifos {
        if let Some(c) = &fifo.script {
            let what = format!("notify_fifo_script of {}", fifo.path.display());
            scripts.push((what, &c.command, c.run_as));
        }
    }
    scripts
        .into_iter()
        .filter(|(_, _, run_as)| as_root(*run_as))
        .filter_map(|(what, command, _)| {
            let (path, why) = check_path(&executable(command)?)?;
            Some(Insecure {
                what,
                command: command.to_owned(),
                path,
                why,
            })
        })
        .collect()
}

#[cfg(test)]
mod test {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use vrrp_io_linux::track::script::ScriptSpec;

    fn script(name: &str, command: &str, run_as: Option<(u32, u32)>) -> ScriptSpec {
        ScriptSpec {
            name: name.into(),
            command: command.into(),
            interval: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
            rise: 1,
            fall: 1,
            init_fail: false,
            run_as,
        }
    }

    #[test]
    fn finds_programs_in_path_and_shell_lines() {
        assert!(executable("sh -c true").is_some_and(|p| p.ends_with("sh")));
        assert_eq!(
            executable("/usr/local/bin/check | grep x"),
            Some(PathBuf::from("/usr/local/bin/check"))
        );
        assert_eq!(executable("no-such-program-anywhere"), None);
    }

    #[test]
    fn system_binaries_are_safe() {
        assert_eq!(check_path(&executable("sh").unwrap()), None);
    }

    /// As root: a root-owned directory under the crate (not /tmp, whose
    /// sticky bit is fine but whose contents may belong to anyone).
    #[test]
    fn writable_scripts_and_directories_are_named() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: needs root to own the test files");
            return;
        }
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        if check_path(base).is_some() {
            eprintln!("SKIPPED: the checkout itself is not root-only writable");
            return;
        }
        let dir = base.join(format!("target-security-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("check.sh");
        std::fs::write(&file, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = |command: &str, run_as| DriverConfig {
            scripts: vec![script("chk", command, run_as)],
            ..DriverConfig::default()
        };
        let command = file.display().to_string();
        assert!(
            check(&config(&command, None), 0).is_empty(),
            "root-only is fine"
        );

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o757)).unwrap();
        let found = check(&config(&command, None), 0);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, file);
        assert_eq!(found[0].why, "writable by everyone");
        let message = found[0].to_string();
        assert!(message.starts_with("vrrp_script chk runs `"), "{message}");
        assert!(message.contains(&command), "{message}");
        // Run as nobody, or by a non-root daemon: not root's problem.
        assert!(check(&config(&command, Some((65534, 65534))), 0).is_empty());
        assert!(check(&config(&command, None), 1000).is_empty());

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&dir, Some(1000), None).unwrap();
        let found = check(&config(&command, Some((0, 0))), 0);
        assert_eq!(
            (found[0].path.as_path(), found[0].why.as_str()),
            (dir.as_path(), "owned by uid 1000")
        );

        std::os::unix::fs::chown(&dir, Some(0), Some(100)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o775)).unwrap();
        let found = check(&config(&command, None), 0);
        assert_eq!(found[0].why, "writable by group 100");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(
            check(&config(&command, None), 0).is_empty(),
            "sticky directory"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
