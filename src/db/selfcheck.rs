//! The promises the parsers make for any input, as checks that panic when one is
//! broken. The property tests and the fuzz targets (fuzz/) both run these, so that a
//! promise is written down once.

use super::csvread::{Reader, Record};
use super::{dates, values};
use std::io::{self, Read};

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

/// A value either is refused or is a finite number that its shortest printing
/// gives back unchanged.
pub fn value(text: &str) {
    let Ok(v) = values::parse(text) else { return };
    assert!(v.is_finite(), "{text}: {v}");
    if v.abs() < 1e15 && v.fract() == 0.0 {
        assert_eq!(values::parse(&format!("{v:.0}")), Ok(v), "{text}");
    }
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

/// Reads `bytes` with dossier's strict reader, fed `chunk` bytes at a time. Where the
/// strict reader finds nothing wrong anywhere in the file, it must read exactly the
/// records the csv crate reads; where it does find something, it must say so without
/// panicking.
pub fn csv(bytes: &[u8], chunk: usize) {
    let Ok(mut reader) = Reader::new(Trickle {
        data: bytes,
        chunk: chunk.max(1),
    }) else {
        return;
    };
    let mut rec = Record::default();
    let mut strict = Vec::new();
    let mut last_line = 0;
    loop {
        match reader.read(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return,
        }
        assert!(
            rec.line > last_line,
            "records go forward: line {}",
            rec.line
        );
        last_line = rec.line;
        if !rec.issues.is_empty() {
            return;
        }
        strict.push(
            (0..rec.width())
                .map(|i| rec.get(i).to_string())
                .collect::<Vec<_>>(),
        );
    }
    let mut lenient = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let expected: Vec<Vec<String>> = lenient
        .records()
        .map(|r| match r {
            Ok(r) => r.iter().map(str::to_string).collect(),
            Err(e) => panic!("the csv crate refused what dossier read: {e}"),
        })
        .collect();
    assert_eq!(strict, expected);
}
