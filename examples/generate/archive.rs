//! The archive generator behind `examples/generate`, shared with the tests that need
//! a large archive.

use dossier::db::spec::{Check, Column, Table};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// What to generate.
pub struct Args {
    pub events: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub documents: Documents,
}

/// Whether the sources have documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Documents {
    /// None: quotes are made up, and every locator names a paragraph.
    No,
    /// Every source has a document, and every quote is taken from its source's
    /// document, in the paragraph its locator names; a few locators are left empty
    /// for dossier to fill in.
    Written,
    /// The archive `Written` gives, less its documents: sources.csv names none, and
    /// the locators left empty there are filled in as dossier fills them. Its load is
    /// the same load without the documents and their checks, which the benchmark
    /// compares with.
    Withheld,
    /// The archive `Withheld` gives, plus `Written`'s documents, each held by a source
    /// of its own that nothing cites (`src-0000007-text`, after the cited sources): a
    /// load reads, stores and indexes the same documents, and checks no quote against
    /// them. Its load is the load with documents less the checking, which the
    /// benchmark compares with to tell what checking costs.
    Unchecked,
}

/// Paragraphs in a generated document, and sentences in each: a quote is one of
/// those sentences (or its first and last words, with an ellipsis between).
const PARAGRAPHS: u64 = 40;
const SENTENCES: u64 = 3;

/// SplitMix64: small, fast, and the same on every platform and Rust version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "talks",
    "delegation",
    "trade",
    "sanctions",
    "shipment",
    "coal",
    "wheat",
    "flour",
    "pipeline",
    "railway",
    "ferry",
    "port",
    "border",
    "summit",
    "minister",
    "statement",
    "agreement",
    "treaty",
    "visit",
    "exercise",
    "missile",
    "test",
    "aid",
    "debt",
    "loan",
    "investment",
    "energy",
    "gas",
    "electricity",
    "fisheries",
    "workers",
    "embassy",
    "envoy",
    "negotiations",
    "security",
    "council",
    "resolution",
    "exports",
    "imports",
    "tariff",
    "customs",
    "inspection",
    "cargo",
    "vessel",
    "highway",
    "bridge",
    "cooperation",
    "friendship",
    "delegates",
    "observers",
    "report",
    "analysts",
    "satellite",
    "imagery",
    "harvest",
    "shortage",
    "prices",
    "market",
    "currency",
    "banking",
];

const PLACES: &[&str] = &[
    "Pyongyang",
    "Moscow",
    "Beijing",
    "Vladivostok",
    "Rajin",
    "Khabarovsk",
    "Seoul",
    "Tokyo",
    "Washington",
    "Dandong",
    "Sinuiju",
    "Nakhodka",
    "Hamhung",
    "Chongjin",
    "Geneva",
    "New York",
];

const VERBS: &[&str] = &[
    "announces",
    "signs",
    "opens",
    "suspends",
    "resumes",
    "rejects",
    "approves",
    "reports",
    "delivers",
    "cancels",
    "extends",
    "proposes",
    "criticises",
    "welcomes",
    "denies",
    "confirms",
];

const TAGS: &[&str] = &[
    "diplomacy",
    "trade",
    "sanctions",
    "aid",
    "debt",
    "energy",
    "infrastructure",
    "military",
    "nuclear",
    "transport",
    "finance",
    "labour",
    "food",
    "media",
    "security",
    "fisheries",
];

const STATES: &[&str] = &[
    "PRK", "RUS", "CHN", "USA", "KOR", "JPN", "SUN", "MNG", "VNM", "IDN", "SGP", "IND", "DEU",
    "FRA", "GBR", "UKR", "BLR", "KAZ", "IRN", "SYR", "CUB", "LAO", "KHM", "THA", "MYS", "PHL",
    "AUS", "CAN", "BRA", "ZAF",
];

const UNITS: &[&str] = &[
    "USD", "USD", "USD", "RUB", "CNY", "EUR", "t", "km", "count", "kg", "barrel", "MW",
];

const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Writes an archive of `events` events, deterministic from `seed`, into `out`.
pub fn generate(a: &Args) -> io::Result<()> {
    fs::create_dir_all(&a.out)?;
    let sources = (a.events / 100).max(10);
    let people = (a.events / 2000).clamp(20, 5000);
    let orgs = (a.events / 5000).clamp(10, 2000);
    let actors = actor_ids(people, orgs);
    let mut rng = Rng(a.seed);
    let ids = Ids {
        sources,
        actors: &actors,
        events: a.events,
    };
    write_actors(a, &ids, &mut rng)?;
    write_sources(a, &ids, &mut rng)?;
    write_events(a, &ids, &mut rng)?;
    write_figures(a, &ids, &mut rng)?;
    write_citations(a, &ids, &mut rng)?;
    Ok(())
}

/// The ids each file defines, for the cells that refer to them.
struct Ids<'a> {
    sources: u64,
    actors: &'a [String],
    /// Events, and as many figures.
    events: u64,
}

impl Ids<'_> {
    /// A random id of a table's rows; with `before`, one of the rows above that one
    /// (so that chains of references to the same table never loop), or none for the
    /// first row.
    fn any(&self, rng: &mut Rng, table: Table, before: Option<u64>) -> String {
        let count = match table {
            Table::Sources => self.sources,
            Table::Actors => self.actors.len() as u64,
            Table::Events | Table::Figures => self.events,
            Table::Citations => 0,
        };
        let count = before.map_or(count, |b| b.min(count));
        if count == 0 {
            return String::new();
        }
        let k = rng.below(count);
        match table {
            Table::Sources => source_id(k),
            Table::Actors => self.actors[k as usize].clone(),
            Table::Events => format!("ev-{k:08}"),
            Table::Figures => format!("fig-{k:08}"),
            Table::Citations => String::new(),
        }
    }
}

/// A valid cell for a column that the writers below have no rule for, made from its
/// declared check: a column added to dossier is filled, and so measured, before
/// anyone teaches the generator about it.
fn declared(rng: &mut Rng, ids: &Ids<'_>, table: Table, row: u64, column: &Column) -> String {
    // Of a pair that a row fills one of, the writer fills the one it means.
    if table.exactly_one_of().contains(&column.name) {
        return String::new();
    }
    match column.check {
        Check::Id => format!("{}-{row:08}", table.noun()),
        Check::Line => words(rng, 3),
        Check::Title => title(rng),
        Check::Text => sentence(rng),
        Check::Quote => quote(rng),
        Check::Date => date(rng),
        Check::Day => "2026-01-15".into(),
        Check::Value => value(rng),
        Check::Unit => rng.pick(UNITS).into(),
        Check::Qualifier => String::new(),
        Check::Relation => rng.pick(&["supports", "disputes", "mentions"]).into(),
        Check::SourceKind => rng.pick(&["article", "report", "statement"]).into(),
        Check::ActorKind => rng.pick(&["state", "organization", "person"]).into(),
        Check::Language => rng.pick(&["en", "ru", "ko"]).into(),
        Check::Url => format!("https://example.org/{}/{row}", table.name()),
        Check::Locator => format!("para {}", 1 + rng.below(PARAGRAPHS)),
        // Only a source has one, and only when documents are asked for; see
        // `write_sources`.
        Check::Document => String::new(),
        Check::Ref(t) => ids.any(rng, t, (t == table).then_some(row)),
        Check::RefList(t) => {
            let first = ids.any(rng, t, None);
            let second = ids.any(rng, t, None);
            if first == second {
                first
            } else {
                format!("{first};{second}")
            }
        }
        Check::Tags => rng.pick(TAGS).into(),
        Check::Aliases => format!("{} {row} alias", table.noun()),
    }
}

fn actor_ids(people: u64, orgs: u64) -> Vec<String> {
    let mut ids: Vec<String> = STATES.iter().map(|s| s.to_string()).collect();
    ids.extend((0..orgs).map(|i| format!("org-{i:04}")));
    ids.extend((0..people).map(|i| format!("person-{i:05}")));
    ids
}

/// Creates a table's file and writes its header, as dossier declares it.
fn file(a: &Args, table: Table) -> io::Result<BufWriter<File>> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(a.out.join(table.file_name()))?);
    w.write_all(table.header().as_bytes())?;
    w.write_all(b"\n")?;
    Ok(w)
}

/// Writes a CSV field, quoting it when it needs quotes.
fn field(w: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        w.write_all(b"\"")?;
        w.write_all(s.replace('"', "\"\"").as_bytes())?;
        w.write_all(b"\"")
    } else {
        w.write_all(s.as_bytes())
    }
}

/// Writes row `i` of a table from named cells, in the declared column order; a
/// column not named is filled from its declaration.
fn row(
    w: &mut impl Write,
    table: Table,
    cells: &[(&str, &str)],
    rng: &mut Rng,
    ids: &Ids<'_>,
    i: u64,
) -> io::Result<()> {
    let mut fields: Vec<Option<&str>> = vec![None; table.columns().len()];
    for (name, value) in cells {
        let c = table.index(name).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no column {name}", table.file_name()),
            )
        })?;
        fields[c] = Some(value);
    }
    for (c, (f, column)) in fields.iter().zip(table.columns()).enumerate() {
        if c > 0 {
            w.write_all(b",")?;
        }
        match f {
            Some(text) => field(w, text)?,
            None => field(w, &declared(rng, ids, table, i, column))?,
        }
    }
    w.write_all(b"\n")
}

fn words(rng: &mut Rng, n: u64) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    s
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(12);
    let mut s = words(rng, n);
    if let Some(first) = s.get(..1) {
        s.replace_range(..1, &first.to_uppercase());
    }
    if rng.chance(30) {
        s.push_str(&format!(", near {}", rng.pick(PLACES)));
    }
    s.push('.');
    s
}

fn title(rng: &mut Rng) -> String {
    let subject = rng.pick(PLACES);
    let verb = rng.pick(VERBS);
    let n = 2 + rng.below(5);
    let object = words(rng, n);
    format!("{subject} {verb} {object}")
}

fn quote(rng: &mut Rng) -> String {
    let mut q = sentence(rng);
    if rng.chance(40) {
        q = format!(
            "As reported by officials, the {} “{}”",
            words(rng, 3),
            words(rng, 4)
        ) + ", "
            + &q;
    }
    if rng.chance(20) {
        q.push_str(" He said: \"we will not accept this\".");
    }
    q
}

/// Sentence `j` of paragraph `n` of source `s`'s document: the same every time it is
/// asked for, so that a quote can be taken from a document without holding it.
fn planted(seed: u64, s: u64, n: u64, j: u64) -> String {
    let mut rng = Rng(seed ^ (s << 24) ^ (n << 8) ^ j ^ 0x5EED_D0C5);
    rng.next();
    quote(&mut rng)
}

fn document_path(s: u64) -> String {
    format!("documents/{}.txt", source_id(s))
}

/// Writes source `s`'s document: a title block, then its paragraphs.
fn write_document(a: &Args, s: u64, title: &str) -> io::Result<()> {
    let path = a.out.join(document_path(s));
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder)?;
    }
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(w, "{title}\nGenerated for dossier's benchmark\n")?;
    for n in 1..=PARAGRAPHS {
        let sentences: Vec<String> = (0..SENTENCES).map(|j| planted(a.seed, s, n, j)).collect();
        writeln!(w, "{}\n", sentences.join(" "))?;
    }
    w.flush()
}

/// A citation's source, quote and locator. With documents, the quote is taken from
/// the paragraph of the source's document that the locator names; a few quotes leave
/// words out, and a few leave the locator for dossier to fill in.
fn citation(a: &Args, ids: &Ids<'_>, rng: &mut Rng, locator: &str) -> (String, String, String) {
    let s = rng.below(ids.sources);
    if a.documents == Documents::No {
        return (source_id(s), quote(rng), locator.to_string());
    }
    let n = 1 + rng.below(PARAGRAPHS);
    let mut q = planted(a.seed, s, n, rng.below(SENTENCES));
    let words: Vec<&str> = q.split(' ').collect();
    if words.len() > 8 && rng.chance(10) {
        q = format!(
            "{} … {}",
            words[..3].join(" "),
            words[words.len() - 3..].join(" ")
        );
    }
    let locator = if rng.chance(5) && a.documents == Documents::Written {
        String::new()
    } else {
        format!("para {n}")
    };
    (source_id(s), q, locator)
}

fn day(rng: &mut Rng) -> (u64, u64, u64) {
    let year = 1961 + rng.below(66);
    let month = 1 + rng.below(12);
    let mut last = MONTH_DAYS[(month - 1) as usize];
    if month == 2
        && year.is_multiple_of(4)
        && (!year.is_multiple_of(100) || year.is_multiple_of(400))
    {
        last = 29;
    }
    (year, month, 1 + rng.below(last))
}

/// A date in any of the accepted forms, weighted the way analysts write them.
fn date(rng: &mut Rng) -> String {
    let (y, m, d) = day(rng);
    let roll = rng.below(100);
    let mut s = match roll {
        0..=49 => format!("{y:04}-{m:02}-{d:02}"),
        50..=69 => format!("{y:04}-{m:02}"),
        70..=88 => format!("{y:04}"),
        89..=93 => format!("{y:04}-{m:02}/{:04}", (y + 1 + rng.below(3)).min(2026)),
        94..=96 => format!("[{y:04}..{:04}]", (y + 1).min(2026)),
        97 => format!("{}X", y / 10),
        _ => format!("{y:04}/.."),
    };
    if roll < 89 && rng.chance(6) {
        s.push(['?', '~', '%'][rng.below(3) as usize]);
    }
    s
}

/// A value as analysts write it, and whether it could carry a share.
fn value(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{}", 1 + rng.below(999_999)),
        1 => format!("{}.{} million", 1 + rng.below(999), rng.below(10)),
        2 => format!("{}.{} billion", 1 + rng.below(99), rng.below(10)),
        _ => format!("{} thousand", 1 + rng.below(999)),
    }
}

fn list(rng: &mut Rng, pool: &[String], max: u64) -> String {
    let n = 1 + rng.below(max);
    let mut chosen: Vec<&str> = Vec::new();
    for _ in 0..n {
        let a = pool[rng.below(pool.len() as u64) as usize].as_str();
        if !chosen.contains(&a) {
            chosen.push(a);
        }
    }
    chosen.join(";")
}

fn write_actors(a: &Args, ids: &Ids<'_>, rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, Table::Actors)?;
    for (i, id) in ids.actors.iter().enumerate() {
        let (name, kind) = if let Some(n) = id.strip_prefix("org-") {
            (format!("Organisation {n}"), "organization")
        } else if let Some(n) = id.strip_prefix("person-") {
            (format!("Person {n}"), "person")
        } else {
            (format!("State {id}"), "state")
        };
        let aliases = if rng.chance(30) {
            format!("{name} (alias);{id} alias")
        } else {
            String::new()
        };
        row(
            &mut w,
            Table::Actors,
            &[
                ("id", id),
                ("name", &name),
                ("kind", kind),
                ("aliases", &aliases),
            ],
            rng,
            ids,
            i as u64,
        )?;
    }
    w.flush()
}

fn source_id(i: u64) -> String {
    format!("src-{i:07}")
}

fn write_sources(a: &Args, ids: &Ids<'_>, rng: &mut Rng) -> io::Result<()> {
    let actors = ids.actors;
    let mut w = file(a, Table::Sources)?;
    // For `Unchecked`: the sources whose documents go to sources of their own.
    let mut held = Vec::new();
    for i in 0..ids.sources {
        let id = source_id(i);
        // Reported sources point back at an earlier one, so chains never loop.
        let via = if i > 0 && rng.chance(50) {
            source_id(rng.below(i))
        } else {
            String::new()
        };
        let kind = if via.is_empty() {
            rng.pick(&["article", "report", "dataset", "book"])
        } else {
            rng.pick(&["statement", "speech", "interview"])
        };
        let issuer = if rng.chance(60) {
            actors[rng.below(actors.len() as u64) as usize].clone()
        } else {
            String::new()
        };
        let (y, m, d) = day(rng);
        let published = format!("{y:04}-{m:02}-{d:02}");
        let url = if via.is_empty() && rng.chance(70) {
            format!("https://news.example.org/{y}/{m:02}/{i}")
        } else {
            String::new()
        };
        let accessed = if url.is_empty() {
            String::new()
        } else {
            "2026-01-15".to_string()
        };
        let title = title(rng);
        let author = if rng.chance(50) {
            format!("Author {}", rng.below(5000))
        } else {
            String::new()
        };
        let notes = if rng.chance(30) {
            sentence(rng)
        } else {
            String::new()
        };
        let document = match a.documents {
            Documents::Written => {
                write_document(a, i, &title)?;
                document_path(i)
            }
            Documents::Unchecked => {
                write_document(a, i, &title)?;
                held.push((i, title.clone(), published.clone()));
                String::new()
            }
            Documents::No | Documents::Withheld => String::new(),
        };
        row(
            &mut w,
            Table::Sources,
            &[
                ("id", &id),
                ("kind", kind),
                ("title", &title),
                ("author", &author),
                ("issuer", &issuer),
                (
                    "outlet",
                    rng.pick(&["", "Daily Example", "Example Wire", "Example Review"]),
                ),
                ("published", &published),
                ("url", &url),
                ("accessed", &accessed),
                ("language", rng.pick(&["en", "ru", "ko", "zh", "ja"])),
                ("via", &via),
                ("notes", &notes),
                ("document", &document),
            ],
            rng,
            ids,
            i,
        )?;
    }
    // Every cell is named, so these rows draw nothing from `rng`: the files after
    // this one are those `Withheld` writes.
    for (i, title, published) in held {
        let id = format!("{}-text", source_id(i));
        let document = document_path(i);
        let mut cells = vec![
            ("id", id.as_str()),
            ("kind", "article"),
            ("title", title.as_str()),
            ("published", published.as_str()),
            ("language", "en"),
            ("document", document.as_str()),
        ];
        for c in Table::Sources.columns() {
            if !cells.iter().any(|(name, _)| *name == c.name) {
                cells.push((c.name, ""));
            }
        }
        row(&mut w, Table::Sources, &cells, rng, ids, ids.sources + i)?;
    }
    w.flush()
}

fn write_events(a: &Args, ids: &Ids<'_>, rng: &mut Rng) -> io::Result<()> {
    let actors = ids.actors;
    let tags: Vec<String> = TAGS.iter().map(|t| t.to_string()).collect();
    let mut w = file(a, Table::Events)?;
    for i in 0..a.events {
        let id = format!("ev-{i:08}");
        let date = date(rng);
        let notes = (0..2 + rng.below(3))
            .map(|_| sentence(rng))
            .collect::<Vec<_>>()
            .join(" ");
        let display = if rng.chance(10) {
            format!("early {}", &date[..4.min(date.len())])
        } else {
            String::new()
        };
        let para = format!("para {}", 1 + rng.below(PARAGRAPHS));
        let (source, quote, locator) = citation(a, ids, rng, &para);
        row(
            &mut w,
            Table::Events,
            &[
                ("id", &id),
                ("date", &date),
                ("title", &title(rng)),
                ("source", &source),
                ("quote", &quote),
                ("locator", &locator),
                ("display_date", &display),
                ("notes", &notes),
                (
                    "location",
                    if rng.chance(40) { rng.pick(PLACES) } else { "" },
                ),
                ("actors", &list(rng, actors, 3)),
                ("tags", &list(rng, &tags, 2)),
            ],
            rng,
            ids,
            i,
        )?;
    }
    w.flush()
}

fn write_figures(a: &Args, ids: &Ids<'_>, rng: &mut Rng) -> io::Result<()> {
    let actors = ids.actors;
    let mut w = file(a, Table::Figures)?;
    for i in 0..a.events {
        let id = format!("fig-{i:08}");
        // A share points at an earlier figure, so bases never loop.
        let share = i > 0 && rng.chance(15);
        let (value, unit, base) = if share {
            (
                format!("{}.{}", rng.below(100), rng.below(10)),
                "percent",
                format!("fig-{:08}", rng.below(i)),
            )
        } else {
            (value(rng), rng.pick(UNITS), String::new())
        };
        let (qualifier, lower, upper) = match rng.below(20) {
            0 => ("gt", "", ""),
            1 => ("ge", "", ""),
            2 => ("lt", "", ""),
            3 => ("approx", "", ""),
            4 if !share => ("range", "0", "999 trillion"),
            _ => ("", "", ""),
        };
        let event = if rng.chance(30) {
            format!("ev-{:08}", rng.below(a.events))
        } else {
            String::new()
        };
        let period = if rng.chance(70) {
            date(rng)
        } else {
            String::new()
        };
        let notes = if rng.chance(40) {
            sentence(rng)
        } else {
            String::new()
        };
        let measure = format!(
            "{} {}",
            rng.pick(&["total", "annual", "monthly", "reported", "planned"]),
            words(rng, 2)
        );
        let area = actors[rng.below(actors.len() as u64) as usize].clone();
        let para = format!("para {}", 1 + rng.below(PARAGRAPHS));
        let (source, quote, locator) = citation(a, ids, rng, &para);
        let counterpart = if rng.chance(50) {
            actors[rng.below(actors.len() as u64) as usize].clone()
        } else {
            String::new()
        };
        row(
            &mut w,
            Table::Figures,
            &[
                ("id", &id),
                ("measure", &measure),
                ("value", &value),
                ("unit", unit),
                ("source", &source),
                ("quote", &quote),
                ("locator", &locator),
                ("qualifier", qualifier),
                ("lower", lower),
                ("upper", upper),
                ("area", &area),
                ("counterpart", &counterpart),
                ("period", &period),
                ("base", &base),
                ("event", &event),
                ("notes", &notes),
            ],
            rng,
            ids,
            i,
        )?;
    }
    w.flush()
}

fn write_citations(a: &Args, ids: &Ids<'_>, rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, Table::Citations)?;
    for i in 0..a.events {
        if rng.chance(20) {
            let relation = rng.pick(&[
                "supports", "supports", "supports", "disputes", "mentions", "",
            ]);
            let page = format!("p. {}", 1 + rng.below(300));
            let (source, quote, locator) = citation(a, ids, rng, &page);
            row(
                &mut w,
                Table::Citations,
                &[
                    ("source", &source),
                    ("event", &format!("ev-{i:08}")),
                    ("figure", ""),
                    ("quote", &quote),
                    ("locator", &locator),
                    ("relation", relation),
                ],
                rng,
                ids,
                i,
            )?;
        }
        if rng.chance(5) {
            let table = format!("table {}", 1 + rng.below(20));
            let (source, quote, locator) = citation(a, ids, rng, &table);
            row(
                &mut w,
                Table::Citations,
                &[
                    ("source", &source),
                    ("event", ""),
                    ("figure", &format!("fig-{i:08}")),
                    ("quote", &quote),
                    ("locator", &locator),
                    ("relation", "supports"),
                ],
                rng,
                ids,
                i,
            )?;
        }
    }
    w.flush()
}
