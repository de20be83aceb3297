//! A strict RFC 4180 reader that knows where every record and field came from.
//!
//! General CSV readers are lenient on purpose: they take an unterminated quote as
//! "the rest of the file", text after a closing quote as part of the field and a
//! stray quote as a character. An archive loader must refuse all three, say on which
//! line the problem starts, and keep reading so that one run reports every problem.
//! This reader does that while staying allocation-free per record: the caller passes
//! the same [`Record`] back in and its buffers are reused.
//!
//! Line ends may be CRLF, LF or CR, mixed within a file. Blank lines are skipped.

use memchr::{memchr, memchr_iter, memchr2, memchr3};
use std::io::{self, Read};

const BUFFER: usize = 256 * 1024;

/// A problem with the bytes of one field; the record is still read to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// A `"` inside a field that does not start with one.
    QuoteInUnquoted,
    /// Something other than a delimiter or line end right after a closing quote.
    TextAfterQuote(u8),
    /// A NUL byte, at this file offset.
    Nul { offset: u64 },
    /// A byte sequence that is not UTF-8; `byte` is its first byte.
    NotUtf8 { byte: u8, offset: u64 },
}

/// Why the rest of a file cannot be read.
#[derive(Debug)]
pub enum Fatal {
    Io(io::Error),
    /// The file starts with a UTF-16 or UTF-32 byte-order mark.
    Utf16,
    /// A quoted field opened on `line` is still open at the end of the file.
    UnterminatedQuote {
        line: u64,
        field: usize,
        offset: u64,
    },
}

impl From<io::Error> for Fatal {
    fn from(e: io::Error) -> Self {
        Fatal::Io(e)
    }
}

/// One record, reused from row to row.
///
/// While a record is read its bytes collect in `data`; once it is complete they are
/// checked as UTF-8 once and moved, without copying, into `text`, so that each field
/// can then be handed out as `&str` without checking it again. A record that is not
/// UTF-8 keeps its bytes in `data` for the error message.
#[derive(Default, Debug)]
pub struct Record {
    data: Vec<u8>,
    text: String,
    ends: Vec<usize>,
    /// The file offset of each field's first content byte.
    starts: Vec<u64>,
    /// The line on which the record starts, from 1.
    pub line: u64,
    /// Format problems, by field index from 0.
    pub issues: Vec<(usize, Issue)>,
}

impl Record {
    /// How many fields the record has.
    pub fn width(&self) -> usize {
        self.ends.len()
    }

    fn span(&self, i: usize) -> std::ops::Range<usize> {
        (if i == 0 { 0 } else { self.ends[i - 1] })..self.ends[i]
    }

    #[cfg(test)]
    pub fn bytes(&self, i: usize) -> &[u8] {
        if self.data.is_empty() {
            &self.text.as_bytes()[self.span(i)]
        } else {
            &self.data[self.span(i)]
        }
    }

    /// The field as text; empty if the record has no such field, or if the field is
    /// not UTF-8 (which `issues` then reports). In a record that is not UTF-8 as a
    /// whole, a field that is still reads as text: a refused row's id stays known,
    /// so that rows naming it are not reported as naming an unknown id.
    pub fn get(&self, i: usize) -> &str {
        if i >= self.width() {
            return "";
        }
        if self.data.is_empty() {
            // `check_bytes` has made sure that every field is UTF-8 on its own, so the
            // bounds are character boundaries; `get` would say None rather than panic.
            self.text.get(self.span(i)).unwrap_or("")
        } else {
            std::str::from_utf8(&self.data[self.span(i)]).unwrap_or("")
        }
    }

    /// The record's bytes as read (quotes undone), whether or not they are UTF-8.
    pub fn raw(&self) -> &[u8] {
        if self.data.is_empty() {
            self.text.as_bytes()
        } else {
            &self.data
        }
    }

    /// The first byte that is not UTF-8: its field (from 0), the byte and its offset.
    pub fn not_utf8(&self) -> Option<(usize, u8, u64)> {
        self.issues.iter().find_map(|(field, issue)| match issue {
            Issue::NotUtf8 { byte, offset } => Some((*field, *byte, *offset)),
            _ => None,
        })
    }

    /// The field (from 0) of the first character beyond ASCII, if there is one.
    pub fn non_ascii_field(&self) -> Option<usize> {
        let raw = self.raw();
        if raw.is_ascii() {
            return None;
        }
        let at = raw.iter().position(|b| !b.is_ascii())?;
        Some(self.field_of(at))
    }

    /// True when every field is empty, as in the `,,,,` rows spreadsheets leave behind.
    pub fn is_blank(&self) -> bool {
        self.data.is_empty() && self.text.is_empty()
    }

    fn clear(&mut self) {
        if self.data.capacity() < self.text.capacity() {
            self.data = std::mem::take(&mut self.text).into_bytes();
        }
        self.text.clear();
        self.data.clear();
        self.ends.clear();
        self.starts.clear();
        self.issues.clear();
    }

    fn field_of(&self, data_offset: usize) -> usize {
        self.ends.partition_point(|&e| e <= data_offset)
    }

    /// Maps an offset in `data` back to the file, counting the quotes a quoted field
    /// doubled in the file but holds once in `data`.
    fn file_offset(&self, data_offset: usize) -> u64 {
        let field = self
            .field_of(data_offset)
            .min(self.width().saturating_sub(1));
        let field_start = if field == 0 { 0 } else { self.ends[field - 1] };
        let doubled = memchr_iter(b'"', &self.data[field_start..data_offset]).count();
        self.starts[field] + (data_offset - field_start + doubled) as u64
    }
}

enum End {
    Delimiter,
    Line,
    File,
}

pub struct Reader<R> {
    src: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    line: u64,
    delimiter: u8,
}

impl<R: Read> Reader<R> {
    /// Opens a reader, skipping a UTF-8 byte-order mark and refusing UTF-16 ones.
    pub fn new(src: R) -> Result<Self, Fatal> {
        let mut r = Reader {
            src,
            buf: vec![0; BUFFER].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
            line: 1,
            delimiter: b',',
        };
        // Fill enough to see a byte-order mark and, usually, the whole header line.
        while r.end < r.buf.len() {
            let n = read_some(&mut r.src, &mut r.buf[r.end..])?;
            if n == 0 {
                break;
            }
            r.end += n;
            if memchr2(b'\n', b'\r', &r.buf[..r.end]).is_some() {
                break;
            }
        }
        let head = &r.buf[..r.end];
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            r.pos = 3;
        } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(Fatal::Utf16);
        }
        Ok(r)
    }

    /// The first line as read so far, for recognising the delimiter.
    pub fn first_line(&self) -> &[u8] {
        let rest = &self.buf[self.pos..self.end];
        let stop = memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        &rest[..stop]
    }

    /// True when there is nothing but a byte-order mark, if that.
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// The source, once reading is done.
    pub fn into_inner(self) -> R {
        self.src
    }

    pub fn set_delimiter(&mut self, d: u8) {
        self.delimiter = d;
    }

    /// The file offset reached so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Makes at least one unread byte available; false at the end of the file.
    fn more(&mut self) -> io::Result<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = read_some(&mut self.src, &mut self.buf)?;
        Ok(self.end > 0)
    }

    /// Reads the next record into `rec`; false when the file has no more.
    pub fn read(&mut self, rec: &mut Record) -> Result<bool, Fatal> {
        rec.clear();
        loop {
            if !self.more()? {
                return Ok(false);
            }
            match self.buf[self.pos] {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                }
                b'\r' => {
                    self.pos += 1;
                    self.line_end_after_cr()?;
                }
                _ => break,
            }
        }
        rec.line = self.line;
        loop {
            let field = rec.ends.len();
            let field_line = self.line;
            let end = if self.buf[self.pos..self.end].first() == Some(&b'"') {
                let quote_offset = self.offset();
                self.pos += 1;
                rec.starts.push(self.offset());
                let start = rec.data.len();
                if !self.read_quoted(rec)? {
                    return Err(Fatal::UnterminatedQuote {
                        line: field_line,
                        field,
                        offset: quote_offset,
                    });
                }
                self.line += count_line_breaks(&rec.data[start..]);
                self.after_quote(rec, field)?
            } else {
                rec.starts.push(self.offset());
                self.read_unquoted(rec, field)?
            };
            rec.ends.push(rec.data.len());
            match end {
                End::Delimiter => {
                    if !self.more()? {
                        // A delimiter right before the end of the file: one more empty field.
                        rec.starts.push(self.offset());
                        rec.ends.push(rec.data.len());
                        break;
                    }
                }
                End::Line | End::File => break,
            }
        }
        check_bytes(rec);
        Ok(true)
    }

    /// Consumes an LF that follows a CR just consumed, and counts the line.
    fn line_end_after_cr(&mut self) -> io::Result<()> {
        if self.more()? && self.buf[self.pos] == b'\n' {
            self.pos += 1;
        }
        self.line += 1;
        Ok(())
    }

    fn read_unquoted(&mut self, rec: &mut Record, field: usize) -> io::Result<End> {
        loop {
            if !self.more()? {
                return Ok(End::File);
            }
            let hay = &self.buf[self.pos..self.end];
            let stop = memchr3(self.delimiter, b'\n', b'\r', hay);
            let seg = &hay[..stop.unwrap_or(hay.len())];
            if memchr(b'"', seg).is_some() && !rec.issues.iter().any(|(f, _)| *f == field) {
                rec.issues.push((field, Issue::QuoteInUnquoted));
            }
            rec.data.extend_from_slice(seg);
            self.pos += seg.len();
            let Some(_) = stop else { continue };
            let b = self.buf[self.pos];
            self.pos += 1;
            return Ok(if b == self.delimiter {
                End::Delimiter
            } else if b == b'\n' {
                self.line += 1;
                End::Line
            } else {
                self.line_end_after_cr()?;
                End::Line
            });
        }
    }

    /// Reads a quoted field's content after its opening quote, through its closing
    /// quote; false if the file ends first.
    fn read_quoted(&mut self, rec: &mut Record) -> io::Result<bool> {
        loop {
            if !self.more()? {
                return Ok(false);
            }
            let hay = &self.buf[self.pos..self.end];
            match memchr(b'"', hay) {
                None => {
                    rec.data.extend_from_slice(hay);
                    self.pos = self.end;
                }
                Some(i) => {
                    rec.data.extend_from_slice(&hay[..i]);
                    self.pos += i + 1;
                    if self.more()? && self.buf[self.pos] == b'"' {
                        rec.data.push(b'"');
                        self.pos += 1;
                    } else {
                        return Ok(true);
                    }
                }
            }
        }
    }

    fn after_quote(&mut self, rec: &mut Record, field: usize) -> io::Result<End> {
        if !self.more()? {
            return Ok(End::File);
        }
        let b = self.buf[self.pos];
        if b == self.delimiter || b == b'\n' || b == b'\r' {
            return self.read_unquoted(rec, field);
        }
        rec.issues.push((field, Issue::TextAfterQuote(b)));
        // Keep the stray text in the field, as far as the next delimiter, so that the
        // rest of the record still lines up with the header.
        // The issue just recorded for this field keeps read_unquoted from adding a
        // second one for any further quote.
        self.read_unquoted(rec, field)
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

/// Counts CRLF, LF and lone CR line breaks.
fn count_line_breaks(s: &[u8]) -> u64 {
    if memchr2(b'\n', b'\r', s).is_none() {
        return 0;
    }
    let lf = memchr_iter(b'\n', s).count();
    let lone_cr = memchr_iter(b'\r', s)
        .filter(|&i| s.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

/// Reports NUL bytes and bytes that are not UTF-8, and moves valid bytes into `text`.
fn check_bytes(rec: &mut Record) {
    if let Some(at) = memchr(0, &rec.data) {
        let issue = Issue::Nul {
            offset: rec.file_offset(at),
        };
        rec.issues.push((rec.field_of(at), issue));
    }
    match String::from_utf8(std::mem::take(&mut rec.data)) {
        // A delimiter or quote can split a character whose halves, joined in `data`,
        // look like UTF-8 (`EF BB` | `BF`): each field must be UTF-8 on its own, or
        // `get` would hand out an empty field in place of the bytes.
        Ok(text) => match rec.ends.iter().find(|&&e| !text.is_char_boundary(e)) {
            None => rec.text = text,
            Some(&end) => {
                let at = (0..end)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                rec.data = text.into_bytes();
                let issue = Issue::NotUtf8 {
                    byte: rec.data[at],
                    offset: rec.file_offset(at),
                };
                rec.issues.push((rec.field_of(at), issue));
            }
        },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            rec.data = e.into_bytes();
            let issue = Issue::NotUtf8 {
                byte: rec.data[at],
                offset: rec.file_offset(at),
            };
            rec.issues.push((rec.field_of(at), issue));
        }
    }
}

/// How many records go from the reading thread to the caller at once.
const AHEAD: usize = 512;

/// What the reading thread sends: records with the offset reached after them, or the
/// end of the file (with why it could not be read to its end, if it could not).
enum Sent {
    Records(Vec<Record>, u64),
    End(Option<Fatal>),
}

/// A [`Reader`] run on a thread of its own, a few hundred records ahead of the caller,
/// so that parsing a large file and checking its rows take a core each. Records are
/// handed over by swapping buffers: none is allocated per record.
pub struct Ahead<R> {
    records: std::sync::mpsc::Receiver<Sent>,
    /// Buffers of records taken, back to the reading thread to read into again.
    spare: std::sync::mpsc::Sender<Vec<Record>>,
    done: std::thread::JoinHandle<Reader<R>>,
    /// The records received and not yet taken, last first.
    ready: Vec<Record>,
    used: Vec<Record>,
    offset: u64,
    ended: bool,
}

impl<R: Read + Send + 'static> Ahead<R> {
    /// Starts reading on a new thread; an error if the system has no thread to give.
    pub fn new(mut reader: Reader<R>) -> io::Result<Self> {
        let offset = reader.offset();
        let (sent, records) = std::sync::mpsc::sync_channel(4);
        let (spare, spares) = std::sync::mpsc::channel::<Vec<Record>>();
        let done = std::thread::Builder::new()
            .name("reading".into())
            .spawn(move || {
                let mut pool: Vec<Record> = Vec::new();
                loop {
                    while let Ok(used) = spares.try_recv() {
                        pool.extend(used);
                    }
                    let mut records = Vec::with_capacity(AHEAD);
                    let mut end = None;
                    while records.len() < AHEAD {
                        let mut rec = pool.pop().unwrap_or_default();
                        match reader.read(&mut rec) {
                            Ok(true) => records.push(rec),
                            Ok(false) => end = Some(None),
                            Err(fatal) => end = Some(Some(fatal)),
                        }
                        if end.is_some() {
                            break;
                        }
                    }
                    // The caller stops taking records only when it gives up on the file.
                    let taken = sent.send(Sent::Records(records, reader.offset())).is_ok();
                    match end {
                        Some(end) if taken => {
                            let _ = sent.send(Sent::End(end));
                            return reader;
                        }
                        _ if !taken => return reader,
                        _ => {}
                    }
                }
            })?;
        Ok(Ahead {
            records,
            spare,
            done,
            ready: Vec::new(),
            used: Vec::new(),
            offset,
            ended: false,
        })
    }

    /// Gives the next record in `rec`, as [`Reader::read`] does.
    pub fn read(&mut self, rec: &mut Record) -> Result<bool, Fatal> {
        loop {
            if let Some(mut next) = self.ready.pop() {
                std::mem::swap(rec, &mut next);
                self.used.push(next);
                return Ok(true);
            }
            if self.ended {
                return Ok(false);
            }
            if !self.used.is_empty() {
                // Gone only once the thread has ended, and then nobody needs them.
                let _ = self.spare.send(std::mem::take(&mut self.used));
            }
            match self.records.recv() {
                Ok(Sent::Records(mut records, offset)) => {
                    records.reverse();
                    self.ready = records;
                    self.offset = offset;
                }
                Ok(Sent::End(end)) => {
                    self.ended = true;
                    if let Some(fatal) = end {
                        return Err(fatal);
                    }
                }
                Err(_) => return Err(Fatal::Io(stopped())),
            }
        }
    }

    /// The file offset reached by the records given so far, give or take the last few
    /// hundred: for progress.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The reader back, once every record has been taken.
    pub fn finish(self) -> io::Result<Reader<R>> {
        drop(self.records);
        self.done.join().map_err(|_| stopped())
    }
}

fn stopped() -> io::Error {
    io::Error::other("the thread reading the file stopped unexpectedly")
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read = (u64, Vec<String>, Vec<(usize, Issue)>);

    fn read_all(input: &[u8]) -> Result<Vec<Read>, Fatal> {
        let mut r = Reader::new(input)?;
        let mut rec = Record::default();
        let mut out = Vec::new();
        while r.read(&mut rec)? {
            let fields = (0..rec.width())
                .map(|i| String::from_utf8_lossy(rec.bytes(i)).into_owned())
                .collect();
            out.push((rec.line, fields, rec.issues.clone()));
        }
        Ok(out)
    }

    fn rows(input: &[u8]) -> Vec<Vec<String>> {
        read_all(input).unwrap().into_iter().map(|r| r.1).collect()
    }

    #[test]
    fn a_field_reads_on_its_own_even_when_its_record_is_not_utf8() {
        let mut r = Reader::new(&b"id,title\ns1,Korea\x92s\n"[..]).unwrap();
        let mut rec = Record::default();
        assert!(r.read(&mut rec).unwrap());
        assert_eq!((rec.not_utf8(), rec.non_ascii_field()), (None, None));
        assert!(r.read(&mut rec).unwrap());
        assert_eq!(rec.not_utf8(), Some((1, 0x92, 17)));
        assert_eq!(rec.get(0), "s1");
        assert_eq!(rec.get(1), "");
        assert_eq!(rec.get(2), "", "past the last field");
        assert_eq!(rec.raw(), b"s1Korea\x92s");
        assert_eq!(rec.non_ascii_field(), Some(1));
    }

    #[test]
    fn reads_quoted_and_unquoted_fields() {
        assert_eq!(
            rows(b"a,b,c\n1,\"two, 2\",\"say \"\"hi\"\"\"\n"),
            vec![vec!["a", "b", "c"], vec!["1", "two, 2", "say \"hi\""]]
        );
        assert_eq!(rows(b"a,,\n"), vec![vec!["a", "", ""]]);
        assert_eq!(rows(b"a,b"), vec![vec!["a", "b"]]);
        assert_eq!(rows(b"a,"), vec![vec!["a", ""]]);
        assert_eq!(rows(b"\"\""), vec![vec![""]]);
    }

    #[test]
    fn line_numbers_count_every_kind_of_line_end() {
        let input = b"h\r\none\ntwo\rthree\r\n\"multi\nline\r\nfield\"\nlast\n";
        let got: Vec<u64> = read_all(input).unwrap().iter().map(|r| r.0).collect();
        assert_eq!(got, vec![1, 2, 3, 4, 5, 8]);
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let got: Vec<u64> = read_all(b"h\n\n\nx\n\r\n\ry\n")
            .unwrap()
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(got, vec![1, 4, 7]);
    }

    /// The `,,,,` rows spreadsheets leave below the data are blank; a row with any
    /// content, even bytes that are not UTF-8, is not.
    #[test]
    fn a_row_of_empty_fields_is_blank() {
        let mut r = Reader::new(&b",,\n\"\",,\na,,\n,,\xFF\n"[..]).unwrap();
        let mut rec = Record::default();
        let mut blank = Vec::new();
        while r.read(&mut rec).unwrap() {
            blank.push(rec.is_blank());
        }
        assert_eq!(blank, [true, true, false, false]);
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(rows(b"\xEF\xBB\xBFid\nx\n"), vec![vec!["id"], vec!["x"]]);
        assert!(matches!(
            Reader::new(&b"\xFF\xFEi\0d\0"[..]),
            Err(Fatal::Utf16)
        ));
        assert!(matches!(
            Reader::new(&b"\xFE\xFF\0i"[..]),
            Err(Fatal::Utf16)
        ));
        assert!(Reader::new(&b"\xEF\xBB\xBF"[..]).unwrap().is_empty());
        assert!(Reader::new(&b""[..]).unwrap().is_empty());
        assert!(!Reader::new(&b"\xEF\xBB\xBF\n"[..]).unwrap().is_empty());
        assert!(!Reader::new(&b"id"[..]).unwrap().is_empty());
    }

    /// A file of `rows` records, the last `bad` of them in a quote never closed.
    fn many(rows: usize, bad: bool) -> Vec<u8> {
        let mut file = b"id,title\n".to_vec();
        for i in 0..rows {
            file.extend_from_slice(format!("{i},\"t{i}\"\"x\"\n\n").as_bytes());
        }
        if bad {
            file.extend_from_slice(b"z,\"never closed\n");
        }
        file
    }

    /// Every record `Ahead` gives, with its offset after each, and how it ended.
    fn ahead_all(input: &'static [u8]) -> (Vec<Read>, Vec<u64>, Result<(), Fatal>, u64) {
        let mut a = Ahead::new(Reader::new(input).unwrap()).unwrap();
        let mut rec = Record::default();
        let (mut out, mut offsets) = (Vec::new(), Vec::new());
        let end = loop {
            match a.read(&mut rec) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(f) => break Err(f),
            }
            let fields = (0..rec.width())
                .map(|i| String::from_utf8_lossy(rec.bytes(i)).into_owned())
                .collect();
            out.push((rec.line, fields, rec.issues.clone()));
            offsets.push(a.offset());
        };
        // Once done it says so again, and gives the reader back at the end of the file.
        assert!(matches!(a.read(&mut rec), Ok(false)));
        let offset = a.offset();
        assert_eq!(a.finish().unwrap().offset(), offset);
        (out, offsets, end, offset)
    }

    #[test]
    fn reading_ahead_gives_what_the_reader_gives() {
        let file: &'static [u8] = Vec::leak(many(3 * AHEAD + 7, false));
        let (got, offsets, end, offset) = ahead_all(file);
        assert!(end.is_ok());
        assert_eq!(got, read_all(file).unwrap());
        assert_eq!(got.len(), 3 * AHEAD + 8);
        assert_eq!(got.last().unwrap().0, 2 * (3 * AHEAD + 7) as u64);
        // Offsets move forward a batch at a time, and reach the end of the file.
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
        assert!(offsets[0] < offsets[offsets.len() - 1]);
        assert_eq!(offset, file.len() as u64);
    }

    #[test]
    fn reading_ahead_gives_every_record_before_a_fatal_problem_then_the_problem() {
        let file: &'static [u8] = Vec::leak(many(AHEAD + 3, true));
        let (got, _, end, _) = ahead_all(file);
        assert_eq!(got.len(), AHEAD + 4);
        let mut r = Reader::new(file).unwrap();
        let mut rec = Record::default();
        for _ in 0..AHEAD + 4 {
            assert!(r.read(&mut rec).unwrap());
        }
        let (
            Err(Fatal::UnterminatedQuote { line, .. }),
            Err(Fatal::UnterminatedQuote { line: want, .. }),
        ) = (end, r.read(&mut rec))
        else {
            panic!("both end on the quote never closed");
        };
        assert_eq!(line, want);
        assert_eq!(line, 2 * (AHEAD + 3) as u64 + 2);
    }

    #[test]
    fn unterminated_quote_names_where_it_opened() {
        let err = read_all(b"id,title\n1,ok\n2,\"never closed\n3,x\n").unwrap_err();
        match err {
            Fatal::UnterminatedQuote {
                line,
                field,
                offset,
            } => {
                assert_eq!((line, field, offset), (3, 1, 16));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stray_quotes_are_issues_and_the_record_still_lines_up() {
        let got = read_all(b"a,b,c\n5\" pipe,x,y\n\"ab\"cd,x,y\n").unwrap();
        assert_eq!(got[1].1, vec!["5\" pipe", "x", "y"]);
        assert_eq!(got[1].2, vec![(0, Issue::QuoteInUnquoted)]);
        assert_eq!(got[2].1, vec!["abcd", "x", "y"]);
        assert_eq!(got[2].2, vec![(0, Issue::TextAfterQuote(b'c'))]);
        // One issue per field, however many quotes it has; each field its own.
        let got = read_all(b"a,b\n\"ab\"c\"d\"e,x\nq\"1\"2,w\"3\n").unwrap();
        assert_eq!(got[1].2, vec![(0, Issue::TextAfterQuote(b'c'))]);
        assert_eq!(
            got[2].2,
            vec![(0, Issue::QuoteInUnquoted), (1, Issue::QuoteInUnquoted)]
        );
    }

    #[test]
    fn bad_bytes_are_located_in_the_file() {
        let input = b"a,b\nx,caf\xE9\n\"q\"\"\xFE\",\"\xFF\"\ny,\0\n";
        let at = |b: u8| input.iter().position(|x| *x == b).unwrap() as u64;
        let got = read_all(input).unwrap();
        assert_eq!(
            got[1].2,
            vec![(
                1,
                Issue::NotUtf8 {
                    byte: 0xE9,
                    offset: at(0xE9)
                }
            )]
        );
        // The doubled quote before 0xFE is one byte in the field but two in the file.
        assert_eq!(
            got[2].2,
            vec![(
                0,
                Issue::NotUtf8 {
                    byte: 0xFE,
                    offset: at(0xFE)
                }
            )]
        );
        assert_eq!(got[3].2, vec![(1, Issue::Nul { offset: at(0) })]);
    }

    #[test]
    fn offsets_count_every_buffer_read_before() {
        let mut input = b"a,b\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', BUFFER * 2 + 5));
        input.extend_from_slice(b",\xFF\n\0,\n");
        let at = |b: u8| input.iter().position(|x| *x == b).unwrap() as u64;
        let got = read_all(&input).unwrap();
        assert_eq!(
            got[1].2,
            vec![(
                1,
                Issue::NotUtf8 {
                    byte: 0xFF,
                    offset: at(0xFF)
                }
            )]
        );
        assert_eq!(got[2].2, vec![(0, Issue::Nul { offset: at(0) })]);
    }

    /// Found by the csv fuzz target: the record's bytes joined are UTF-8 (a BOM), but
    /// the comma splits the character, and the fields came out empty without a word.
    #[test]
    fn a_character_split_by_a_delimiter_is_not_utf8() {
        for input in [
            &b"kind,x\nperson\xEF\xBB,\xBF\x04a\n"[..],
            &b"kind,x\n\"person\xEF\xBB\",\xBFa\n"[..],
        ] {
            let at = input.iter().position(|x| *x == 0xEF).unwrap() as u64;
            let got = read_all(input).unwrap();
            assert_eq!(
                got[1].2,
                vec![(
                    0,
                    Issue::NotUtf8 {
                        byte: 0xEF,
                        offset: at
                    }
                )]
            );
            assert_eq!(got[1].1[0], "person\u{FFFD}");
        }
    }

    #[test]
    fn semicolon_delimiter() {
        let mut r = Reader::new(&b"id;name\nPRK;\"North Korea; DPRK\"\n"[..]).unwrap();
        assert_eq!(r.first_line(), b"id;name");
        r.set_delimiter(b';');
        let mut rec = Record::default();
        assert!(r.read(&mut rec).unwrap());
        assert!(r.read(&mut rec).unwrap());
        assert_eq!(rec.get(1), "North Korea; DPRK");
    }

    /// The delimiter is recognised from the first line, so a long header must be seen whole.
    #[test]
    fn a_long_header_line_is_read_whole_before_the_first_record() {
        let header = format!("{};id;title\nx;y;z\n", "notes_".repeat(2000));
        let r = Reader::new(header.as_bytes()).unwrap();
        assert_eq!(r.first_line(), header.lines().next().unwrap().as_bytes());
    }

    #[test]
    fn fields_across_buffer_boundaries() {
        let long = "x".repeat(BUFFER * 2 + 7);
        let input = format!("a,b\n\"{long}\"\"\",{long}\r\nz,\"\"\"\"\n");
        let got = rows(input.as_bytes());
        assert_eq!(got[1], vec![format!("{long}\""), long.clone()]);
        assert_eq!(got[2], vec!["z", "\""]);
    }

    /// A read cut short by a signal is retried; any other error ends the file.
    #[test]
    fn an_interrupted_read_is_retried_and_other_errors_are_fatal() {
        struct Flaky(Vec<io::Result<&'static [u8]>>);
        impl io::Read for Flaky {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.pop() {
                    None => Ok(0),
                    Some(Err(e)) => Err(e),
                    Some(Ok(b)) => {
                        buf[..b.len()].copy_from_slice(b);
                        Ok(b.len())
                    }
                }
            }
        }
        let interrupted = || io::Error::from(io::ErrorKind::Interrupted);
        let mut steps = vec![
            Err(interrupted()),
            Ok(&b"id,title\n"[..]),
            Err(interrupted()),
            Ok(&b"s1,Korea\n"[..]),
        ];
        steps.reverse();
        let mut r = Reader::new(Flaky(steps)).unwrap();
        let mut rec = Record::default();
        assert!(r.read(&mut rec).unwrap());
        assert!(r.read(&mut rec).unwrap());
        assert_eq!((rec.line, rec.get(0), rec.get(1)), (2, "s1", "Korea"));
        assert!(!r.read(&mut rec).unwrap());

        let mut steps = vec![Ok(&b"id\n"[..]), Err(io::Error::other("disk gone"))];
        steps.reverse();
        let mut r = Reader::new(Flaky(steps)).unwrap();
        assert!(r.read(&mut rec).unwrap());
        match r.read(&mut rec) {
            Err(Fatal::Io(e)) => assert_eq!(e.to_string(), "disk gone"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agrees_with_the_csv_crate_on_what_it_writes() {
        let samples: Vec<Vec<String>> = vec![
            vec![
                "plain".into(),
                "with, comma".into(),
                "quote \" inside".into(),
            ],
            vec!["multi\nline".into(), "".into(), "crlf\r\ninside".into()],
            vec!["é ü 한국어".into(), " spaced ".into(), "\"".into()],
        ];
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for s in &samples {
            w.write_record(s).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        assert_eq!(rows(&bytes), samples);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    /// Bytes that decide how CSV is split, with some letters and a few that are not UTF-8.
    const TELLING: &[u8] = b",,,\"\"\"\n\n\r\r ab\t\x00\xff\xc3\xa9\xef\xbb\xbf";

    /// Well-formed CSV in all the shapes a spreadsheet writes: quoted fields holding
    /// delimiters, doubled quotes and line breaks; CRLF, LF and CR line ends; blank
    /// lines; a byte-order mark; with or without a final line end.
    fn well_formed() -> impl Strategy<Value = Vec<u8>> {
        let unquoted = "[a-zé 0-9.-]{0,6}";
        let quoted = "[a-z,\"\r\n é]{0,8}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\"")));
        let field = prop_oneof![2 => unquoted.boxed(), 1 => quoted.boxed()];
        let record = prop::collection::vec(field, 1..5).prop_map(|f| f.join(","));
        let end = prop_oneof![
            Just("\n"),
            Just("\r\n"),
            Just("\r"),
            Just("\n\n"),
            Just("\r\n\r\n")
        ];
        (
            any::<bool>(),
            prop::collection::vec((record, end), 0..8),
            any::<bool>(),
        )
            .prop_map(|(bom, records, last_end)| {
                let mut out = if bom {
                    vec![0xEF, 0xBB, 0xBF]
                } else {
                    Vec::new()
                };
                let n = records.len();
                for (i, (r, e)) in records.into_iter().enumerate() {
                    out.extend_from_slice(r.as_bytes());
                    if i + 1 < n || last_end {
                        out.extend_from_slice(e.as_bytes());
                    }
                }
                out
            })
    }

    proptest! {
        #[test]
        fn reads_well_formed_csv_as_a_general_reader_does(bytes in well_formed(), chunk in 1usize..9) {
            crate::db::selfcheck::csv_well_formed(&bytes, chunk);
        }

        #[test]
        fn never_panics_on_bytes_that_split_csv(
            bytes in prop::collection::vec(prop::sample::select(TELLING), 0..200),
            chunk in 1usize..9,
        ) {
            crate::db::selfcheck::csv(&bytes, chunk);
        }

        #[test]
        fn never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), chunk in 1usize..300) {
            crate::db::selfcheck::csv(&bytes, chunk);
        }
    }
}
