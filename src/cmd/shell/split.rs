//! Where one SQL statement ends and the next begins, for the shell: a `;` that is
//! not inside a string, a quoted name, a comment, or a trigger's `BEGIN … END` body.
//!
//! It follows SQLite's own `sqlite3_complete`: the text is read as tokens, and a small
//! state machine notices `CREATE [TEMP] TRIGGER`, after which only `END ;` ends the
//! statement. The shell refuses triggers, like every write, but it must not cut one
//! into pieces that would each be refused with a confusing message.

/// The complete statements at the start of a text, and what is left after them.
#[derive(Debug, PartialEq, Eq)]
pub struct Split {
    /// Each statement's text without its closing `;`, trimmed; statements that are
    /// only blanks and comments are left out.
    pub statements: Vec<String>,
    /// The text after the last complete statement: the start of one still being typed.
    pub rest: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Semi,
    /// Blanks and comments.
    Space,
    Other,
    Explain,
    Create,
    Temp,
    Trigger,
    End,
}

/// The states of `sqlite3_complete`, numbered as there.
const START: u8 = 1;

/// `TRANSITIONS[state][token]`, from SQLite's complete.c; rows are the states
/// 0 invalid, 1 start, 2 normal, 3 explain, 4 create, 5 trigger, 6 semi, 7 end.
const TRANSITIONS: [[u8; 8]; 8] = [
    // Semi Space Other Explain Create Temp Trigger End
    [1, 0, 2, 3, 4, 2, 2, 2],
    [1, 1, 2, 3, 4, 2, 2, 2],
    [1, 2, 2, 2, 2, 2, 2, 2],
    [1, 3, 3, 2, 4, 2, 2, 2],
    [1, 4, 2, 2, 2, 4, 5, 2],
    [6, 5, 5, 5, 5, 5, 5, 5],
    [6, 6, 5, 5, 5, 5, 5, 7],
    [1, 7, 5, 5, 5, 5, 5, 5],
];

fn column(t: Token) -> usize {
    match t {
        Token::Semi => 0,
        Token::Space => 1,
        Token::Other => 2,
        Token::Explain => 3,
        Token::Create => 4,
        Token::Temp => 5,
        Token::Trigger => 6,
        Token::End => 7,
    }
}

/// Splits `text` into the statements it completes and the unfinished rest.
pub fn split(text: &str) -> Split {
    let mut statements = Vec::new();
    let mut state = 0u8;
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let Some((token, len)) = next_token(&text[i..]) else {
            // An unterminated string, quoted name or block comment: the statement goes on.
            break;
        };
        let after = i + len;
        let next = TRANSITIONS[usize::from(state)][column(token)];
        if token == Token::Semi && next == START {
            let statement = text[start..i].trim();
            if !is_blank(statement) {
                statements.push(statement.to_string());
            }
            start = after;
        }
        state = next;
        i = after;
    }
    Split {
        statements,
        rest: text[start..].to_string(),
    }
}

/// True when `text` holds nothing but blanks and complete comments.
pub fn is_blank(text: &str) -> bool {
    let mut i = 0;
    while i < text.len() {
        match next_token(&text[i..]) {
            Some((Token::Space, len)) => i += len,
            _ => return false,
        }
    }
    true
}

/// The token at the start of `s` and its length in bytes, or `None` when it is a
/// string, quoted name or block comment that does not end.
fn next_token(s: &str) -> Option<(Token, usize)> {
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    let closing = |close: u8| -> Option<usize> {
        // The closing quote; a doubled quote inside is part of the text (`'it''s'`).
        let mut j = 1;
        while j < bytes.len() {
            if bytes[j] == close {
                if close != b']' && bytes.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return Some(j + 1);
            }
            j += 1;
        }
        None
    };
    match first {
        b';' => Some((Token::Semi, 1)),
        b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => Some((Token::Space, 1)),
        b'-' if bytes.get(1) == Some(&b'-') => {
            // A line comment runs to the end of the line, or of the text.
            let len = s.find('\n').map_or(s.len(), |n| n + 1);
            Some((Token::Space, len))
        }
        b'/' if bytes.get(1) == Some(&b'*') => s[2..].find("*/").map(|n| (Token::Space, n + 4)),
        b'\'' | b'"' | b'`' => closing(first).map(|n| (Token::Other, n)),
        b'[' => closing(b']').map(|n| (Token::Other, n)),
        _ => {
            let mut chars = s.char_indices();
            let first = chars.next().map_or(' ', |(_, c)| c);
            if !is_word_char(first) {
                // An operator or punctuation: one character of ordinary SQL.
                return Some((Token::Other, first.len_utf8()));
            }
            let len = chars
                .find(|(_, c)| !is_word_char(*c))
                .map_or(s.len(), |(n, _)| n);
            let word = &s[..len];
            let is = |k: &str| word.eq_ignore_ascii_case(k);
            let token = if is("create") {
                Token::Create
            } else if is("trigger") {
                Token::Trigger
            } else if is("temp") || is("temporary") {
                Token::Temp
            } else if is("end") {
                Token::End
            } else if is("explain") {
                Token::Explain
            } else {
                Token::Other
            };
            Some((token, len))
        }
    }
}

/// Letters, digits, `_`, `$` and every non-ASCII character make up words, as in SQLite.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(text: &str) -> Vec<String> {
        split(text).statements
    }

    #[test]
    fn semicolons_end_statements_and_the_rest_waits() {
        assert_eq!(
            split("SELECT 1; SELECT 2;\nSELECT"),
            Split {
                statements: vec!["SELECT 1".into(), "SELECT 2".into()],
                rest: "\nSELECT".into()
            }
        );
        assert_eq!(split("SELECT 1").statements, Vec::<String>::new());
        assert_eq!(split("SELECT 1").rest, "SELECT 1");
        assert_eq!(
            statements("SELECT\n  id\nFROM events\n;"),
            ["SELECT\n  id\nFROM events"]
        );
    }

    #[test]
    fn semicolons_in_strings_names_and_comments_do_not_count() {
        assert_eq!(statements("SELECT 'a;b';"), ["SELECT 'a;b'"]);
        assert_eq!(
            statements("SELECT 'it''s; fine';"),
            ["SELECT 'it''s; fine'"]
        );
        assert_eq!(
            statements("SELECT \"x;y\" FROM t;"),
            ["SELECT \"x;y\" FROM t"]
        );
        assert_eq!(
            statements("SELECT [a;b], `c;d` FROM t;"),
            ["SELECT [a;b], `c;d` FROM t"]
        );
        assert_eq!(
            statements("SELECT 1 -- no; not yet\n;"),
            ["SELECT 1 -- no; not yet"]
        );
        assert_eq!(statements("SELECT /* ; */ 1;"), ["SELECT /* ; */ 1"]);
        // Unfinished: the statement goes on on the next line.
        assert!(statements("SELECT 'open;").is_empty());
        assert!(statements("SELECT /* open;").is_empty());
        assert!(statements("SELECT 1 -- a comment;").is_empty());
    }

    #[test]
    fn empty_statements_and_comments_alone_are_skipped() {
        assert!(statements(";;  ;").is_empty());
        assert!(statements("-- just a note\n;").is_empty());
        assert!(is_blank("  -- a note\n /* and another */ "));
        assert!(!is_blank("/* open"));
        assert!(!is_blank("SELECT"));
        assert!(is_blank(""));
    }

    #[test]
    fn a_trigger_body_ends_only_at_end() {
        let trigger = "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN\n  SELECT 1;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND;";
        let got = split(&format!("{trigger} SELECT 3;"));
        assert_eq!(got.statements, [trigger.trim_end_matches(';'), "SELECT 3"]);
        assert!(statements("CREATE TRIGGER t BEGIN SELECT 1;").is_empty());
        // BEGIN as a transaction is a statement of its own, and so is END.
        assert_eq!(
            statements("BEGIN; SELECT 1; END;"),
            ["BEGIN", "SELECT 1", "END"]
        );
        // A table or column called trigger is not a trigger.
        assert_eq!(
            statements("SELECT trigger FROM create_log; SELECT 2;"),
            ["SELECT trigger FROM create_log", "SELECT 2"]
        );
        assert_eq!(
            statements("EXPLAIN SELECT 1; SELECT 2;"),
            ["EXPLAIN SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn non_ascii_text_is_kept_whole() {
        assert_eq!(
            statements("SELECT 'Pyongyang’s;' AS Ω; SELECT 1;"),
            ["SELECT 'Pyongyang’s;' AS Ω", "SELECT 1"]
        );
    }
}
