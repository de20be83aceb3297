//! Properties of the loader on damaged input: whatever bytes a CSV file holds, a load
//! either builds a sound archive or refuses with located problems, never panics, never
//! fails for a reason dossier's own checks should have caught, and never touches the
//! archive already there.

use crate::common::{repo, waiting_out_locks};
use dossier::db::encoding::Encoding;
use dossier::db::load::{self, Data, Input, Options, Progress};
use dossier::db::selfcheck;
use dossier::db::spec::Table;
use dossier::error::Error;
use proptest::prelude::*;
use std::fs;
use std::path::Path;

struct Quiet;
impl Progress for Quiet {}

const FILES: [(Table, &str); 5] = [
    (Table::Sources, "sources.csv"),
    (Table::Actors, "actors.csv"),
    (Table::Events, "events.csv"),
    (Table::Figures, "figures.csv"),
    (Table::Citations, "citations.csv"),
];

/// Bytes that mean something to the CSV reader, the checks or the parsers.
const TELLING: &[u8] = b",\"\n\r\t;|/.-?~%X0123456789 az\x00\xff\xc3\xa9\xef\xbb\xbf";

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
    /// Copies a stretch of the file elsewhere, which duplicates ids and rows.
    Copy {
        from: usize,
        len: usize,
        to: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![3 => prop::sample::select(TELLING), 1 => any::<u8>()];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(p, b)| Edit::Insert(p, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte).prop_map(|(p, b)| Edit::Replace(p, b)),
        (any::<usize>(), 1usize..200, any::<usize>()).prop_map(|(from, len, to)| Edit::Copy {
            from,
            len,
            to
        }),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len();
        match *e {
            Edit::Insert(p, b) => bytes.insert(p % (n + 1), b),
            Edit::Delete(p) if n > 0 => {
                bytes.remove(p % n);
            }
            Edit::Replace(p, b) if n > 0 => bytes[p % n] = b,
            Edit::Copy { from, len, to } if n > 0 => {
                let from = from % n;
                let piece = bytes[from..(from + len).min(n)].to_vec();
                let to = to % (n + 1);
                bytes.splice(to..to, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// The seed's files, with `damaged`, read in `encoding`, replacing the file of one table.
fn inputs(dir: &Path, which: usize, damaged: &[u8], encoding: Encoding) -> Vec<Input> {
    FILES
        .iter()
        .enumerate()
        .map(|(i, (table, name))| {
            let (path, encoding) = if i == which {
                let p = dir.join(name);
                fs::write(&p, damaged).expect("write the damaged file");
                (p, encoding)
            } else {
                (repo().join("seed").join(name), Encoding::Utf8)
            };
            Input {
                label: name.to_string(),
                table: *table,
                data: Data::Path(path),
                encoding,
            }
        })
        .collect()
}

/// Text as a file saved in `encoding` holds it (UTF-16 with its byte-order mark).
fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Windows1252 | Encoding::Latin1 => {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(!unmappable, "the seed fits Windows-1252");
            bytes.into_owned()
        }
        Encoding::Utf16Le => "\u{feff}"
            .encode_utf16()
            .chain(text.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect(),
        Encoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    }
}

fn load_into(target: &Path, inputs: Vec<Input>) -> Result<load::Report, Error> {
    let opts = Options {
        target: target.to_path_buf(),
        inputs,
        described: "property test".into(),
        dry_run: false,
        full: false,
        scratch: None,
    };
    waiting_out_locks(
        || load::run(&opts, &Quiet),
        |r| matches!(r, Err(Error::Locked { .. })),
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("list the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Loads the damaged file, read in `encoding`, over a good archive and checks the
/// outcome: a sound archive holding every row of the files, or located problems and
/// the archive untouched (`selfcheck::load`, which the fuzz target runs too); no file
/// left behind either way.
fn check(which: usize, damaged: &[u8], encoding: Encoding) -> Result<(), TestCaseError> {
    let work = tempfile::tempdir().expect("temporary folder");
    let out = tempfile::tempdir().expect("temporary folder");
    let target = out.path().join("archive.db");
    load_into(
        &target,
        inputs(work.path(), usize::MAX, &[], Encoding::Utf8),
    )
    .expect("the seed loads");
    let before = fs::read(&target).expect("read the archive");
    let files_before = names(out.path());
    let damaged = inputs(work.path(), which, damaged, encoding);
    let result = load_into(&target, damaged.clone());
    selfcheck::load(&result, &target, &before, &damaged);
    prop_assert_eq!(names(out.path()), files_before);
    Ok(())
}

/// Each case builds two archives, so the default run is short; PROPTEST_CASES=5000
/// searches longer.
fn config() -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = 48;
    }
    c
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_damaged_seed_file_loads_soundly_or_is_refused_whole(
        which in 0usize..FILES.len(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let original = fs::read(repo().join("seed").join(FILES[which].1)).expect("read the seed");
        check(which, &apply(original, &edits), Encoding::Utf8)?;
    }

    #[test]
    fn any_bytes_as_a_csv_file_load_soundly_or_are_refused_whole(
        which in 0usize..FILES.len(),
        bytes in prop::collection::vec(prop_oneof![3 => prop::sample::select(TELLING), 1 => any::<u8>()], 0..400),
    ) {
        check(which, &bytes, Encoding::Utf8)?;
    }

    #[test]
    fn a_damaged_seed_file_in_any_encoding_loads_soundly_or_is_refused_whole(
        which in 0usize..FILES.len(),
        encoding in prop::sample::select(&Encoding::ALL[..]),
        edits in prop::collection::vec(edit(), 0..4),
    ) {
        let original = fs::read_to_string(repo().join("seed").join(FILES[which].1)).expect("read the seed");
        check(which, &apply(encode(&original, encoding), &edits), encoding)?;
    }
}
