//! `dossier datasette`: the metadata file's shape, and the real Datasette serving the
//! archive's canned queries with the same rows as `dossier run`.

use crate::common::{Env, require_tool, seeded};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// A query of the user's own, with a real and a text default, to check that their
/// folder carries over too.
const BIG_FIGURES: &str = "-- name: big-figures\n\
    -- summary: Figures above a threshold, largest first\n\
    -- param: min real default 1000000000 | the smallest normalised value to show\n\
    -- param: unit text default USD | the unit\n\
    SELECT id, value, unit FROM figures WHERE value_norm >= :min AND unit = :unit ORDER BY value_norm DESC, id\n";

fn with_user_queries() -> Env {
    let env = seeded();
    env.write("my-queries/big-figures.sql", BIG_FIGURES);
    env
}

fn metadata(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["--queries", "my-queries", "datasette"];
    args.extend_from_slice(extra);
    let run = env.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the metadata is JSON")
}

#[test]
fn metadata_describes_every_table_view_column_and_canned_query() {
    let env = with_user_queries();
    let meta = metadata(&env, &[]);
    assert_eq!(meta["title"], "dossier archive");
    assert_eq!(
        meta["source"], "New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23",
        "the source is the one read first-hand"
    );
    assert!(
        meta.get("license").is_none(),
        "no license unless one is given"
    );
    assert!(meta["description"].as_str().unwrap().starts_with(
        "A dossier archive: 22 events, 18 figures, 10 sources, 28 actors and 52 citations."
    ));
    let db = &meta["databases"]["dossier"];
    let tables = db["tables"].as_object().expect("tables");

    // Every table and view of the archive, with every column, is described.
    let conn = env.db("dossier.db");
    let mut stmt = conn
        .prepare(
            "SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
             WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'",
        )
        .unwrap();
    let columns: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let objects: BTreeSet<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
    assert!(objects.len() >= 24, "{objects:?}");
    assert_eq!(
        tables.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        objects
    );
    for (table, column) in &columns {
        let t = &tables[table.as_str()];
        let d = t["description"].as_str().unwrap_or_default();
        assert!(!d.is_empty(), "{table} has no description");
        let c = t["columns"][column.as_str()].as_str().unwrap_or_default();
        assert!(!c.is_empty(), "{table}.{column} has no description");
    }
    assert_eq!(
        tables["events"]["description"],
        "what happened and when, with the bounds of its date"
    );
    assert_eq!(
        tables["events"]["columns"]["date_start"],
        "earliest possible day"
    );
    assert_eq!(tables["actors"]["label_column"], "name");
    // Full-text search on the search table, with FTS5 syntax; its shadow tables hidden.
    assert_eq!(tables["search"]["fts_table"], "search");
    assert_eq!(tables["search"]["fts_pk"], "rowid");
    assert_eq!(tables["search"]["searchmode"], "raw");
    assert_eq!(tables["search_data"]["hidden"], true);

    // Every canned query, built-in and the user's, with its SQL and its parameters.
    let listed: Vec<Value> = serde_json::from_str(
        &env.run(&["--queries", "my-queries", "queries", "--format", "json"])
            .stdout,
    )
    .unwrap();
    let queries = db["queries"].as_object().expect("queries");
    assert_eq!(queries.len(), listed.len());
    let named = regex::Regex::new(r":([a-z_][a-z0-9_]*)").unwrap();
    for q in &listed {
        let name = q["name"].as_str().unwrap();
        // A query named like a table would hide the table in Datasette.
        let served = if tables.contains_key(name) {
            format!("{name}-query")
        } else {
            name.to_string()
        };
        let entry = &queries[served.as_str()];
        assert_eq!(entry["title"], q["summary"], "{name}");
        let sql = entry["sql"].as_str().unwrap_or_default();
        assert!(sql.contains("SELECT"), "{name} has no SQL");
        let described: Value = serde_json::from_str(
            &env.run(&[
                "--queries",
                "my-queries",
                "queries",
                name,
                "--format",
                "json",
            ])
            .stdout,
        )
        .unwrap();
        let params: Vec<&str> = described["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let served_params: Vec<&str> = entry["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(served_params, params, "{name}");
        // Datasette binds exactly the declared names: no :x_start or :x_end is left.
        let bound: BTreeSet<&str> = named
            .captures_iter(sql)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(bound, params.iter().copied().collect(), "{name}");
        for p in &params {
            let doc = entry["description"].as_str().unwrap();
            assert!(
                doc.contains(&format!("{p} (")),
                "{name} does not describe {p}"
            );
        }
    }
    for clash in ["figures", "sources", "actors", "search", "citations"] {
        assert!(queries.contains_key(&format!("{clash}-query")), "{clash}");
        assert!(!queries.contains_key(clash), "{clash}");
    }
    assert!(queries.contains_key("timeline") && queries.contains_key("big-figures"));
}

#[test]
fn flags_set_the_title_source_and_license_and_o_writes_a_file() {
    let env = with_user_queries();
    let run = env.run(&[
        "--queries",
        "my-queries",
        "datasette",
        "--title",
        "North Korea and Russia",
        "--license",
        "CC BY 4.0",
        "--license-url",
        "https://creativecommons.org/licenses/by/4.0/",
        "--source",
        "Analysts' reading",
        "--source-url",
        "https://example.org/reading",
        "-o",
        "metadata.json",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    let meta: Value = serde_json::from_slice(&env.bytes("metadata.json")).unwrap();
    assert_eq!(meta["title"], "North Korea and Russia");
    assert_eq!(meta["license"], "CC BY 4.0");
    assert_eq!(
        meta["license_url"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(meta["source"], "Analysts' reading");
    assert_eq!(meta["source_url"], "https://example.org/reading");
    // Datasette names the database after the archive's file.
    let run = env.run(&["--db", "dossier.db", "datasette"]);
    let meta: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(meta["databases"]["dossier"].is_object());
}

/// How to install the Datasette these tests were written against.
const INSTALL_DATASETTE: &str = "python3 -m pip install 'datasette==0.65.*'";

/// Runs the real Datasette on the archive with the metadata, for one path, and
/// returns its JSON.
fn datasette_get(datasette: &Path, env: &Env, path: &str) -> Value {
    let out = std::process::Command::new(datasette)
        .current_dir(env.dir.path())
        .args(["dossier.db", "-m", "metadata.json", "--get", path])
        .output()
        .expect("datasette runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "datasette --get {path}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn datasette_serves_the_canned_queries_with_the_rows_dossier_gives() {
    let Some(datasette) = require_tool("datasette", INSTALL_DATASETTE) else {
        return;
    };
    let env = with_user_queries();
    let run = env.run(&[
        "--queries",
        "my-queries",
        "datasette",
        "-o",
        "metadata.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Each case: the dossier command, and the same query in Datasette, with its
    // parameters as a person types them in its form.
    let cases: &[(&[&str], &str)] = &[
        (
            &["timeline", "--from", "2014", "--to", "2016"],
            "/dossier/timeline.json?from=2014&to=2016",
        ),
        (
            &["timeline", "--actor", "SUN", "--actor", "CHN"],
            "/dossier/timeline.json?actor=SUN,+CHN",
        ),
        (
            &["timeline", "--tag", "aid", "--tag", "transport"],
            "/dossier/timeline.json?tag=%5B%22aid%22%2C%22transport%22%5D",
        ),
        (
            &["timeline", "--from", "2015", "--to", "2015", "--within"],
            "/dossier/timeline.json?from=2015&to=2015&within=true",
        ),
        (
            &["timeline", "--from", "2016-06-01", "--to", "2016-06"],
            "/dossier/timeline.json?from=2016-06-01&to=2016-06&within=",
        ),
        (
            &["figures", "--area", "PRK", "--measure", "TRADE"],
            "/dossier/figures-query.json?area=PRK&measure=TRADE",
        ),
        (
            &["search", "sanction", "--limit", "3"],
            "/dossier/search-query.json?query=sanction&limit=3",
        ),
        (
            &["run", "summary", "-p", "top=2"],
            "/dossier/summary.json?top=2",
        ),
        (
            &[
                "--queries",
                "my-queries",
                "run",
                "big-figures",
                "-p",
                "min=2.6e10",
            ],
            "/dossier/big-figures.json?min=2.6e10",
        ),
        (
            &[
                "run",
                "via",
                "-p",
                "id=src-kcna-2017-china-crossed-the-line",
            ],
            "/dossier/via.json?id=src-kcna-2017-china-crossed-the-line",
        ),
    ];
    for (args, path) in cases {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--format", "json"]);
        let run = env.run(&full);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let want: Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(
            !want.as_array().unwrap().is_empty(),
            "{args:?} gives no rows, which would prove nothing"
        );
        let sep = if path.contains('?') { '&' } else { '?' };
        let got = datasette_get(&datasette, &env, &format!("{path}{sep}_shape=array"));
        assert_eq!(got, want, "{path} differs from dossier {args:?}");
    }
    // The search table is searchable with FTS5 syntax.
    let found = datasette_get(
        &datasette,
        &env,
        "/dossier/search.json?_search=%22crossed+the+line%22&_shape=array",
    );
    let ids: BTreeSet<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // The quote, and the paragraph of the article it is in.
    assert_eq!(
        ids,
        BTreeSet::from([
            "ev-2017-kcna-crossed-the-line",
            "src-nee-2017-pyongyang-russian-sentiment"
        ])
    );
}
