//! `export sources --format csl-json`: the sources as CSL-JSON, the citation format
//! that Zotero, pandoc (`--citeproc`) and most reference managers read.
//!
//! Each source is one item, with the source's id as the item's, so that a document
//! cites `[@src-nee-2017-pyongyang-russian-sentiment]`. Dates keep the precision the
//! archive has: a year-only date gives `[[2017]]`, and a date marked `~` or `?` is
//! `circa`. A source known through another says so in `archive`, the place where
//! the item can be found, which styles print at the end of the entry (pandoc's
//! default Chicago style among them), and in `note`, which reference managers keep.

use crate::cmd::{Context, open_output};
use crate::db::dates::{self, Date, Kind};
use crate::error::Result;
use serde_json::{Map, Value, json};
use std::path::Path;

/// Every source, in the order loaded, with what an item needs besides: the issuer's
/// name (the author of a statement that names none) and how the source it is known
/// through is cited.
const SOURCES: &str = "\
SELECT s.id, s.kind, s.title, s.author, a.name AS issuer, s.outlet, s.published, s.url,
  s.accessed, s.language, v.cited_as AS via
FROM sources s
LEFT JOIN actors a ON a.id = s.issuer
LEFT JOIN sources_full v ON v.id = s.via
ORDER BY s.rowid";

/// One row of [`SOURCES`].
#[derive(Debug, Default)]
struct Source {
    id: String,
    kind: String,
    title: String,
    author: Option<String>,
    issuer: Option<String>,
    outlet: Option<String>,
    published: Option<String>,
    url: Option<String>,
    accessed: Option<String>,
    language: Option<String>,
    via: Option<String>,
}

pub fn export(path: Option<&Path>, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    let mut stmt = archive.prepare(SOURCES)?;
    let rows = stmt.query_map([], |r| {
        Ok(Source {
            id: r.get(0)?,
            kind: r.get(1)?,
            title: r.get(2)?,
            author: r.get(3)?,
            issuer: r.get(4)?,
            outlet: r.get(5)?,
            published: r.get(6)?,
            url: r.get(7)?,
            accessed: r.get(8)?,
            language: r.get(9)?,
            via: r.get(10)?,
        })
    })?;
    let mut items = Vec::new();
    for row in rows {
        items.push(item(&row.map_err(|e| archive.explain(e))?));
    }
    let mut out = open_output(path)?;
    serde_json::to_writer_pretty(out.writer(), &items).map_err(std::io::Error::from)?;
    out.writer().write_all(b"\n")?;
    super::written(out, path, items.len(), ("source", "sources"), ctx)
}

/// Where a source's outlet goes: the periodical, site or programme an item appears
/// in, or the organisation that publishes a whole work.
#[derive(Debug, PartialEq)]
enum Outlet {
    Container,
    Publisher,
}

/// The CSL type of each kind of source; a statement, which CSL has no type for, is a
/// document whose genre says what it is.
fn csl_type(kind: &str) -> (&'static str, Option<&'static str>, Outlet) {
    match kind {
        "article" => ("article-newspaper", None, Outlet::Container),
        "statement" => ("document", Some("statement"), Outlet::Container),
        "report" => ("report", None, Outlet::Publisher),
        "dataset" => ("dataset", None, Outlet::Publisher),
        "book" => ("book", None, Outlet::Publisher),
        "broadcast" => ("broadcast", None, Outlet::Publisher),
        "interview" => ("interview", None, Outlet::Container),
        "speech" => ("speech", None, Outlet::Container),
        "web" => ("webpage", None, Outlet::Container),
        _ => ("document", None, Outlet::Publisher),
    }
}

fn item(s: &Source) -> Value {
    let (ty, genre, outlet) = csl_type(&s.kind);
    let mut item = Map::new();
    item.insert("id".into(), s.id.clone().into());
    item.insert("type".into(), ty.into());
    if let Some(genre) = genre {
        item.insert("genre".into(), genre.into());
    }
    item.insert("title".into(), s.title.clone().into());
    // A statement signed by no one is the issuer's: a government's, an agency's.
    let author = match (&s.author, &s.issuer) {
        (Some(a), _) => Some(person(a)),
        (None, Some(issuer)) => Some(json!({"literal": issuer})),
        (None, None) => None,
    };
    if let Some(a) = author {
        item.insert("author".into(), json!([a]));
    }
    if let Some(o) = &s.outlet {
        let key = match outlet {
            Outlet::Container => "container-title",
            Outlet::Publisher => "publisher",
        };
        item.insert(key.into(), o.clone().into());
    }
    if let Some(issued) = s.published.as_deref().and_then(date) {
        item.insert("issued".into(), issued);
    }
    if let Some(url) = &s.url {
        item.insert("URL".into(), url.clone().into());
    }
    if let Some(accessed) = s.accessed.as_deref().and_then(date) {
        item.insert("accessed".into(), accessed);
    }
    if let Some(language) = &s.language {
        item.insert("language".into(), language.clone().into());
    }
    if let Some(via) = &s.via {
        let known = format!("As reported by {via}");
        item.insert("archive".into(), known.clone().into());
        item.insert("note".into(), known.into());
    }
    Value::Object(item)
}

/// A date as CSL date-parts, at the archive's precision: one date, or the two ends
/// of a span or of the range in which one moment fell (`circa`, as is a date marked
/// uncertain or approximate).
fn date(text: &str) -> Option<Value> {
    let whole = dates::parse(text).ok()?;
    let (a, b) = dates::sides(text);
    let a: Date = dates::parse(a).ok()?;
    let mut parts = vec![a.start_parts()];
    if let Some(b) = b.and_then(|b| dates::parse(b).ok()) {
        parts.push(b.start_parts());
    } else if a.precision == dates::Precision::Decade {
        // A decade is a moment somewhere in ten years.
        parts.push(vec![a.start.year + 9]);
    }
    let mut date = Map::new();
    date.insert("date-parts".into(), json!(parts));
    let decade = a.precision == dates::Precision::Decade;
    if whole.uncertain || whole.approx || whole.kind == Kind::Between || decade {
        date.insert("circa".into(), true.into());
    }
    Some(Value::Object(date))
}

/// An author as CSL names one: family and given names for a personal name written
/// `Family, Given` or plainly `Given Family` (middle initials allowed); anything else
/// (an organisation, a name of one word or in another order, several people) as
/// written, since a wrong split is worse than none.
fn person(name: &str) -> Value {
    if let Some((family, given)) = name.split_once(',') {
        let (family, given) = (family.trim(), given.trim());
        if !family.is_empty() && !given.is_empty() && !given.contains(',') {
            return json!({"family": family, "given": given});
        }
        return json!({"literal": name});
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let is_name = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().any(char::is_lowercase)
            && chars.all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
    };
    let is_initial = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase) && chars.as_str() == "."
    };
    // Two to four words: a given name, up to two middle initials, a family name.
    let plain = match words.as_slice() {
        [given, middle @ .., family] if words.len() <= 4 => {
            is_name(given) && middle.iter().all(|m| is_initial(m)) && is_name(family)
        }
        _ => false,
    };
    let connectors = ["And", "Of", "For", "The"];
    if plain && !words.iter().any(|w| connectors.contains(w)) {
        let (family, given) = (words[words.len() - 1], words[..words.len() - 1].join(" "));
        return json!({"family": family, "given": given});
    }
    json!({"literal": name})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_names_are_split_only_when_plainly_written() {
        assert_eq!(
            person("Grzegorz Kaliszuk"),
            json!({"family": "Kaliszuk", "given": "Grzegorz"})
        );
        assert_eq!(
            person("John F. Kennedy"),
            json!({"family": "Kennedy", "given": "John F."})
        );
        assert_eq!(
            person("Kim, Jong-un"),
            json!({"family": "Kim", "given": "Jong-un"})
        );
        assert_eq!(
            person("Jean-Luc O’Neill"),
            json!({"family": "O’Neill", "given": "Jean-Luc"})
        );
        assert_eq!(
            person("Pat O'Brien"),
            json!({"family": "O'Brien", "given": "Pat"})
        );
        assert_eq!(
            person("John F. G. Kennedy"),
            json!({"family": "Kennedy", "given": "John F. G."})
        );
        for literal in [
            "Reuters",
            "Korean Central News Agency",
            "Ministry of Foreign Affairs",
            "Anna Smith and Bo Lee",
            "Ludwig van Beethoven",
            "KCNA Staff",
            "A, B, C",
            "Jane Doe 2",
            "Jane2 Doe",
            "Mary Ann Smith",
            "John F. G. H. Kennedy",
            "The Times",
        ] {
            assert_eq!(person(literal), json!({"literal": literal}), "{literal}");
        }
    }

    #[test]
    fn dates_keep_the_archive_precision() {
        assert_eq!(
            date("2017-06-23"),
            Some(json!({"date-parts": [[2017, 6, 23]]}))
        );
        assert_eq!(date("2017-06"), Some(json!({"date-parts": [[2017, 6]]})));
        assert_eq!(date("2017"), Some(json!({"date-parts": [[2017]]})));
        assert_eq!(
            date("2017~"),
            Some(json!({"date-parts": [[2017]], "circa": true}))
        );
        assert_eq!(
            date("2014/2015-06"),
            Some(json!({"date-parts": [[2014], [2015, 6]]}))
        );
        assert_eq!(date("2014/.."), Some(json!({"date-parts": [[2014]]})));
        assert_eq!(
            date("[2017..2017-06-23]"),
            Some(json!({"date-parts": [[2017], [2017, 6, 23]], "circa": true}))
        );
        assert_eq!(
            date("201X"),
            Some(json!({"date-parts": [[2010], [2019]], "circa": true}))
        );
    }

    #[test]
    fn an_item_has_its_type_outlet_and_the_source_it_is_known_through() {
        let article = Source {
            id: "src-a".into(),
            kind: "article".into(),
            title: "Pyongyang’s Russian sentiment".into(),
            author: Some("Grzegorz Kaliszuk".into()),
            issuer: Some("Grzegorz Kaliszuk".into()),
            outlet: Some("New Eastern Europe".into()),
            published: Some("2017-06-23".into()),
            url: Some("https://example.org/a".into()),
            accessed: Some("2020-01-02".into()),
            language: Some("en".into()),
            via: None,
        };
        assert_eq!(
            item(&article),
            json!({
                "id": "src-a",
                "type": "article-newspaper",
                "title": "Pyongyang’s Russian sentiment",
                "author": [{"family": "Kaliszuk", "given": "Grzegorz"}],
                "container-title": "New Eastern Europe",
                "issued": {"date-parts": [[2017, 6, 23]]},
                "URL": "https://example.org/a",
                "accessed": {"date-parts": [[2020, 1, 2]]},
                "language": "en"
            })
        );
        let statement = Source {
            id: "src-b".into(),
            kind: "statement".into(),
            title: "An announcement".into(),
            issuer: Some("China".into()),
            published: Some("2017~".into()),
            via: Some("New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23".into()),
            ..Source::default()
        };
        assert_eq!(
            item(&statement),
            json!({
                "id": "src-b",
                "type": "document",
                "genre": "statement",
                "title": "An announcement",
                "author": [{"literal": "China"}],
                "issued": {"date-parts": [[2017]], "circa": true},
                "archive": "As reported by New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23",
                "note": "As reported by New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23"
            })
        );
        let report = Source {
            id: "r".into(),
            kind: "report".into(),
            title: "R".into(),
            outlet: Some("UN Panel of Experts".into()),
            ..Source::default()
        };
        assert_eq!(item(&report)["publisher"], json!("UN Panel of Experts"));
        assert_eq!(item(&report).get("author"), None);
        assert_eq!(item(&report)["type"], json!("report"));
        for (kind, ty) in [
            ("dataset", "dataset"),
            ("book", "book"),
            ("broadcast", "broadcast"),
            ("interview", "interview"),
            ("speech", "speech"),
            ("document", "document"),
            ("web", "webpage"),
        ] {
            assert_eq!(csl_type(kind).0, ty, "{kind}");
        }
    }
}
