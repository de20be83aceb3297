//! Character encodings: the ones a load reads when the user names them, and what a
//! file that is not UTF-8 looks like, for the message that says so.
//!
//! dossier reads UTF-8 unless told otherwise, and never guesses: `--encoding` names
//! the encoding of the files, and a file that is not UTF-8 is refused with what its
//! bytes would be in the encoding Excel uses on Windows when they fit it. Decoding
//! happens under the CSV reader, which then sees UTF-8 whatever the file holds.

use encoding_rs::{Decoder, DecoderResult, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::io::{self, Read};

/// An encoding a load can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Encoding {
    #[default]
    Utf8,
    /// Windows' "ANSI" code page for Western languages, which Excel's "CSV" uses.
    Windows1252,
    /// ISO-8859-1, read as Windows-1252 as web browsers read it: the two differ only
    /// in 0x80–0x9F, control characters in ISO-8859-1 that text never holds.
    Latin1,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub const ALL: [Encoding; 5] = [
        Encoding::Utf8,
        Encoding::Windows1252,
        Encoding::Latin1,
        Encoding::Utf16Le,
        Encoding::Utf16Be,
    ];

    /// The name `--encoding` takes and `load_files.encoding` records.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Latin1 => "latin-1",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }

    /// The name as messages write it.
    pub fn title(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Latin1 => "Latin-1",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }

    fn decoder(self) -> Option<Decoder> {
        let encoding = match self {
            Encoding::Utf8 => return None,
            Encoding::Windows1252 | Encoding::Latin1 => WINDOWS_1252,
            Encoding::Utf16Le => UTF_16LE,
            Encoding::Utf16Be => UTF_16BE,
        };
        // Never switch encodings on a byte-order mark: `Decoding::new` has already
        // checked that a mark, if any, agrees with the encoding named, and removed it.
        Some(encoding.new_decoder_without_bom_handling())
    }
}

/// A byte as Windows-1252 shows it, or None for the five bytes it leaves undefined.
pub fn windows_1252_char(byte: u8) -> Option<char> {
    if matches!(byte, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D) {
        return None;
    }
    let one = [byte];
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(&one);
    text.chars().next()
}

/// True when the bytes read as Windows-1252 text that UTF-8 does not: every byte is
/// defined in Windows-1252, and the whole is not UTF-8 (a row that is, but has a
/// character cut by a delimiter, is not a matter of encoding).
fn fits_windows_1252(bytes: &[u8]) -> bool {
    !bytes
        .iter()
        .any(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        && std::str::from_utf8(bytes).is_err()
}

/// Why a file's first bytes contradict the encoding it was named with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub what: String,
    pub found: String,
    pub fix: String,
}

/// The byte-order marks a file may start with.
const MARKS: [(&[u8], &str, Option<Encoding>); 4] = [
    (&[0xEF, 0xBB, 0xBF], "UTF-8", Some(Encoding::Utf8)),
    (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32LE", None),
    (&[0xFF, 0xFE], "UTF-16LE", Some(Encoding::Utf16Le)),
    (&[0xFE, 0xFF], "UTF-16BE", Some(Encoding::Utf16Be)),
];

const SOME_FILES: &str = "--encoding names the encoding of every file in the load";

/// What kind of file is read: a CSV file, or a source's document. Messages name it
/// and say how to save it again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Csv,
    Document,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Csv => "file",
            Kind::Document => "document",
        }
    }

    /// What holds a bad byte: a CSV file's rows, a document's lines.
    fn parts(self) -> &'static str {
        match self {
            Kind::Csv => "rows",
            Kind::Document => "lines",
        }
    }

    fn save(self) -> &'static str {
        match self {
            Kind::Csv => {
                "save it as UTF-8 (in Excel: CSV UTF-8; in LibreOffice: character set Unicode (UTF-8))"
            }
            Kind::Document => "save it as UTF-8 (in most editors: Save As, encoding UTF-8)",
        }
    }

    /// Where a file in Windows-1252 comes from.
    fn windows_1252(self) -> &'static str {
        match self {
            Kind::Csv => "which Excel's \"CSV (Comma delimited)\" writes on Windows",
            Kind::Document => "which Windows programs save as \"ANSI\"",
        }
    }
}

/// Reads a file in the encoding it was named with, handing on UTF-8.
///
/// UTF-8 passes through untouched. Other encodings are decoded; a sequence that is not
/// valid in the encoding (an unpaired UTF-16 surrogate, an odd last byte) becomes the
/// byte 0xFF, which is never UTF-8, so that the CSV reader reports the row it is in,
/// and `malformed` says where it was in the file. For the single-byte encodings, the
/// bytes are also watched for being UTF-8 already, which would make every accented
/// letter two wrong ones.
pub struct Decoding<R> {
    inner: R,
    encoding: Encoding,
    decoder: Option<Decoder>,
    input: Vec<u8>,
    in_pos: usize,
    eof: bool,
    finished: bool,
    output: Vec<u8>,
    out_pos: usize,
    /// Bytes of the file handed to the decoder so far (byte-order mark included).
    consumed: u64,
    malformed: Option<u64>,
    utf8: Utf8Watch,
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> Decoding<R> {
    /// Starts reading; a byte-order mark that names another encoding, or first bytes
    /// that cannot be the header in UTF-16, are refused here, before anything is
    /// decoded into a header of nonsense.
    pub fn new(inner: R, encoding: Encoding) -> io::Result<Result<Self, Mismatch>> {
        Self::new_as(inner, encoding, Kind::Csv)
    }

    /// As [`Decoding::new`], for a kind of file that messages name.
    pub fn new_as(
        mut inner: R,
        encoding: Encoding,
        kind: Kind,
    ) -> io::Result<Result<Self, Mismatch>> {
        let mut input = Vec::with_capacity(CHUNK);
        let mut eof = false;
        // Enough for any mark and the first characters of the header.
        let mut head = [0u8; 4];
        while input.len() < head.len() {
            let n = read_some(&mut inner, &mut head[input.len()..])?;
            if n == 0 {
                eof = true;
                break;
            }
            input.extend_from_slice(&head[input.len()..input.len() + n]);
        }
        let mark = match check_start(&input, encoding, kind) {
            Ok(mark) => mark,
            Err(m) => return Ok(Err(m)),
        };
        input.drain(..mark);
        let mut utf8 = Utf8Watch::default();
        utf8.feed(&input);
        Ok(Ok(Decoding {
            inner,
            encoding,
            decoder: encoding.decoder(),
            input,
            in_pos: 0,
            eof,
            finished: false,
            output: Vec::new(),
            out_pos: 0,
            consumed: mark as u64,
            malformed: None,
            utf8,
        }))
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The file offset of the first sequence that is not valid in the encoding.
    pub fn malformed(&self) -> Option<u64> {
        self.malformed
    }

    /// For a single-byte encoding, the first character of a file that turned out to
    /// be UTF-8 with characters beyond ASCII; call once the file is read.
    pub fn utf8_instead(&self) -> Option<char> {
        match self.encoding {
            Encoding::Windows1252 | Encoding::Latin1 => self.utf8.verdict(),
            _ => None,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Decodes more of the file into `output`; false once everything is handed on.
    fn refill(&mut self) -> io::Result<bool> {
        self.output.clear();
        self.out_pos = 0;
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(false);
        };
        while self.output.is_empty() && !self.finished {
            if self.in_pos == self.input.len() && !self.eof {
                self.input.resize(CHUNK, 0);
                let n = read_some(&mut self.inner, &mut self.input)?;
                self.input.truncate(n);
                self.in_pos = 0;
                self.eof = n == 0;
                if matches!(self.encoding, Encoding::Windows1252 | Encoding::Latin1) {
                    self.utf8.feed(&self.input);
                }
            }
            let src = &self.input[self.in_pos..];
            // Worst case: three bytes of UTF-8 for each byte in, and room for a marker.
            let room = src.len() * 3 + 8;
            self.output.resize(room, 0);
            let (result, read, written) =
                decoder.decode_to_utf8_without_replacement(src, &mut self.output, self.eof);
            self.in_pos += read;
            self.consumed += read as u64;
            self.output.truncate(written);
            match result {
                DecoderResult::InputEmpty => {
                    if self.eof {
                        self.finished = true;
                    }
                }
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    let at = self.consumed - u64::from(after) - u64::from(bad);
                    self.malformed.get_or_insert(at);
                    self.output.push(0xFF);
                }
            }
        }
        if self.finished {
            self.utf8.finish();
        }
        Ok(!self.output.is_empty())
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.decoder.is_none() {
            // UTF-8 passes through, after the first bytes read to check its start.
            if self.in_pos < self.input.len() {
                let n = buf.len().min(self.input.len() - self.in_pos);
                buf[..n].copy_from_slice(&self.input[self.in_pos..self.in_pos + n]);
                self.in_pos += n;
                return Ok(n);
            }
            return self.inner.read(buf);
        }
        if self.out_pos == self.output.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.output.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

fn read_some<R: Read>(src: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match src.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Checks a file's first bytes against the encoding it was named with; the length of
/// its own byte-order mark, to skip, when they agree.
fn check_start(head: &[u8], encoding: Encoding, kind: Kind) -> Result<usize, Mismatch> {
    let name = encoding.name();
    let title = encoding.title();
    let file = kind.noun();
    let save = kind.save();
    if let Some((mark, which, own)) = MARKS.iter().find(|(m, _, _)| head.starts_with(m)) {
        // The CSV reader skips a UTF-8 mark itself.
        match own {
            Some(Encoding::Utf8) if encoding == Encoding::Utf8 => return Ok(0),
            Some(e) if *e == encoding => return Ok(mark.len()),
            _ => {}
        }
        let (what, fix) = match (encoding, own) {
            (Encoding::Utf8, Some(other)) => (
                format!("{file} is {which}, not UTF-8"),
                format!("load it with --encoding {}, or {save}", other.name()),
            ),
            (Encoding::Utf8, None) => (format!("{file} is {which}, not UTF-8"), save.to_string()),
            (_, Some(Encoding::Utf8)) => (
                format!("{file} is {which}, not {title} as --encoding {name} says"),
                format!(
                    "a {file} with this mark is UTF-8: load it without --encoding ({SOME_FILES})"
                ),
            ),
            (_, Some(other)) => (
                format!("{file} is {which}, not {title} as --encoding {name} says"),
                format!("load it with --encoding {} ({SOME_FILES})", other.name()),
            ),
            (_, None) => (
                format!("{file} is {which}, not {title} as --encoding {name} says"),
                save.to_string(),
            ),
        };
        return Err(Mismatch {
            what,
            found: format!("a {which} byte-order mark, {}", hex(mark)),
            fix,
        });
    }
    // The header row is column names in ASCII, which UTF-16 writes with a zero byte
    // beside each letter; a file without one is not UTF-16, whatever it is.
    let ascii_then_zero = |a: u8, z: u8| a != 0 && a.is_ascii() && z == 0;
    let fits = match (encoding, head) {
        (Encoding::Utf16Le, [a, z, ..]) => ascii_then_zero(*a, *z),
        (Encoding::Utf16Be, [z, a, ..]) => ascii_then_zero(*a, *z),
        (Encoding::Utf16Le | Encoding::Utf16Be, _) => head.is_empty(),
        _ => true,
    };
    if fits {
        return Ok(0);
    }
    let shown = &head[..head.len().min(2)];
    Err(Mismatch {
        what: format!("{file} is not {title} as --encoding {name} says"),
        found: format!(
            "{} at the start, where {title} writes {} with a zero byte beside it",
            hex(shown),
            match kind {
                Kind::Csv => "the header's first letter",
                Kind::Document => "the first letter of the title",
            }
        ),
        fix: format!(
            "check how the {file} was saved: a {file} saved as {} is loaded without --encoding ({SOME_FILES})",
            match kind {
                Kind::Csv => "CSV UTF-8",
                Kind::Document => "UTF-8",
            }
        ),
    })
}

/// Bytes as `FF FE`.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Watches a stream of bytes for being valid UTF-8 with some character beyond ASCII.
#[derive(Default)]
struct Utf8Watch {
    broken: bool,
    /// The first character beyond ASCII.
    first: Option<char>,
    /// The start of a character cut by the end of the last chunk.
    carry: Vec<u8>,
}

impl Utf8Watch {
    fn feed(&mut self, mut chunk: &[u8]) {
        if self.broken || chunk.is_empty() {
            return;
        }
        while !self.carry.is_empty() {
            let Some((&b, rest)) = chunk.split_first() else {
                return;
            };
            self.carry.push(b);
            chunk = rest;
            match std::str::from_utf8(&self.carry) {
                Ok(s) => {
                    self.first = self.first.or_else(|| s.chars().next());
                    self.carry.clear();
                }
                Err(e) if e.error_len().is_some() => {
                    self.broken = true;
                    return;
                }
                Err(_) => {}
            }
        }
        let valid = match std::str::from_utf8(chunk) {
            Ok(s) => s,
            Err(e) if e.error_len().is_some() => {
                self.broken = true;
                return;
            }
            Err(e) => {
                let (valid, rest) = chunk.split_at(e.valid_up_to());
                self.carry.extend_from_slice(rest);
                // The prefix was just checked.
                std::str::from_utf8(valid).unwrap_or_default()
            }
        };
        if self.first.is_none() && !valid.is_ascii() {
            self.first = valid.chars().find(|c| !c.is_ascii());
        }
    }

    fn finish(&mut self) {
        if !self.carry.is_empty() {
            self.broken = true;
        }
    }

    fn verdict(&self) -> Option<char> {
        if self.broken { None } else { self.first }
    }
}

/// What the rows of one file that are not valid in its encoding add up to: where the
/// first bad byte is, how many rows have one, and whether they all fit Windows-1252.
#[derive(Debug)]
pub struct BadBytes {
    pub line: u64,
    /// Field position from 1.
    pub column: usize,
    byte: u8,
    offset: u64,
    rows: u64,
    windows_1252: bool,
}

impl BadBytes {
    /// The first row with a bad byte at `offset`; `raw` is the row's bytes.
    pub fn new(line: u64, column: usize, byte: u8, offset: u64, raw: &[u8]) -> Self {
        BadBytes {
            line,
            column,
            byte,
            offset,
            rows: 1,
            windows_1252: fits_windows_1252(raw),
        }
    }

    /// Another row with a bad byte.
    pub fn add(&mut self, raw: &[u8]) {
        self.rows += 1;
        self.windows_1252 &= fits_windows_1252(raw);
    }

    /// The problem to report, as (what, found, fix). `utf8_rows` says whether other
    /// rows of the file hold UTF-8 beyond ASCII; `malformed` is where a decoder met
    /// the first sequence that is not valid in the file's encoding.
    pub fn describe(
        &self,
        encoding: Encoding,
        utf8_rows: bool,
        malformed: Option<u64>,
    ) -> (String, String, String) {
        self.describe_as(Kind::Csv, encoding, utf8_rows, malformed)
    }

    /// As [`BadBytes::describe`], for a kind of file; a document's "rows" are lines.
    pub fn describe_as(
        &self,
        kind: Kind,
        encoding: Encoding,
        utf8_rows: bool,
        malformed: Option<u64>,
    ) -> (String, String, String) {
        let (file, parts) = (kind.noun(), kind.parts());
        let more = if self.rows > 1 {
            format!("; {} {parts} in all have such bytes", self.rows)
        } else {
            String::new()
        };
        if encoding != Encoding::Utf8 {
            let title = encoding.title();
            let at = malformed.map_or_else(String::new, |o| format!(" at byte offset {o}"));
            return (
                format!("{file} is not valid {title}"),
                format!("a byte sequence that is not {title}{at}{more}"),
                format!(
                    "check how the {file} was saved; saved again as UTF-8, it loads without --encoding"
                ),
            );
        }
        let save = kind.save();
        let byte = format!("byte 0x{:02X} at byte offset {}", self.byte, self.offset);
        match windows_1252_char(self.byte).filter(|_| self.windows_1252) {
            Some(c) if utf8_rows => (
                format!("{file} mixes UTF-8 with another encoding"),
                format!(
                    "{byte}, which is {c} in Windows-1252, while other {parts} hold UTF-8 characters{more}"
                ),
                format!("retype the characters of the {parts} with such bytes, and {save}"),
            ),
            Some(c) => (
                format!("{file} is not UTF-8"),
                format!("{byte}, which is {c} in Windows-1252{more}"),
                format!(
                    "the {file} looks like Windows-1252, {}: load it with --encoding windows-1252, or {save}",
                    kind.windows_1252()
                ),
            ),
            None => (
                format!("{file} is not UTF-8"),
                format!("{byte}{more}"),
                format!(
                    "{save}, or name its encoding with --encoding (windows-1252, latin-1, utf-16le or utf-16be)"
                ),
            ),
        }
    }
}

/// The problem with a file named as a single-byte encoding that is UTF-8 already.
pub fn utf8_instead(encoding: Encoding, c: char) -> (String, String, String) {
    utf8_instead_as(Kind::Csv, encoding, c)
}

/// As [`utf8_instead`], for a kind of file.
pub fn utf8_instead_as(kind: Kind, encoding: Encoding, c: char) -> (String, String, String) {
    let mut bytes = [0u8; 4];
    let (misread, _) =
        WINDOWS_1252.decode_without_bom_handling(c.encode_utf8(&mut bytes).as_bytes());
    (
        format!(
            "{} is UTF-8, not {} as --encoding {} says",
            kind.noun(),
            encoding.title(),
            encoding.name()
        ),
        format!("{c}, which {} would read as {misread}", encoding.title()),
        format!("load it without --encoding ({SOME_FILES}: save the others as UTF-8 too)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Encoding) -> (Vec<u8>, Option<u64>, Option<char>) {
        let mut d = match Decoding::new(bytes, encoding).unwrap() {
            Ok(d) => d,
            Err(m) => panic!("{m:?}"),
        };
        let mut out = Vec::new();
        // A small buffer, so that characters are split across reads.
        let mut buf = [0u8; 3];
        loop {
            let n = d.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (out, d.malformed(), d.utf8_instead())
    }

    #[test]
    fn windows_1252_and_latin_1_decode_to_utf8() {
        let (out, bad, utf8) = decode(
            b"id,title\nx,Korea\x92s \x93line\x94 \xe9t\xe9\n",
            Encoding::Windows1252,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,title\nx,Korea’s “line” été\n"
        );
        assert_eq!((bad, utf8), (None, None));
        let (out, _, _) = decode(b"a\xe9", Encoding::Latin1);
        assert_eq!(String::from_utf8(out).unwrap(), "aé");
    }

    #[test]
    fn utf16_decodes_without_its_mark_and_marks_what_is_malformed() {
        let le: Vec<u8> = "\u{feff}id,n\n1,Ö\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (out, bad, _) = decode(&le, Encoding::Utf16Le);
        assert_eq!(String::from_utf8(out).unwrap(), "id,n\n1,Ö\n");
        assert_eq!(bad, None);
        let be: Vec<u8> = "id\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, Encoding::Utf16Be).0, b"id\n");
        // An unpaired surrogate at byte 4, and an odd byte at the end.
        let mut broken: Vec<u8> = vec![b'i', 0, b'd', 0, 0x00, 0xD8, b'\n', 0];
        broken.push(b'x');
        let (out, bad, _) = decode(&broken, Encoding::Utf16Le);
        assert_eq!(out, b"id\xFF\n\xFF");
        assert_eq!(bad, Some(4));
    }

    #[test]
    fn a_mark_or_first_bytes_that_contradict_the_encoding_are_refused() {
        let refused = |bytes: &[u8], e: Encoding| match Decoding::new(bytes, e).unwrap() {
            Ok(_) => panic!("{bytes:?} accepted as {e:?}"),
            Err(m) => m,
        };
        let m = refused(b"\xEF\xBB\xBFid", Encoding::Windows1252);
        assert_eq!(
            m.what,
            "file is UTF-8, not Windows-1252 as --encoding windows-1252 says"
        );
        assert_eq!(m.found, "a UTF-8 byte-order mark, EF BB BF");
        let m = refused(b"\xFE\xFF\x00i", Encoding::Utf16Le);
        assert!(
            m.fix.starts_with("load it with --encoding utf-16be"),
            "{}",
            m.fix
        );
        let m = refused(b"id,title", Encoding::Utf16Le);
        assert_eq!(m.what, "file is not UTF-16LE as --encoding utf-16le says");
        assert!(m.found.starts_with("69 64 at the start"), "{}", m.found);
        assert!(
            Decoding::new(&b"i\x00d\x00"[..], Encoding::Utf16Le)
                .unwrap()
                .is_ok()
        );
        assert!(
            Decoding::new(&b"\x00i\x00d"[..], Encoding::Utf16Be)
                .unwrap()
                .is_ok()
        );
        assert!(Decoding::new(&b""[..], Encoding::Utf16Be).unwrap().is_ok());
    }

    #[test]
    fn a_utf8_file_named_as_windows_1252_is_noticed_across_chunks() {
        let mut text = "a".repeat(CHUNK - 1).into_bytes();
        text.extend_from_slice("’ and é".as_bytes());
        let (_, _, utf8) = decode(&text, Encoding::Windows1252);
        assert_eq!(utf8, Some('’'));
        let (_, _, utf8) = decode(b"plain ascii", Encoding::Windows1252);
        assert_eq!(utf8, None, "ASCII is the same in both");
        let (_, _, utf8) = decode(b"caf\xc3\xa9 \x92", Encoding::Windows1252);
        assert_eq!(utf8, None, "not UTF-8 as a whole");
        let (_, _, utf8) = decode(b"cut \xe2\x80", Encoding::Windows1252);
        assert_eq!(utf8, None, "a character cut at the end is not UTF-8");
    }

    #[test]
    fn the_message_names_the_windows_1252_character_when_the_bytes_fit() {
        let mut bad = BadBytes::new(5, 3, 0x92, 120, b"x,Korea\x92s");
        bad.add(b"y,\xe9t\xe9");
        let (what, found, fix) = bad.describe(Encoding::Utf8, false, None);
        assert_eq!(what, "file is not UTF-8");
        assert_eq!(
            found,
            "byte 0x92 at byte offset 120, which is ’ in Windows-1252; 2 rows in all have such bytes"
        );
        assert!(fix.contains("--encoding windows-1252"), "{fix}");
        let (what, _, _) = bad.describe(Encoding::Utf8, true, None);
        assert_eq!(what, "file mixes UTF-8 with another encoding");
        bad.add(b"z,\x81");
        let (_, found, fix) = bad.describe(Encoding::Utf8, false, None);
        assert!(!found.contains("Windows-1252"), "{found}");
        assert!(!fix.contains("looks like"), "{fix}");
        assert_eq!(windows_1252_char(0x92), Some('’'));
        assert_eq!(windows_1252_char(0x80), Some('€'));
        assert_eq!(windows_1252_char(0x9D), None);
    }
}
