//! Numbers as people write them in prose, for the checks that hold a figure against
//! its quote: the forms a value takes in a text (5.7 billion, $5.7bn, 5,700,000,000,
//! four, a dozen), the words that qualify it (more than, about, up to), how precisely
//! a value in figures.csv is known from the way it is written, amounts written back
//! for people ($74.1 million), and how alike two titles are.
//!
//! Reading prose is a matter of recall: a text that may mean two numbers (`5m`: five,
//! or five million) offers both, because the checks ask whether a value is there.

use super::values;

/// A number written in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    /// Where the written form starts and ends (bytes), currency sign, scale word and
    /// "per cent" included.
    pub start: usize,
    pub end: usize,
    /// What it may mean: the first `count` of `readings`. Held inline, because every
    /// number of every quote is read.
    readings: [f64; 4],
    count: usize,
    /// The multiplier a scale word gave it (1 without one), so that "5 and 7 billion"
    /// can read the 5 as 5 billion too.
    scale: f64,
}

impl Mention {
    fn new(start: usize, end: usize, values: &[f64], scale: f64) -> Self {
        let mut m = Mention {
            start,
            end,
            readings: [0.0; 4],
            count: 0,
            scale,
        };
        for v in values {
            m.push(*v);
        }
        m
    }

    /// Adds a reading, if it is a number and there is room.
    fn push(&mut self, v: f64) {
        if v.is_finite() && self.count < self.readings.len() {
            self.readings[self.count] = v;
            self.count += 1;
        }
    }

    /// What it may mean.
    pub fn values(&self) -> &[f64] {
        &self.readings[..self.count]
    }

    /// The written form, as it stands in `text`.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }

    /// Whether it may mean `value` (a negative value is looked for without its sign:
    /// "fell by 12.5 per cent" states -12.5).
    pub fn means(&self, value: f64) -> bool {
        self.values().iter().any(|v| same(*v, value.abs()))
    }
}

/// Equal to fifteen significant digits, the most a stored value holds.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Scale words and abbreviations after a number, with their multipliers. An
/// abbreviation that is also a unit (`m`: metres) keeps the plain reading too.
const SCALES: &[(&str, f64, bool)] = &[
    ("hundred", 1e2, false),
    ("thousand", 1e3, false),
    ("thousands", 1e3, false),
    ("million", 1e6, false),
    ("millions", 1e6, false),
    ("billion", 1e9, false),
    ("billions", 1e9, false),
    ("trillion", 1e12, false),
    ("trillions", 1e12, false),
    ("k", 1e3, true),
    ("th", 1e3, true),
    ("m", 1e6, true),
    ("mn", 1e6, false),
    ("mln", 1e6, false),
    ("b", 1e9, true),
    ("bn", 1e9, false),
    ("bln", 1e9, false),
    ("tn", 1e12, false),
    ("trn", 1e12, false),
];

const UNITS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
];

/// Words that multiply what comes before them ("four hundred", "a dozen").
const MULTIPLIERS: &[(&str, f64)] = &[
    ("dozen", 12.0),
    ("hundred", 1e2),
    ("thousand", 1e3),
    ("million", 1e6),
    ("billion", 1e9),
    ("trillion", 1e12),
];

/// Currency signs that may stand before a number.
const CURRENCY: &[char] = &['$', '€', '£', '¥', '₽', '₩', '₹'];

/// Spaces that may group digits (no-break, narrow no-break and thin space).
const GROUP_SPACES: &[char] = &['\u{a0}', '\u{202f}', '\u{2009}'];

/// Every number written in `text`, in order.
pub fn mentions(text: &str) -> Vec<Mention> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            let glued = i > 0 && bytes[i - 1].is_ascii_alphabetic();
            let (mention, next) = digits(text, i);
            if !glued {
                found.push(mention);
            }
            i = next;
        } else if c.is_ascii_alphabetic() {
            let end = word_end(bytes, i);
            // Only these letters start a number in words ("a dozen" included).
            let may_start = matches!(
                c.to_ascii_lowercase(),
                b'a' | b'e' | b'f' | b'n' | b'o' | b's' | b't' | b'z'
            );
            match may_start.then(|| words(text, i)).flatten() {
                Some((mention, next)) => {
                    found.push(mention);
                    i = next;
                }
                None => i = end,
            }
        } else {
            i += 1;
        }
    }
    share_scales(text, &mut found);
    found
}

fn word_end(bytes: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
        j += 1;
    }
    j
}

/// The word of letters starting at `from`, and where it ends; compared without
/// regard to case, and never copied, since every word of every quote passes here.
fn word_at(text: &str, from: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    if from >= bytes.len() || !bytes[from].is_ascii_alphabetic() {
        return None;
    }
    let mut j = from;
    while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
        j += 1;
    }
    if j < bytes.len() && bytes[j].is_ascii_digit() {
        return None;
    }
    Some((&text[from..j], j))
}

/// The value of a word in a table of words, ignoring case.
fn lookup<T: Copy>(table: &[(&str, T)], word: &str) -> Option<T> {
    table
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, v)| *v)
}

/// Skips spaces (of any kind) from `from`.
fn skip_spaces(text: &str, from: usize) -> usize {
    let mut j = from;
    for c in text[from..].chars() {
        if c == ' ' || GROUP_SPACES.contains(&c) {
            j += c.len_utf8();
        } else {
            break;
        }
    }
    j
}

/// A number in digits starting at `start`: thousands groups, a decimal part, then a
/// scale word and "per cent" if they follow; a currency sign before it is part of it.
fn digits(text: &str, start: usize) -> (Mention, usize) {
    let bytes = text.as_bytes();
    let mut j = start;
    let mut number = String::new();
    while j < bytes.len() && bytes[j].is_ascii_digit() {
        number.push(char::from(bytes[j]));
        j += 1;
    }
    // Thousands groups: a comma or a grouping space followed by exactly three digits.
    loop {
        let (sep_len, ok) = match text[j..].chars().next() {
            Some(',') => (1, true),
            Some(c) if GROUP_SPACES.contains(&c) => (c.len_utf8(), true),
            _ => (0, false),
        };
        if !ok {
            break;
        }
        let g = j + sep_len;
        let group = bytes.get(g..g + 3);
        let after = bytes.get(g + 3);
        if group.is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && !after.is_some_and(u8::is_ascii_digit)
        {
            number.push_str(&text[g..g + 3]);
            j = g + 3;
        } else {
            break;
        }
    }
    if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
        number.push('.');
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            number.push(char::from(bytes[j]));
            j += 1;
        }
    }
    let base: f64 = number.parse().unwrap_or(f64::NAN);
    let mut values: &[f64] = &[base];
    let both;
    let mut scale = 1.0;
    let mut end = j;
    // A scale word, glued ("5.7bn") or after one space or hyphen ("5.7 billion").
    let word_from = match bytes.get(j) {
        Some(b' ' | b'-') => j + 1,
        _ => j,
    };
    if let Some((word, word_end)) = word_at(text, word_from) {
        let mut word_end = word_end;
        let mut hit = SCALES
            .iter()
            .find(|(w, _, _)| w.eq_ignore_ascii_case(word))
            .copied();
        // "5 hundred thousand": a second scale word multiplies the first.
        if let Some((w, f, unit_too)) = hit
            && w == "hundred"
            && let Some((next, next_end)) = word_at(text, skip_spaces(text, word_end))
            && let Some((_, g, _)) = SCALES
                .iter()
                .find(|(s, _, _)| s.eq_ignore_ascii_case(next) && *s != "hundred")
        {
            hit = Some((w, f * g, unit_too));
            word_end = next_end;
        }
        if let Some((_, factor, unit_too)) = hit {
            scale = factor;
            both = [base, base * factor];
            values = if unit_too { &both } else { &both[1..] };
            end = word_end;
        }
    }
    end = per_cent(text, end);
    let start = currency_before(text, start);
    (Mention::new(start, end, values, scale), end.max(j))
}

/// Extends a mention over "%", " per cent" or " percent" after it.
fn per_cent(text: &str, end: usize) -> usize {
    let rest = &text[end..];
    if rest.starts_with('%') {
        return end + 1;
    }
    for form in [" per cent", " percent", "-per-cent", " per-cent"] {
        if rest.len() >= form.len()
            && rest.is_char_boundary(form.len())
            && rest[..form.len()].eq_ignore_ascii_case(form)
            && !rest[form.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
        {
            return end + form.len();
        }
    }
    end
}

/// Moves a mention's start back over a currency sign ("$", "US$").
fn currency_before(text: &str, start: usize) -> usize {
    let before = &text[..start];
    match before.chars().next_back() {
        Some(c) if CURRENCY.contains(&c) => {
            let s = start - c.len_utf8();
            if text[..s].ends_with("US") { s - 2 } else { s }
        }
        _ => start,
    }
}

/// A number in words starting at `start` ("four", "twenty-five", "a dozen", "four
/// hundred thousand", "two million"), if one starts there.
fn words(text: &str, start: usize) -> Option<(Mention, usize)> {
    let (first, first_end) = word_at(text, start)?;
    let bytes = text.as_bytes();
    // "a"/"an" counts as one only before a multiplier: "a dozen", "a hundred".
    let mut i = start;
    let mut total = 0.0;
    let mut current = 0.0;
    let mut any = false;
    let mut end = start;
    if first.eq_ignore_ascii_case("a") || first.eq_ignore_ascii_case("an") {
        let next_start = skip_spaces(text, first_end);
        let (next, _) = word_at(text, next_start)?;
        lookup(MULTIPLIERS, next)?;
        current = 1.0;
        i = next_start;
    }
    while let Some((word, word_end)) = word_at(text, i) {
        if let Some(v) = lookup(UNITS, word) {
            current += v;
        } else if let Some((w, m)) = MULTIPLIERS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
        {
            if !any && current == 0.0 {
                // A bare "hundred" or "million" is not a number by itself.
                break;
            }
            if *w == "dozen" || *w == "hundred" {
                current *= m;
            } else {
                total += current * m;
                current = 0.0;
            }
        } else if word.eq_ignore_ascii_case("and") && any {
            // "two hundred and fifty": go on only if a number word follows.
            let next = skip_spaces(text, word_end);
            if word_at(text, next).is_some_and(|(w, _)| lookup(UNITS, w).is_some()) {
                i = next;
                continue;
            }
            break;
        } else {
            break;
        }
        any = true;
        end = word_end;
        // Words of one number are joined by a space or a hyphen.
        match bytes.get(word_end) {
            Some(b' ' | b'-') => i = word_end + 1,
            _ => break,
        }
    }
    if !any {
        return None;
    }
    let value = total + current;
    let end = per_cent(text, end);
    Some((Mention::new(start, end, &[value], 1.0), end))
}

/// "between 5 and 7 billion", "5 to 7 million": a number without a scale word, just
/// before one with a scale word, may share it.
fn share_scales(text: &str, found: &mut [Mention]) {
    for k in 1..found.len() {
        let (before, after) = found.split_at_mut(k);
        let (a, b) = (&mut before[k - 1], &after[0]);
        if a.scale != 1.0 || b.scale == 1.0 {
            continue;
        }
        let between = text.get(a.end..b.start).unwrap_or("").trim().to_lowercase();
        if ["and", "to", "or", "-", "–", "—"].contains(&between.as_str()) {
            for i in 0..a.count {
                a.push(a.readings[i] * b.scale);
            }
        }
    }
}

/// A phrase that qualifies a number, and the qualifiers of figures.csv it fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phrase {
    pub words: &'static str,
    pub fits: &'static [&'static str],
}

const GT: &[&str] = &["gt"];
const GE: &[&str] = &["ge"];
const LT: &[&str] = &["lt"];
const LE: &[&str] = &["le"];
const NEARLY: &[&str] = &["lt", "approx"];
const APPROX: &[&str] = &["approx"];
const OR_MORE: &[&str] = &["ge", "gt"];
const OR_LESS: &[&str] = &["le", "lt"];
const RANGE: &[&str] = &["range"];

/// Phrases that stand before a number, longest first so that "just under" wins over
/// "under".
const BEFORE: &[Phrase] = &[
    Phrase {
        words: "in excess of",
        fits: GT,
    },
    Phrase {
        words: "no less than",
        fits: GE,
    },
    Phrase {
        words: "not less than",
        fits: GE,
    },
    Phrase {
        words: "no fewer than",
        fits: GE,
    },
    Phrase {
        words: "not fewer than",
        fits: GE,
    },
    Phrase {
        words: "no more than",
        fits: LE,
    },
    Phrase {
        words: "not more than",
        fits: LE,
    },
    Phrase {
        words: "a minimum of",
        fits: GE,
    },
    Phrase {
        words: "a maximum of",
        fits: LE,
    },
    Phrase {
        words: "an estimated",
        fits: APPROX,
    },
    Phrase {
        words: "upwards of",
        fits: GT,
    },
    Phrase {
        words: "more than",
        fits: GT,
    },
    Phrase {
        words: "greater than",
        fits: GT,
    },
    Phrase {
        words: "higher than",
        fits: GT,
    },
    Phrase {
        words: "just over",
        fits: GT,
    },
    Phrase {
        words: "well over",
        fits: GT,
    },
    Phrase {
        words: "at least",
        fits: GE,
    },
    Phrase {
        words: "less than",
        fits: LT,
    },
    Phrase {
        words: "fewer than",
        fits: LT,
    },
    Phrase {
        words: "lower than",
        fits: LT,
    },
    Phrase {
        words: "just under",
        fits: LT,
    },
    Phrase {
        words: "up to",
        fits: LE,
    },
    Phrase {
        words: "at most",
        fits: LE,
    },
    Phrase {
        words: "close to",
        fits: APPROX,
    },
    Phrase {
        words: "exceeding",
        fits: GT,
    },
    Phrase {
        words: "over",
        fits: GT,
    },
    Phrase {
        words: "above",
        fits: GT,
    },
    Phrase {
        words: "under",
        fits: LT,
    },
    Phrase {
        words: "below",
        fits: LT,
    },
    Phrase {
        words: "almost",
        fits: NEARLY,
    },
    Phrase {
        words: "nearly",
        fits: NEARLY,
    },
    Phrase {
        words: "about",
        fits: APPROX,
    },
    Phrase {
        words: "around",
        fits: APPROX,
    },
    Phrase {
        words: "approximately",
        fits: APPROX,
    },
    Phrase {
        words: "approx",
        fits: APPROX,
    },
    Phrase {
        words: "roughly",
        fits: APPROX,
    },
    Phrase {
        words: "some",
        fits: APPROX,
    },
    Phrase {
        words: "circa",
        fits: APPROX,
    },
    Phrase {
        words: "ca",
        fits: APPROX,
    },
    Phrase {
        words: "c",
        fits: APPROX,
    },
    Phrase {
        words: "estimated",
        fits: APPROX,
    },
    Phrase {
        words: "near",
        fits: APPROX,
    },
    Phrase {
        words: "between",
        fits: RANGE,
    },
];

const PLUS: Phrase = Phrase {
    words: "plus",
    fits: OR_MORE,
};

/// The phrases that are abbreviations, written with a full stop.
const ABBREVIATIONS: &[&str] = &["c", "ca", "approx"];

/// Phrases that stand after a number (and its unit): "400,000 tons or more".
const AFTER: &[Phrase] = &[
    Phrase {
        words: "or more",
        fits: OR_MORE,
    },
    Phrase {
        words: "or over",
        fits: OR_MORE,
    },
    Phrase {
        words: "or less",
        fits: OR_LESS,
    },
    Phrase {
        words: "or fewer",
        fits: OR_LESS,
    },
    Phrase {
        words: "or so",
        fits: APPROX,
    },
    PLUS,
    Phrase {
        words: "odd",
        fits: APPROX,
    },
];

/// Signs that qualify a number: "~100", ">5".
const SIGNS: &[(char, Phrase)] = &[
    (
        '~',
        Phrase {
            words: "~",
            fits: APPROX,
        },
    ),
    (
        '≈',
        Phrase {
            words: "≈",
            fits: APPROX,
        },
    ),
    (
        '>',
        Phrase {
            words: ">",
            fits: GT,
        },
    ),
    (
        '≥',
        Phrase {
            words: "≥",
            fits: GE,
        },
    ),
    (
        '<',
        Phrase {
            words: "<",
            fits: LT,
        },
    ),
    (
        '≤',
        Phrase {
            words: "≤",
            fits: LE,
        },
    ),
];

/// The phrase that qualifies a mention, before it ("more than 400,000", "near-$100
/// million") or after it and at most one more word ("400,000 tons or more", "100+").
pub fn qualifier(text: &str, m: &Mention) -> Option<Phrase> {
    let before = text[..m.start].trim_end_matches([' ', '-', '(', '\u{a0}']);
    if let Some(c) = before.chars().next_back()
        && let Some((_, p)) = SIGNS.iter().find(|(s, _)| *s == c)
    {
        return Some(*p);
    }
    let lower = before.to_lowercase();
    let tail: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    // The phrase must end right before the number, not one word earlier.
    let ends_right = |phrase: &str| {
        let words: Vec<&str> = phrase.split(' ').collect();
        tail.len() >= words.len() && tail[tail.len() - words.len()..] == words[..]
    };
    // Only an abbreviation ("c. 300") may end in a full stop; "rose above. 20" may not.
    let dotted = lower.ends_with('.');
    let last_is_word = lower
        .trim_end_matches('.')
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    let found = BEFORE
        .iter()
        .filter(|p| !dotted || ABBREVIATIONS.contains(&p.words))
        .find(|p| ends_right(p.words));
    if last_is_word && let Some(p) = found {
        return Some(*p);
    }
    let after = &text[m.end..];
    if after.starts_with('+') {
        return Some(PLUS);
    }
    let lower = after.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    let starts = |skip: usize, phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        words.len() >= skip + p.len() && words[skip..skip + p.len()] == p[..]
    };
    AFTER
        .iter()
        .find(|p| starts(0, p.words) || starts(1, p.words))
        .copied()
}

/// What a qualifier code says, for messages.
pub fn qualifier_words(code: &str) -> &'static str {
    match code {
        "eq" => "exact",
        "approx" => "about",
        "gt" => "more than",
        "ge" => "at least",
        "lt" => "less than",
        "le" => "up to",
        "range" => "a range",
        _ => "unknown",
    }
}

/// Half the place value of the last digit a value is written with, scale applied:
/// "1.3" is known to ±0.05, "5.7 billion" to ±50 million, "85 million" to ±500,000.
pub fn half_unit(value: &str) -> Option<f64> {
    values::parse(value).ok()?;
    let (number, word) = value.split_once(' ').unwrap_or((value, ""));
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    let exponent = match word {
        "thousand" => 3,
        "million" => 6,
        "billion" => 9,
        "trillion" => 12,
        _ => 0,
    };
    Some(0.5 * 10f64.powi(exponent - i32::try_from(decimals).ok()?))
}

/// The least a figure can be, as written: its value (or lower bound) less half its
/// last digit; `None` when nothing bounds it from below.
pub fn written_lo(value: &str, qualifier: &str, lower: Option<&str>) -> Option<f64> {
    let at = |text: &str| Some(values::parse(text).ok()? - half_unit(text)?);
    match qualifier {
        "eq" | "gt" | "ge" => at(value),
        "approx" | "range" => at(lower?),
        _ => None,
    }
}

/// The most a figure can be, as written; `None` when nothing bounds it from above.
pub fn written_hi(value: &str, qualifier: &str, upper: Option<&str>) -> Option<f64> {
    let at = |text: &str| Some(values::parse(text).ok()? + half_unit(text)?);
    match qualifier {
        "eq" | "lt" | "le" => at(value),
        "approx" | "range" => at(upper?),
        _ => None,
    }
}

/// A number with its unit as people read it: "$74.1 million", "1.25 per cent",
/// "400,000 t", "RUB 3 billion".
pub fn amount(x: f64, unit: &str) -> String {
    let number = number(x);
    match unit {
        "USD" => signed("$", &number),
        "EUR" => signed("€", &number),
        "GBP" => signed("£", &number),
        "percent" => format!("{number} per cent"),
        "count" => number,
        "year" | "month" | "day" => {
            let one = x.abs() == 1.0;
            format!("{number} {unit}{}", if one { "" } else { "s" })
        }
        u if u.len() == 3 && u.chars().all(|c| c.is_ascii_uppercase()) => {
            format!("{u} {number}")
        }
        u => format!("{number} {u}"),
    }
}

/// The amounts a figure may be, for messages: "$70.6 million to $77.6 million", "at
/// least 400,000 t", "at most 5 per cent", or "any amount" when nothing bounds it.
pub fn amount_range(lo: Option<f64>, hi: Option<f64>, unit: &str) -> String {
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{} to {}", amount(lo, unit), amount(hi, unit)),
        (Some(lo), None) => format!("at least {}", amount(lo, unit)),
        (None, Some(hi)) => format!("at most {}", amount(hi, unit)),
        (None, None) => "any amount".into(),
    }
}

fn signed(sign: &str, number: &str) -> String {
    match number.strip_prefix('-') {
        Some(n) => format!("-{sign}{n}"),
        None => format!("{sign}{number}"),
    }
}

/// A number for people: three significant digits and a scale word from a million up
/// (74.1 million), thousands grouped below (400,000), three significant digits under
/// a thousand (1.25).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let a = x.abs();
    for (word, scale) in [("trillion", 1e12), ("billion", 1e9), ("million", 1e6)] {
        if a >= scale * 0.9995 {
            return format!("{} {word}", significant(x / scale));
        }
    }
    if a >= 1000.0 {
        return grouped(x.round());
    }
    significant(x)
}

/// Three significant digits, trailing zeros dropped; integers in full.
fn significant(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 || a == 0.0 {
        return format!("{}", x.round());
    }
    let digits = 2 - a.log10().floor() as i32;
    let decimals = usize::try_from(digits.max(0)).unwrap_or(0);
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// The ways a value is usually written, for messages: "4,000,000, 4 million, 4m".
pub fn forms(value: f64) -> Vec<String> {
    let a = value.abs();
    let mut out = Vec::new();
    if a.fract() == 0.0 && a < 1e15 {
        out.push(grouped(a));
    } else {
        out.push(format!("{a}"));
    }
    for (word, short, scale) in [
        ("trillion", "tn", 1e12),
        ("billion", "bn", 1e9),
        ("million", "m", 1e6),
        ("thousand", "k", 1e3),
    ] {
        let scaled = a / scale;
        if scaled >= 1.0 && ((scaled * 1000.0).round() - scaled * 1000.0).abs() < 1e-6 {
            let n = format!("{}", (scaled * 1000.0).round() / 1000.0);
            out.push(format!("{n} {word}"));
            out.push(format!("{n}{short}"));
            break;
        }
    }
    if let Some((w, _)) = UNITS.iter().find(|(_, v)| *v == a) {
        out.push((*w).to_string());
    } else if a == 12.0 {
        out.push("a dozen".into());
    }
    out
}

/// Words that say nothing about which event a title names.
const STOP: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "and", "or", "as",
    "its", "it", "is", "are", "be", "was", "were", "that", "this", "into", "after",
];

/// The words of a title that tell it apart, in lower case, without possessives and
/// plural endings, each once: "China returns a shipment of North Korean coal" gives
/// china, return, shipment, north, korean, coal.
pub fn title_words(title: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in title.split(|c: char| !(c.is_alphanumeric() || c == '’' || c == '\'')) {
        let lower = raw.to_lowercase();
        let word = lower
            .trim_end_matches("’s")
            .trim_end_matches("'s")
            .trim_matches(['’', '\'']);
        if word.is_empty() || STOP.contains(&word) {
            continue;
        }
        let word = match word.strip_suffix('s') {
            Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem,
            _ => word,
        };
        if !out.iter().any(|w| w == word) {
            out.push(word.to_string());
        }
    }
    out
}

/// How alike two titles are: the words they share over the words either has (0 to
/// 1; 1 for the same words in any order).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (title_words(a), title_words(b));
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count();
    shared as f64 / (a.len() + b.len() - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values_in(text: &str) -> Vec<Vec<f64>> {
        mentions(text)
            .into_iter()
            .map(|m| m.values().to_vec())
            .collect()
    }

    #[test]
    fn numbers_are_read_in_their_usual_written_forms() {
        assert_eq!(
            values_in("91 per cent of $5.7 billion trading volume"),
            [vec![91.0], vec![5.7e9]]
        );
        assert_eq!(values_in("$5.7bn"), [vec![5.7e9]]);
        assert_eq!(values_in("5,700,000,000 dollars"), [vec![5.7e9]]);
        assert_eq!(values_in("more than 400,000 tons"), [vec![400_000.0]]);
        assert_eq!(values_in("running four times a month"), [vec![4.0]]);
        assert_eq!(
            values_in("a dozen ships, two dozen crew"),
            [vec![12.0], vec![24.0]]
        );
        assert_eq!(values_in("the six-party talks"), [vec![6.0]]);
        assert_eq!(values_in("twenty-five years"), [vec![25.0]]);
        assert_eq!(values_in("two hundred and fifty"), [vec![250.0]]);
        assert_eq!(values_in("four hundred thousand tons"), [vec![400_000.0]]);
        assert_eq!(values_in("a hundred"), [vec![100.0]]);
        assert_eq!(values_in("3 million"), [vec![3e6]]);
        assert_eq!(values_in("5 hundred thousand"), [vec![5e5]]);
        // An abbreviation that is also a unit keeps both readings.
        assert_eq!(values_in("400m"), [vec![400.0, 4e8]]);
        assert_eq!(values_in("5\u{a0}700 km"), [vec![5700.0]]);
        assert_eq!(values_in("in 1961."), [vec![1961.0]]);
        assert_eq!(
            values_in("between 5 and 7 billion"),
            [vec![5.0, 5e9], vec![7e9]]
        );
        // Not numbers: digits glued to letters, a bare scale word, "a" alone.
        assert_eq!(
            values_in("the G20 met; a million thanks; a bill"),
            [vec![1e6]]
        );
        assert!(values_in("hundreds of millions").is_empty());
        assert!(values_in("someone").is_empty());
    }

    #[test]
    fn a_mention_covers_its_sign_scale_and_per_cent() {
        let text = "worth US$85 million, or 1.3 per cent.";
        let m = mentions(text);
        assert_eq!(m[0].text(text), "US$85 million");
        assert_eq!(m[1].text(text), "1.3 per cent");
        assert!(m[0].means(85e6));
        assert!(m[1].means(1.3) && m[1].means(-1.3) && !m[1].means(1.31));
    }

    fn phrase(text: &str, value: f64) -> Option<&'static str> {
        let m = mentions(text).into_iter().find(|m| m.means(value))?;
        qualifier(text, &m).map(|p| p.words)
    }

    #[test]
    fn qualifiers_are_found_next_to_the_number_only() {
        assert_eq!(
            phrase("the delivery of more than 400,000 tons", 4e5),
            Some("more than")
        );
        assert_eq!(
            phrase("the aforementioned near-$100 million trade", 1e8),
            Some("near")
        );
        assert_eq!(
            phrase("would consume at least $55 billion", 55e9),
            Some("at least")
        );
        assert_eq!(
            phrase("the author of over 100 articles", 100.0),
            Some("over")
        );
        assert_eq!(phrase("just under 5 per cent", 5.0), Some("just under"));
        assert_eq!(phrase("(about 12)", 12.0), Some("about"));
        assert_eq!(phrase("~40 ships", 40.0), Some("~"));
        assert_eq!(phrase("400,000 tons or more", 4e5), Some("or more"));
        assert_eq!(phrase("a 100+ strong delegation", 100.0), Some("plus"));
        assert_eq!(phrase("c. 300 people", 300.0), Some("c"));
        assert_eq!(phrase("prices rose above. 20 ships", 20.0), None);
        // Words that are not next to the number, or that only look alike.
        assert_eq!(phrase("more than ever, 400,000 tons", 4e5), None);
        assert_eq!(phrase("worth $85 million", 85e6), None);
        assert_eq!(phrase("the overall 20 years", 20.0), None);
        assert_eq!(phrase("Over the years, 20 ships", 20.0), None);
    }

    #[test]
    fn a_written_value_is_known_to_half_its_last_digit() {
        assert_eq!(half_unit("1.3"), Some(0.05));
        assert_eq!(half_unit("5.7 billion"), Some(5e7));
        assert_eq!(half_unit("85 million"), Some(5e5));
        assert_eq!(half_unit("400000"), Some(0.5));
        assert_eq!(half_unit("0"), Some(0.5));
        assert_eq!(half_unit("abc"), None);
        let lo = written_lo("1.3", "eq", None).unwrap();
        let hi = written_hi("1.3", "eq", None).unwrap();
        assert!((lo - 1.25).abs() < 1e-12 && (hi - 1.35).abs() < 1e-12);
        assert_eq!(written_hi("400000", "gt", None), None);
        assert_eq!(written_lo("400000", "lt", None), None);
        assert_eq!(written_lo("100", "approx", None), None);
        assert_eq!(written_lo("100", "range", Some("90")), Some(89.5));
        assert_eq!(written_hi("100", "range", Some("110")), Some(110.5));
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(amount(74.1e6, "USD"), "$74.1 million");
        assert_eq!(amount(70.625e6, "USD"), "$70.6 million");
        assert_eq!(amount(5.7e9, "USD"), "$5.7 billion");
        assert_eq!(amount(1.25, "percent"), "1.25 per cent");
        assert_eq!(amount(400_000.0, "t"), "400,000 t");
        assert_eq!(amount(20.0, "year"), "20 years");
        assert_eq!(amount(3e9, "RUB"), "RUB 3 billion");
        assert_eq!(amount(-12.5, "USD"), "-$12.5");
        assert_eq!(amount(999_999.0, "count"), "1 million");
        assert_eq!(amount(0.0133, "percent"), "0.0133 per cent");
        assert_eq!(
            amount_range(Some(70.625e6), Some(77.625e6), "USD"),
            "$70.6 million to $77.6 million"
        );
        assert_eq!(amount_range(Some(4e5), None, "t"), "at least 400,000 t");
        assert_eq!(
            amount_range(None, Some(5.0), "percent"),
            "at most 5 per cent"
        );
        assert_eq!(amount_range(None, None, "count"), "any amount");
        assert_eq!(forms(4e6), ["4,000,000", "4 million", "4m"]);
        assert_eq!(forms(4.0), ["4", "four"]);
        assert_eq!(forms(5.7e9), ["5,700,000,000", "5.7 billion", "5.7bn"]);
    }

    #[test]
    fn titles_are_alike_when_they_share_most_words() {
        assert_eq!(
            title_words("China returns a shipment of North Korea’s coal"),
            ["china", "return", "shipment", "north", "korea", "coal"]
        );
        let s = similarity(
            "China returns a shipment of North Korean coal",
            "China returns coal shipment",
        );
        assert!((s - 4.0 / 6.0).abs() < 1e-12, "{s}");
        assert_eq!(similarity("Kim meets Putin", "Putin meets Kim"), 1.0);
        assert!(
            similarity(
                "Kim meets Putin in Vladivostok",
                "Kim meets Putin in Moscow"
            ) < 0.65
        );
        assert_eq!(similarity("", "the"), 1.0);
    }
}
