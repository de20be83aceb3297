//! The Frictionless Data Package that describes the CSV files `export --dir` writes
//! (`datapackage.json`): a Table Schema per file, built from the column declarations,
//! so that validators and open-data portals read the files as dossier does.
//!
//! Each declared column becomes a field: its type, whether it is required, the
//! vocabulary it takes (from the schema's lookup tables and the checks' own lists),
//! the pattern of its ids, dates and numbers, and the keys between files. A new
//! column is described as soon as it is declared. The patterns say what a cell looks
//! like; the loader checks more (that a day is in the calendar, that a span ends after
//! it starts), which no pattern can.

use super::check::{QUALIFIERS, RELATIONS};
use super::spec::{Check, Column, ID_MAX, Store, TITLE_MAX, Table};
use super::values::SCALES;
use super::{ColumnNote, column_notes, object_notes};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// The file's name, beside the CSV files.
pub const FILE_NAME: &str = "datapackage.json";

/// The separator of list cells (actors, tags, aliases).
const LIST_DELIMITER: &str = ";";

/// The controlled vocabularies, in the order the schema lists them.
struct Vocabularies {
    units: Vec<String>,
    source_kinds: Vec<String>,
    actor_kinds: Vec<String>,
}

impl Vocabularies {
    fn read(conn: &Connection) -> rusqlite::Result<Self> {
        let list = |table: &str| -> rusqlite::Result<Vec<String>> {
            let mut stmt = conn.prepare(&format!("SELECT code FROM {table} ORDER BY rowid"))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        };
        Ok(Vocabularies {
            units: list("units")?,
            source_kinds: list("source_kinds")?,
            actor_kinds: list("actor_kinds")?,
        })
    }
}

/// The data package of an archive's CSV files. The vocabularies are read from the
/// archive, which has the lookup tables of the dossier that built it.
pub fn descriptor(conn: &Connection) -> rusqlite::Result<Value> {
    let vocab = Vocabularies::read(conn)?;
    let notes = column_notes();
    let tables = object_notes();
    let resources: Vec<Value> = Table::ALL
        .iter()
        .map(|&table| {
            let description = tables
                .iter()
                .find(|n| n.object == table.name())
                .map(|n| n.note.clone())
                .unwrap_or_default();
            let mut resource = Map::new();
            resource.insert("name".into(), table.name().into());
            resource.insert("path".into(), table.file_name().into());
            resource.insert("profile".into(), "tabular-data-resource".into());
            resource.insert("format".into(), "csv".into());
            resource.insert("mediatype".into(), "text/csv".into());
            resource.insert("encoding".into(), "utf-8".into());
            resource.insert("description".into(), description.into());
            resource.insert("schema".into(), schema(table, &vocab, &notes));
            Value::Object(resource)
        })
        .collect();
    let documents = documents(conn)?;
    // A text is not a table: a package with documents is a plain data package, whose
    // tabular resources keep their Table Schemas.
    let profile = if documents.is_empty() {
        "tabular-data-package"
    } else {
        "data-package"
    };
    let resources: Vec<Value> = resources.into_iter().chain(documents).collect();
    Ok(json!({
        "profile": profile,
        "name": "dossier-archive",
        "title": "A dossier archive",
        "description": "Events, figures and sources, each fact tied to the verbatim words that support it: the CSV files dossier loads (dossier load DIR) and exports (dossier export --dir DIR).",
        "resources": resources,
    }))
}

/// A resource for each document file, at the path the `document` column gives (where
/// `export --dir` writes it). Sources that share a file share its resource, as
/// `export --dir` writes the file once.
fn documents(conn: &Connection) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = conn.prepare(
        "SELECT group_concat(s.id, ', '), s.document, length(CAST(d.text AS BLOB)) \
         FROM documents d JOIN sources s ON s.id = d.source \
         WHERE s.document IS NOT NULL GROUP BY s.document ORDER BY min(s.rowid)",
    )?;
    let rows = stmt.query_map([], |r| {
        let sources: String = r.get(0)?;
        let path: String = r.get(1)?;
        let bytes: i64 = r.get(2)?;
        let markdown = path.ends_with(".md") || path.ends_with(".markdown");
        Ok(json!({
            // Resource names are lower case, and paths are unique: name it by its path.
            "name": format!("document-{}", path.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-' && c != '_', "-")),
            "path": path,
            "profile": "data-resource",
            "format": if markdown { "md" } else { "txt" },
            "mediatype": if markdown { "text/markdown" } else { "text/plain" },
            "encoding": "utf-8",
            "bytes": bytes,
            "description": format!("the text of {sources}, against which its quotes are checked"),
        }))
    })?;
    rows.collect()
}

/// The descriptor as the file holds it: indented, with a final line end.
pub fn to_text(descriptor: &Value) -> String {
    let mut text = serde_json::to_string_pretty(descriptor).unwrap_or_default();
    text.push('\n');
    text
}

/// The Table Schema of one file.
fn schema(table: Table, vocab: &Vocabularies, notes: &[ColumnNote]) -> Value {
    let fields: Vec<Value> = table
        .columns()
        .iter()
        .map(|c| field(table, c, vocab, notes))
        .collect();
    let foreign_keys: Vec<Value> = table
        .columns()
        .iter()
        .filter_map(|c| match c.check {
            // A file's own rows are named by an empty resource.
            Check::Ref(parent) => Some(json!({
                "fields": c.name,
                "reference": {
                    "resource": if parent == table { "" } else { parent.name() },
                    "fields": table_id(parent),
                },
            })),
            _ => None,
        })
        .collect();
    let mut schema = Map::new();
    schema.insert("fields".into(), fields.into());
    if let Some(i) = table.id_index() {
        schema.insert("primaryKey".into(), json!([table.columns()[i].name]));
    }
    if !foreign_keys.is_empty() {
        schema.insert("foreignKeys".into(), foreign_keys.into());
    }
    schema.insert("missingValues".into(), json!([""]));
    Value::Object(schema)
}

/// The name of the column that holds a table's ids.
fn table_id(table: Table) -> &'static str {
    table.id_index().map_or("id", |i| table.columns()[i].name)
}

/// One column as a Table Schema field.
fn field(table: Table, c: &Column, vocab: &Vocabularies, notes: &[ColumnNote]) -> Value {
    let mut f = Map::new();
    f.insert("name".into(), c.name.into());
    let (ty, format) = field_type(c.check);
    f.insert("type".into(), ty.into());
    if let Some(format) = format {
        f.insert("format".into(), format.into());
    }
    if ty == "list" {
        f.insert("delimiter".into(), LIST_DELIMITER.into());
        f.insert("itemType".into(), "string".into());
    }
    f.insert("description".into(), description(table, c, notes).into());
    let mut constraints = Map::new();
    if c.required {
        constraints.insert("required".into(), true.into());
    }
    if c.check == Check::Id {
        constraints.insert("unique".into(), true.into());
    }
    if let Some(values) = vocabulary(c.check, vocab) {
        constraints.insert("enum".into(), values.into());
    }
    if let Some(p) = pattern(c.check) {
        constraints.insert("pattern".into(), p.into());
    }
    match c.check {
        Check::Id | Check::Ref(_) => {
            constraints.insert("maxLength".into(), ID_MAX.into());
        }
        Check::Title => {
            constraints.insert("maxLength".into(), TITLE_MAX.into());
        }
        _ => {}
    }
    if !constraints.is_empty() {
        f.insert("constraints".into(), constraints.into());
    }
    Value::Object(f)
}

/// The Table Schema type of a column's cells, and its format where one applies.
fn field_type(check: Check) -> (&'static str, Option<&'static str>) {
    match check {
        Check::Day => ("date", None),
        Check::Url => ("string", Some("uri")),
        Check::RefList(_) | Check::Tags | Check::Aliases => ("list", None),
        _ => ("string", None),
    }
}

/// What a column holds, from the comment on the database column it fills, and what
/// an empty cell means when it means something.
fn description(table: Table, c: &Column, notes: &[ColumnNote]) -> String {
    let (object, column) = match c.store {
        Store::Column => (table.name(), c.name),
        Store::Citation => (Table::Citations.name(), c.name),
        Store::List { table, element } => (table, element),
    };
    let mut text = notes
        .iter()
        .find(|n| n.object == object && n.column == column)
        .map(|n| n.note.clone())
        .unwrap_or_default();
    if let Store::List { .. } = c.store {
        text = format!("{text}; {LIST_DELIMITER}-separated");
    }
    if let Check::RefList(parent) = c.check {
        text = format!("{text}, each an id of {}", parent.file_name());
    }
    if let Some(default) = c.default {
        text = format!("{text} (empty means {default})");
    }
    if table.exactly_one_of().contains(&c.name) {
        let others = table.exactly_one_of().join(" or ");
        text = format!("{text}; each row fills exactly one of {others}");
    }
    text
}

/// The values a column takes from a controlled vocabulary.
fn vocabulary(check: Check, vocab: &Vocabularies) -> Option<Vec<String>> {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    match check {
        Check::Unit => Some(vocab.units.clone()),
        Check::SourceKind => Some(vocab.source_kinds.clone()),
        Check::ActorKind => Some(vocab.actor_kinds.clone()),
        Check::Qualifier => Some(owned(&QUALIFIERS)),
        Check::Relation => Some(owned(&RELATIONS)),
        _ => None,
    }
}

/// One date without a span: a year, month or day, or a decade (`201X`), with at most
/// one of `?` `~` `%` after it.
const DATE_SIDE: &str = "[0-9]{3}(X|[0-9](-[0-9]{2}(-[0-9]{2})?)?)[?~%]?";

/// The pattern a column's cells match, for the columns whose syntax is fixed. Written
/// in the common subset of XML Schema and Python regular expressions, which Table
/// Schema readers use; a whole cell must match.
pub fn pattern(check: Check) -> Option<String> {
    Some(match check {
        Check::Id | Check::Ref(_) => "[A-Za-z0-9][A-Za-z0-9._-]*".to_string(),
        // A point, a span whose end may be open (..) or unknown (empty), or one
        // moment between two dates.
        Check::Date => {
            format!(r"{DATE_SIDE}(/({DATE_SIDE}|\.\.)?)?|\[{DATE_SIDE}\.\.{DATE_SIDE}\]")
        }
        Check::Value => {
            let words: Vec<&str> = SCALES.iter().map(|(w, _)| *w).collect();
            format!(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?( ({}))?", words.join("|"))
        }
        Check::Language => "[a-z]{2,3}(-[A-Za-z0-9]{1,8})*".to_string(),
        Check::Url => r"https?://[^\s]+".to_string(),
        Check::Line | Check::Title => r"[^\r\n]*".to_string(),
        Check::Quote => r"[\s\S]*[^\s][\s\S]*".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{check, dates, values};

    fn matches(check: Check, text: &str) -> bool {
        let p = pattern(check).unwrap();
        regex::Regex::new(&format!("^(?:{p})$"))
            .unwrap()
            .is_match(text)
    }

    #[test]
    fn every_date_the_loader_accepts_matches_the_pattern_and_malformed_ones_do_not() {
        let accepted = [
            "1961",
            "2017-06",
            "2017-06-23",
            "201X",
            "2017~",
            "2014-06?",
            "2014%",
            "2014/2015",
            "1961/..",
            "2014/",
            "[2014..2015]",
            "[2017-01..2017-06-23]",
            "2014?/2015~",
        ];
        for text in accepted {
            assert!(dates::parse(text).is_ok(), "{text}");
            assert!(matches(Check::Date, text), "{text}");
        }
        for text in [
            "17",
            "2017-6",
            "23/06/2017",
            "2017-06-23T10:00",
            "[2014..]",
            "",
            "2014//",
        ] {
            assert!(dates::parse(text).is_err(), "{text}");
            assert!(!matches(Check::Date, text), "{text}");
        }
    }

    #[test]
    fn values_ids_and_languages_match_their_patterns_as_the_checks_say() {
        for text in ["91", "5.7 billion", "-3", "0.5", "400000", "1 trillion"] {
            assert!(values::parse(text).is_ok(), "{text}");
            assert!(matches(Check::Value, text), "{text}");
        }
        for text in ["1,000", "5.7 bn", "$5", "05", ".5", "1e9", "5.7  billion"] {
            assert!(values::parse(text).is_err(), "{text}");
            assert!(!matches(Check::Value, text), "{text}");
        }
        for text in ["ev-1961", "PRK", "src.a_b-1"] {
            assert!(check::is_id(text) && matches(Check::Id, text), "{text}");
        }
        for text in ["-x", "a b", "a;b", "é"] {
            assert!(!check::is_id(text) && !matches(Check::Id, text), "{text}");
        }
        assert!(matches(Check::Language, "zh-Hans") && !matches(Check::Language, "EN"));
        assert!(matches(Check::Quote, " a ") && !matches(Check::Quote, " \n "));
        assert!(!matches(Check::Line, "a\nb"));
    }

    #[test]
    fn the_package_describes_each_file_from_its_declarations() {
        let conn = crate::db::in_memory().unwrap();
        let p = descriptor(&conn).unwrap();
        let resources = p["resources"].as_array().unwrap();
        let names: Vec<&str> = resources
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "sources.csv",
                "actors.csv",
                "events.csv",
                "figures.csv",
                "citations.csv"
            ]
        );
        for (resource, table) in resources.iter().zip(Table::ALL) {
            let fields: Vec<&str> = resource["schema"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            assert_eq!(fields.join(","), table.header());
        }
        let field = |table: usize, name: &str| -> Value {
            resources[table]["schema"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == name)
                .unwrap()
                .clone()
        };
        let events = &resources[2]["schema"];
        assert_eq!(events["primaryKey"], json!(["id"]));
        assert!(events["foreignKeys"].as_array().unwrap().contains(
            &json!({"fields": "source", "reference": {"resource": "sources", "fields": "id"}})
        ));
        assert!(
            resources[0]["schema"]["foreignKeys"]
                .as_array()
                .unwrap()
                .contains(&json!({"fields": "via", "reference": {"resource": "", "fields": "id"}}))
        );
        assert_eq!(resources[4]["schema"].get("primaryKey"), None);
        let actors = field(2, "actors");
        assert_eq!(
            (&actors["type"], &actors["delimiter"], &actors["itemType"]),
            (&json!("list"), &json!(";"), &json!("string"))
        );
        assert_eq!(field(2, "title")["constraints"]["required"], json!(true));
        assert_eq!(
            field(2, "title")["constraints"]["maxLength"],
            json!(TITLE_MAX)
        );
        assert_eq!(field(2, "notes").get("constraints"), None);
        assert_eq!(field(0, "accessed")["type"], json!("date"));
        let units = field(3, "unit")["constraints"]["enum"].clone();
        assert!(units.as_array().unwrap().len() > 150, "{units}");
        assert_eq!(units[0], json!("percent"));
        assert_eq!(
            field(3, "qualifier")["constraints"]["enum"],
            json!(QUALIFIERS)
        );
        assert!(
            field(3, "qualifier")["description"]
                .as_str()
                .unwrap()
                .ends_with("(empty means eq)")
        );
        assert_eq!(field(0, "kind")["constraints"]["enum"][0], json!("article"));
        assert_eq!(field(1, "kind")["constraints"]["enum"][0], json!("state"));
        assert_eq!(
            field(4, "relation")["constraints"]["enum"],
            json!(RELATIONS)
        );
        assert!(
            field(2, "quote")["description"]
                .as_str()
                .unwrap()
                .contains("verbatim")
        );
    }
}
