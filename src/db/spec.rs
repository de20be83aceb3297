//! The CSV files dossier reads, each column declared once: its name, whether it is
//! required, how its cells are checked, and what it fills in the archive.
//!
//! Everything else that needs to know a column is built from these declarations: the
//! header a file is mapped by, the INSERT statements and their bind order, the
//! full-text index, the reference checks, and the SELECTs that write the archive back
//! out as CSV. Adding an optional column to a table takes one line here and its line
//! in `schema.sql`; a test ties the two together.
//!
//! The column order here is the canonical header order, the one `export --dir` writes
//! and the README documents; files may put their columns in any order.

/// One of the CSV files, and the table its rows go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Sources,
    Actors,
    Events,
    Figures,
    Citations,
}

/// What a column holds, which decides how its cells are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// An id this file defines.
    Id,
    /// One line of text.
    Line,
    /// A headline: one line of at most [`TITLE_MAX`] characters.
    Title,
    /// Free text; may span lines.
    Text,
    /// Verbatim words from a source; may span lines, must not be blank. Checked
    /// against the source's document when there is one, which places it.
    Quote,
    /// Where a quote stands in its source (`para 3`, `p. 12`): one line. Left empty,
    /// it is filled in from the source's document.
    Locator,
    /// A date in dossier's EDTF subset; stored with its derived columns.
    Date,
    /// A single day, YYYY-MM-DD.
    Day,
    /// A number, with an optional scale word; stored with its normalised value.
    Value,
    Unit,
    Qualifier,
    Relation,
    SourceKind,
    ActorKind,
    Language,
    Url,
    /// A source's document: a path relative to the folder of the CSV file, that
    /// stays inside that folder.
    Document,
    /// The id of a row of another (or the same) table.
    Ref(Table),
    /// A `;`-separated list of ids of another table.
    RefList(Table),
    /// A `;`-separated list of tags.
    Tags,
    /// A `;`-separated list of names.
    Aliases,
}

/// Where a column's cells go in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// The table's column of the same name, and the derived columns its check adds
    /// (see [`Column::parts`]).
    Column,
    /// The row's inline citation, a row of `citations` that points back at the event
    /// or figure: the column of `citations` of the same name.
    Citation,
    /// One row per element in a join table: `(owner, element, position)`, where the
    /// owner column is named after the table's row (`event`, `actor`).
    List {
        table: &'static str,
        element: &'static str,
    },
}

/// Which part of the full-text index a column's text is searched in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    No,
    /// Searched first: titles and measures.
    Title,
    /// Searched second: notes and quotes.
    Body,
}

/// A database column filled from one CSV column: the cell as written, or a value
/// derived from it. A column's parts follow from its check by one rule: a date
/// fills `NAME` and `NAME_start`, `_end`, `_precision`, `_kind`, `_uncertain` and
/// `_approx`; a value fills `NAME` and `NAME_norm`; a quote fills `NAME` and where
/// its source's document has it, `NAME_document`, `_paragraph`, `_start`, `_end`,
/// `_prefix` and `_suffix`; a locator fills `NAME` and `NAME_computed`; every other
/// column fills `NAME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The cell as written (or the column's default when it is empty).
    Text,
    /// The earliest possible day of a date.
    Start,
    /// The latest possible day; NULL for an open or unknown end.
    End,
    Precision,
    Kind,
    Uncertain,
    Approx,
    /// A number with its scale word applied.
    Norm,
    /// For a quote: the source whose document it was found in; NULL when no document
    /// was there to check it against.
    Document,
    /// For a quote: the paragraph (`para N`) that holds it.
    Paragraph,
    /// For a quote: the offset of its first character in the document, and just past
    /// its last.
    From,
    To,
    /// For a quote: a few words of the document before and after it.
    Prefix,
    Suffix,
    /// For a locator: whether it was left empty and filled in from the document.
    Computed,
}

impl Part {
    /// What the part adds to the column's name.
    pub fn suffix(self) -> &'static str {
        match self {
            Part::Text => "",
            Part::Start => "_start",
            Part::End => "_end",
            Part::Precision => "_precision",
            Part::Kind => "_kind",
            Part::Uncertain => "_uncertain",
            Part::Approx => "_approx",
            Part::Norm => "_norm",
            Part::Document => "_document",
            Part::Paragraph => "_paragraph",
            Part::From => "_start",
            Part::To => "_end",
            Part::Prefix => "_prefix",
            Part::Suffix => "_suffix",
            Part::Computed => "_computed",
        }
    }

    /// Whether the part is NULL for a quote that no document was there to check.
    pub fn unknown_without_document(self) -> bool {
        matches!(
            self,
            Part::Document | Part::Paragraph | Part::From | Part::To | Part::Prefix | Part::Suffix
        )
    }

    /// The SQLite type of the database column.
    pub fn sql_type(self) -> &'static str {
        match self {
            Part::Uncertain
            | Part::Approx
            | Part::Paragraph
            | Part::From
            | Part::To
            | Part::Computed => "INTEGER",
            Part::Norm => "REAL",
            _ => "TEXT",
        }
    }
}

const DATE_PARTS: [Part; 7] = [
    Part::Text,
    Part::Start,
    Part::End,
    Part::Precision,
    Part::Kind,
    Part::Uncertain,
    Part::Approx,
];
const VALUE_PARTS: [Part; 2] = [Part::Text, Part::Norm];
const QUOTE_PARTS: [Part; 7] = [
    Part::Text,
    Part::Document,
    Part::Paragraph,
    Part::From,
    Part::To,
    Part::Prefix,
    Part::Suffix,
];
const LOCATOR_PARTS: [Part; 2] = [Part::Text, Part::Computed];
const TEXT_PARTS: [Part; 1] = [Part::Text];

/// A column of a CSV file.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub check: Check,
    pub store: Store,
    /// What an empty cell is stored as, where the archive always has a value.
    pub default: Option<&'static str>,
    pub search: Search,
}

const fn req(name: &'static str, check: Check) -> Column {
    Column {
        name,
        required: true,
        check,
        store: Store::Column,
        default: None,
        search: Search::No,
    }
}

const fn opt(name: &'static str, check: Check) -> Column {
    Column {
        required: false,
        ..req(name, check)
    }
}

impl Column {
    /// Stored in the row's inline citation rather than in its own table.
    const fn cited(self) -> Column {
        Column {
            store: Store::Citation,
            ..self
        }
    }

    /// Stored one element per row of a join table.
    const fn list(self, table: &'static str, element: &'static str) -> Column {
        Column {
            store: Store::List { table, element },
            ..self
        }
    }

    const fn searched(self, search: Search) -> Column {
        Column { search, ..self }
    }

    const fn or(self, default: &'static str) -> Column {
        Column {
            default: Some(default),
            ..self
        }
    }

    /// The database columns this column fills, by the rule [`Part`] describes.
    pub fn parts(&self) -> &'static [Part] {
        match self.check {
            Check::Date => &DATE_PARTS,
            Check::Value => &VALUE_PARTS,
            Check::Quote => &QUOTE_PARTS,
            Check::Locator => &LOCATOR_PARTS,
            _ => &TEXT_PARTS,
        }
    }

    /// Every database column this CSV column fills, for a row of `table`.
    pub fn fills(&self, table: Table) -> Vec<Filled> {
        let parts = |table: &'static str| {
            self.parts()
                .iter()
                .map(|&part| Filled {
                    table,
                    name: format!("{}{}", self.name, part.suffix()),
                    part,
                })
                .collect()
        };
        match self.store {
            Store::Column => parts(table.name()),
            Store::Citation => parts(Table::Citations.name()),
            Store::List { table, element } => vec![Filled {
                table,
                name: element.to_string(),
                part: Part::Text,
            }],
        }
    }

    /// Whether a value dossier computed may stand where the cell was empty: such a
    /// value is not written back by `export --dir`.
    pub fn computed(&self) -> bool {
        self.parts().contains(&Part::Computed)
    }
}

/// A database column that a CSV column fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filled {
    pub table: &'static str,
    pub name: String,
    pub part: Part,
}

/// The longest title accepted, in characters.
pub const TITLE_MAX: usize = 200;

/// The longest id accepted, in bytes.
pub const ID_MAX: usize = 100;

const SOURCES: &[Column] = &[
    req("id", Check::Id),
    req("kind", Check::SourceKind),
    req("title", Check::Line).searched(Search::Title),
    opt("author", Check::Line),
    opt("issuer", Check::Ref(Table::Actors)),
    opt("outlet", Check::Line),
    opt("published", Check::Date),
    opt("url", Check::Url),
    opt("accessed", Check::Day),
    opt("language", Check::Language),
    opt("via", Check::Ref(Table::Sources)),
    opt("notes", Check::Text),
    opt("document", Check::Document),
];

const ACTORS: &[Column] = &[
    req("id", Check::Id),
    req("name", Check::Line),
    opt("kind", Check::ActorKind),
    opt("aliases", Check::Aliases).list("actor_aliases", "alias"),
];

const EVENTS: &[Column] = &[
    req("id", Check::Id),
    req("date", Check::Date),
    req("title", Check::Title).searched(Search::Title),
    req("source", Check::Ref(Table::Sources)).cited(),
    req("quote", Check::Quote).cited().searched(Search::Body),
    opt("locator", Check::Locator).cited(),
    opt("display_date", Check::Line),
    opt("notes", Check::Text).searched(Search::Body),
    opt("location", Check::Line),
    opt("actors", Check::RefList(Table::Actors)).list("event_actors", "actor"),
    opt("tags", Check::Tags).list("event_tags", "tag"),
];

const FIGURES: &[Column] = &[
    req("id", Check::Id),
    req("measure", Check::Line).searched(Search::Title),
    req("value", Check::Value),
    req("unit", Check::Unit),
    req("source", Check::Ref(Table::Sources)).cited(),
    req("quote", Check::Quote).cited().searched(Search::Body),
    opt("locator", Check::Locator).cited(),
    opt("qualifier", Check::Qualifier).or("eq"),
    opt("lower", Check::Value),
    opt("upper", Check::Value),
    opt("area", Check::Ref(Table::Actors)),
    opt("counterpart", Check::Ref(Table::Actors)),
    opt("period", Check::Date),
    opt("base", Check::Ref(Table::Figures)),
    opt("event", Check::Ref(Table::Events)),
    opt("notes", Check::Text).searched(Search::Body),
];

const CITATIONS: &[Column] = &[
    req("source", Check::Ref(Table::Sources)),
    opt("event", Check::Ref(Table::Events)),
    opt("figure", Check::Ref(Table::Figures)),
    req("quote", Check::Quote).searched(Search::Body),
    opt("locator", Check::Locator),
    opt("relation", Check::Relation).or("supports"),
];

/// Columns of the archive's tables that no CSV column fills: where a row came from,
/// and the keys and positions the loader gives join rows and citations.
pub const INTERNAL: &[&str] = &["csv_file", "csv_line", "position"];

impl Table {
    /// Every table, in the order files are loaded.
    pub const ALL: [Table; 5] = [
        Table::Sources,
        Table::Actors,
        Table::Events,
        Table::Figures,
        Table::Citations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Sources => "sources",
            Table::Actors => "actors",
            Table::Events => "events",
            Table::Figures => "figures",
            Table::Citations => "citations",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Sources => "sources.csv",
            Table::Actors => "actors.csv",
            Table::Events => "events.csv",
            Table::Figures => "figures.csv",
            Table::Citations => "citations.csv",
        }
    }

    /// The table a file name belongs to (`events.csv` → events).
    pub fn from_file_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.file_name() == name)
    }

    /// The table of this name (`events` → events).
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The singular noun for one row, as messages use it. It is also the name of the
    /// column that points at the row from a join table or a citation.
    pub fn noun(self) -> &'static str {
        match self {
            Table::Sources => "source",
            Table::Actors => "actor",
            Table::Events => "event",
            Table::Figures => "figure",
            Table::Citations => "citation",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Sources => SOURCES,
            Table::Actors => ACTORS,
            Table::Events => EVENTS,
            Table::Figures => FIGURES,
            Table::Citations => CITATIONS,
        }
    }

    /// The position of a column in the canonical order.
    pub fn index(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }

    /// The position of the column that holds the row's id, for tables whose rows
    /// other rows may reference.
    pub fn id_index(self) -> Option<usize> {
        self.columns().iter().position(|c| c.check == Check::Id)
    }

    /// Whether rows have an `id` column that other rows may reference.
    pub fn has_id(self) -> bool {
        self.id_index().is_some()
    }

    /// The column a row's number from the loader goes to: the table's rowid, or the
    /// integer key of a table that has one.
    pub fn rowid_column(self) -> &'static str {
        if self.has_id() { "rowid" } else { "id" }
    }

    /// The columns that identify a row, so that two versions of an archive can be
    /// matched row by row: its id, or, for a row of `citations.csv`, which has none,
    /// the fact it is cited for, its source and its quote.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Table::Citations => &["event", "figure", "source", "quote"],
            _ => &["id"],
        }
    }

    /// Columns of which a row must fill exactly one.
    pub fn exactly_one_of(self) -> &'static [&'static str] {
        match self {
            Table::Citations => &["event", "figure"],
            _ => &[],
        }
    }

    /// Whether rows carry an inline citation (source, quote and locator).
    pub fn has_citation(self) -> bool {
        self.columns().iter().any(|c| c.store == Store::Citation)
    }

    /// The canonical header line, as `export --dir` writes it.
    pub fn header(self) -> String {
        self.columns()
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The required columns, for messages.
    pub fn required(self) -> Vec<&'static str> {
        self.columns()
            .iter()
            .filter(|c| c.required)
            .map(|c| c.name)
            .collect()
    }
}

/// The tables that CSV rows fill: the five, then the join tables of their lists.
pub fn archive_tables() -> Vec<&'static str> {
    let mut tables: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
    for t in Table::ALL {
        for c in t.columns() {
            if let Store::List { table, .. } = c.store {
                tables.push(table);
            }
        }
    }
    tables
}

/// A reference a CSV column makes, as stored: the table and column that hold the id,
/// the table it must name a row of, and, for a join table, the table whose rows own
/// the join rows (and so hold the file and line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub table: &'static str,
    pub column: &'static str,
    pub parent: Table,
    /// For a list stored in a join table: the table its rows belong to.
    pub owner: Option<Table>,
    /// The CSV column the id was written in.
    pub csv_column: &'static str,
}

/// Every reference the CSV columns make, once each as stored. An inline citation's
/// source is stored in `citations`, so it is checked there with the rest.
pub fn references() -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for table in Table::ALL {
        for c in table.columns() {
            let reference = match (c.check, c.store) {
                (Check::Ref(parent), Store::Column) => Reference {
                    table: table.name(),
                    column: c.name,
                    parent,
                    owner: None,
                    csv_column: c.name,
                },
                (Check::Ref(parent), Store::Citation) => Reference {
                    table: Table::Citations.name(),
                    column: c.name,
                    parent,
                    owner: None,
                    csv_column: c.name,
                },
                (
                    Check::RefList(parent),
                    Store::List {
                        table: join,
                        element,
                    },
                ) => Reference {
                    table: join,
                    column: element,
                    parent,
                    owner: Some(table),
                    csv_column: c.name,
                },
                _ => continue,
            };
            if !out
                .iter()
                .any(|r| r.table == reference.table && r.column == reference.column)
            {
                out.push(reference);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_date_and_a_value_expand_by_one_rule() {
        let column = |t: Table, name: &str| t.columns()[t.index(name).unwrap()];
        let names = |t: Table, name: &str| -> Vec<String> {
            column(t, name)
                .fills(t)
                .into_iter()
                .map(|f| format!("{}.{}", f.table, f.name))
                .collect()
        };
        assert_eq!(
            names(Table::Sources, "published"),
            [
                "sources.published",
                "sources.published_start",
                "sources.published_end",
                "sources.published_precision",
                "sources.published_kind",
                "sources.published_uncertain",
                "sources.published_approx"
            ]
        );
        assert_eq!(
            names(Table::Figures, "lower"),
            ["figures.lower", "figures.lower_norm"]
        );
        assert_eq!(
            column(Table::Figures, "lower").fills(Table::Figures)[1]
                .part
                .sql_type(),
            "REAL"
        );
        assert_eq!(
            names(Table::Events, "quote"),
            [
                "citations.quote",
                "citations.quote_document",
                "citations.quote_paragraph",
                "citations.quote_start",
                "citations.quote_end",
                "citations.quote_prefix",
                "citations.quote_suffix"
            ]
        );
        assert_eq!(
            names(Table::Citations, "locator"),
            ["citations.locator", "citations.locator_computed"]
        );
        assert!(column(Table::Figures, "locator").computed());
        assert!(!column(Table::Figures, "quote").computed());
        assert_eq!(names(Table::Events, "tags"), ["event_tags.tag"]);
        assert_eq!(names(Table::Actors, "kind"), ["actors.kind"]);
    }

    /// The archive tables' columns as schema.sql creates them: name → (type, not null).
    fn schema_columns() -> HashMap<(String, String), (String, bool)> {
        let conn = crate::db::in_memory().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT m.name, p.name, p.type, p.\"notnull\" FROM sqlite_schema m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            )
            .unwrap();
        stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn every_declared_column_is_in_the_schema_with_a_compatible_type() {
        let schema = schema_columns();
        for table in Table::ALL {
            for c in table.columns() {
                for Filled {
                    table: t,
                    name,
                    part,
                } in c.fills(table)
                {
                    let key = (t.to_string(), name.clone());
                    let Some((declared, not_null)) = schema.get(&key) else {
                        panic!(
                            "{t}.{name} (from {}.{}) is not in schema.sql",
                            table.name(),
                            c.name
                        );
                    };
                    assert_eq!(
                        declared,
                        part.sql_type(),
                        "{t}.{name}: schema.sql says {declared}"
                    );
                    // An optional column with no default stores NULL when empty, and
                    // so must allow it, unless dossier fills it in; so must a date's
                    // end, which may be open, and where a quote stands, which is
                    // unknown when there is no document. (A list stores no row for an
                    // empty cell.)
                    let may_be_null = c.store == Store::Column
                        && ((!c.required && c.default.is_none() && !c.computed())
                            || part == Part::End)
                        || part.unknown_without_document();
                    if may_be_null {
                        assert!(
                            !not_null,
                            "{t}.{name} is NOT NULL, but {} may be empty",
                            c.name
                        );
                    }
                }
                if let Store::List { table: join, .. } = c.store {
                    let owner = (join.to_string(), table.noun().to_string());
                    assert!(
                        schema.contains_key(&owner),
                        "{join} needs a {} column",
                        table.noun()
                    );
                }
            }
        }
    }

    #[test]
    fn every_column_of_an_archive_table_is_declared_or_internal() {
        let schema = schema_columns();
        let tables = archive_tables();
        let mut filled: Vec<(String, String)> = Vec::new();
        for table in Table::ALL {
            for c in table.columns() {
                filled.extend(
                    c.fills(table)
                        .into_iter()
                        .map(|f| (f.table.to_string(), f.name)),
                );
                if let Store::List { table: join, .. } = c.store {
                    filled.push((join.to_string(), table.noun().to_string()));
                }
            }
            filled.push((table.name().to_string(), table.rowid_column().to_string()));
        }
        let mut checked = 0;
        for (t, column) in schema.keys() {
            if !tables.contains(&t.as_str()) {
                continue;
            }
            checked += 1;
            assert!(
                INTERNAL.contains(&column.as_str())
                    || filled.contains(&(t.clone(), column.clone())),
                "{t}.{column} is in schema.sql but no CSV column fills it: declare it in spec.rs, \
                 or list it in INTERNAL"
            );
        }
        assert!(checked > 60, "{checked}");
    }

    #[test]
    fn references_cover_every_id_column_once() {
        let refs = references();
        let names: Vec<String> = refs
            .iter()
            .map(|r| format!("{}.{}->{}", r.table, r.column, r.parent.name()))
            .collect();
        assert_eq!(
            names,
            [
                "sources.issuer->actors",
                "sources.via->sources",
                "citations.source->sources",
                "event_actors.actor->actors",
                "figures.area->actors",
                "figures.counterpart->actors",
                "figures.base->figures",
                "figures.event->events",
                "citations.event->events",
                "citations.figure->figures",
            ]
        );
    }

    #[test]
    fn ids_and_rowids() {
        assert_eq!(Table::Events.id_index(), Some(0));
        assert_eq!(Table::Citations.id_index(), None);
        assert_eq!(Table::Citations.rowid_column(), "id");
        assert_eq!(Table::Sources.rowid_column(), "rowid");
        assert!(Table::Figures.has_citation());
        assert!(!Table::Citations.has_citation());
        assert_eq!(Table::from_name("figures"), Some(Table::Figures));
        assert_eq!(Table::from_name("nothing"), None);
    }
}
