//! Quotes checked against a document: where a quote stands, or why it is not there.
//!
//! Matching is verbatim after normalising only what a reader cannot see: both sides
//! are put in Unicode NFC, and each run of white space (line breaks included) counts
//! as one space. Curly and straight quotes stay different characters. An ellipsis
//! (`…`, `...`, `[…]`, `[...]`) marks words left out: the parts around it must
//! occur in order within one paragraph. A quote, and each part, begins and ends at
//! whole words: "ton" is not found in "tons".
//!
//! When a quote is not found, the closest passage is found by aligning the quote's
//! words with each paragraph's (the `similar` crate's patience diff), and the first
//! difference is described character by character or word by word.

use super::document::Document;
use memchr::memmem::Finder;
use similar::{Algorithm, DiffOp, capture_diff_slices, capture_diff_slices_by_key};
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::ops::Range;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// How much context a position keeps on either side of a quote, in characters (cut
/// back to whole words).
const CONTEXT: usize = 40;

/// The ways of writing an ellipsis, longest first so that `[...]` is not read as
/// `...` between brackets.
const ELLIPSES: [&str; 4] = ["[…]", "[...]", "…", "..."];

/// How a run of a paragraph's normalised text maps back onto the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// Copied as it was.
    Same,
    /// White space, written as one space.
    Space,
    /// Changed by NFC.
    Composed,
}

/// Where a run starts in the normalised text and in the original (bytes, from the
/// paragraph's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    norm: usize,
    orig: usize,
    run: Run,
}

fn nfc_of(run: &str) -> Cow<'_, str> {
    if run.is_ascii() || is_nfc_quick(run.chars()) == IsNormalized::Yes {
        Cow::Borrowed(run)
    } else {
        Cow::Owned(run.nfc().collect())
    }
}

/// Appends the normalised form of `text` to `out`, recording its runs in `segs`
/// when given. Returns whether every byte kept its place (so that no map is needed).
fn normalize_into(text: &str, out: &mut String, mut segs: Option<&mut Vec<Seg>>) -> bool {
    let text = text.trim();
    let base = out.len();
    let mut same_place = true;
    let mut rest = text;
    let mut orig = 0;
    while !rest.is_empty() {
        let space = rest.starts_with(char::is_whitespace);
        let len = rest
            .find(|c: char| c.is_whitespace() != space)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(len);
        let norm = out.len() - base;
        let kind = if space {
            out.push(' ');
            if run.len() != 1 {
                same_place = false;
            }
            Run::Space
        } else {
            match nfc_of(run) {
                Cow::Borrowed(r) => {
                    out.push_str(r);
                    Run::Same
                }
                Cow::Owned(r) => {
                    out.push_str(&r);
                    same_place = false;
                    Run::Composed
                }
            }
        };
        if let Some(s) = segs.as_deref_mut() {
            s.push(Seg {
                norm,
                orig,
                run: kind,
            });
        }
        orig += len;
        rest = tail;
    }
    if let Some(s) = segs {
        s.push(Seg {
            norm: out.len() - base,
            orig,
            run: Run::Same,
        });
    }
    same_place
}

/// Whether trimmed text is already as matching sees it: its only white space single
/// spaces, and in NFC. Most text is, and is then used as it stands.
fn is_normal(t: &str) -> bool {
    let b = t.as_bytes();
    // Whole-text passes without early exits, which the compiler turns into vector
    // code: every quote and every document goes through here.
    let control = b
        .iter()
        .fold(false, |any, &c| any | matches!(c, b'\t'..=b'\r'));
    let doubled = b
        .iter()
        .zip(b.get(1..).unwrap_or_default())
        .fold(false, |any, (&x, &y)| any | ((x == b' ') & (y == b' ')));
    if control || doubled {
        return false;
    }
    // Runs of characters beyond ASCII (most often one, such as ’): none may be white
    // space, and each must be NFC, which is checked run by run as the check starts
    // afresh at each ASCII character.
    let mut i = 0;
    while let Some(k) = beyond_ascii(&b[i..]) {
        let start = i + k;
        let end = b[start..]
            .iter()
            .position(u8::is_ascii)
            .map_or(b.len(), |k| start + k);
        let run = &t[start..end];
        if run.chars().all(is_typographic) {
            i = end;
            continue;
        }
        if run.chars().any(char::is_whitespace) || is_nfc_quick(run.chars()) != IsNormalized::Yes {
            return false;
        }
        i = end;
    }
    true
}

/// Dashes, curly quotes and apostrophes, daggers, bullets and the ellipsis (U+2010 to
/// U+2027): the characters beyond ASCII that text in English has most. None is white
/// space (the spaces U+2000 to U+200A come before them, the line and paragraph
/// separators U+2028 and U+2029 after), none is changed by NFC, and none composes
/// with a character before or after it, so a run of them is normal without a table
/// lookup.
fn is_typographic(c: char) -> bool {
    ('\u{2010}'..='\u{2027}').contains(&c)
}

/// The position of the first byte beyond ASCII. Documents are mostly ASCII, so it
/// is looked for 32 bytes at a time, in a pass the compiler turns into vector code;
/// byte by byte, this search took most of the time of reading a document.
fn beyond_ascii(b: &[u8]) -> Option<usize> {
    let mut at = 0;
    for chunk in b.chunks_exact(32) {
        if chunk.iter().fold(0, |any, &c| any | c) >= 0x80 {
            break;
        }
        at += 32;
    }
    b[at..].iter().position(|c| !c.is_ascii()).map(|k| at + k)
}

/// Text as matching sees it: NFC, each run of white space one space, trimmed.
pub fn normalize(text: &str) -> Cow<'_, str> {
    let t = text.trim();
    if is_normal(t) {
        return Cow::Borrowed(t);
    }
    let mut out = String::with_capacity(t.len());
    normalize_into(t, &mut out, None);
    Cow::Owned(out)
}

/// The paragraph a locator names, when it is written `para N` (also `paragraph N`,
/// `para. N`, `¶ N`, in any case); None for other locators (`p. 12`, `table 3`).
pub fn paragraph_locator(locator: &str) -> Option<u32> {
    let t = locator.trim();
    // Locators are most often ASCII, and need no lower-cased copy then.
    let lower = if t.is_ascii() {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(t.to_lowercase())
    };
    let rest = ["paragraph", "para", "¶"].iter().find_map(|w| {
        lower
            .get(..w.len())
            .filter(|head| head.eq_ignore_ascii_case(w))
            .map(|_| &lower[w.len()..])
    })?;
    let rest = rest.strip_prefix('.').unwrap_or(rest).trim_start();
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 9 {
        return None;
    }
    rest.parse().ok()
}

/// A quote as matching sees it: its parts between ellipses, normalised.
///
/// A load checks hundreds of thousands of quotes, one after another: one `Quote`
/// read again for each ([`Quote::read`]) keeps its parts' buffers rather than
/// allocating and freeing them every time.
#[derive(Clone, Debug, Default)]
pub struct Quote {
    parts: Vec<Part>,
    /// How many of `parts` are this quote's; those after are kept for their buffers.
    len: usize,
}

impl PartialEq for Quote {
    fn eq(&self, other: &Quote) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for Quote {}

/// How many times the quick search of a part may find its first and last bytes
/// without the rest between them before the part gets a substring searcher.
const QUICK_TRIES: u32 = 16;

/// One part of a quote (the whole quote when it has no ellipsis), and how it is
/// searched for.
///
/// A quote is most often looked for in the one paragraph its locator names, a few
/// hundred bytes, where building a substring searcher costs several times the search
/// itself. So a part is first looked for by its first byte (`memchr`), its last byte
/// checked, and the rest compared. Text that keeps matching both ends but not what is
/// between would make that slow, so after a few such tries, or to search a whole
/// document, the part gets a `memchr` substring searcher, built once and kept for
/// every later search.
#[derive(Clone, Debug, Default)]
pub struct Part {
    pub text: String,
    finder: OnceCell<Finder<'static>>,
    tries: Cell<u32>,
}

impl PartialEq for Part {
    fn eq(&self, other: &Part) -> bool {
        self.text == other.text
    }
}

impl Eq for Part {}

impl Part {
    /// Makes this the part `text`, in the buffer it has.
    fn set(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.finder = OnceCell::new();
        self.tries.set(0);
    }

    fn finder(&self) -> &Finder<'static> {
        self.finder
            .get_or_init(|| Finder::new(self.text.as_bytes()).into_owned())
    }

    /// The first occurrence of the part in `hay`.
    fn find(&self, hay: &[u8]) -> Option<usize> {
        if let Some(f) = self.finder.get() {
            return f.find(hay);
        }
        let needle = self.text.as_bytes();
        let (&first, &last) = (needle.first()?, needle.last()?);
        let last_start = hay.len().checked_sub(needle.len())?;
        let mut at = 0;
        while self.tries.get() < QUICK_TRIES {
            let k = at + memchr::memchr(first, &hay[at..=last_start])?;
            // The last byte turns away most places where only the first matches, at
            // no more cost than the search for the next one: only a place where both
            // match is compared in full, and counts as a try.
            if hay[k + needle.len() - 1] == last {
                if &hay[k..k + needle.len()] == needle {
                    return Some(k);
                }
                self.tries.set(self.tries.get() + 1);
            }
            at = k + 1;
            if at > last_start {
                return None;
            }
        }
        self.finder().find(&hay[at..]).map(|k| at + k)
    }
}

impl Quote {
    /// The quote's parts; None when it has no words outside its ellipses.
    pub fn parse(text: &str) -> Option<Quote> {
        let mut quote = Quote::default();
        quote.read(text).then_some(quote)
    }

    /// Makes this the quote `text`, in the buffers of the last; false when it has no
    /// words outside its ellipses.
    pub fn read(&mut self, text: &str) -> bool {
        self.len = 0;
        let norm = normalize(text);
        // Every ellipsis holds a `.` or the `…`'s last byte (0xA6), so only the
        // places with one of those bytes are looked at; at each, the longer ways of
        // writing one are tried first, so that `[...]` is one ellipsis, not `...`
        // between brackets.
        let b = norm.as_bytes();
        let mut piece = 0;
        let mut at = 0;
        while let Some(k) = memchr::memchr2(b'.', 0xA6, &b[at..]) {
            let hit = at + k;
            // An ellipsis holding this byte starts at most three bytes before it:
            // `[…]` starts three bytes before its `…`'s last byte, `[...]` one byte
            // before its first `.`, which is found first.
            let found = (hit.saturating_sub(3).max(piece)..=hit).find_map(|start| {
                ELLIPSES
                    .iter()
                    .find(|e| b[start..].starts_with(e.as_bytes()))
                    .map(|e| (start, start + e.len()))
                    .filter(|&(_, end)| end > hit)
            });
            match found {
                Some((start, end)) => {
                    self.push(&norm[piece..start]);
                    piece = end;
                    at = end;
                }
                None => at = hit + 1,
            }
        }
        self.push(&norm[piece..]);
        self.len > 0
    }

    /// Adds a part, unless it is only white space.
    fn push(&mut self, piece: &str) {
        let piece = piece.trim();
        if piece.is_empty() {
            return;
        }
        if self.len == self.parts.len() {
            self.parts.push(Part::default());
        }
        self.parts[self.len].set(piece);
        self.len += 1;
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts[..self.len]
    }

    pub fn is_elided(&self) -> bool {
        self.len > 1
    }
}

/// A paragraph or heading as matching sees it.
///
/// Kept small: every quote reads one, of a document the load last touched long ago,
/// so each costs a trip to memory; the rare block that normalising changed keeps its
/// copy behind a pointer.
#[derive(Clone, Debug)]
struct Norm {
    /// Its normalised text and how its runs map back, when that is not the document's
    /// own: most blocks need no change and are matched in the document's text.
    changed: Option<Box<Changed>>,
    /// Its byte range in the document, and the offset of its first character.
    bytes: Range<usize>,
    start: usize,
    /// Its number, for a paragraph (the title block's lines and headings have none).
    number: u32,
    /// Whether it is all ASCII, so that its characters are counted as bytes.
    ascii: bool,
}

#[derive(Clone, Debug)]
struct Changed {
    text: String,
    /// How its runs map back, when some did not keep their place.
    segs: Option<Vec<Seg>>,
}

/// A document ready for matching: its paragraphs and headings normalised.
#[derive(Clone, Debug)]
pub struct Index {
    pub doc: Document,
    paras: Vec<Norm>,
    /// The lines of the title block and the headings.
    heads: Vec<Norm>,
    /// How many of `heads` are the title block's lines.
    title_lines: usize,
}

/// Where in a document a quote stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Paragraph(u32),
    /// The title block: the title and byline.
    Title,
    Heading,
}

impl Place {
    pub fn paragraph(self) -> Option<u32> {
        match self {
            Place::Paragraph(n) => Some(n),
            _ => None,
        }
    }

    /// The locator that names it: `para 3`, `title` or `heading`.
    pub fn locator(self) -> String {
        match self {
            Place::Paragraph(n) => format!("para {n}"),
            Place::Title => "title".into(),
            Place::Heading => "heading".into(),
        }
    }
}

/// Where a quote was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub place: Place,
    /// Characters, from the start of the document.
    pub start: usize,
    pub end: usize,
    /// Byte ranges of the document's text: a few words before and after, within the
    /// paragraph.
    pub prefix: Range<usize>,
    pub suffix: Range<usize>,
}

/// The passage nearest to a quote that is not in the document, and how it differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closest {
    pub paragraph: u32,
    /// The first difference, phrased: `the document has ’ (U+2019) where the quote
    /// has ' (U+0027), in "Korea’s"`.
    pub difference: String,
}

/// Why a quote is not where it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    /// Found, but not in the paragraph asked for: these are the paragraphs it is in.
    Elsewhere(Vec<u32>),
    /// In no paragraph, nor in a heading; the closest passage, if any comes close.
    /// For a quote with ellipses, `part` is the part that is not there.
    NotFound {
        part: Option<String>,
        closest: Option<Closest>,
    },
    /// In the title block or a heading, which a `para N` locator cannot name.
    InHeading(Place),
    /// Runs from one paragraph into a later one.
    Spans { from: u32, to: u32 },
    /// Every part is in this paragraph, but `later` does not come after `earlier`.
    OutOfOrder {
        paragraph: u32,
        earlier: String,
        later: String,
    },
    /// The parts are in different paragraphs: each part and the first paragraph it is in.
    Across(Vec<(String, u32)>),
    /// Not found, and not looked into further (see [`Index::find`]).
    Unexplained,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// The first occurrence of a part in `hay` at or after `from` that begins and ends
/// at whole words.
fn find_words(hay: &str, part: &Part, mut from: usize) -> Option<(usize, usize)> {
    let needle = &part.text;
    let first = needle.chars().next()?;
    let last = needle.chars().next_back()?;
    while from <= hay.len() {
        let a = from + part.find(&hay.as_bytes()[from..])?;
        let b = a + needle.len();
        let starts = !is_word(first) || !hay[..a].chars().next_back().is_some_and(is_word);
        let ends = !is_word(last) || !hay[b..].chars().next().is_some_and(is_word);
        if starts && ends {
            return Some((a, b));
        }
        from = a + first.len_utf8();
    }
    None
}

/// A block of the document (a paragraph, a line of the title block, a heading) as
/// matching sees it, and how to map it back.
fn normed(doc: &Document, bytes: Range<usize>, start: usize, number: u32) -> Norm {
    // The block's own text is trimmed; `bytes` must start where the trimmed text does.
    let raw = &doc.text[bytes.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let body = raw.trim();
    let bytes = bytes.start + lead..bytes.start + lead + body.len();
    let start = start + raw[..lead].chars().count();
    let changed = (!is_normal(body)).then(|| {
        let mut text = String::with_capacity(body.len());
        let mut segs = Vec::new();
        let same = normalize_into(body, &mut text, Some(&mut segs));
        Box::new(Changed {
            text,
            segs: (!same).then_some(segs),
        })
    });
    Norm {
        changed,
        bytes,
        start,
        number,
        ascii: body.is_ascii(),
    }
}

/// The parts of a quote, in order, in a block's normalised text: the byte range from
/// the first part's start to the last part's end.
fn in_text(text: &str, quote: &Quote) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut first = None;
    for part in quote.parts() {
        let (a, b) = find_words(text, part, at)?;
        first.get_or_insert(a);
        at = b;
    }
    first.map(|a| (a, at))
}

impl Index {
    pub fn new(doc: Document) -> Index {
        let paras = doc
            .paragraphs
            .iter()
            .map(|p| normed(&doc, p.bytes.clone(), p.start, p.number))
            .collect();
        let mut heads = Vec::with_capacity(doc.headings.len());
        // The title block's lines come first; the characters before each heading are
        // counted from the last.
        let (mut counted, mut chars) = (0, 0);
        for h in &doc.headings {
            chars += doc.text[counted..h.start].chars().count();
            counted = h.start;
            heads.push(normed(&doc, h.clone(), chars, 0));
        }
        Index {
            title_lines: doc.title_lines,
            doc,
            paras,
            heads,
        }
    }

    /// A block's normalised text.
    fn text_of<'a>(&'a self, block: &'a Norm) -> &'a str {
        match &block.changed {
            Some(c) => &c.text,
            None => &self.doc.text[block.bytes.clone()],
        }
    }

    fn norm(&self, i: usize) -> &str {
        self.text_of(&self.paras[i])
    }

    fn in_paragraph(&self, i: usize, quote: &Quote) -> Option<(usize, usize)> {
        in_text(self.norm(i), quote)
    }

    /// Finds a quote: in paragraph `wanted` when it is there, else in the first
    /// paragraph that has it; or says why it cannot be found, when `explain` (which
    /// costs a search of the whole document).
    pub fn find(&self, quote: &Quote, wanted: Option<u32>, explain: bool) -> Result<Found, Miss> {
        let wanted_at = wanted
            .and_then(|n| n.checked_sub(1))
            .map(|i| i as usize)
            .filter(|&i| i < self.paras.len());
        if let Some(i) = wanted_at
            && let Some(hit) = self.in_paragraph(i, quote)
        {
            return Ok(self.found(i, hit));
        }
        let mut elsewhere = Vec::new();
        for i in 0..self.paras.len() {
            if Some(i) == wanted_at {
                continue;
            }
            if let Some(hit) = self.in_paragraph(i, quote) {
                if wanted.is_none() {
                    return Ok(self.found(i, hit));
                }
                elsewhere.push(self.doc.paragraphs[i].number);
            }
        }
        if !elsewhere.is_empty() {
            return Err(Miss::Elsewhere(elsewhere));
        }
        // The title block and headings are not paragraphs, but quotes from them are
        // the document's words too.
        for (h, head) in self.heads.iter().enumerate() {
            if let Some(hit) = in_text(self.text_of(head), quote) {
                let place = if h < self.title_lines {
                    Place::Title
                } else {
                    Place::Heading
                };
                if wanted.is_some() {
                    return Err(Miss::InHeading(place));
                }
                return Ok(self.found_in(head, place, hit));
            }
        }
        if !explain {
            return Err(Miss::Unexplained);
        }
        Err(self.diagnose(quote, wanted))
    }

    /// A byte offset of a block's normalised text, as a byte offset of the
    /// document's text.
    fn original(&self, block: &Norm, norm: usize) -> usize {
        let Some(segs) = block.changed.as_ref().and_then(|c| c.segs.as_ref()) else {
            return block.bytes.start + norm;
        };
        let k = segs.partition_point(|s| s.norm <= norm).saturating_sub(1);
        let seg = segs[k];
        let within = norm - seg.norm;
        let offset = match seg.run {
            Run::Same => seg.orig + within,
            Run::Space => seg.orig,
            Run::Composed => {
                let end = segs.get(k + 1).map_or(seg.orig, |s| s.orig);
                let run = &self.doc.text[block.bytes.clone()][seg.orig..end];
                let cut = run
                    .char_indices()
                    .map(|(b, _)| b)
                    .chain([run.len()])
                    .find(|&b| run[..b].nfc().map(char::len_utf8).sum::<usize>() >= within)
                    .unwrap_or(run.len());
                seg.orig + cut
            }
        };
        block.bytes.start + offset
    }

    fn found(&self, i: usize, hit: (usize, usize)) -> Found {
        let block = &self.paras[i];
        self.found_in(block, Place::Paragraph(block.number), hit)
    }

    fn found_in(&self, block: &Norm, place: Place, (a, b): (usize, usize)) -> Found {
        let text = &self.doc.text;
        let (from, to) = (self.original(block, a), self.original(block, b));
        let chars = |r: Range<usize>| {
            if block.ascii {
                r.len()
            } else {
                text[r].chars().count()
            }
        };
        let start = block.start + chars(block.bytes.start..from);
        let end = start + chars(from..to);
        Found {
            place,
            start,
            end,
            prefix: before(text, block.bytes.start, from),
            suffix: after(text, to, block.bytes.end),
        }
    }

    /// Why a quote is in no paragraph.
    fn diagnose(&self, quote: &Quote, wanted: Option<u32>) -> Miss {
        if !quote.is_elided() {
            let part = &quote.parts()[0];
            // The paragraphs one after another, a space between each two, show a
            // quote that runs from one into the next.
            let mut joined = String::with_capacity(self.doc.text.len());
            let mut ends = Vec::with_capacity(self.paras.len());
            for i in 0..self.paras.len() {
                if i > 0 {
                    joined.push(' ');
                }
                joined.push_str(self.norm(i));
                ends.push(joined.len());
            }
            if let Some((a, b)) = find_words(&joined, part, 0) {
                let at = |x: usize| {
                    let i = ends.partition_point(|&end| end < x);
                    self.doc.paragraphs[i.min(self.paras.len() - 1)].number
                };
                return Miss::Spans {
                    from: at(a),
                    to: at(b),
                };
            }
            return Miss::NotFound {
                part: None,
                closest: self.closest(&part.text, wanted),
            };
        }
        // Where each part is on its own.
        let mut at: Vec<(String, Vec<usize>)> = Vec::new();
        for part in quote.parts() {
            let paras: Vec<usize> = (0..self.paras.len())
                .filter(|&i| find_words(self.norm(i), part, 0).is_some())
                .collect();
            if paras.is_empty() {
                return Miss::NotFound {
                    part: Some(part.text.clone()),
                    closest: self.closest(&part.text, wanted),
                };
            }
            at.push((part.text.clone(), paras));
        }
        let everywhere = (0..self.paras.len()).find(|i| at.iter().all(|(_, ps)| ps.contains(i)));
        if let Some(i) = everywhere {
            // The parts match in order up to one that only comes earlier.
            let text = self.norm(i);
            let mut pos = 0;
            for (k, part) in quote.parts().iter().enumerate() {
                match find_words(text, part, pos) {
                    Some((_, b)) => pos = b,
                    None => {
                        return Miss::OutOfOrder {
                            paragraph: self.doc.paragraphs[i].number,
                            earlier: quote.parts()[k.saturating_sub(1)].text.clone(),
                            later: part.text.clone(),
                        };
                    }
                }
            }
        }
        Miss::Across(
            at.into_iter()
                .map(|(part, ps)| (part, self.doc.paragraphs[ps[0]].number))
                .collect(),
        )
    }

    /// The passage closest to `text`, by aligning its words with each paragraph's,
    /// and the first difference; None when no paragraph has at least half its words
    /// in a run.
    fn closest(&self, text: &str, wanted: Option<u32>) -> Option<Closest> {
        let quote: Vec<&str> = text.split(' ').collect();
        let mut best: Option<(usize, usize, Range<usize>)> = None;
        for i in 0..self.paras.len() {
            let words: Vec<&str> = self.norm(i).split(' ').collect();
            // Words are paired by their letters and digits, so that punctuation next
            // to a word ("isolation." for "isolation") does not hide the passage.
            let ops = capture_diff_slices_by_key(Algorithm::Patience, &quote, &words, |w| {
                w.trim_matches(|c: char| !is_word(c))
            });
            let (score, span) = densest(&ops, quote.len());
            let better = match &best {
                None => true,
                Some((s, b, _)) => {
                    score > *s
                        || (score == *s
                            && Some(self.doc.paragraphs[i].number) == wanted
                            && Some(self.doc.paragraphs[*b].number) != wanted)
                }
            };
            if score > 0 && better {
                best = Some((score, i, span));
            }
        }
        let (score, i, span) = best?;
        if score * 2 < quote.len() {
            return None;
        }
        let words: Vec<&str> = self.norm(i).split(' ').collect();
        let mut passage: Vec<&str> = words[span.start..span.end.min(words.len())].to_vec();
        trim_edges(&mut passage, &quote);
        Some(Closest {
            paragraph: self.doc.paragraphs[i].number,
            difference: difference(&passage, &quote),
        })
    }
}

/// The few words before byte `at`, back to at most [`CONTEXT`] characters and never
/// before `start`, beginning at a word.
fn before(text: &str, start: usize, at: usize) -> Range<usize> {
    let window = &text[start..at];
    // Where the last CONTEXT characters start; ASCII needs no decoding, and every
    // quote found takes this step.
    let tail = window.len().saturating_sub(CONTEXT);
    let mut from = if window.as_bytes()[tail..].is_ascii() {
        tail
    } else {
        window
            .char_indices()
            .rev()
            .nth(CONTEXT - 1)
            .map_or(0, |(b, _)| b)
    };
    if from > 0 && !window[..from].ends_with(char::is_whitespace) {
        // Cut inside a word: start at the next one.
        from = window[from..]
            .find(char::is_whitespace)
            .map_or(window.len(), |k| from + k);
        from += window[from..].len() - window[from..].trim_start().len();
    }
    start + from..at
}

/// The few words after byte `at`, up to at most [`CONTEXT`] characters and never
/// past `end`, ending at a word.
fn after(text: &str, at: usize, end: usize) -> Range<usize> {
    let window = &text[at..end];
    let head = window.len().min(CONTEXT);
    let mut to = if window.as_bytes()[..head].is_ascii() {
        head
    } else {
        window
            .char_indices()
            .nth(CONTEXT)
            .map_or(window.len(), |(b, _)| b)
    };
    if to < window.len() && !window[to..].starts_with(char::is_whitespace) {
        to = window[..to].rfind(char::is_whitespace).unwrap_or(0);
        to = window[..to].trim_end().len();
    }
    at..at + to
}

/// The run of aligned words that pairs most of the quote's words with a paragraph's
/// in order and close together; its size, and the paragraph's words it spans, widened
/// to where the quote's unmatched first and last words would stand.
fn densest(ops: &[DiffOp], quote_len: usize) -> (usize, Range<usize>) {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for op in ops {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            pairs.extend((0..len).map(|k| (old_index + k, new_index + k)));
        }
    }
    let mut best = (0, 0..0);
    let mut start = 0;
    for k in 1..=pairs.len() {
        // A pair starts a new run when the paragraph's words between it and the last
        // pair are more than a few beyond the quote's.
        let breaks = k == pairs.len() || {
            let ((q0, p0), (q1, p1)) = (pairs[k - 1], pairs[k]);
            p1 - p0 > (q1 - q0) + 3
        };
        if breaks {
            let (q_first, p_first) = pairs[start];
            let (q_last, p_last) = pairs[k - 1];
            if k - start > best.0 {
                let from = p_first.saturating_sub(q_first);
                let to = p_last + (quote_len - 1 - q_last) + 1;
                best = (k - start, from..to);
            }
            start = k;
        }
    }
    let (n, span) = best;
    (n, span)
}

/// Where a passage's first or last word runs on past the quote's (the document's
/// `“crossed` or `partner,` where the quote has `crossed` or `partner`), keeps only
/// the quote's part of it: a quote may begin or end at punctuation.
fn trim_edges<'a>(passage: &mut Vec<&'a str>, quote: &[&'a str]) {
    let no_word = |s: &str| !s.chars().any(is_word);
    if let (Some(p), Some(q)) = (passage.first().copied(), quote.first().copied())
        && p != q
        && p.ends_with(q)
        && no_word(&p[..p.len() - q.len()])
    {
        passage[0] = q;
    }
    if let (Some(p), Some(q)) = (passage.last().copied(), quote.last().copied())
        && p != q
        && p.starts_with(q)
        && no_word(&p[q.len()..])
    {
        let last = passage.len() - 1;
        passage[last] = q;
    }
}

/// Words joined, for a message.
fn words(w: &[&str]) -> String {
    super::check::quoted(&w.join(" "))
}

/// A character as a message names it: ’ (U+2019).
fn named(c: char) -> String {
    let shown = if c.is_control() || c.is_whitespace() {
        String::new()
    } else {
        format!("{c} ")
    };
    format!("{shown}(U+{:04X})", u32::from(c))
}

/// Words with a word of context on either side.
fn around<'a>(left: Option<&'a str>, middle: &[&'a str], right: Option<&'a str>) -> Vec<&'a str> {
    left.into_iter()
        .chain(middle.iter().copied())
        .chain(right)
        .collect()
}

/// The first difference between a passage of the document and a quote, phrased.
fn difference(passage: &[&str], quote: &[&str]) -> String {
    let ops = capture_diff_slices(Algorithm::Patience, passage, quote);
    let Some(op) = ops.iter().find(|op| !matches!(op, DiffOp::Equal { .. })) else {
        return "the quote starts or ends inside a word of the document".into();
    };
    let (_, doc, q) = op.as_tag_tuple();
    // One word each way: say which characters differ, when few do.
    if doc.len() == 1 && q.len() == 1 {
        let (d, w) = (passage[doc.start], quote[q.start]);
        let dc: Vec<char> = d.chars().collect();
        let qc: Vec<char> = w.chars().collect();
        let chars = capture_diff_slices(Algorithm::Myers, &dc, &qc);
        let changed: Vec<&DiffOp> = chars
            .iter()
            .filter(|op| !matches!(op, DiffOp::Equal { .. }))
            .collect();
        if let [
            DiffOp::Replace {
                old_index,
                old_len: 1,
                new_index,
                new_len: 1,
            },
        ] = changed.as_slice()
        {
            return format!(
                "the document has {} where the quote has {}, in {}",
                named(dc[*old_index]),
                named(qc[*new_index]),
                words(&[d])
            );
        }
    }
    // Words added or left out are shown with a word of context on either side.
    let left = doc.start.checked_sub(1).map(|k| passage[k]);
    let right = passage.get(doc.end).copied();
    let (d, w) = if doc.is_empty() || q.is_empty() {
        (
            around(left, &passage[doc.clone()], right),
            around(left, &quote[q.clone()], right),
        )
    } else {
        (passage[doc.clone()].to_vec(), quote[q.clone()].to_vec())
    };
    let has = |w: &[&str]| {
        if w.is_empty() {
            "nothing".to_string()
        } else {
            words(w)
        }
    };
    format!(
        "the document has {} where the quote has {}",
        has(&d),
        has(&w)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What matching makes of `text`, the long way round.
    fn normalized_slowly(text: &str) -> String {
        let mut out = String::new();
        normalize_into(text.trim(), &mut out, None);
        out
    }

    /// A quote's parts, split the long way round: at each way of writing an
    /// ellipsis in turn, the longest first.
    fn parts_slowly(text: &str) -> Vec<String> {
        let norm = normalize(text);
        let mut pieces: Vec<&str> = vec![&norm];
        for e in ELLIPSES {
            pieces = pieces.into_iter().flat_map(|p| p.split(e)).collect();
        }
        pieces
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect()
    }

    /// The words before and after a quote, the long way round: character by character.
    fn context_slowly(text: &str, start: usize, at: usize, end: usize) -> (String, String) {
        let window = &text[start..at];
        let mut from = window
            .char_indices()
            .rev()
            .nth(CONTEXT - 1)
            .map_or(0, |(b, _)| b);
        if from > 0 && !window[..from].ends_with(char::is_whitespace) {
            from = window[from..]
                .find(char::is_whitespace)
                .map_or(window.len(), |k| from + k);
            from += window[from..].len() - window[from..].trim_start().len();
        }
        let next = &text[at..end];
        let mut to = next
            .char_indices()
            .nth(CONTEXT)
            .map_or(next.len(), |(b, _)| b);
        if to < next.len() && !next[to..].starts_with(char::is_whitespace) {
            to = next[..to].rfind(char::is_whitespace).unwrap_or(0);
            to = next[..to].trim_end().len();
        }
        (
            text[start + from..at].to_string(),
            text[at..at + to].to_string(),
        )
    }

    proptest! {
        #[test]
        fn a_quote_is_split_at_every_ellipsis_as_splitting_at_each_in_turn_would(
            first in "[a .\\[\\]…Ŧ]{0,24}",
            text in "[a .\\[\\]…Ŧ]{0,24}",
        ) {
            // Read into the buffers another quote left, as a load reads them.
            let mut quote = Quote::default();
            quote.read(&first);
            let words = quote.read(&text);
            let parts: Vec<String> = quote.parts().iter().map(|p| p.text.clone()).collect();
            prop_assert_eq!(words, !parts.is_empty());
            prop_assert_eq!(parts, parts_slowly(&text));
        }

        #[test]
        fn the_words_around_a_quote_are_cut_as_counting_characters_would(
            // Mostly ASCII, as most text is, with a character beyond it here and
            // there, on either side of the cut.
            text in prop_oneof![
                "[ab ]{0,90}",
                "[ab ]{0,50}é[ab ]{0,40}",
                "[ab é]{0,90}",
            ],
            cut in (0usize..91, 0usize..91),
        ) {
            let bounds: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
            let at = bounds[cut.0.min(bounds.len() - 1)];
            let end = bounds[cut.1.min(bounds.len() - 1)].max(at);
            let (b, a) = context_slowly(&text, 0, at, end);
            prop_assert_eq!(&text[before(&text, 0, at)], b);
            prop_assert_eq!(&text[after(&text, at, end)], a);
        }

        #[test]
        fn text_taken_as_it_stands_is_what_normalising_would_make_of_it(
            // Most text has no white space but single spaces; some has more.
            text in prop_oneof![
                "[ae é’…\u{301}]{0,30}",
                "[ae é’…“—\u{301}\u{a0}\u{2003}\u{2028}]{0,30}",
                "[ae \n\t\u{a0}\u{2003}é’…\u{301}]{0,30}",
                // Punctuation beyond ASCII, beside the white space around it.
                "[ae’“—‧…\u{2000}\u{2028}\u{2029}]{0,12}",
            ]
        ) {
            let t = text.trim();
            if is_normal(t) {
                prop_assert_eq!(normalized_slowly(t), t);
            }
            prop_assert_eq!(normalize(&text), normalized_slowly(&text));
        }

        #[test]
        fn the_first_byte_beyond_ascii_is_found_wherever_it_stands(
            // Long ASCII runs, so that the 32-byte steps are taken and left at every
            // place in a step.
            text in "[a ]{0,100}[é’]?[a é’]{0,100}",
        ) {
            let b = text.as_bytes();
            prop_assert_eq!(beyond_ascii(b), b.iter().position(|c| !c.is_ascii()));
        }

        #[test]
        fn a_part_is_found_where_a_plain_search_finds_it(
            hay in "[ab ]{0,300}",
            needle in "[ab]{1,6}",
            starts in prop::collection::vec(0usize..300, 1..40),
        ) {
            // One part searched again and again, as a quote is in paragraph after
            // paragraph: before and after it gets its substring searcher.
            let mut part = Part::default();
            part.set(&needle);
            for from in starts {
                let from = from.min(hay.len());
                prop_assert_eq!(part.find(&hay.as_bytes()[from..]), hay[from..].find(&needle));
            }
        }
    }

    #[test]
    fn a_part_whose_ends_keep_matching_gets_a_searcher() {
        let mut part = Part::default();
        part.set("acb");
        assert_eq!(part.find(b"xxacb"), Some(2));
        // Places where only the first byte matches cost no try.
        let firsts = format!("{}acb", "a".repeat(100));
        assert_eq!(part.find(firsts.as_bytes()), Some(100));
        assert!(part.finder.get().is_none());
        // Places where both ends match but not what is between do.
        let ends = format!("{}acb", "aab".repeat(40));
        assert_eq!(part.find(ends.as_bytes()), Some(120));
        assert!(part.finder.get().is_some());
        assert_eq!(part.find(b"xxacb"), Some(2));
        assert_eq!(part.find(b"aaa"), None);
    }

    const ARTICLE: &str = "Pyongyang’s Russian sentiment\nJune 23, 2017 - Grzegorz Kaliszuk\n\n\
        North Korea continues to play on a one man team, deepening the country’s isolation.\n\n\
        Moreover, Moscow has provided the North with humanitarian aid. Recently, it announced the \
        delivery of more than 400,000 tons of wheat flour to the troubled partner, which has been \
        immersed in poverty.\n\n\
        ## A heading\n\n\
        As reported by the state-run Korea Central News Agency, China has “crossed the line” and \
        “Pyongyang will never ask for Chinese friendship”. In response, China has returned a \
        shipment of North Korean coal.\n";

    fn index() -> Index {
        Index::new(Document::parse(ARTICLE))
    }

    fn find(quote: &str, wanted: Option<u32>) -> Result<Found, Miss> {
        index().find(&Quote::parse(quote).unwrap(), wanted, true)
    }

    fn closest(quote: &str) -> (u32, String) {
        match find(quote, None) {
            Err(Miss::NotFound {
                closest: Some(c), ..
            }) => (c.paragraph, c.difference),
            other => panic!("{quote}: {other:?}"),
        }
    }

    #[test]
    fn paragraph_locators_are_recognised() {
        for (text, n) in [
            ("para 3", Some(3)),
            ("Para 12", Some(12)),
            ("paragraph 4", Some(4)),
            ("para. 5", Some(5)),
            ("¶ 6", Some(6)),
            ("¶7", Some(7)),
            ("para 0", Some(0)),
            ("p. 12", None),
            ("para 3-4", None),
            ("paragraphs 3", None),
            ("para", None),
            ("table 2", None),
        ] {
            assert_eq!(paragraph_locator(text), n, "{text}");
        }
    }

    #[test]
    fn normalising_joins_white_space_and_composes() {
        assert_eq!(normalize("  a \n\t b  "), "a b");
        assert_eq!(normalize("Cafe\u{301}\r\nnoir"), "Café noir");
        assert!(matches!(normalize("plain words"), Cow::Borrowed(_)));
        assert_eq!(normalize("non\u{a0}breaking"), "non breaking");
        assert_eq!(
            Quote::parse("one … two [...] three...four [\u{2026}] five")
                .unwrap()
                .parts()
                .iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>(),
            ["one", "two", "three", "four", "five"]
        );
        assert_eq!(Quote::parse(" … ... "), None);
        let texts = |q: &str| {
            Quote::parse(q)
                .unwrap()
                .parts()
                .iter()
                .map(|p| p.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts("one. Two.. three... [...]"), ["one. Two.. three"]);
        assert_eq!(texts("one.. two ... three"), ["one.. two", "three"]);
    }

    #[test]
    fn a_quote_is_found_with_its_paragraph_offsets_and_context() {
        let idx = index();
        let q = Quote::parse("Recently, it announced the\n delivery of more than 400,000 tons")
            .unwrap();
        let f = idx.find(&q, Some(2), true).unwrap();
        assert_eq!(f.place, Place::Paragraph(2));
        let chars: Vec<char> = idx.doc.text.chars().collect();
        let at: String = chars[f.start..f.end].iter().collect();
        assert_eq!(
            at,
            "Recently, it announced the delivery of more than 400,000 tons"
        );
        assert_eq!(
            &idx.doc.text[f.prefix.clone()],
            "the North with humanitarian aid. "
        );
        assert_eq!(
            &idx.doc.text[f.suffix.clone()],
            " of wheat flour to the troubled partner,"
        );
        // With no locator, the first paragraph that has it.
        assert_eq!(idx.find(&q, None, true).unwrap(), f);
        assert_eq!(
            idx.find(&Quote::parse("not there").unwrap(), None, false),
            Err(Miss::Unexplained)
        );
    }

    #[test]
    fn offsets_stay_right_where_normalising_moved_text() {
        let doc = "T\n\nIntro  with\r\n  spaces and Cafe\u{301} au lait, then the quote here.\n";
        let idx = Index::new(Document::parse(doc));
        let f = idx
            .find(
                &Quote::parse("au lait, then the quote").unwrap(),
                None,
                true,
            )
            .unwrap();
        let chars: Vec<char> = idx.doc.text.chars().collect();
        assert_eq!(
            chars[f.start..f.end].iter().collect::<String>(),
            "au lait, then the quote"
        );
        let f = idx
            .find(&Quote::parse("Café").unwrap(), None, true)
            .unwrap();
        assert_eq!(
            chars[f.start..f.end].iter().collect::<String>(),
            "Cafe\u{301}"
        );
        let f = idx
            .find(&Quote::parse("with spaces").unwrap(), None, true)
            .unwrap();
        assert_eq!(
            chars[f.start..f.end].iter().collect::<String>(),
            "with\r\n  spaces"
        );
        assert_eq!(&idx.doc.text[f.prefix], "Intro  ");
    }

    #[test]
    fn a_quote_begins_and_ends_at_whole_words() {
        assert!(find("400,000 ton", None).is_err());
        assert!(find("elivery of", None).is_err());
        assert!(find("crossed the line", None).is_ok());
        assert!(find("“crossed the line”", None).is_ok());
    }

    #[test]
    fn elided_parts_must_come_in_order_within_one_paragraph() {
        let f = find(
            "Moreover, Moscow … Recently, it announced […] wheat flour",
            None,
        )
        .unwrap();
        assert_eq!(f.place, Place::Paragraph(2));
        assert_eq!(
            find("wheat flour … Moreover, Moscow", None),
            Err(Miss::OutOfOrder {
                paragraph: 2,
                earlier: "wheat flour".into(),
                later: "Moreover, Moscow".into()
            })
        );
        assert_eq!(
            find("Moreover, Moscow … crossed the line", None),
            Err(Miss::Across(vec![
                ("Moreover, Moscow".into(), 2),
                ("crossed the line".into(), 3)
            ]))
        );
    }

    #[test]
    fn a_locator_names_the_paragraph_the_quote_is_in() {
        assert_eq!(
            find("crossed the line", Some(2)),
            Err(Miss::Elsewhere(vec![3]))
        );
        assert_eq!(
            find("crossed the line", Some(3)).unwrap().place,
            Place::Paragraph(3)
        );
        assert_eq!(
            find("crossed the line", Some(40)),
            Err(Miss::Elsewhere(vec![3]))
        );
    }

    #[test]
    fn quotes_from_headings_and_across_paragraphs_are_told_apart() {
        assert_eq!(find("Russian sentiment", None).unwrap().place, Place::Title);
        let f = find("A heading", None).unwrap();
        assert_eq!(f.place, Place::Heading);
        let chars: Vec<char> = index().doc.text.chars().collect();
        assert_eq!(
            chars[f.start..f.end].iter().collect::<String>(),
            "A heading"
        );
        assert_eq!(
            find("A heading", Some(2)),
            Err(Miss::InHeading(Place::Heading))
        );
        assert_eq!(
            find("Grzegorz Kaliszuk", Some(1)),
            Err(Miss::InHeading(Place::Title))
        );
        assert_eq!(
            find("immersed in poverty. As reported by", None),
            Err(Miss::Spans { from: 2, to: 3 })
        );
    }

    #[test]
    fn the_first_difference_is_named() {
        assert_eq!(
            closest("the country's isolation"),
            (
                1,
                "the document has ’ (U+2019) where the quote has ' (U+0027), in \"country’s\""
                    .into()
            )
        );
        assert_eq!(
            closest("Korea's Central News Agency, China has “crossed"),
            (
                3,
                "the document has \"Korea\" where the quote has \"Korea's\"".into()
            )
        );
        assert_eq!(
            closest("Recently, it anounced the delivery"),
            (
                2,
                "the document has \"announced\" where the quote has \"anounced\"".into()
            )
        );
        assert_eq!(
            closest("China has ”crossed the line” and"),
            (
                3,
                "the document has “ (U+201C) where the quote has ” (U+201D), in \"“crossed\""
                    .into()
            )
        );
        assert_eq!(
            closest("more than 400,000 tons of fine wheat flour"),
            (
                2,
                "the document has \"of wheat\" where the quote has \"of fine wheat\"".into()
            )
        );
        assert_eq!(
            closest("more than 400,000 tons of flour to the troubled partner"),
            (
                2,
                "the document has \"of wheat flour\" where the quote has \"of flour\"".into()
            )
        );
        assert_eq!(
            find("Nothing of the sort was ever said here", None),
            Err(Miss::NotFound {
                part: None,
                closest: None
            })
        );
    }
}
