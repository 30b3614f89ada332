//! Tracked files (keepalived's `track_file`): an integer read from a file
//! whenever it is written, moved in, moved away or deleted, watched with
//! inotify on the file's directory (so a file created later is seen), as
//! keepalived watches it.
//!
//! The value is read as C's `strtol(text, NULL, 0)` reads it, as keepalived
//! does: leading blanks, a sign, `0x` for hex and a leading `0` for octal,
//! then as many digits as there are (`12abc` is 12; text with no digits, an
//! empty file or a missing file is 0). A number outside the 32-bit range is
//! logged and ignored: the previous value stays.

use std::ffi::OsString;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

/// Bytes read from a tracked file (keepalived reads 127).
const READ_LIMIT: u64 = 127;

/// A file to track.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileSpec {
    /// Its name in the configuration (`track_file NAME`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Written when the tracker starts (not on a reload).
    pub init: Option<FileInit>,
}

/// What a tracked file is initialised with (keepalived's `init_file`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileInit {
    /// The value written, as a line.
    pub value: i32,
    /// Also replace an existing file; else only a missing one is created.
    pub overwrite: bool,
}

/// One file and what is known of it.
#[derive(Debug)]
struct Watched {
    spec: FileSpec,
    /// The file's name within the watched directory.
    file_name: OsString,
    /// The directory's watch; `None`: not watched (no such directory).
    wd: Option<WatchDescriptor>,
    /// The last value read; `None` while the file cannot be tracked.
    value: Option<i64>,
}

/// The tracked files and their inotify watches.
#[derive(Debug)]
pub struct FileTracker {
    inotify: Option<Inotify>,
    files: Vec<Watched>,
}

impl FileTracker {
    /// Writes the `init` values where due (when `initialise`), watches each
    /// file's directory and reads each file. The inotify descriptor is
    /// opened even without files, so a reload that adds some finds it
    /// registered.
    pub fn new(specs: Vec<FileSpec>, initialise: bool) -> Self {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)
            .inspect_err(|e| tracing::warn!(error = %e, "cannot watch tracked files: their values are read once"))
            .ok();
        let mut tracker = Self {
            inotify,
            files: Vec::new(),
        };
        if initialise {
            specs.iter().for_each(write_init);
        }
        tracker.watch(specs);
        tracker
    }

    /// The inotify descriptor to poll for readability; `None`: inotify
    /// could not be opened.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.inotify.as_ref().map(AsFd::as_fd)
    }

    /// The files, each with its last value (`None`: not tracked, its
    /// directory is missing).
    pub fn files(&self) -> impl Iterator<Item = (&FileSpec, Option<i64>)> {
        self.files.iter().map(|f| (&f.spec, f.value))
    }

    /// File `index`'s last value (`None`: not tracked).
    pub fn value(&self, index: usize) -> Option<i64> {
        self.files.get(index).and_then(|f| f.value)
    }

    /// Reads what inotify reported; appends the index of each file whose
    /// value changed to `changed`.
    pub fn handle_readable(&mut self, changed: &mut Vec<usize>) {
        let Some(inotify) = &self.inotify else {
            return;
        };
        loop {
            let events = match inotify.read_events() {
                Ok(events) => events,
                Err(Errno::EAGAIN) => return,
                Err(Errno::EINTR) => continue,
                Err(error) => {
                    tracing::warn!(%error, "reading inotify events failed");
                    return;
                }
            };
            for event in events {
                let Some(name) = &event.name else { continue };
                for (index, file) in self.files.iter_mut().enumerate() {
                    if file.wd != Some(event.wd) || file.file_name != *name {
                        continue;
                    }
                    let value = read_value(&file.spec.path).or(file.value);
                    if value != file.value {
                        tracing::info!(file = %file.spec.name, path = %file.spec.path.display(), value = ?value, "tracked file changed");
                        file.value = value;
                        changed.push(index);
                    }
                }
            }
        }
    }

    /// A new configuration's files: old watches removed, the new ones
    /// watched and read (no `init` written: keepalived does not on reload).
    pub fn reconfigure(&mut self, specs: Vec<FileSpec>) {
        if let Some(inotify) = &self.inotify {
            let mut removed = Vec::new();
            for wd in self.files.iter().filter_map(|f| f.wd) {
                if !removed.contains(&wd) {
                    removed.push(wd);
                    let _ = inotify.rm_watch(wd);
                }
            }
        }
        self.files.clear();
        self.watch(specs);
    }

    fn watch(&mut self, specs: Vec<FileSpec>) {
        let flags =
            AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVE;
        for spec in specs {
            let dir = directory(&spec.path);
            let file_name = spec.path.file_name().unwrap_or_default().to_owned();
            let wd = match &self.inotify {
                Some(inotify) => match inotify.add_watch(dir, flags) {
                    Ok(wd) => Some(wd),
                    Err(error) => {
                        tracing::warn!(file = %spec.name, dir = %dir.display(), %error, "the tracked file's directory cannot be watched: the file is not tracked (keepalived drops it too)");
                        None
                    }
                },
                None => None,
            };
            let watchable = wd.is_some() || (self.inotify.is_none() && dir.is_dir());
            let value = watchable.then(|| read_value(&spec.path).unwrap_or(0));
            self.files.push(Watched {
                spec,
                file_name,
                wd,
                value,
            });
        }
    }
}

/// The directory a file's watch goes on.
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Writes `spec.init`'s value if the file is missing, or always with
/// `overwrite` (a regular file only).
fn write_init(spec: &FileSpec) {
    let Some(init) = spec.init else { return };
    match std::fs::metadata(&spec.path) {
        Ok(_) if !init.overwrite => return,
        Ok(meta) if !meta.is_file() => {
            tracing::warn!(file = %spec.name, path = %spec.path.display(), "cannot initialise a tracked file that is not a regular file");
            return;
        }
        _ => {}
    }
    if let Err(error) = std::fs::write(&spec.path, format!("{}\n", init.value)) {
        tracing::warn!(file = %spec.name, path = %spec.path.display(), %error, "cannot initialise the tracked file");
    }
}

/// The file's value: 0 when it is missing, unreadable or empty; `None`
/// when it holds a number out of range (keepalived ignores it).
pub fn read_value(path: &Path) -> Option<i64> {
    let mut text = Vec::new();
    match std::fs::File::open(path) {
        Ok(file) => {
            if let Err(error) = file.take(READ_LIMIT).read_to_end(&mut text) {
                if error.kind() != io::ErrorKind::Interrupted {
                    return Some(0);
                }
            }
        }
        Err(_) => return Some(0),
    }
    let value = parse_value(&text);
    if value.is_none() {
        tracing::warn!(path = %path.display(), text = %String::from_utf8_lossy(&text).trim(), "invalid number in a tracked file: ignored, the previous value stays");
    }
    value
}

/// `strtol(text, NULL, 0)` with keepalived's range check: `None` for a
/// number outside `i32::MIN..=i32::MAX + 1`, 0 where there are no digits.
pub fn parse_value(text: &[u8]) -> Option<i64> {
    let text = text.trim_ascii_start();
    let (negative, rest) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = match rest {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, &rest[2..]),
        [b'0', ..] => (8, rest),
        _ => (10, rest),
    };
    let mut magnitude: i64 = 0;
    for &byte in digits {
        let Some(digit) = char::from(byte).to_digit(radix) else {
            break;
        };
        // Beyond i64 strtol says ERANGE; beyond i32 keepalived ignores it:
        // past 2^32 both are out.
        magnitude = magnitude * i64::from(radix) + i64::from(digit);
        if magnitude > 1 << 32 {
            return None;
        }
    }
    let value = if negative { -magnitude } else { magnitude };
    (i64::from(i32::MIN)..=i64::from(i32::MAX) + 1)
        .contains(&value)
        .then_some(value)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn values_read_as_strtol_base_0() {
        for (text, value) in [
            (&b"0\n"[..], Some(0)),
            (b"1\n", Some(1)),
            (b"  -7", Some(-7)),
            (b"+3", Some(3)),
            (b"0x1f", Some(31)),
            (b"010", Some(8)),
            (b"12abc", Some(12)),
            (b"abc", Some(0)),
            (b"", Some(0)),
            (b"0x", Some(0)),
            (b"09", Some(0)),
            (b"2147483648", Some(2_147_483_648)),
            (b"2147483649", None),
            (b"-2147483648", Some(-2_147_483_648)),
            (b"-2147483649", None),
            (b"99999999999999999999999", None),
        ] {
            assert_eq!(
                parse_value(text),
                value,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn a_change_is_seen_through_inotify_and_init_only_creates() {
        let dir = std::env::temp_dir().join(format!("vrrp-track-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("flag");
        let kept = dir.join("kept");
        std::fs::write(&kept, "5\n").unwrap();
        let spec = |name: &str, path: &Path, value| FileSpec {
            name: name.into(),
            path: path.into(),
            init: Some(FileInit {
                value,
                overwrite: false,
            }),
        };
        let mut tracker = FileTracker::new(vec![spec("f", &path, 3), spec("k", &kept, 9)], true);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "3\n");
        assert_eq!((tracker.value(0), tracker.value(1)), (Some(3), Some(5)));
        std::fs::write(&path, "-2\n").unwrap();
        let mut changed = Vec::new();
        tracker.handle_readable(&mut changed);
        assert_eq!((changed, tracker.value(0)), (vec![0], Some(-2)));
        std::fs::remove_file(&path).unwrap();
        let mut changed = Vec::new();
        tracker.handle_readable(&mut changed);
        assert_eq!((changed, tracker.value(0)), (vec![0], Some(0)));
        let missing = FileTracker::new(vec![spec("m", &dir.join("no/such"), 1)], true);
        assert_eq!(missing.value(0), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
