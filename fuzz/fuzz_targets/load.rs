//! Any bytes as one of the seed's CSV files, loaded over a good archive: the load
//! builds a sound archive holding every row of the files, or refuses with located
//! problems (never another error) and leaves the archive byte for byte as it was.
#![no_main]

use dossier::db::load::{self, Data, Input, Options, Progress};
use dossier::error::Error;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Quiet;
impl Progress for Quiet {}

struct Setup {
    _dir: tempfile::TempDir,
    target: PathBuf,
    damaged: PathBuf,
    good: Vec<u8>,
}

fn seed_with(replaced: Option<(usize, &Path)>) -> Vec<Input> {
    load::seed()
        .into_iter()
        .enumerate()
        .map(|(i, mut input)| {
            if let Some((which, path)) = replaced
                && which == i
            {
                input.data = Data::Path(path.to_path_buf());
            }
            input
        })
        .collect()
}

fn run(target: &Path, inputs: Vec<Input>) -> Result<load::Report, Error> {
    let opts = Options {
        target: target.to_path_buf(),
        inputs,
        described: "fuzz".into(),
        dry_run: false,
        full: false,
        scratch: None,
    };
    load::run(&opts, &Quiet)
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let target = dir.path().join("archive.db");
        run(&target, seed_with(None)).expect("the seed loads");
        let good = std::fs::read(&target).expect("read the archive");
        let damaged = dir.path().join("damaged.csv");
        Setup { _dir: dir, target, damaged, good }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let s = setup();
    std::fs::write(&s.target, &s.good).expect("restore the archive");
    std::fs::write(&s.damaged, bytes).expect("write the damaged file");
    let which = usize::from(which) % load::seed().len();
    let inputs = seed_with(Some((which, &s.damaged)));
    let result = run(&s.target, inputs.clone());
    dossier::db::selfcheck::load(&result, &s.target, &s.good, &inputs);
});
