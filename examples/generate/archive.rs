//! The archive generator behind `examples/generate`, shared with the tests that need
//! a large archive.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// What to generate.
pub struct Args {
    pub events: u64,
    pub seed: u64,
    pub out: PathBuf,
}

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
    write_actors(a, &actors, &mut rng)?;
    write_sources(a, sources, &actors, &mut rng)?;
    write_events(a, sources, &actors, &mut rng)?;
    write_figures(a, sources, &actors, &mut rng)?;
    write_citations(a, sources, &mut rng)?;
    Ok(())
}

fn actor_ids(people: u64, orgs: u64) -> Vec<String> {
    let mut ids: Vec<String> = STATES.iter().map(|s| s.to_string()).collect();
    ids.extend((0..orgs).map(|i| format!("org-{i:04}")));
    ids.extend((0..people).map(|i| format!("person-{i:05}")));
    ids
}

fn file(a: &Args, name: &str) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(a.out.join(name))?,
    ))
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

fn row(w: &mut impl Write, fields: &[&str]) -> io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        field(w, f)?;
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

fn write_actors(a: &Args, actors: &[String], rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, "actors.csv")?;
    row(&mut w, &["id", "name", "kind", "aliases"])?;
    for id in actors {
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
        row(&mut w, &[id, &name, kind, &aliases])?;
    }
    w.flush()
}

fn source_id(i: u64) -> String {
    format!("src-{i:07}")
}

fn write_sources(a: &Args, n: u64, actors: &[String], rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, "sources.csv")?;
    row(
        &mut w,
        &[
            "id",
            "kind",
            "title",
            "author",
            "issuer",
            "outlet",
            "published",
            "url",
            "accessed",
            "language",
            "via",
            "notes",
        ],
    )?;
    for i in 0..n {
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
        row(
            &mut w,
            &[
                &id,
                kind,
                &title,
                &author,
                &issuer,
                rng.pick(&["", "Daily Example", "Example Wire", "Example Review"]),
                &published,
                &url,
                &accessed,
                rng.pick(&["en", "ru", "ko", "zh", "ja"]),
                &via,
                &notes,
            ],
        )?;
    }
    w.flush()
}

fn write_events(a: &Args, sources: u64, actors: &[String], rng: &mut Rng) -> io::Result<()> {
    let tags: Vec<String> = TAGS.iter().map(|t| t.to_string()).collect();
    let mut w = file(a, "events.csv")?;
    row(
        &mut w,
        &[
            "id",
            "date",
            "title",
            "source",
            "quote",
            "locator",
            "display_date",
            "notes",
            "location",
            "actors",
            "tags",
        ],
    )?;
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
        row(
            &mut w,
            &[
                &id,
                &date,
                &title(rng),
                &source_id(rng.below(sources)),
                &quote(rng),
                &format!("para {}", 1 + rng.below(40)),
                &display,
                &notes,
                if rng.chance(40) { rng.pick(PLACES) } else { "" },
                &list(rng, actors, 3),
                &list(rng, &tags, 2),
            ],
        )?;
    }
    w.flush()
}

fn write_figures(a: &Args, sources: u64, actors: &[String], rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, "figures.csv")?;
    row(
        &mut w,
        &[
            "id",
            "measure",
            "value",
            "unit",
            "source",
            "quote",
            "locator",
            "qualifier",
            "lower",
            "upper",
            "area",
            "counterpart",
            "period",
            "base",
            "event",
            "notes",
        ],
    )?;
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
        let counterpart = if rng.chance(50) {
            actors[rng.below(actors.len() as u64) as usize].clone()
        } else {
            String::new()
        };
        row(
            &mut w,
            &[
                &id,
                &measure,
                &value,
                unit,
                &source_id(rng.below(sources)),
                &quote(rng),
                &format!("para {}", 1 + rng.below(40)),
                qualifier,
                lower,
                upper,
                &area,
                &counterpart,
                &period,
                &base,
                &event,
                &notes,
            ],
        )?;
    }
    w.flush()
}

fn write_citations(a: &Args, sources: u64, rng: &mut Rng) -> io::Result<()> {
    let mut w = file(a, "citations.csv")?;
    row(
        &mut w,
        &["source", "event", "figure", "quote", "locator", "relation"],
    )?;
    for i in 0..a.events {
        if rng.chance(20) {
            let relation = rng.pick(&[
                "supports", "supports", "supports", "disputes", "mentions", "",
            ]);
            row(
                &mut w,
                &[
                    &source_id(rng.below(sources)),
                    &format!("ev-{i:08}"),
                    "",
                    &quote(rng),
                    &format!("p. {}", 1 + rng.below(300)),
                    relation,
                ],
            )?;
        }
        if rng.chance(5) {
            row(
                &mut w,
                &[
                    &source_id(rng.below(sources)),
                    "",
                    &format!("fig-{i:08}"),
                    &quote(rng),
                    &format!("table {}", 1 + rng.below(20)),
                    "supports",
                ],
            )?;
        }
    }
    w.flush()
}
