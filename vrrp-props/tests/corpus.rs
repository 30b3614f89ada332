//! Replays the committed fuzz inputs through the targets: the seed corpus
//! (`fuzz/seeds/<target>/`) and every input that once failed
//! (`fuzz/regressions/<target>/`), so a crash found by fuzzing stays fixed
//! in the ordinary test suite.

use std::fs;
use std::path::{Path, PathBuf};

use vrrp_props::{config_parse, instance_inputs, wire_parse};

/// A target's entry point, as `fuzz_target!` calls it.
type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 3] = [
    ("wire_parse", wire_parse::check),
    ("instance_inputs", instance_inputs::check),
    ("config_parse", config_parse::check),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (target, check) in TARGETS {
        for file in files(&fuzz_dir().join(kind).join(target)) {
            let data = fs::read(&file).expect("readable input");
            eprintln!("{target}: {}", file.display());
            check(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn the_seed_corpus_passes() {
    let count = replay("seeds");
    assert!(count >= 3, "the seed corpus is missing ({count} files)");
}

#[test]
fn every_input_that_once_failed_passes() {
    replay("regressions");
}
