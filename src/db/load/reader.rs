//! The reading side of a load: opens each CSV file, maps its header, checks every
//! row, numbers the rows, and hands batches to the inserting and indexing threads.
//! A source's document is read with its row, and each quote is checked against its
//! document as its row is read.

use super::documents::{Cited, Documents, Refusal};
use super::{
    BATCH, Batch, Collector, FileInfo, Input, Message, Progress, Quotes, ReadOutcome, Row, Slot,
};
use crate::db::check::{self, Finding, Layout, Vocab};
use crate::db::csvread::{self, Fatal, Record};
use crate::db::encoding::{self, BadBytes, Decoding};
use crate::db::spec::Table;
use crate::error::{Error, Problem, Result};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};

/// The reading thread's state across files.
pub(super) struct Reader {
    /// The inserting thread, then the indexing thread if there is one.
    sinks: Vec<SyncSender<Message>>,
    /// Batches the other threads are done with.
    returned: Receiver<Batch>,
    spare: Vec<Batch>,
    findings: Vec<Finding>,
    documents: Documents,
    /// The archive before this load, when its rows' fingerprints can be compared with
    /// the files'.
    prior: Option<Connection>,
    /// Send on only the rows that differ from the archive's (an incremental load);
    /// otherwise every row.
    only_changes: bool,
}

impl Reader {
    pub(super) fn new(
        sinks: Vec<SyncSender<Message>>,
        returned: Receiver<Batch>,
        prior: Option<Connection>,
        only_changes: bool,
    ) -> Self {
        Reader {
            sinks,
            returned,
            spare: Vec::new(),
            findings: Vec::new(),
            documents: Documents::default(),
            prior,
            only_changes,
        }
    }

    /// The documents read and what the quotes came to, once every file is read.
    pub(super) fn quotes(&self) -> Quotes {
        let d = &self.documents;
        Quotes {
            documents: d.documents,
            paragraphs: d.paragraphs,
            verified: d.verified,
            unchecked: d.unchecked,
        }
    }

    /// Sends a message to every thread; false if one has gone away.
    fn send(&self, msg: Message) -> bool {
        self.sinks.iter().all(|s| s.send(msg.clone()).is_ok())
    }

    fn batch(spare: &mut Vec<Batch>, returned: &Receiver<Batch>) -> Batch {
        while let Ok(mut b) = returned.try_recv() {
            b.len = 0;
            spare.push(b);
        }
        spare.pop().unwrap_or_else(|| Batch {
            rows: Vec::with_capacity(BATCH),
            len: 0,
        })
    }

    /// Reads one file and sends its rows. Returns false if another thread has gone away.
    pub(super) fn file(
        &mut self,
        input: &Input,
        order: usize,
        slot: Slot,
        vocab: &Vocab,
        outcome: &mut ReadOutcome,
        progress: &dyn Progress,
    ) -> Result<bool> {
        if slot.skip {
            if let (Table::Sources, Some(archive)) = (input.table, &self.prior) {
                self.documents.stored(archive, slot.id)?;
            }
            return Ok(true);
        }
        let label: Arc<str> = Arc::from(input.label.as_str());
        // The problems found before this file, so that one about the whole file can
        // take the place of those it explains.
        let before = outcome.problems.total;
        let source = input.open()?;
        let read_err = |e: io::Error| Error::Read {
            path: PathBuf::from(input.label.clone()),
            source: e,
        };
        let table = input.table;
        let at_start = |what: &str, found: &str, fix: &str| Problem {
            file: label.clone(),
            line: 1,
            column: 1,
            what: what.into(),
            found: found.into(),
            fix: fix.into(),
            order,
        };
        let decoding = match Decoding::new(Hashing::new(source).map_err(read_err)?, input.encoding)
            .map_err(read_err)?
        {
            Ok(d) => d,
            Err(m) => {
                outcome.problems.push(at_start(&m.what, &m.found, &m.fix));
                outcome.unread(table);
                return Ok(true);
            }
        };
        let mut reader = match csvread::Reader::new(decoding) {
            Ok(r) => r,
            Err(Fatal::Io(e)) => return Err(read_err(e)),
            // `Decoding::new` has refused every mark of another encoding.
            Err(_) => {
                outcome.unread(table);
                return Ok(true);
            }
        };
        if reader.is_empty() {
            outcome.problems.push(at_start(
                "file is empty",
                "no header row",
                &format!("start the file with a header row: {}", table.header()),
            ));
            outcome.unread(table);
            return Ok(true);
        }
        reader.set_delimiter(check::delimiter(table, reader.first_line()));
        let mut header = Record::default();
        let header_read = reader.read(&mut header);
        let provisional = FileInfo {
            label: label.clone(),
            order,
            encoding: input.encoding,
            id: slot.id,
            layout: Layout {
                table,
                fields: Vec::new(),
                width: 0,
            },
        };
        match header_read {
            Ok(true) => {}
            Ok(false) => {
                outcome.problems.push(at_start(
                    "file has no header row",
                    "only blank lines",
                    &format!("start the file with {}", table.header()),
                ));
                outcome.unread(table);
                return Ok(true);
            }
            Err(fatal) => {
                fatal_problem(fatal, &provisional, &mut outcome.problems).map_err(read_err)?;
                outcome.unread(table);
                return Ok(true);
            }
        }
        // A header whose bytes are not in the file's encoding cannot be read as names;
        // the rest of the file is read only to say how much of it is the same.
        if let Some((field, byte, offset)) = header.not_utf8() {
            let mut encoded = Encoded::default();
            encoded.bad(&header, field, byte, offset);
            let mut rec = Record::default();
            while let Ok(true) = reader.read(&mut rec) {
                encoded.row(&rec);
            }
            let decoding = reader.into_inner();
            encoded.report(&decoding, &provisional, before, &mut outcome.problems);
            outcome.unread(table);
            return Ok(true);
        }
        let layout = match check::layout(table, &header) {
            Ok(l) => l,
            Err(findings) => {
                for f in findings {
                    outcome.problems.add(&provisional, header.line, f);
                }
                outcome.unread(table);
                return Ok(true);
            }
        };
        let info = Arc::new(FileInfo {
            label,
            order,
            encoding: input.encoding,
            layout,
            id: slot.id,
        });
        outcome.files.push(info.clone());
        if !self.send(Message::Start(info.clone())) {
            return Ok(false);
        }
        let mut rows = 0u64;
        let mut reported = 0u64;
        let mut encoded = Encoded::default();
        let cited = Cited::of(table);
        let mut next = slot.block + 1;
        let end = slot.block + super::prior::BLOCK_SIZE;
        // The rows the archive had from this file, in order, to compare place by place.
        let mut old_stmt = match (&self.prior, slot.old_block) {
            (Some(conn), Some(_)) => Some(
                conn.prepare_cached(
                    "SELECT row, line, hash FROM load_rows WHERE row > ?1 AND row < ?2 ORDER BY row",
                )
                .map_err(crate::error::Error::from)?,
            ),
            _ => None,
        };
        let mut old_rows = match (&mut old_stmt, slot.old_block) {
            (Some(stmt), Some(block)) => Some(
                stmt.query([block, super::prior::block_end(block)])
                    .map_err(crate::error::Error::from)?,
            ),
            _ => None,
        };
        // The records are parsed on a thread of their own while this one checks them.
        let mut reader = csvread::Ahead::new(reader).map_err(read_err)?;
        let mut batch = Self::batch(&mut self.spare, &self.returned);
        loop {
            if batch.len == batch.rows.len() {
                batch.rows.push(Row::default());
            }
            let row = &mut batch.rows[batch.len];
            match reader.read(&mut row.rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(fatal) => {
                    fatal_problem(fatal, &info, &mut outcome.problems).map_err(read_err)?;
                    outcome.unread(table);
                    break;
                }
            }
            if row.rec.is_blank() {
                continue;
            }
            rows += 1;
            if next + 2 > end {
                return Err(crate::error::Error::Usage(format!(
                    "{}: more rows than dossier numbers in one file ({}) — split the file",
                    input.label,
                    super::prior::BLOCK_SIZE / 2
                )));
            }
            row.rowid = next;
            next += 1;
            if matches!(table, Table::Events | Table::Figures) {
                row.citation = next;
                next += 1;
            }
            // Bytes that are not in the file's encoding are reported once for the
            // file, after its last row; the row's other checks wait until it reads.
            row.anchor = None;
            let mut document = None;
            if encoded.row(&row.rec) {
                row.valid = false;
            } else {
                row.valid = true;
                check::row(
                    &info.layout,
                    &row.rec,
                    vocab,
                    &mut row.parsed,
                    &mut self.findings,
                );
                if self.findings.is_empty() {
                    if table == Table::Sources {
                        match self.documents.source(input, &info.layout, &row.rec) {
                            Ok(read) => document = read,
                            Err(Refusal::Cell(f)) => self.findings.push(f),
                            // Reported where it is in the document; the source is
                            // refused with it, so that nothing is judged against it.
                            Err(Refusal::Text {
                                label,
                                line,
                                finding,
                            }) => {
                                row.valid = false;
                                outcome.problems.push(Problem {
                                    file: label.into(),
                                    line,
                                    column: finding.column,
                                    what: finding.what,
                                    found: finding.found,
                                    fix: finding.fix,
                                    order: info.order,
                                });
                            }
                        }
                    } else if let Some(cited) = cited {
                        let explain = outcome.problems.total < super::PROBLEM_CAP;
                        row.anchor = self.documents.quote(
                            cited,
                            &info.layout,
                            &row.rec,
                            explain,
                            self.prior.as_ref(),
                            &mut self.findings,
                        )?;
                    }
                }
                row.valid &= self.findings.is_empty();
            }
            for f in self.findings.drain(..) {
                outcome.problems.add(&info, row.rec.line, f);
            }
            row.hash = fingerprint(&info.layout, &row.rec);
            let mut differs = true;
            if let Some(old) = old_rows.as_mut() {
                match old.next().map_err(crate::error::Error::from)? {
                    Some(r) => {
                        let (old_row, line, hash): (i64, i64, i64) =
                            (r.get(0)?, r.get(1)?, r.get(2)?);
                        if hash == row.hash && row.valid {
                            differs = false;
                            if line != row.rec.line as i64 {
                                outcome
                                    .differences
                                    .lines
                                    .push((row.rowid, row.rec.line as i64));
                            }
                        } else {
                            outcome.differences.old.push(old_row);
                        }
                    }
                    None => old_rows = None,
                }
            }
            if differs {
                outcome.differences.new.push(row.rowid);
            }
            if differs || !self.only_changes {
                batch.len += 1;
            }
            if let Some(mut read) = document {
                // The rows so far go first, so that the paragraphs' rowids follow
                // theirs in the order the other threads see them. Paragraphs take
                // their numbers from the sources file's block, after their source's.
                if !self.send(Message::Rows(Arc::new(batch))) {
                    return Ok(false);
                }
                batch = Self::batch(&mut self.spare, &self.returned);
                let paragraphs = read.held.index.doc.paragraphs.len() as i64;
                if next + paragraphs > end {
                    return Err(crate::error::Error::Usage(format!(
                        "{}: more rows and paragraphs than dossier numbers in one file ({}) — split the file",
                        input.label,
                        super::prior::BLOCK_SIZE
                    )));
                }
                read.first_rowid = next;
                next += paragraphs;
                self.documents.sent(&read.held);
                if !self.send(Message::Document(Arc::new(read))) {
                    return Ok(false);
                }
                continue;
            }
            if batch.len == BATCH {
                if !self.send(Message::Rows(Arc::new(batch))) {
                    return Ok(false);
                }
                batch = Self::batch(&mut self.spare, &self.returned);
            }
            if reader.offset() - reported >= 1 << 20 {
                progress.advance(reader.offset() - reported);
                reported = reader.offset();
            }
        }
        // Rows the archive had beyond the file's new end.
        if let Some(old) = old_rows.as_mut() {
            while let Some(r) = old.next().map_err(crate::error::Error::from)? {
                outcome.differences.old.push(r.get(0)?);
            }
        }
        if batch.len > 0 && !self.send(Message::Rows(Arc::new(batch))) {
            return Ok(false);
        }
        progress.advance(reader.offset() - reported);
        let decoding = reader.finish().map_err(read_err)?.into_inner();
        encoded.report(&decoding, &info, before, &mut outcome.problems);
        let (sha256, bytes) = decoding.into_inner().finish().map_err(read_err)?;
        Ok(self.send(Message::End {
            sha256,
            bytes,
            rows,
            position: order + 1,
        }))
    }
}

/// What a file's rows say about its encoding: the rows with bytes that are not in it,
/// and the first row with characters beyond ASCII.
#[derive(Default)]
struct Encoded {
    bad: Option<BadBytes>,
    /// The line and field position of the first row beyond ASCII that reads well.
    beyond_ascii: Option<(u64, usize)>,
}

impl Encoded {
    /// Takes note of a row; true when it has bytes that are not in the encoding.
    fn row(&mut self, rec: &Record) -> bool {
        if let Some((field, byte, offset)) = rec.not_utf8() {
            self.bad(rec, field, byte, offset);
            return true;
        }
        if self.beyond_ascii.is_none()
            && let Some(field) = rec.non_ascii_field()
        {
            self.beyond_ascii = Some((rec.line, field + 1));
        }
        false
    }

    fn bad(&mut self, rec: &Record, field: usize, byte: u8, offset: u64) {
        match &mut self.bad {
            Some(b) => b.add(rec.raw()),
            None => {
                self.bad = Some(BadBytes::new(rec.line, field + 1, byte, offset, rec.raw()));
            }
        }
    }

    /// Reports, once for the file, bytes that are not in its encoding, and a file
    /// named as a single-byte encoding that is UTF-8 already. The second explains
    /// every problem found in the file since `before` (a ’ read as â€™ holds a
    /// control character), which it replaces.
    fn report<R: Read>(
        &self,
        decoding: &Decoding<R>,
        file: &FileInfo,
        before: usize,
        out: &mut Collector,
    ) {
        let enc = decoding.encoding();
        if let Some(c) = decoding.utf8_instead() {
            out.forget_file(file.order, out.total - before);
            let (line, column) = self.beyond_ascii.unwrap_or((1, 1));
            let (what, found, fix) = encoding::utf8_instead(enc, c);
            out.add_first(
                file,
                line,
                Finding {
                    column,
                    what,
                    found,
                    fix,
                },
            );
            return;
        }
        if let Some(bad) = &self.bad {
            let (what, found, fix) =
                bad.describe(enc, self.beyond_ascii.is_some(), decoding.malformed());
            out.add_first(
                file,
                bad.line,
                Finding {
                    column: bad.column,
                    what,
                    found,
                    fix,
                },
            );
        }
    }
}

/// A fingerprint of a row: the first 8 bytes of the SHA-256 of its cells, in the
/// table's canonical column order, so that moving a column in the file changes nothing.
/// An empty cell and a missing column are the same, as they are in the archive.
pub(super) fn fingerprint(layout: &Layout, rec: &Record) -> i64 {
    let mut h = Sha256::new();
    for c in 0..layout.table.columns().len() {
        match layout.cell(rec, c) {
            None => h.update([0u8]),
            Some(text) => {
                h.update([1u8]);
                h.update((text.len() as u64).to_le_bytes());
                h.update(text.as_bytes());
            }
        }
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// Where the columns of a file sit, from its header alone: for messages about rows of
/// a file that an incremental load did not read. `None` if the header cannot be read,
/// which cannot happen to a file an earlier load read whole.
pub(super) fn layout_of(input: &Input) -> Result<Option<Layout>> {
    let decoding = match Decoding::new(input.open()?, input.encoding) {
        Ok(Ok(d)) => d,
        _ => return Ok(None),
    };
    let Ok(mut reader) = csvread::Reader::new(decoding) else {
        return Ok(None);
    };
    if reader.is_empty() {
        return Ok(None);
    }
    reader.set_delimiter(check::delimiter(input.table, reader.first_line()));
    let mut header = Record::default();
    match reader.read(&mut header) {
        Ok(true) => Ok(check::layout(input.table, &header).ok()),
        _ => Ok(None),
    }
}

fn fatal_problem(fatal: Fatal, file: &FileInfo, out: &mut Collector) -> io::Result<()> {
    match fatal {
        Fatal::Io(e) => return Err(e),
        Fatal::Utf16 => {}
        Fatal::UnterminatedQuote {
            line,
            field,
            offset,
        } => out.add(
            file,
            line,
            Finding {
                column: field + 1,
                what: "quoted field is never closed".into(),
                found: format!(
                    "a \" at byte offset {offset} with no closing quote before the end of the file"
                ),
                fix: "add the closing double quote; the file may have been cut off".into(),
            },
        ),
    }
    Ok(())
}

/// Passes bytes through while a thread of its own computes their SHA-256: the reading
/// thread only copies each megabyte into a spare buffer, and does not wait for the hash.
struct Hashing<R> {
    inner: R,
    bytes: u64,
    /// The bytes read since the last buffer went to the hashing thread.
    pending: Vec<u8>,
    full: SyncSender<Vec<u8>>,
    /// Buffers the hashing thread is done with, for the next bytes.
    spare: Receiver<Vec<u8>>,
    done: std::thread::JoinHandle<Sha256>,
}

/// How many bytes go to the hashing thread at once.
const HASH_CHUNK: usize = 1 << 20;

impl<R> Hashing<R> {
    /// Starts the hashing thread; an error if the system has no thread to give.
    fn new(inner: R) -> io::Result<Self> {
        let (full, chunks) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let (back, spare) = std::sync::mpsc::channel();
        let done = std::thread::Builder::new()
            .name("hashing".into())
            .spawn(move || {
                let mut h = Sha256::new();
                for chunk in chunks {
                    h.update(&chunk);
                    // Once the reader is gone, nobody needs the buffer.
                    let _ = back.send(chunk);
                }
                h
            })?;
        Ok(Hashing {
            inner,
            bytes: 0,
            pending: Vec::new(),
            full,
            spare,
            done,
        })
    }

    fn hash(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= HASH_CHUNK {
            let mut next = self.spare.try_recv().unwrap_or_default();
            next.clear();
            let chunk = std::mem::replace(&mut self.pending, next);
            self.full.send(chunk).map_err(|_| hashing_stopped())?;
        }
        Ok(())
    }

    /// The SHA-256 of every byte read, in hex, and how many there were.
    fn finish(self) -> io::Result<(String, u64)> {
        self.full
            .send(self.pending)
            .map_err(|_| hashing_stopped())?;
        drop(self.full);
        let h = self.done.join().map_err(|_| hashing_stopped())?;
        Ok((super::hex(&h.finalize()), self.bytes))
    }
}

fn hashing_stopped() -> io::Error {
    io::Error::other("the thread hashing the file stopped unexpectedly")
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash(&buf[..n])?;
        self.bytes += n as u64;
        Ok(n)
    }
}
