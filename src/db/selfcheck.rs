//! The promises the parsers and the loader make for any input, as checks that panic
//! when one is broken. The property tests and the fuzz targets (fuzz/) both run these,
//! so that a promise is written down once.

use super::check;
use super::csvread::{Reader, Record};
use super::encoding::Decoding;
use super::load::{Data, Input, Report};
use super::spec::Table;
use super::{dates, values};
use crate::error::Error;
use std::io::{self, Read};
use std::path::Path;

/// A date either is refused or has ordered bounds, each of which prints as a day
/// that parses back to exactly that day.
pub fn date(text: &str) {
    let Ok(d) = dates::parse(text) else { return };
    if let Some(end) = d.end {
        assert!(d.start <= end, "{text}: {} > {end}", d.start);
    }
    for day in std::iter::once(d.start).chain(d.end) {
        let printed = day.to_string();
        let again = dates::parse(&printed).unwrap_or_else(|e| panic!("{text}: {printed}: {e:?}"));
        assert_eq!((again.start, again.end), (day, Some(day)), "{text}");
        assert_eq!(std::str::from_utf8(&day.iso()).ok(), Some(printed.as_str()));
    }
}

/// A value either is refused or is a finite number that, printed in the value syntax
/// (a plain decimal, with a scale word where the digits need one), parses back to
/// exactly the same number.
pub fn value(text: &str) {
    let Ok(v) = values::parse(text) else { return };
    assert!(v.is_finite(), "{text}: {v}");
    let printed = print_value(v).unwrap_or_else(|| panic!("{text}: {v:e} cannot be written back"));
    assert_eq!(values::parse(&printed), Ok(v), "{text}, printed {printed}");
}

/// `v` in the value syntax, from the shortest digits that give `v` back: as a plain
/// decimal, or over a scale word when the plain decimal would need more digits than a
/// value may have. None if no scale brings it within that many digits.
pub fn print_value(v: f64) -> Option<String> {
    // `{:e}` gives the shortest digits that read back as `v`: `-5.7e9`, `1e-300`.
    let shortest = format!("{:e}", v.abs());
    let (mantissa, exponent) = shortest.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if v < 0.0 { "-" } else { "" };
    [
        ("", 0),
        (" thousand", 3),
        (" million", 6),
        (" billion", 9),
        (" trillion", 12),
    ]
    .into_iter()
    .map(|(word, scale)| (plain_decimal(&digits, exponent - scale), word))
    .find(|(plain, _)| significant_digits(plain) <= 15)
    .map(|(plain, word)| format!("{sign}{plain}{word}"))
}

/// The number `d.ddd × 10^exponent` (`digits` without the point) as a plain decimal.
fn plain_decimal(digits: &str, exponent: i32) -> String {
    let point = exponent + 1;
    let plain = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    // `{:e}` of zero is `0e0`; every other mantissa has no trailing zeros.
    if plain.contains('.') {
        plain
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        plain
    }
}

/// The digits of a plain decimal from its first non-zero one, as values count them.
fn significant_digits(plain: &str) -> usize {
    plain.replace('.', "").trim_start_matches('0').len()
}

/// Hands out at most `chunk` bytes per read, so that every record and field
/// boundary falls on a buffer boundary somewhere.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The records dossier's strict reader reads from `bytes`, fed `chunk` bytes at a
/// time; or why it refused them: a fatal error, or an issue in some record.
fn strict_records(bytes: &[u8], chunk: usize) -> Result<Vec<Vec<String>>, String> {
    let mut reader = Reader::new(Trickle {
        data: bytes,
        chunk: chunk.max(1),
    })
    .map_err(|e| format!("{e:?}"))?;
    let mut rec = Record::default();
    let mut strict = Vec::new();
    let mut last_line = 0;
    while reader.read(&mut rec).map_err(|e| format!("{e:?}"))? {
        assert!(
            rec.line > last_line,
            "records go forward: line {}",
            rec.line
        );
        last_line = rec.line;
        if !rec.issues.is_empty() {
            return Err(format!("line {}: {:?}", rec.line, rec.issues));
        }
        strict.push(
            (0..rec.width())
                .map(|i| rec.get(i).to_string())
                .collect::<Vec<_>>(),
        );
    }
    Ok(strict)
}

/// The records the csv crate reads, leniently, from `bytes`.
fn lenient_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut lenient = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    lenient
        .records()
        .map(|r| match r {
            Ok(r) => r.iter().map(str::to_string).collect(),
            Err(e) => panic!("the csv crate refused what dossier read: {e}"),
        })
        .collect()
}

/// Reads any `bytes` with dossier's strict reader, fed `chunk` bytes at a time. Where
/// the strict reader finds nothing wrong anywhere in the file, it must read exactly
/// the records the csv crate reads; where it does find something, it must say so
/// without panicking.
pub fn csv(bytes: &[u8], chunk: usize) {
    if let Ok(strict) = strict_records(bytes, chunk) {
        assert_eq!(strict, lenient_records(bytes));
    }
}

/// Reads well-formed CSV with dossier's strict reader, fed `chunk` bytes at a time:
/// it must find nothing wrong, and read exactly the records the csv crate reads.
pub fn csv_well_formed(bytes: &[u8], chunk: usize) {
    let strict = strict_records(bytes, chunk)
        .unwrap_or_else(|why| panic!("well-formed CSV was refused: {why}"));
    assert_eq!(strict, lenient_records(bytes));
}

/// How many rows a load of `bytes` as a file of `table` should store: the records
/// the csv crate reads after the header, but for those whose every cell is empty
/// (the `,,,` rows spreadsheets leave behind), with the delimiter dossier picks.
pub fn csv_rows(table: Table, bytes: &[u8]) -> u64 {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes
        .split(|b| *b == b'\n' || *b == b'\r')
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(check::delimiter(table, first_line))
        .flexible(true)
        .from_reader(bytes);
    let mut rows = 0;
    for record in reader.byte_records() {
        let record = record.unwrap_or_else(|e| panic!("the csv crate refused a loaded file: {e}"));
        if record.iter().any(|cell| !cell.is_empty()) {
            rows += 1;
        }
    }
    rows
}

/// The outcome of a load of `inputs` over the archive at `target`, whose bytes were
/// `before`: either a sound archive that holds every row of every input, or a list of
/// problems, each located in one of the inputs with a fix, and the archive as it was.
/// Any other error breaks the promise that dossier's own checks catch bad input.
pub fn load(result: &Result<Report, Error>, target: &Path, before: &[u8], inputs: &[Input]) {
    // Rows and lines are counted in the text the CSV reader sees: the file decoded
    // from its encoding (bytes not in it become 0xFF, which ends no line), or its
    // bytes as they are when its first bytes already contradict the encoding.
    let bytes = |input: &Input| {
        let raw = match &input.data {
            Data::Path(p) => std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            Data::Embedded(b) => b.to_vec(),
        };
        match Decoding::new(&raw[..], input.encoding) {
            Ok(Ok(mut decoding)) => {
                let mut text = Vec::new();
                decoding
                    .read_to_end(&mut text)
                    .unwrap_or_else(|e| panic!("{}: {e}", input.label));
                text
            }
            _ => raw,
        }
    };
    match result {
        Ok(report) => {
            let conn = rusqlite::Connection::open(target).expect("open the new archive");
            let one = |sql: &str| -> String {
                conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            };
            assert_eq!(one("PRAGMA integrity_check"), "Text(\"ok\")");
            assert_eq!(
                one("SELECT count(*) FROM pragma_foreign_key_check"),
                "Integer(0)"
            );
            // No row is dropped or made up: each file's rows are in its table, as the
            // load's report and the archive's file list say.
            for table in Table::ALL {
                let mut expected = 0;
                for input in inputs.iter().filter(|i| i.table == table) {
                    let rows = csv_rows(table, &bytes(input));
                    let (file, listed): (i64, i64) = conn
                        .query_row(
                            "SELECT f.id, i.rows FROM load_inputs i JOIN load_files f ON f.id = i.file \
                             WHERE i.run = (SELECT max(id) FROM load_runs) AND f.path = ?1",
                            [&input.label],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .unwrap_or_else(|e| panic!("{}: {e}", input.label));
                    assert_eq!(listed, rows as i64, "{}: rows listed", input.label);
                    let stored: i64 = conn
                        .query_row(
                            &format!("SELECT count(*) FROM {} WHERE csv_file = ?1", table.name()),
                            [file],
                            |r| r.get(0),
                        )
                        .unwrap_or_else(|e| panic!("{}: {e}", input.label));
                    assert_eq!(stored, rows as i64, "{}: rows stored", input.label);
                    expected += rows;
                }
                let reported = report
                    .tables
                    .iter()
                    .find(|t| t.table == table)
                    .map_or(0, |t| t.rows);
                assert_eq!(reported, expected, "{} rows reported", table.name());
            }
        }
        Err(Error::Invalid(problems)) => {
            assert!(
                !problems.shown.is_empty(),
                "a refusal that shows no problem"
            );
            assert_eq!(
                problems.shown.len(),
                problems.total.min(super::load::PROBLEM_CAP),
                "problems shown of {}",
                problems.total
            );
            for p in &problems.shown {
                let input = inputs
                    .iter()
                    .find(|i| *i.label == *p.file)
                    .unwrap_or_else(|| panic!("{p}: not in a file of the load"));
                // Lines as the reader counts them: CRLF, LF or a lone CR ends one.
                let data = bytes(input);
                let lines = 1 + data
                    .iter()
                    .enumerate()
                    .filter(|&(i, b)| {
                        *b == b'\n' || (*b == b'\r' && data.get(i + 1) != Some(&b'\n'))
                    })
                    .count() as u64;
                assert!(
                    (1..=lines).contains(&p.line),
                    "{p}: line {} of {lines}",
                    p.line
                );
                assert!(p.column >= 1, "{p}: column {}", p.column);
                assert!(
                    !p.what.is_empty() && !p.found.is_empty() && !p.fix.is_empty(),
                    "{p}: what, found and fix"
                );
            }
            let now = std::fs::read(target).expect("read the archive");
            assert!(now == before, "a refused load changed the archive");
        }
        Err(other) => panic!("a load gave {other:?}, not a list of problems"),
    }
}
