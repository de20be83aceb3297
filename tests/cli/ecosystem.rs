//! The archive in the forms other tools read, each checked with the real tool when it
//! is there: the Frictionless data package (frictionless validate), Parquet (DuckDB,
//! value by value against SQLite), TimelineJS (rendered in headless Chromium) and
//! CSL-JSON (pandoc --citeproc).

use crate::archive;
use crate::common::{Env, REQUIRE_TOOLS, golden, repo, require_tool, seeded};
use rusqlite::types::Value as Sql;
use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL_FRICTIONLESS: &str = "python3 -m pip install 'frictionless==5.*'";
const INSTALL_DUCKDB: &str = "python3 -m pip install 'duckdb-cli==1.*'";
const INSTALL_CHROMIUM: &str = "apt-get install chromium";
const INSTALL_TIMELINEJS: &str = "npm install --global @knight-lab/timelinejs@3.9";
const INSTALL_PANDOC: &str = "apt-get install pandoc";

/// An archive from the benchmark's generator, which fills every declared column.
fn generated(events: u64) -> Env {
    let env = Env::new();
    archive::generate(&archive::Args {
        events,
        seed: 11,
        out: env.path("data"),
        documents: archive::Documents::No,
    })
    .expect("generate");
    let run = env.run(&["load", "data"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    env
}

fn ok(env: &Env, args: &[&str]) -> String {
    let run = env.run(args);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    run.stdout
}

fn tool_output(program: &Path, args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
}

// ---------------------------------------------------------------- data package

#[test]
fn the_seed_ships_the_data_package_that_export_writes() {
    let env = seeded();
    let stdout = ok(&env, &["export", "--dir", "out"]);
    assert!(
        stdout.ends_with("wrote the data package to out/datapackage.json\n"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(env.path("out/datapackage.json")).unwrap();
    let shipped = repo().join("seed/datapackage.json");
    if crate::common::blessing() {
        std::fs::write(&shipped, &written).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&shipped).unwrap_or_default(),
        written,
        "seed/datapackage.json is not what dossier writes: re-bless it with DOSSIER_BLESS=1 cargo test --test cli ecosystem"
    );
    let package: Value = serde_json::from_str(&written).unwrap();
    // The five CSV files, then the seed's one document, as a text resource.
    let resources = package["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 6);
    assert_eq!(package["profile"], "data-package");
    assert_eq!(
        resources[5]["path"],
        "documents/nee-2017-pyongyang-russian-sentiment.txt"
    );
    assert_eq!(resources[5]["mediatype"], "text/plain");
    // load reads the CSV files and leaves the package alone, in an export and in the seed.
    ok(&env, &["--db", "again.db", "load", "out"]);
    let seed = repo().join("seed");
    ok(&env, &["--db", "seed.db", "load", seed.to_str().unwrap()]);
    assert_eq!(
        ok(&env, &["--db", "again.db", "export", "events"]),
        ok(&env, &["export", "events"])
    );
}

/// Runs `frictionless validate` on a data package; returns whether it is valid and
/// the type of each error, with its file.
fn validate(frictionless: &Path, package: &Path) -> (bool, Vec<String>) {
    let out = tool_output(
        frictionless,
        &["validate", "--json", package.to_str().unwrap()],
        package.parent().unwrap(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "frictionless: {e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let valid = report["valid"] == Value::Bool(true);
    assert_eq!(out.status.success(), valid, "{report}");
    let mut errors = Vec::new();
    for task in report["tasks"].as_array().into_iter().flatten() {
        for e in task["errors"].as_array().into_iter().flatten() {
            let error = format!(
                "{}: {} {}",
                task["name"].as_str().unwrap_or(""),
                e["type"].as_str().unwrap_or(""),
                e["fieldName"].as_str().unwrap_or("")
            );
            errors.push(error.trim_end().to_string());
        }
    }
    (valid, errors)
}

#[test]
fn frictionless_validates_the_seed_and_an_export_and_catches_a_broken_file() {
    let Some(frictionless) = require_tool("frictionless", INSTALL_FRICTIONLESS) else {
        return;
    };
    let seed = validate(&frictionless, &repo().join("seed/datapackage.json"));
    assert_eq!(seed, (true, vec![]), "the seed");
    let env = generated(200);
    ok(&env, &["export", "--dir", "out"]);
    let package = env.path("out/datapackage.json");
    assert_eq!(
        validate(&frictionless, &package),
        (true, vec![]),
        "an export"
    );
    // Each kind of rule the package states is enforced: break one cell of each and
    // frictionless finds it where it is.
    let breaks: &[(&str, &str, &str, &str)] = &[
        (
            "figures.csv",
            ",percent,",
            ",per cent,",
            "figures: constraint-error unit",
        ),
        (
            "events.csv",
            "ev-00000002,",
            "ev 2,",
            "events: constraint-error id",
        ),
        (
            "sources.csv",
            ",statement,",
            ",memo,",
            "sources: constraint-error kind",
        ),
        (
            "actors.csv",
            ",person,",
            ",being,",
            "actors: constraint-error kind",
        ),
    ];
    for (file, from, to, expected) in breaks {
        let path = env.path(&format!("out/{file}"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let (valid, errors) = validate(&frictionless, &package);
        assert!(!valid, "{file}: {from} -> {to} passed");
        assert!(
            errors.iter().any(|e| e == expected),
            "{file}: expected {expected} in {errors:?}"
        );
        std::fs::write(&path, text).unwrap();
    }
    // A reference to a row that is not there.
    let path = env.path("out/figures.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = regex::Regex::new(r",src-\d+,")
        .unwrap()
        .replace(&text, ",src-missing,")
        .into_owned();
    std::fs::write(&path, broken).unwrap();
    let (valid, errors) = validate(&frictionless, &package);
    assert!(!valid);
    assert!(
        errors.iter().any(|e| e == "figures: foreign-key"),
        "{errors:?}"
    );
}

// ---------------------------------------------------------------- Parquet

/// DuckDB's answer to a query, as JSON rows.
fn duckdb(duckdb: &Path, dir: &Path, sql: &str) -> Vec<Value> {
    let out = tool_output(duckdb, &["-json", "-c", sql], dir);
    assert!(
        out.status.success(),
        "duckdb {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    if text.trim().is_empty() {
        return Vec::new();
    }
    serde_json::from_str::<Vec<Value>>(&text).unwrap_or_else(|e| panic!("{sql}: {e}: {text}"))
}

/// Whether a value DuckDB read from Parquet is the value SQLite holds, given the
/// column's Parquet type as DuckDB names it.
fn same(ty: &str, sqlite: &Sql, parquet: &Value) -> bool {
    match (ty, sqlite, parquet) {
        (_, Sql::Null, Value::Null) => true,
        ("BIGINT", Sql::Integer(i), Value::Number(n)) => n.as_i64() == Some(*i),
        ("BOOLEAN", Sql::Integer(i), Value::Bool(b)) => (*i == 1) == *b && (*i == 0 || *i == 1),
        ("DOUBLE", Sql::Real(f), Value::Number(n)) => {
            n.as_f64().map(f64::to_bits) == Some(f.to_bits())
        }
        ("DATE" | "VARCHAR", Sql::Text(t), Value::String(s)) => t == s,
        _ => false,
    }
}

/// Compares every value of a Parquet file with the rows of a SQLite query, in
/// order; returns how many values were compared.
fn compare(
    conn: &rusqlite::Connection,
    sql: &str,
    duck: &Path,
    dir: &Path,
    file: &str,
) -> (usize, Vec<(String, String)>) {
    let types: Vec<(String, String)> =
        duckdb(duck, dir, &format!("DESCRIBE SELECT * FROM '{file}'"))
            .iter()
            .map(|r| {
                (
                    r["column_name"].as_str().unwrap().to_string(),
                    r["column_type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    let parquet = duckdb(duck, dir, &format!("SELECT * FROM '{file}'"));
    let mut stmt = conn.prepare(sql).unwrap();
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    assert_eq!(
        names,
        types.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "{file}"
    );
    let n = names.len();
    let rows: Vec<Vec<Sql>> = stmt
        .query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), parquet.len(), "{file}: rows");
    let mut compared = 0;
    for (i, (row, got)) in rows.iter().zip(&parquet).enumerate() {
        for ((name, ty), value) in types.iter().zip(row) {
            assert!(
                same(ty, value, &got[name]),
                "{file} row {} column {name} ({ty}): SQLite has {value:?}, Parquet {}",
                i + 1,
                got[name]
            );
            compared += 1;
        }
    }
    (compared, types)
}

#[test]
fn duckdb_reads_every_value_of_a_parquet_export_as_sqlite_holds_it() {
    let Some(duck) = require_tool("duckdb", INSTALL_DUCKDB) else {
        return;
    };
    let env = generated(300);
    let stdout = ok(
        &env,
        &["export", "--all", "--format", "parquet", "--dir", "pq"],
    );
    assert!(
        stdout.contains("wrote 300 rows to pq/events.parquet\n"),
        "{stdout}"
    );
    let conn = env.db("dossier.db");
    let files = env.files("pq");
    assert_eq!(files.len(), 17, "{files:?}");
    let mut total = 0;
    let mut types = Vec::new();
    for file in &files {
        let table = file.strip_suffix(".parquet").unwrap();
        let (n, t) = compare(
            &conn,
            &format!("SELECT * FROM \"{table}\""),
            &duck,
            &env.path("pq"),
            file,
        );
        total += n;
        types.extend(t.into_iter().map(|(c, ty)| format!("{table}.{c} {ty}")));
    }
    assert!(total > 20_000, "only {total} values compared");
    for typed in [
        "events.date_start DATE",
        "events.date_end DATE",
        "events.date_uncertain BOOLEAN",
        "sources.published_approx BOOLEAN",
        "figures.value_norm DOUBLE",
        "figures.period_start DATE",
        "events.csv_line BIGINT",
        "units.to_base DOUBLE",
        "events.title VARCHAR",
    ] {
        assert!(types.iter().any(|t| t == typed), "{typed} in {types:?}");
    }
    // One view and one query, with computed columns, each as a file.
    ok(
        &env,
        &[
            "export",
            "events_full",
            "--format",
            "parquet",
            "-o",
            "full.parquet",
        ],
    );
    let (n, t) = compare(
        &conn,
        "SELECT * FROM events_full",
        &duck,
        env.dir.path(),
        "full.parquet",
    );
    assert!(
        n > 3000 && t.contains(&("date_start".into(), "DATE".into())),
        "{t:?}"
    );
    let sql = "SELECT unit, count(*) AS figures, sum(value_norm) AS total, max(period_end) AS last FROM figures GROUP BY unit ORDER BY unit";
    ok(
        &env,
        &[
            "export",
            "--query",
            sql,
            "--format",
            "parquet",
            "-o",
            "q.parquet",
        ],
    );
    let (_, t) = compare(&conn, sql, &duck, env.dir.path(), "q.parquet");
    assert_eq!(
        t.iter().map(|(_, ty)| ty.as_str()).collect::<Vec<_>>(),
        // SQLite computes text from a date column: only the archive's own columns
        // are known to be dates.
        ["VARCHAR", "BIGINT", "DOUBLE", "VARCHAR"]
    );
    // And the whole folder is one query away, as the README shows.
    let counted = duckdb(
        &duck,
        &env.path("pq"),
        "SELECT count(*) AS n FROM 'events.parquet' e JOIN 'event_actors.parquet' a ON a.event = e.id WHERE e.date_start >= DATE '1990-01-01'",
    );
    let expected: i64 = conn
        .query_row(
            "SELECT count(*) FROM events e JOIN event_actors a ON a.event = e.id WHERE e.date_start >= '1990-01-01'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counted[0]["n"], Value::from(expected));
}

#[test]
fn a_parquet_export_is_refused_where_it_cannot_be_written() {
    let env = seeded();
    let cases: &[(&[&str], &str)] = &[
        (
            &["export", "events", "--format", "parquet"],
            "error: parquet is a binary file, not text for a terminal or a pipe: name the file with -o FILE (for example -o events.parquet)\n",
        ),
        (
            &["export", "--all", "--format", "parquet"],
            "error: --all --format parquet writes one file per table: name their folder with --dir DIR\n",
        ),
        (
            &[
                "export",
                "--query",
                "SELECT 1 AS a UNION ALL SELECT 'x'",
                "--format",
                "parquet",
                "-o",
                "q.parquet",
            ],
            "error: column \"a\" holds text in row 2, where the rows before hold integers — a Parquet column holds one type: CAST it in the query (CAST(a AS TEXT)), or export as CSV\n",
        ),
    ];
    for (args, stderr) in cases {
        let run = env.run(args);
        assert_eq!(run.stderr, *stderr, "{args:?}");
        assert_ne!(run.code, 0);
    }
    assert!(!env.path("q.parquet").exists());
    assert_eq!(
        env.files(".")
            .iter()
            .filter(|f| f.contains("parquet"))
            .count(),
        0
    );
}

// ---------------------------------------------------------------- TimelineJS

/// The built files of TimelineJS, from npm's global folder.
fn timelinejs() -> Option<PathBuf> {
    let npm = require_tool("npm", INSTALL_TIMELINEJS)?;
    let out = tool_output(&npm, &["root", "--global"], &repo());
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let dist = root.join("@knight-lab/timelinejs/dist");
    if dist.join("js/timeline.js").is_file() {
        return Some(dist);
    }
    let why = format!("@knight-lab/timelinejs is not in {}", root.display());
    if std::env::var_os(REQUIRE_TOOLS).is_some_and(|v| v == "1") {
        panic!(
            "{why}, and {REQUIRE_TOOLS}=1 says every outside tool must be there — install it: {INSTALL_TIMELINEJS}"
        );
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(
        std::io::stderr(),
        "\n{test}: skipped: {why}, so this test did not run — install it to run it: {INSTALL_TIMELINEJS}"
    );
    None
}

/// Where a test keeps what it made for a person to look at, such as a screenshot.
fn output_folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Headless Chromium as it runs here: no sandbox (root), no GPU, and none of the
/// background connections that a closed network refuses.
fn chromium(chromium: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    let profile = format!("--user-data-dir={}", profile.display());
    let mut all = vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        "--virtual-time-budget=15000",
        "--window-size=1280,860",
        profile.as_str(),
    ];
    all.extend_from_slice(args);
    tool_output(chromium, &all, Path::new("/"))
}

#[test]
fn timelinejs_renders_every_event_of_the_export() {
    let Some(browser) = require_tool("chromium", INSTALL_CHROMIUM) else {
        return;
    };
    let Some(dist) = timelinejs() else {
        return;
    };
    let env = seeded();
    let stdout = ok(
        &env,
        &[
            "export",
            "--run",
            "timeline",
            "-p",
            "from=2010",
            "--format",
            "timelinejs",
            "-o",
            "timeline.json",
        ],
    );
    let data: Value = serde_json::from_slice(&env.bytes("timeline.json")).unwrap();
    let slides = data["events"].as_array().unwrap();
    let expected: Vec<Value> = serde_json::from_str(&ok(
        &env,
        &["timeline", "--from", "2010", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(
        stdout,
        format!("wrote {} events to timeline.json\n", expected.len())
    );
    assert!(expected.len() > 5);
    let ids: Vec<&Value> = slides.iter().map(|s| &s["unique_id"]).collect();
    let want: Vec<&Value> = expected.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, want);

    let out = output_folder("timelinejs");
    let page = out.join("index.html");
    let url = |p: &Path| format!("file://{}", p.display());
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
             <link rel=\"stylesheet\" href=\"{}\"><script src=\"{}\"></script></head>\
             <body style=\"margin:0\"><div id=\"timeline\" style=\"width:100%;height:820px\"></div>\
             <script>window.timeline = new TL.Timeline('timeline', {});</script></body></html>",
            url(&dist.join("css/timeline.css")),
            url(&dist.join("js/timeline.js")),
            String::from_utf8(env.bytes("timeline.json")).unwrap()
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let dom = chromium(&browser, profile.path(), &["--dump-dom", &url(&page)]);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    std::fs::write(out.join("dom.html"), &dom).unwrap();
    assert!(
        dom.contains("tl-timeline"),
        "TimelineJS did not run: {}",
        out.display()
    );
    assert!(
        !dom.contains("tl-message-full"),
        "TimelineJS shows an error: see {}",
        out.display()
    );
    for slide in slides {
        let id = slide["unique_id"].as_str().unwrap();
        let headline = slide["text"]["headline"].as_str().unwrap();
        for needle in [format!("id=\"{id}\""), format!("id=\"{id}-marker\"")] {
            assert!(
                dom.contains(&needle),
                "{needle} not rendered; see {}",
                out.display()
            );
        }
        assert!(
            dom.contains(headline),
            "{headline:?} not rendered; see {}",
            out.display()
        );
    }
    for group in slides.iter().filter_map(|s| s["group"].as_str()) {
        assert!(
            dom.contains(&format!(">{group}<")),
            "group {group} not shown"
        );
    }
    let shot = out.join("timeline.png");
    let _ = std::fs::remove_file(&shot);
    let screenshot = format!("--screenshot={}", shot.display());
    chromium(&browser, profile.path(), &[&screenshot, &url(&page)]);
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "no screenshot at {}",
        shot.display()
    );
}

#[test]
fn the_seed_timeline_and_bibliography_are_what_users_get() {
    let env = seeded();
    golden(
        "timeline.timelinejs.json",
        &ok(
            &env,
            &["export", "--run", "timeline", "--format", "timelinejs"],
        ),
    );
    golden(
        "sources.csl.json",
        &ok(&env, &["export", "sources", "--format", "csl-json"]),
    );
    // An empty timeline is written with a warning, which --quiet silences.
    let empty = [
        "export",
        "--run",
        "timeline",
        "-p",
        "from=3000",
        "--format",
        "timelinejs",
    ];
    let warning = "warning: no event matches the filters: TimelineJS shows an error for a timeline without events\n";
    for (quiet, stderr) in [(false, warning), (true, "")] {
        let args: Vec<&str> = quiet
            .then_some("--quiet")
            .into_iter()
            .chain(empty)
            .collect();
        let run = env.run(&args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "{\"events\": [\n]}\n", stderr),
            "{args:?}"
        );
    }
    for (args, message) in [
        (
            &["export", "events", "--format", "timelinejs"][..],
            "error: --format timelinejs writes the timeline: use it with --run timeline, filtered with -p (for example -p from=2014 -p actor=RUS)\n",
        ),
        (
            &["export", "events", "--format", "csl-json"][..],
            "error: --format csl-json writes citations of the sources: export sources --format csl-json\n",
        ),
        (
            &[
                "export",
                "--run",
                "timeline",
                "-p",
                "from=never",
                "--format",
                "timelinejs",
            ][..],
            "",
        ),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        if !message.is_empty() {
            assert_eq!(run.stderr, message, "{args:?}");
        }
    }
}

// ---------------------------------------------------------------- CSL-JSON

#[test]
fn pandoc_renders_a_bibliography_of_the_sources() {
    let Some(pandoc) = require_tool("pandoc", INSTALL_PANDOC) else {
        return;
    };
    let env = seeded();
    let stdout = ok(
        &env,
        &[
            "export",
            "sources",
            "--format",
            "csl-json",
            "-o",
            "sources.json",
        ],
    );
    let items: Vec<Value> = serde_json::from_slice(&env.bytes("sources.json")).unwrap();
    assert_eq!(
        stdout,
        format!("wrote {} sources to sources.json\n", items.len())
    );
    env.write(
        "paper.md",
        "---\nnocite: '@*'\n---\n\nAs argued [@src-nee-2017-pyongyang-russian-sentiment, para 3].\n\n# References\n",
    );
    let out = tool_output(
        &pandoc,
        &[
            "--citeproc",
            "--bibliography",
            "sources.json",
            "--wrap=none",
            "-t",
            "plain",
            "paper.md",
        ],
        env.dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "pandoc warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("As argued (Kaliszuk 2017, para 3)."),
        "{text}"
    );
    assert!(
        text.contains("Kaliszuk, Grzegorz. 2017. “Pyongyang’s Russian Sentiment.” New Eastern Europe, June 23, 2017."),
        "{text}"
    );
    let conn = env.db("dossier.db");
    let mut stmt = conn
        .prepare("SELECT title, via IS NOT NULL FROM sources")
        .unwrap();
    let sources: Vec<(String, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let entries: Vec<&str> = text
        .split("References")
        .nth(1)
        .unwrap_or("")
        .split("\n\n")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(entries.len(), sources.len(), "{text}");
    for (title, via) in &sources {
        // The entry's title is its first quoted text; Chicago puts English titles
        // in title case.
        let title_of = |entry: &str| -> String {
            let quoted = entry.split_once('“').map_or("", |(_, rest)| rest);
            let title = quoted.split_once('”').map_or("", |(t, _)| t);
            title.trim_end_matches(['.', ',']).to_lowercase()
        };
        let entry = entries
            .iter()
            .find(|e| title_of(e) == title.to_lowercase())
            .unwrap_or_else(|| panic!("{title} is not in the bibliography:\n{text}"));
        assert_eq!(entry.contains("As reported by"), *via, "{entry}");
    }
}
