//! The number syntax of figures.csv's value, lower and upper columns, and its normalisation.
//!
//! A value is a plain decimal number with `.` as decimal point, optionally followed by
//! one space and a scale word: `91`, `1.3`, `400000`, `5.7 billion`. The loader keeps the
//! text as written and stores beside it the number with the scale applied. Anything a
//! spreadsheet or a reporter might add (thousands separators, currency signs, `bn`,
//! exponents) is refused with a hint, because guessing what `1,000` means is how
//! archives end up wrong by a factor of a thousand.

/// Why a text is not an accepted number, and how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub problem: String,
    pub hint: String,
}

fn fail(problem: impl Into<String>, hint: impl Into<String>) -> ValueError {
    ValueError {
        problem: problem.into(),
        hint: hint.into(),
    }
}

/// The scale words a value may end with, and the power of ten each stands for.
pub const SCALES: [(&str, i32); 4] = [
    ("thousand", 3),
    ("million", 6),
    ("billion", 9),
    ("trillion", 12),
];

/// Significant digits beyond which an f64 no longer holds every decimal exactly.
const MAX_DIGITS: usize = 15;

const FORM: &str = "write a plain number such as 400000, 1.3 or 5.7 billion";

/// Parses a value cell and returns the normalised number (`5.7 billion` → 5.7e9).
pub fn parse(text: &str) -> Result<f64, ValueError> {
    if text.trim() != text {
        return Err(fail(
            "number has spaces around it",
            format!("remove the spaces: {}", text.trim()),
        ));
    }
    let (number, scale) = match text.split_once(' ') {
        Some((n, word)) => (n, Some(word)),
        None => (text, None),
    };
    let exponent = match scale {
        None => 0,
        Some(word) => scale_exponent(word, number)?,
    };
    let digits = check_number(number, text)?;
    if digits > MAX_DIGITS {
        return Err(fail(
            format!("more than {MAX_DIGITS} significant digits cannot be stored exactly"),
            "round the number, or use a scale word: 1.234 billion",
        ));
    }
    // Rust's float parser rounds correctly, so "5.7e9" gives exactly the double nearest
    // 5 700 000 000 rather than 5.7 * 1e9 with its two roundings.
    let value: f64 = format!("{number}e{exponent}")
        .parse()
        .map_err(|_| fail("not a number", FORM))?;
    if !value.is_finite() {
        return Err(fail("number is too large", FORM));
    }
    // A non-zero number written with hundreds of zeros after the point underflows to
    // zero (or to a subnormal that has lost digits); storing 0 would change the fact.
    if digits > 0 && !value.is_normal() {
        return Err(fail(
            "number is too small to store",
            "write 0 if that is meant, or use a smaller unit, in which the number is larger",
        ));
    }
    Ok(value)
}

fn scale_exponent(word: &str, number: &str) -> Result<i32, ValueError> {
    if let Some((_, e)) = SCALES.iter().find(|(w, _)| *w == word) {
        return Ok(*e);
    }
    let lower = word.trim().to_lowercase();
    if let Some((w, _)) = SCALES.iter().find(|(w, _)| *w == lower) {
        let hint = if word.trim() != word {
            format!("put one space before the scale word: {number} {w}")
        } else {
            format!("write the scale word in lower case: {number} {w}")
        };
        return Err(fail("scale word written differently", hint));
    }
    let short = [
        ("k", "thousand"),
        ("th", "thousand"),
        ("m", "million"),
        ("mn", "million"),
        ("mln", "million"),
        ("b", "billion"),
        ("bn", "billion"),
        ("bln", "billion"),
        ("milliard", "billion"),
        ("tn", "trillion"),
        ("trn", "trillion"),
    ];
    if let Some((_, w)) = short
        .iter()
        .find(|(s, _)| *s == lower.trim_end_matches('.'))
    {
        return Err(fail(
            format!("unknown scale word \"{word}\""),
            format!("write the scale word in full: {number} {w}"),
        ));
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return Err(fail(
            "number has a space inside it",
            format!("write it without thousands separators: {number}{word}"),
        ));
    }
    Err(fail(
        format!("unknown scale word \"{word}\""),
        "the scale words are thousand, million, billion and trillion; put units in the unit column",
    ))
}

/// Checks the digits and returns how many significant digits there are.
fn check_number(number: &str, whole: &str) -> Result<usize, ValueError> {
    let b = number.as_bytes();
    if b.is_empty() {
        return Err(fail("number is empty", FORM));
    }
    if let Some(hint) = foreign_hint(number, whole) {
        return Err(hint);
    }
    let unsigned = number.strip_prefix('-').unwrap_or(number);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if int.is_empty() && frac.is_some_and(all_digits) {
        return Err(fail(
            "number starts with a decimal point",
            format!(
                "write a 0 before it: {}0.{}",
                sign(number),
                frac.unwrap_or("")
            ),
        ));
    }
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        if frac == Some("") && all_digits(int) {
            return Err(fail(
                "number ends with a decimal point",
                format!("remove the point: {}{int}", sign(number)),
            ));
        }
        return Err(fail("not a number", FORM));
    }
    if int.len() > 1 && int.starts_with('0') {
        let trimmed = int.trim_start_matches('0');
        let int = if trimmed.is_empty() { "0" } else { trimmed };
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        return Err(fail(
            "number has leading zeros",
            format!("remove them: {}{int}{frac}", sign(number)),
        ));
    }
    let is_zero = int == "0" && frac.is_none_or(|f| f.bytes().all(|c| c == b'0'));
    if number.starts_with('-') && is_zero {
        return Err(fail("negative zero", "write 0"));
    }
    let significant = format!("{int}{}", frac.unwrap_or(""));
    let significant = significant.trim_start_matches('0');
    Ok(significant.len())
}

fn sign(number: &str) -> &'static str {
    if number.starts_with('-') { "-" } else { "" }
}

/// Recognises what spreadsheets and news copy put around numbers.
fn foreign_hint(number: &str, whole: &str) -> Option<ValueError> {
    let lower = number.to_ascii_lowercase();
    if ["nan", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(&lower.as_str()) {
        return Some(fail("not a number", FORM));
    }
    if let Some(c) = number.chars().find(|c| "$€£¥₽₩".contains(*c)) {
        let code = match c {
            '$' => "USD",
            '€' => "EUR",
            '£' => "GBP",
            '¥' => "JPY or CNY",
            '₽' => "RUB",
            _ => "KRW or KPW",
        };
        let rest: String = whole.chars().filter(|x| *x != c).collect();
        return Some(fail(
            "number has a currency sign",
            format!("put the currency in the unit column ({code}) and write {rest}"),
        ));
    }
    if number.ends_with('%') {
        return Some(fail(
            "number has a per cent sign",
            format!(
                "put percent in the unit column and write {}",
                number.trim_end_matches('%')
            ),
        ));
    }
    if let Some(rest) = number.strip_prefix('+') {
        return Some(fail("number has a + sign", format!("remove it: {rest}")));
    }
    let b = number.as_bytes();
    if b.iter().any(|c| *c == b'e' || *c == b'E')
        && b.iter().all(|c| c.is_ascii_digit() || b"eE.-+".contains(c))
    {
        return Some(fail(
            "exponents are not accepted",
            "write the number in full, with a scale word if it helps: 5.7 billion",
        ));
    }
    if let Some(pos) = number.find(',') {
        let after = &number[pos + 1..];
        let hint = if number.matches(',').count() == 1 && after.len() != 3 && !number.contains('.')
        {
            format!("use a point as decimal mark: {}", number.replace(',', "."))
        } else if number.matches(',').count() == 1 && after.len() == 3 && !number.contains('.') {
            format!(
                "dossier does not guess: write {} if the comma separates thousands, or {} if it is a decimal comma",
                number.replace(',', ""),
                number.replace(',', ".")
            )
        } else {
            format!(
                "remove the thousands separators: {}",
                number.replace(',', "")
            )
        };
        return Some(fail("number has a comma", hint));
    }
    if let Some(c) = number.chars().find(|c| c.is_alphabetic()) {
        let split = number.find(c).unwrap_or(0);
        let (n, w) = number.split_at(split);
        if !n.is_empty() {
            // The first letter, lowered, can be any character (`º`, `ß`): compare
            // characters, not byte slices.
            let first = w.to_lowercase().chars().next();
            let full = SCALES
                .iter()
                .find(|(s, _)| first.is_some_and(|f| s.starts_with(f)))
                .map(|(s, _)| *s);
            return Some(match full {
                Some(word) => fail(
                    format!("unknown scale word \"{w}\""),
                    format!("write the scale word in full after a space: {n} {word}"),
                ),
                None => fail(
                    "number has letters after it",
                    "put units in the unit column; the only words allowed after a number are thousand, million, billion and trillion",
                ),
            });
        }
        return Some(fail("not a number", FORM));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> f64 {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn hint(s: &str) -> String {
        parse(s).expect_err(s).hint
    }

    fn problem(s: &str) -> String {
        parse(s).expect_err(s).problem
    }

    #[test]
    fn plain_numbers_and_scale_words() {
        assert_eq!(ok("91"), 91.0);
        assert_eq!(ok("1.3"), 1.3);
        assert_eq!(ok("400000"), 400000.0);
        assert_eq!(ok("0"), 0.0);
        assert_eq!(ok("0.5"), 0.5);
        assert_eq!(ok("-12.25"), -12.25);
        assert_eq!(ok("5.7 billion"), 5_700_000_000.0);
        assert_eq!(ok("85 million"), 85_000_000.0);
        assert_eq!(ok("3.5 thousand"), 3500.0);
        assert_eq!(ok("1 trillion"), 1e12);
        assert_eq!(ok("0.1 million"), 100_000.0);
        assert_eq!(ok("999999999999999"), 999_999_999_999_999.0);
    }

    #[test]
    fn normalisation_is_exact_for_decimal_inputs() {
        // 5.7 * 1e9 in floating point is 5700000000.000001; the parser must not be.
        assert_eq!(ok("5.7 billion").to_string(), "5700000000");
        assert_eq!(ok("1.1 thousand").to_string(), "1100");
        assert_eq!(ok("0.3 million").to_string(), "300000");
    }

    #[test]
    fn spreadsheet_and_newsroom_forms_are_refused_with_a_fix() {
        assert_eq!(
            hint("1,000"),
            "dossier does not guess: write 1000 if the comma separates thousands, or 1.000 if it is a decimal comma"
        );
        assert_eq!(
            hint("1,000,000"),
            "remove the thousands separators: 1000000"
        );
        assert_eq!(hint("5,7"), "use a point as decimal mark: 5.7");
        assert_eq!(hint("1 000"), "write it without thousands separators: 1000");
        assert_eq!(problem("1e400"), "exponents are not accepted");
        assert_eq!(problem("5.7E9"), "exponents are not accepted");
        assert_eq!(problem("NaN"), "not a number");
        assert_eq!(problem("inf"), "not a number");
        assert_eq!(problem("-0"), "negative zero");
        assert_eq!(problem("-0.00"), "negative zero");
        // Found by the values fuzz target: this underflowed to -0.0 and was accepted.
        let tiny = format!("-0.{}48", "0".repeat(330));
        assert_eq!(problem(&tiny), "number is too small to store");
        assert_eq!(problem(&tiny[1..]), "number is too small to store");
        assert_eq!(
            problem(&format!("0.{}5", "0".repeat(320))),
            "number is too small to store"
        );
        assert_eq!(hint("5.7 bn"), "write the scale word in full: 5.7 billion");
        assert_eq!(
            hint("5.7bn"),
            "write the scale word in full after a space: 5.7 billion"
        );
        assert_eq!(
            hint("5.7 Billion"),
            "write the scale word in lower case: 5.7 billion"
        );
        assert_eq!(
            hint("$5.7 billion"),
            "put the currency in the unit column (USD) and write 5.7 billion"
        );
        assert_eq!(
            hint("€3"),
            "put the currency in the unit column (EUR) and write 3"
        );
        // Each sign names its own currency.
        for (sign, code) in [
            ('£', "GBP"),
            ('¥', "JPY or CNY"),
            ('₽', "RUB"),
            ('₩', "KRW or KPW"),
        ] {
            assert_eq!(
                hint(&format!("{sign}3 million")),
                format!("put the currency in the unit column ({code}) and write 3 million")
            );
        }
        // A comma: a decimal comma, a guess dossier will not make, or separators.
        assert_eq!(hint("1,5"), "use a point as decimal mark: 1.5");
        assert_eq!(
            hint("1,500"),
            "dossier does not guess: write 1500 if the comma separates thousands, or 1.500 if it is a decimal comma"
        );
        assert_eq!(hint("1,234.5"), "remove the thousands separators: 1234.5");
        assert_eq!(
            hint("1,234,567"),
            "remove the thousands separators: 1234567"
        );
        assert_eq!(hint("91%"), "put percent in the unit column and write 91");
        assert_eq!(hint(".5"), "write a 0 before it: 0.5");
        assert_eq!(hint("-.5"), "write a 0 before it: -0.5");
        assert_eq!(hint("5."), "remove the point: 5");
        assert_eq!(hint("007"), "remove them: 7");
        assert_eq!(hint("00.5"), "remove them: 0.5");
        assert_eq!(hint("+5"), "remove it: 5");
        assert_eq!(hint(" 5"), "remove the spaces: 5");
        assert_eq!(problem("5 tons"), "unknown scale word \"tons\"");
        assert_eq!(problem("five"), "not a number");
        assert_eq!(problem(""), "number is empty");
        assert_eq!(problem("1.2.3"), "not a number");
        assert_eq!(problem("--5"), "not a number");
        assert_eq!(
            problem("1234567890123456"),
            "more than 15 significant digits cannot be stored exactly"
        );
    }

    #[test]
    fn huge_numbers_are_refused_not_infinite() {
        let big = format!("{} trillion", "9".repeat(15));
        assert_eq!(ok(&big), 999_999_999_999_999e12);
        assert!(parse(&"9".repeat(400)).is_err());
    }

    #[test]
    fn a_letter_outside_ascii_after_a_number_is_refused_not_a_panic() {
        for text in ["{º", "5º", "5ßillion", "12µ", "3Ω"] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn value_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,20}",
            Just(".".to_string()),
            Just("-".to_string()),
            Just(",".to_string()),
            Just(" ".to_string()),
            "(thousand|million|billion|trillion|bn|Billion|e|E|%|\\$|NaN|inf)",
        ];
        prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn any_string_is_refused_or_keeps_the_promises(s in ".*") {
            crate::db::selfcheck::value(&s);
        }

        #[test]
        fn number_like_strings_are_refused_or_keep_the_promises(s in value_like()) {
            crate::db::selfcheck::value(&s);
        }

        #[test]
        fn well_formed_values_are_accepted_and_keep_the_promises(
            s in "-?(0|[1-9][0-9]{0,9})(\\.[0-9]{1,5})?( (thousand|million|billion|trillion))?"
        ) {
            let negative_zero = s.starts_with('-') && !s.bytes().any(|b| (b'1'..=b'9').contains(&b));
            prop_assert_eq!(parse(&s).is_ok(), !negative_zero, "{}", s);
            crate::db::selfcheck::value(&s);
        }

        #[test]
        fn plain_numbers_print_back_to_the_same_value(int in 0u64..1_000_000_000, frac in proptest::option::of("[0-9]{1,5}"), negative in any::<bool>()) {
            let text = match &frac {
                Some(f) => format!("{}{int}.{f}", if negative { "-" } else { "" }),
                None => format!("{}{int}", if negative { "-" } else { "" }),
            };
            let is_negative_zero = negative && int == 0 && frac.as_deref().is_none_or(|f| f.bytes().all(|b| b == b'0'));
            match parse(&text) {
                Ok(v) => {
                    prop_assert!(!is_negative_zero);
                    prop_assert_eq!(v, text.parse::<f64>().unwrap());
                    prop_assert_eq!(parse(&v.to_string()), Ok(v));
                }
                Err(e) => prop_assert!(is_negative_zero, "{}: {:?}", text, e),
            }
        }

        #[test]
        fn scale_words_multiply_exactly(int in 1u64..1000, frac in 0u64..100, word in 0usize..4) {
            let (name, exp) = SCALES[word];
            let text = format!("{int}.{frac:02} {name}");
            let expected: f64 = format!("{int}.{frac:02}e{exp}").parse().unwrap();
            prop_assert_eq!(parse(&text), Ok(expected));
        }
    }
}
