//! The CSV files dossier reads: their names, their columns, and what each column holds.
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
    /// Verbatim words from a source; may span lines, must not be blank.
    Quote,
    /// A date in dossier's EDTF subset.
    Date,
    /// A single day, YYYY-MM-DD.
    Day,
    /// A number, normalised into the derived slot given.
    Value(usize),
    Unit,
    Qualifier,
    Relation,
    SourceKind,
    ActorKind,
    Language,
    Url,
    /// The id of a row of another (or the same) table.
    Ref(Table),
    /// A `;`-separated list of ids of another table.
    RefList(Table),
    /// A `;`-separated list of tags.
    Tags,
    /// A `;`-separated list of names.
    Aliases,
}

/// A column of a CSV file.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub check: Check,
}

const fn req(name: &'static str, check: Check) -> Column {
    Column {
        name,
        required: true,
        check,
    }
}

const fn opt(name: &'static str, check: Check) -> Column {
    Column {
        name,
        required: false,
        check,
    }
}

/// The longest title accepted, in characters.
pub const TITLE_MAX: usize = 200;

/// The longest id accepted, in bytes.
pub const ID_MAX: usize = 100;

const SOURCES: [Column; 12] = [
    req("id", Check::Id),
    req("kind", Check::SourceKind),
    req("title", Check::Line),
    opt("author", Check::Line),
    opt("issuer", Check::Ref(Table::Actors)),
    opt("outlet", Check::Line),
    opt("published", Check::Date),
    opt("url", Check::Url),
    opt("accessed", Check::Day),
    opt("language", Check::Language),
    opt("via", Check::Ref(Table::Sources)),
    opt("notes", Check::Text),
];

const ACTORS: [Column; 4] = [
    req("id", Check::Id),
    req("name", Check::Line),
    opt("kind", Check::ActorKind),
    opt("aliases", Check::Aliases),
];

const EVENTS: [Column; 11] = [
    req("id", Check::Id),
    req("date", Check::Date),
    req("title", Check::Title),
    req("source", Check::Ref(Table::Sources)),
    req("quote", Check::Quote),
    req("locator", Check::Line),
    opt("display_date", Check::Line),
    opt("notes", Check::Text),
    opt("location", Check::Line),
    opt("actors", Check::RefList(Table::Actors)),
    opt("tags", Check::Tags),
];

const FIGURES: [Column; 16] = [
    req("id", Check::Id),
    req("measure", Check::Line),
    req("value", Check::Value(0)),
    req("unit", Check::Unit),
    req("source", Check::Ref(Table::Sources)),
    req("quote", Check::Quote),
    req("locator", Check::Line),
    opt("qualifier", Check::Qualifier),
    opt("lower", Check::Value(1)),
    opt("upper", Check::Value(2)),
    opt("area", Check::Ref(Table::Actors)),
    opt("counterpart", Check::Ref(Table::Actors)),
    opt("period", Check::Date),
    opt("base", Check::Ref(Table::Figures)),
    opt("event", Check::Ref(Table::Events)),
    opt("notes", Check::Text),
];

const CITATIONS: [Column; 6] = [
    req("source", Check::Ref(Table::Sources)),
    opt("event", Check::Ref(Table::Events)),
    opt("figure", Check::Ref(Table::Figures)),
    req("quote", Check::Quote),
    req("locator", Check::Line),
    opt("relation", Check::Relation),
];

/// Column positions in each table's canonical order, for code that reads one cell.
pub mod col {
    pub const ID: usize = 0;
    pub mod sources {
        pub const ID: usize = 0;
        pub const KIND: usize = 1;
        pub const TITLE: usize = 2;
        pub const AUTHOR: usize = 3;
        pub const ISSUER: usize = 4;
        pub const OUTLET: usize = 5;
        pub const PUBLISHED: usize = 6;
        pub const URL: usize = 7;
        pub const ACCESSED: usize = 8;
        pub const LANGUAGE: usize = 9;
        pub const VIA: usize = 10;
        pub const NOTES: usize = 11;
    }
    pub mod actors {
        pub const ID: usize = 0;
        pub const NAME: usize = 1;
        pub const KIND: usize = 2;
        pub const ALIASES: usize = 3;
    }
    pub mod events {
        pub const ID: usize = 0;
        pub const DATE: usize = 1;
        pub const TITLE: usize = 2;
        pub const SOURCE: usize = 3;
        pub const QUOTE: usize = 4;
        pub const LOCATOR: usize = 5;
        pub const DISPLAY_DATE: usize = 6;
        pub const NOTES: usize = 7;
        pub const LOCATION: usize = 8;
        pub const ACTORS: usize = 9;
        pub const TAGS: usize = 10;
    }
    pub mod figures {
        pub const ID: usize = 0;
        pub const MEASURE: usize = 1;
        pub const VALUE: usize = 2;
        pub const UNIT: usize = 3;
        pub const SOURCE: usize = 4;
        pub const QUOTE: usize = 5;
        pub const LOCATOR: usize = 6;
        pub const QUALIFIER: usize = 7;
        pub const LOWER: usize = 8;
        pub const UPPER: usize = 9;
        pub const AREA: usize = 10;
        pub const COUNTERPART: usize = 11;
        pub const PERIOD: usize = 12;
        pub const BASE: usize = 13;
        pub const EVENT: usize = 14;
        pub const NOTES: usize = 15;
    }
    pub mod citations {
        pub const SOURCE: usize = 0;
        pub const EVENT: usize = 1;
        pub const FIGURE: usize = 2;
        pub const QUOTE: usize = 3;
        pub const LOCATOR: usize = 4;
        pub const RELATION: usize = 5;
    }
}

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

    /// The singular noun for one row, as messages use it.
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
            Table::Sources => &SOURCES,
            Table::Actors => &ACTORS,
            Table::Events => &EVENTS,
            Table::Figures => &FIGURES,
            Table::Citations => &CITATIONS,
        }
    }

    /// Whether rows have an `id` column that other rows may reference.
    pub fn has_id(self) -> bool {
        self != Table::Citations
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_constants_match_the_specs() {
        let check = |t: Table, pairs: &[(usize, &str)]| {
            for (i, name) in pairs {
                assert_eq!(t.columns()[*i].name, *name, "{t:?}");
            }
        };
        use col::*;
        check(
            Table::Sources,
            &[
                (sources::ID, "id"),
                (sources::KIND, "kind"),
                (sources::TITLE, "title"),
                (sources::AUTHOR, "author"),
                (sources::ISSUER, "issuer"),
                (sources::OUTLET, "outlet"),
                (sources::PUBLISHED, "published"),
                (sources::URL, "url"),
                (sources::ACCESSED, "accessed"),
                (sources::LANGUAGE, "language"),
                (sources::VIA, "via"),
                (sources::NOTES, "notes"),
            ],
        );
        check(
            Table::Actors,
            &[
                (actors::ID, "id"),
                (actors::NAME, "name"),
                (actors::KIND, "kind"),
                (actors::ALIASES, "aliases"),
            ],
        );
        check(
            Table::Events,
            &[
                (events::ID, "id"),
                (events::DATE, "date"),
                (events::TITLE, "title"),
                (events::SOURCE, "source"),
                (events::QUOTE, "quote"),
                (events::LOCATOR, "locator"),
                (events::DISPLAY_DATE, "display_date"),
                (events::NOTES, "notes"),
                (events::LOCATION, "location"),
                (events::ACTORS, "actors"),
                (events::TAGS, "tags"),
            ],
        );
        check(
            Table::Figures,
            &[
                (figures::ID, "id"),
                (figures::MEASURE, "measure"),
                (figures::VALUE, "value"),
                (figures::UNIT, "unit"),
                (figures::SOURCE, "source"),
                (figures::QUOTE, "quote"),
                (figures::LOCATOR, "locator"),
                (figures::QUALIFIER, "qualifier"),
                (figures::LOWER, "lower"),
                (figures::UPPER, "upper"),
                (figures::AREA, "area"),
                (figures::COUNTERPART, "counterpart"),
                (figures::PERIOD, "period"),
                (figures::BASE, "base"),
                (figures::EVENT, "event"),
                (figures::NOTES, "notes"),
            ],
        );
        check(
            Table::Citations,
            &[
                (citations::SOURCE, "source"),
                (citations::EVENT, "event"),
                (citations::FIGURE, "figure"),
                (citations::QUOTE, "quote"),
                (citations::LOCATOR, "locator"),
                (citations::RELATION, "relation"),
            ],
        );
        for t in Table::ALL {
            if t.has_id() {
                assert_eq!(t.columns()[col::ID].name, "id");
            }
        }
    }

    #[test]
    fn headers_match_the_documented_ones() {
        assert_eq!(
            Table::Sources.header(),
            "id,kind,title,author,issuer,outlet,published,url,accessed,language,via,notes"
        );
        assert_eq!(Table::Actors.header(), "id,name,kind,aliases");
        assert_eq!(
            Table::Events.header(),
            "id,date,title,source,quote,locator,display_date,notes,location,actors,tags"
        );
        assert_eq!(
            Table::Figures.header(),
            "id,measure,value,unit,source,quote,locator,qualifier,lower,upper,area,counterpart,period,base,event,notes"
        );
        assert_eq!(
            Table::Citations.header(),
            "source,event,figure,quote,locator,relation"
        );
    }
}
