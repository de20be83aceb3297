//! Documents in a load: each source's document read from beside its sources.csv, and
//! every quote checked against the document of its source, or of the nearest source
//! up its `via` chain that has one.
//!
//! The reading thread does this work as it reads the rows: a document when the source
//! that names it is read (every sources.csv is read before the files that cite), a
//! quote when its row is read. A quote that is found goes to the inserting thread
//! with where it stands ([`Anchor`]); one that is not is refused with the closest
//! passage and the first difference.

use super::{Data, Input};
use crate::db::check::{self, Finding, Layout};
use crate::db::csvread::Record;
use crate::db::document::Document;
use crate::db::encoding::{self, BadBytes, Decoding, Encoding, Kind};
use crate::db::quote::{self, Found, Index, Miss, Place, Quote};
use crate::db::spec::{Check, Table};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seed's documents, compiled in beside its CSV files: their paths as
/// sources.csv names them, and their bytes.
pub const SEED_DOCUMENTS: &[(&str, &[u8])] = &[(
    "documents/nee-2017-pyongyang-russian-sentiment.txt",
    include_bytes!("../../../seed/documents/nee-2017-pyongyang-russian-sentiment.txt"),
)];

/// A document that was read and split, with the source it belongs to.
#[derive(Debug)]
pub struct Held {
    pub source: String,
    pub index: Index,
}

/// A document read for a source, for the inserting and indexing threads.
#[derive(Debug)]
pub struct Read {
    pub held: Arc<Held>,
    /// The file as messages and `load_files` name it.
    pub label: String,
    pub sha256: String,
    pub bytes: u64,
    /// The encoding it was read in: the load's.
    pub encoding: Encoding,
    /// The rowid of its first paragraph; the others follow.
    pub first_rowid: i64,
}

/// Where a quote was found: what the inserting thread stores for it.
///
/// The words it stores are copied out of the document here, on the reading thread,
/// while the paragraph is still in its cache: read on the inserting thread, from a
/// document another core last touched, they cost more than the copy.
#[derive(Clone, Debug)]
pub struct Anchor {
    pub place: Place,
    /// Characters, from the start of the document.
    pub start: usize,
    pub end: usize,
    /// The locator was empty and is filled in (`para N`, `title`, `heading`).
    pub computed: bool,
    /// The source whose document holds the quote, the words before it and the words
    /// after it, one after another; `ends` says where the first two end.
    words: String,
    ends: [usize; 2],
}

impl Anchor {
    fn new(held: &Held, found: Found, computed: bool) -> Anchor {
        let text = &held.index.doc.text;
        let (prefix, suffix) = (&text[found.prefix], &text[found.suffix]);
        let mut words = String::with_capacity(held.source.len() + prefix.len() + suffix.len());
        words.push_str(&held.source);
        words.push_str(prefix);
        let ends = [held.source.len(), words.len()];
        words.push_str(suffix);
        Anchor {
            place: found.place,
            start: found.start,
            end: found.end,
            computed,
            words,
            ends,
        }
    }

    /// The source whose document holds the quote: the cited source, or the one up its
    /// via chain it was found through.
    pub fn document(&self) -> &str {
        &self.words[..self.ends[0]]
    }

    pub fn prefix(&self) -> &str {
        &self.words[self.ends[0]..self.ends[1]]
    }

    pub fn suffix(&self) -> &str {
        &self.words[self.ends[1]..]
    }

    /// The locator filled in for an empty one: `para N`, or `title` or `heading`.
    pub fn locator(&self) -> String {
        self.place.locator()
    }
}

/// A source as the quotes that cite it need it.
struct Known {
    via: Option<String>,
    document: Option<Arc<Held>>,
    /// The source comes from a file this load did not read, and the archive holds
    /// its document: read from there when a quote first needs it.
    stored: bool,
}

/// What a quote is checked against.
enum Against {
    Document(Arc<Held>),
    /// Neither the source nor any up its via chain has a document.
    Nothing,
    /// The source, or one up its chain, was refused or is not defined, or the chain
    /// loops: its own problem says why, and the quote is not judged.
    Unknown,
}

/// The documents and sources a load has read, and what its quotes came to.
#[derive(Default)]
pub struct Documents {
    sources: HashMap<String, Known>,
    /// The quote being checked, read into the buffers of the last one.
    quote: Quote,
    any: bool,
    pub verified: u64,
    pub unchecked: u64,
    pub documents: u64,
    pub paragraphs: u64,
}

/// Why a source's document is refused: a problem with the cell that names it, or
/// one in the document's own bytes, which is pointed at where it is in the document.
#[derive(Debug)]
pub enum Refusal {
    Cell(Finding),
    Text {
        label: String,
        line: u64,
        finding: Finding,
    },
}

/// Where the columns a quote is checked with sit in one file.
#[derive(Clone, Copy, Debug)]
pub struct Cited {
    source: usize,
    quote: usize,
    locator: usize,
}

impl Cited {
    /// The columns of a table whose rows carry a quote: the source, quote and
    /// locator stored together, in the row's table or its inline citation.
    pub fn of(table: Table) -> Option<Cited> {
        let columns = table.columns();
        let quote = columns.iter().position(|c| c.check == Check::Quote)?;
        let store = columns[quote].store;
        let find = |check: Check| {
            columns
                .iter()
                .position(|c| c.check == check && c.store == store)
        };
        Some(Cited {
            source: find(Check::Ref(Table::Sources))?,
            quote,
            locator: find(Check::Locator)?,
        })
    }
}

impl Documents {
    /// Takes note of a valid row of sources.csv and reads its document, if it names
    /// one, in the encoding of the load. Returns the document read, for the other
    /// threads (its `first_rowid` left for the reader to set), or the problem with it.
    pub fn source(
        &mut self,
        input: &Input,
        layout: &Layout,
        rec: &Record,
    ) -> Result<Option<Read>, Refusal> {
        let cell = |name: &str| layout.cell_of(rec, name);
        let Some(id) = cell("id") else {
            return Ok(None);
        };
        // A second row with this id is refused as a duplicate; its document is not read.
        if self.sources.contains_key(id) {
            return Ok(None);
        }
        let via = cell("via").map(String::from);
        let read = match cell("document") {
            None => None,
            Some(path) => {
                let at = layout.position_of("document");
                let (label, bytes) =
                    read(input, path).map_err(|f| Refusal::Cell(Finding { column: at, ..f }))?;
                let text =
                    text(&bytes, input.encoding).map_err(|(line, finding)| Refusal::Text {
                        label: label.clone(),
                        line,
                        finding,
                    })?;
                let held = Arc::new(Held {
                    source: id.to_string(),
                    index: Index::new(Document::parse(&text)),
                });
                Some(Read {
                    held,
                    label,
                    sha256: sha256(&bytes),
                    bytes: bytes.len() as u64,
                    encoding: input.encoding,
                    first_rowid: 0,
                })
            }
        };
        self.any |= read.is_some();
        self.sources.insert(
            id.to_string(),
            Known {
                via,
                document: read.as_ref().map(|r| r.held.clone()),
                stored: false,
            },
        );
        Ok(read)
    }

    /// Takes note of the sources an incremental load does not read again, those of
    /// one unchanged file, as the archive holds them: the quotes of the rows it does
    /// read are checked against them as a full load would. Their documents are read
    /// from the archive when a quote first needs one.
    pub fn stored(&mut self, archive: &Connection, file: i64) -> rusqlite::Result<()> {
        let mut rows = archive.prepare(
            "SELECT s.id, s.via, EXISTS (SELECT 1 FROM documents d WHERE d.source = s.id)
             FROM sources s WHERE s.csv_file = ?1",
        )?;
        let mut rows = rows.query([file])?;
        while let Some(r) = rows.next()? {
            let stored: bool = r.get(2)?;
            self.any |= stored;
            self.sources.insert(
                r.get(0)?,
                Known {
                    via: r.get(1)?,
                    document: None,
                    stored,
                },
            );
        }
        Ok(())
    }

    /// Counts a document sent on to be stored.
    pub fn sent(&mut self, held: &Held) {
        self.documents += 1;
        self.paragraphs += held.index.doc.paragraphs.len() as u64;
    }

    fn against(&mut self, source: &str, archive: Option<&Connection>) -> rusqlite::Result<Against> {
        // Walked without copying an id: this runs once for every quote.
        let mut at = source;
        for _ in 0..64 {
            let Some(known) = self.sources.get(at) else {
                return Ok(Against::Unknown);
            };
            if let Some(doc) = &known.document {
                return Ok(Against::Document(doc.clone()));
            }
            if let (true, Some(conn)) = (known.stored, archive) {
                let at = at.to_string();
                let text: String =
                    conn.query_row("SELECT text FROM documents WHERE source = ?1", [&at], |r| {
                        r.get(0)
                    })?;
                let held = Arc::new(Held {
                    source: at.clone(),
                    index: Index::new(Document::parse(&text)),
                });
                if let Some(known) = self.sources.get_mut(&at) {
                    known.document = Some(held.clone());
                }
                return Ok(Against::Document(held));
            }
            match &known.via {
                Some(v) => at = v,
                None => return Ok(Against::Nothing),
            }
        }
        Ok(Against::Unknown)
    }

    /// Checks a valid row's quote against its document: where it stands, or what is
    /// wrong with it or its locator. None when there is no document to check it
    /// against.
    /// Finding the closest passage to a quote that is not in its document costs a
    /// search of the whole document; `explain` is false once enough problems have
    /// been found that this one will not be shown. `archive` is the archive before
    /// an incremental load, which holds the documents of the sources it does not read.
    pub fn quote(
        &mut self,
        cited: Cited,
        layout: &Layout,
        rec: &Record,
        explain: bool,
        archive: Option<&Connection>,
        out: &mut Vec<Finding>,
    ) -> rusqlite::Result<Option<Anchor>> {
        let locator = layout.cell(rec, cited.locator);
        // With no document anywhere, only an empty locator needs a look.
        if !self.any && locator.is_some() {
            self.unchecked += 1;
            return Ok(None);
        }
        let (Some(source), Some(text)) = (
            layout.cell(rec, cited.source),
            layout.cell(rec, cited.quote),
        ) else {
            return Ok(None);
        };
        let held = match self.against(source, archive)? {
            Against::Unknown => return Ok(None),
            Against::Nothing => {
                if locator.is_none() {
                    out.push(Finding {
                        column: layout.position(cited.locator),
                        what: "locator is required when the source has no document".into(),
                        found: "an empty cell".into(),
                        fix: format!(
                            "say where the quote stands in the source, e.g. para 3 or p. 12; or give \
                             {source} a document in sources.csv, and dossier will find the paragraph"
                        ),
                    });
                } else {
                    self.unchecked += 1;
                }
                return Ok(None);
            }
            Against::Document(held) => held,
        };
        let at_quote = layout.position(cited.quote);
        let q = &mut self.quote;
        if !q.read(text) {
            out.push(Finding {
                column: at_quote,
                what: "quote has no words besides its ellipses".into(),
                found: check::quoted(text),
                fix: "copy the source's words; an ellipsis (…) only marks words left out between them"
                    .into(),
            });
            return Ok(None);
        }
        let wanted = locator.and_then(quote::paragraph_locator);
        match held.index.find(q, wanted, explain) {
            Ok(found) => {
                self.verified += 1;
                Ok(Some(Anchor::new(&held, found, locator.is_none())))
            }
            Err(Miss::Elsewhere(paras)) => {
                let count = held.index.doc.paragraphs.len();
                let right = paras
                    .iter()
                    .map(|n| format!("para {n}"))
                    .collect::<Vec<_>>();
                let beyond = if wanted.is_some_and(|w| w as usize > count) {
                    format!(
                        "the document has {count} {}; ",
                        crate::error::plural(count, "paragraph", "paragraphs")
                    )
                } else {
                    String::new()
                };
                let write = match right.as_slice() {
                    [one] => format!("write {one}"),
                    more => format!("write one of {}", more.join(", ")),
                };
                out.push(Finding {
                    column: layout.position(cited.locator),
                    what: format!(
                        "locator names a paragraph of the document of {} that does not hold the quote",
                        held.source
                    ),
                    found: check::quoted(locator.unwrap_or_default()),
                    fix: format!(
                        "{beyond}the quote is in {}: {write}, or leave the locator empty and dossier fills it in",
                        right.join(" and ")
                    ),
                });
                Ok(None)
            }
            Err(miss) => {
                // A quote found where its `para N` cannot be is the locator's fault.
                let column = match miss {
                    Miss::InHeading(_) => layout.position(cited.locator),
                    _ => at_quote,
                };
                let mut f = missing(&miss, &held.source, source, text, column);
                if let (Miss::InHeading(_), Some(l)) = (&miss, locator) {
                    f.found = check::quoted(l);
                }
                out.push(f);
                Ok(None)
            }
        }
    }
}

/// The finding for a quote that is not in its document.
fn missing(miss: &Miss, document: &str, source: &str, text: &str, column: usize) -> Finding {
    let of = if document == source {
        format!("the document of {document}")
    } else {
        format!("the document of {document}, which {source} is known via")
    };
    let copy =
        "copy the words as the document has them (only line breaks and runs of spaces may differ)";
    let (what, fix) = match miss {
        Miss::NotFound { part, closest } => {
            let what = match part {
                None => format!("quote is not in {of}"),
                Some(p) => format!("the quoted words {} are not in {of}", check::quoted(p)),
            };
            let fix = match closest {
                Some(c) => format!("para {} comes closest, but {}: {copy}", c.paragraph, c.difference),
                None => "no passage of the document comes close: check that the quote is from this source, and its words".into(),
            };
            (what, fix)
        }
        Miss::InHeading(place) => (
            format!(
                "quote is in {} of {of}, which is not a paragraph",
                if *place == Place::Title {
                    "the title block"
                } else {
                    "a heading"
                }
            ),
            format!(
                "write {} as its locator, or leave the locator empty and dossier fills it in",
                place.locator()
            ),
        ),
        Miss::Spans { from, to } => (
            format!("quote runs from para {from} into para {to} of {of}"),
            "a quote stays within one paragraph: split it into one citation per paragraph".into(),
        ),
        Miss::OutOfOrder {
            paragraph,
            earlier,
            later,
        } => (
            format!("the parts of the quote are out of order in {of}"),
            format!(
                "in para {paragraph}, {} comes before {}: put the parts in the order of the document",
                check::quoted(later),
                check::quoted(earlier)
            ),
        ),
        Miss::Across(parts) => {
            let mut paras: Vec<String> = Vec::new();
            for (i, (part, n)) in parts.iter().enumerate() {
                if i == 0 || parts[i - 1].1 != *n {
                    paras.push(format!("{} is in para {n}", check::quoted(part)));
                }
            }
            (
                format!("the parts of the quote are in different paragraphs of {of}"),
                format!(
                    "{}; the parts around an ellipsis must come from one paragraph: split it into one citation per paragraph",
                    paras.join(" and ")
                ),
            )
        }
        Miss::Elsewhere(_) | Miss::Unexplained => (format!("quote is not in {of}"), copy.into()),
    };
    Finding {
        column,
        what,
        found: check::quoted(text),
        fix,
    }
}

/// Reads a document named by a sources.csv row: its label and bytes. The path was
/// checked for form when the row was (relative, no `..`); here it must be a file
/// inside the folder, symbolic links followed.
fn read(input: &Input, path: &str) -> Result<(String, Vec<u8>), Finding> {
    let refuse = |what: String, found: String, fix: &str| Finding {
        column: 0,
        what,
        found,
        fix: fix.into(),
    };
    let folder = match &input.data {
        Data::Embedded(_) => {
            let label = format!("seed/{path}");
            return SEED_DOCUMENTS
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, bytes)| (label, bytes.to_vec()))
                .ok_or_else(|| {
                    refuse(
                        "document not found".into(),
                        check::quoted(path),
                        "the seed's documents are compiled in: add the file to seed/documents and to SEED_DOCUMENTS",
                    )
                });
        }
        Data::Path(csv) => csv.parent().map_or_else(PathBuf::new, Path::to_path_buf),
    };
    let file = folder.join(path);
    let label = file.display().to_string();
    let shown = |extra: &str| format!("{}{extra}", check::quoted(path));
    let inside = folder
        .canonicalize()
        .and_then(|f| Ok(file.canonicalize()?.starts_with(&f)));
    match inside {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let link = fs::symlink_metadata(&file).is_ok();
            return Err(refuse(
                "document not found".into(),
                shown(&format!(", looked for {label}")),
                if link {
                    "it is a symbolic link to a file that is not there: put the document itself in its place"
                } else {
                    "check the name; the path is relative to the folder of sources.csv"
                },
            ));
        }
        Err(e) => {
            return Err(refuse(
                "document cannot be read".into(),
                shown(&format!(": {e}")),
                "check that the file and its folders can be read",
            ));
        }
        Ok(false) => {
            return Err(refuse(
                "document leads out of the folder of sources.csv".into(),
                shown(", through a symbolic link"),
                "copy the document into the folder instead of linking to it",
            ));
        }
        Ok(true) => {}
    }
    if file.is_dir() {
        return Err(refuse(
            "document cannot be read: it is a folder".into(),
            shown(""),
            "name the text file itself, such as documents/article.txt",
        ));
    }
    let bytes = fs::read(&file).map_err(|e| {
        refuse(
            "document cannot be read".into(),
            shown(&format!(": {e}")),
            "check that the file can be read",
        )
    })?;
    Ok((label, bytes))
}

/// A document's bytes as text, read in the encoding the load names, as a CSV file
/// is: bytes that are not in it are reported once, at the first of them, with how
/// many lines hold such bytes. A problem comes with its line in the document.
fn text(bytes: &[u8], enc: Encoding) -> Result<String, (u64, Finding)> {
    let finding = |column: usize, (what, found, fix): (String, String, String)| Finding {
        column,
        what,
        found,
        fix,
    };
    let mut decoding = match Decoding::new_as(bytes, enc, Kind::Document) {
        Ok(Ok(d)) => d,
        Ok(Err(m)) => return Err((1, finding(1, (m.what, m.found, m.fix)))),
        Err(e) => {
            return Err((1, finding(1, unreadable(e))));
        }
    };
    let mut out = Vec::with_capacity(bytes.len());
    if let Err(e) = decoding.read_to_end(&mut out) {
        return Err((1, finding(1, unreadable(e))));
    }
    // Where a line's first character beyond ASCII stands: (line, column).
    let place = |line_start: usize, at: usize, line: u64| {
        let before = String::from_utf8_lossy(&out[line_start..at])
            .chars()
            .count();
        (line, before + 1)
    };
    let mut bad: Option<BadBytes> = None;
    let mut beyond_ascii = None;
    // Most documents are UTF-8 and read as such: nothing to point at, so their lines
    // are not gone through one by one.
    if std::str::from_utf8(&out).is_err() || decoding.utf8_instead().is_some() {
        let mut start = 0;
        for (i, raw) in out.split(|&b| b == b'\n').enumerate() {
            let line = i as u64 + 1;
            match std::str::from_utf8(raw) {
                Err(e) => {
                    let at = start + e.valid_up_to();
                    match &mut bad {
                        Some(b) => b.add(raw),
                        None => {
                            let (_, column) = place(start, at, line);
                            bad = Some(BadBytes::new(line, column, out[at], at as u64, raw));
                        }
                    }
                }
                Ok(s) if beyond_ascii.is_none() && !s.is_ascii() => {
                    let at = start + s.find(|c: char| !c.is_ascii()).unwrap_or(0);
                    beyond_ascii = Some(place(start, at, line));
                }
                Ok(_) => {}
            }
            start += raw.len() + 1;
        }
    }
    if let Some(c) = decoding.utf8_instead() {
        let (line, column) = beyond_ascii.unwrap_or((1, 1));
        return Err((
            line,
            finding(column, encoding::utf8_instead_as(Kind::Document, enc, c)),
        ));
    }
    if let Some(b) = bad {
        let described = b.describe_as(
            Kind::Document,
            enc,
            beyond_ascii.is_some(),
            decoding.malformed(),
        );
        return Err((b.line, finding(b.column, described)));
    }
    let text = String::from_utf8(out).unwrap_or_default();
    if let Some(at) = text.find('\0') {
        let line = 1 + text[..at].matches('\n').count() as u64;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        return Err((
            line,
            Finding {
                column: text[line_start..at].chars().count() + 1,
                what: "document has a NUL byte".into(),
                found: "the character U+0000".into(),
                fix: "a document is plain text or Markdown; this file may be binary".into(),
            },
        ));
    }
    Ok(text)
}

fn unreadable(e: io::Error) -> (String, String, String) {
    (
        "document cannot be read".into(),
        e.to_string(),
        "check that the file can be read".into(),
    )
}

/// The SHA-256 a document recorded under `label` has now: read again from the
/// built-in seed's documents (`embedded`) or from its file; `None` when it cannot be
/// read, which an incremental load takes as a change.
pub(super) fn sha256_now(embedded: bool, label: &str) -> Option<String> {
    if embedded {
        let path = label.strip_prefix("seed/")?;
        return SEED_DOCUMENTS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, bytes)| sha256(bytes));
    }
    std::fs::read(label).ok().map(|bytes| sha256(&bytes))
}

/// SHA-256 of a document's bytes, in hex.
fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
