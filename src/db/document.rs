//! A source's document: its text as read, and the paragraphs that `para N` locators
//! count.
//!
//! The rule, which the README states for users:
//!
//! - Blank lines (nothing but white space) separate blocks.
//! - The first block is the title block: the title, then the byline, a line each. It
//!   is not a paragraph.
//! - A heading is not a paragraph: a line that starts with one to six `#` and a space
//!   (`# Title`, `## Section`), or lines underlined by a line of `=` or `-`.
//! - A rule (a line of three or more `-`, `*`, `_` or `=` and nothing else) is not a
//!   paragraph.
//! - A list item is a paragraph of its own: a line that starts with `- `, `* `, `+ `
//!   or a number followed by `. ` or `) ` starts one, and the lines after it belong to
//!   it until a blank line, a heading or the next item.
//! - Every other run of lines is one paragraph.
//!
//! Offsets count characters (Unicode scalar values) from 0, as SQLite's `substr` and
//! the W3C Web Annotation TextPositionSelector do.

use std::ops::Range;

/// A document split into paragraphs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The text as read, without a UTF-8 byte-order mark.
    pub text: String,
    pub paragraphs: Vec<Paragraph>,
    /// The title block's lines and the headings: byte ranges of the text that is not
    /// in a paragraph, in order.
    pub headings: Vec<Range<usize>>,
    /// How many of `headings` are the title block's lines.
    pub title_lines: usize,
}

/// One paragraph: its number and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paragraph {
    /// From 1, as `para N` counts.
    pub number: u32,
    /// Byte range in the document's text.
    pub bytes: Range<usize>,
    /// Offset of the first character, and just past the last, in characters.
    pub start: usize,
    pub end: usize,
}

impl Paragraph {
    /// The paragraph's text, as the document has it.
    pub fn text<'d>(&self, doc: &'d Document) -> &'d str {
        &doc.text[self.bytes.clone()]
    }
}

/// What a line is, for the paragraph rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    Blank,
    Heading,
    /// A line of `-`, `*`, `_` or `=` alone: a rule, or the underline of a heading
    /// (`=` and `-` only).
    Rule {
        underline: bool,
    },
    Item,
    Text,
}

fn kind(line: &str) -> Line {
    let t = line.trim();
    if t.is_empty() {
        return Line::Blank;
    }
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && t[hashes..].chars().next().is_none_or(char::is_whitespace) {
        return Line::Heading;
    }
    // Most lines are long and start with a letter: they are settled at their first
    // character, not read through.
    if let Some(mark @ ('-' | '*' | '_' | '=')) = t.chars().next() {
        let marks = t.chars().filter(|c| !c.is_whitespace());
        if marks.clone().all(|c| c == mark) && marks.count() >= 3 {
            return Line::Rule {
                underline: matches!(mark, '=' | '-'),
            };
        }
    }
    let after_marker = |rest: &str| rest.starts_with(' ') || rest.starts_with('\t');
    if let Some(rest) = t.strip_prefix(['-', '*', '+'])
        && after_marker(rest)
    {
        return Line::Item;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits)
        && let Some(rest) = t[digits..].strip_prefix(['.', ')'])
        && after_marker(rest)
    {
        return Line::Item;
    }
    Line::Text
}

/// Each line's byte range (without its line end), for `\n`, `\r\n` and `\r` alike.
fn lines(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(k) = memchr::memchr2(b'\n', b'\r', &b[start..]) {
        let i = start + k;
        out.push(start..i);
        start = i + if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
    }
    if start < b.len() {
        out.push(start..b.len());
    }
    out
}

impl Document {
    /// Splits a text into paragraphs by the rule above. A UTF-8 byte-order mark at the
    /// start is dropped.
    pub fn parse(text: &str) -> Document {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
        let mut paragraphs: Vec<Paragraph> = Vec::new();
        let mut headings = Vec::new();
        // The byte range of the paragraph being read: from its first line's start to
        // its last line's end.
        let mut open: Option<Range<usize>> = None;
        let mut in_title = false;
        let mut title_seen = false;
        let mut title_lines = 0;
        let close = |open: &mut Option<Range<usize>>, paragraphs: &mut Vec<Paragraph>| {
            if let Some(r) = open.take() {
                paragraphs.push(Paragraph {
                    number: 0,
                    bytes: r,
                    start: 0,
                    end: 0,
                });
            }
        };
        for line in lines(&text) {
            let k = kind(&text[line.clone()]);
            if !title_seen {
                if k == Line::Blank {
                    continue;
                }
                title_seen = true;
                in_title = true;
            }
            if in_title {
                if k == Line::Blank {
                    in_title = false;
                } else {
                    headings.push(line);
                    title_lines += 1;
                }
                continue;
            }
            match k {
                Line::Blank => close(&mut open, &mut paragraphs),
                Line::Heading => {
                    close(&mut open, &mut paragraphs);
                    headings.push(line);
                }
                Line::Rule { underline } => match open.take() {
                    // Lines underlined with = or - are a heading.
                    Some(r) if underline => headings.push(r),
                    other => {
                        open = other;
                        close(&mut open, &mut paragraphs);
                    }
                },
                Line::Item => {
                    close(&mut open, &mut paragraphs);
                    open = Some(line);
                }
                Line::Text => match &mut open {
                    Some(r) => r.end = line.end,
                    None => open = Some(line),
                },
            }
        }
        close(&mut open, &mut paragraphs);
        // Trim each paragraph to its first and last characters that are not white
        // space, number it, and count the characters before it.
        let mut chars_before = 0;
        let mut counted_to = 0;
        for (i, p) in paragraphs.iter_mut().enumerate() {
            let raw = &text[p.bytes.clone()];
            let lead = raw.len() - raw.trim_start().len();
            let body = raw.trim();
            let from = p.bytes.start + lead;
            let to = from + body.len();
            chars_before += text[counted_to..from].chars().count();
            let length = body.chars().count();
            counted_to = to;
            *p = Paragraph {
                number: i as u32 + 1,
                bytes: from..to,
                start: chars_before,
                end: chars_before + length,
            };
            chars_before += length;
        }
        Document {
            text,
            paragraphs,
            headings,
            title_lines,
        }
    }

    /// The paragraph numbered `n`.
    pub fn paragraph(&self, n: u32) -> Option<&Paragraph> {
        n.checked_sub(1)
            .and_then(|i| self.paragraphs.get(i as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Document) -> Vec<&str> {
        doc.paragraphs.iter().map(|p| p.text(doc)).collect()
    }

    #[test]
    fn the_title_block_headings_and_rules_are_not_paragraphs() {
        let doc = Document::parse(
            "\n\nA title\nBy someone, 1 June 2017\n\nFirst paragraph,\nover two lines.\n\n\
             ## A section\nSecond, right under its heading.\n\nA heading underlined\n=====\n\n\
             Third.\n\n* * *\n\n# Another\n\nFourth.\n",
        );
        assert_eq!(
            texts(&doc),
            [
                "First paragraph,\nover two lines.",
                "Second, right under its heading.",
                "Third.",
                "Fourth."
            ]
        );
        let headings: Vec<&str> = doc.headings.iter().map(|r| &doc.text[r.clone()]).collect();
        assert_eq!(
            headings,
            [
                "A title",
                "By someone, 1 June 2017",
                "## A section",
                "A heading underlined",
                "# Another"
            ]
        );
        assert_eq!(
            doc.paragraphs.iter().map(|p| p.number).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
    }

    #[test]
    fn each_list_item_is_a_paragraph() {
        let doc = Document::parse(
            "T\n\nThe list:\n- one\n  goes on\n* two\n+ three\n1. four\n2) five\n-not an item\n#hashtag is text\n",
        );
        assert_eq!(
            texts(&doc),
            [
                "The list:",
                "- one\n  goes on",
                "* two",
                "+ three",
                "1. four",
                "2) five\n-not an item\n#hashtag is text"
            ]
        );
    }

    #[test]
    fn offsets_count_characters_and_substr_gives_the_paragraph_back() {
        let text = "Title ’\r\n\r\n  Été — un paragraphe.  \r\nSuite.\r\n\r\n\u{a0}\r\nLast ’one’.";
        let doc = Document::parse(&format!("\u{feff}{text}"));
        assert_eq!(doc.text, text, "the byte-order mark is dropped");
        assert_eq!(
            texts(&doc),
            ["Été — un paragraphe.  \r\nSuite.", "Last ’one’."]
        );
        let chars: Vec<char> = doc.text.chars().collect();
        for p in &doc.paragraphs {
            let by_chars: String = chars[p.start..p.end].iter().collect();
            assert_eq!(by_chars, p.text(&doc));
        }
        assert_eq!(doc.paragraphs[0].start, 13);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let doc = Document::parse("T\r\rOne\rline two\r\rTwo");
        assert_eq!(texts(&doc), ["One\rline two", "Two"]);
    }

    #[test]
    fn a_document_of_only_a_title_has_no_paragraphs() {
        assert!(Document::parse("Just a title\n").paragraphs.is_empty());
        assert!(Document::parse("").paragraphs.is_empty());
        assert_eq!(
            Document::parse("T\n\nx").paragraph(1).map(|p| p.end),
            Some(4)
        );
        assert_eq!(Document::parse("T\n\nx").paragraph(0), None);
    }
}
