//! `dossier export`: tables, views and queries in any format, the spreadsheet profile,
//! and the whole archive as CSV files that load back into the same archive.

use crate::common::{Env, one, repo, seeded};

/// Every table, with the columns that say where a row came from left out.
const TABLES: &[(&str, &str)] = &[
    (
        "sources",
        "id, kind, title, author, issuer, outlet, published, published_start, published_end, published_precision, published_kind, published_uncertain, published_approx, url, accessed, language, via, notes",
    ),
    ("actors", "id, name, kind"),
    ("actor_aliases", "actor, alias, position"),
    (
        "events",
        "id, date, date_start, date_end, date_precision, date_kind, date_uncertain, date_approx, title, display_date, notes, location",
    ),
    ("event_actors", "event, actor, position"),
    ("event_tags", "event, tag, position"),
    (
        "figures",
        "id, measure, value, value_norm, unit, qualifier, lower, lower_norm, upper, upper_norm, area, counterpart, period, period_start, period_end, period_precision, period_kind, period_uncertain, period_approx, base, event, notes",
    ),
    (
        "citations",
        "id, source, event, figure, quote, locator, relation",
    ),
];

fn rows(
    conn: &rusqlite::Connection,
    table: &str,
    columns: &str,
) -> Vec<Vec<rusqlite::types::Value>> {
    let n = columns.split(',').count();
    let mut stmt = conn
        .prepare(&format!("SELECT {columns} FROM {table} ORDER BY 1, 2"))
        .unwrap();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn export_dir_round_trips_the_seed_table_by_table() {
    let env = seeded();
    let run = env.run(&["export", "--dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "wrote 10 rows to out/sources.csv\nwrote 28 rows to out/actors.csv\nwrote 22 rows to out/events.csv\n\
         wrote 18 rows to out/figures.csv\nwrote 12 rows to out/citations.csv\n"
    );
    let run = env.run(&["load", "out", "--db", "again.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (a, b) = (env.db("dossier.db"), env.db("again.db"));
    for (table, columns) in TABLES {
        let (left, right) = (rows(&a, table, columns), rows(&b, table, columns));
        assert!(!left.is_empty(), "{table}");
        assert_eq!(left, right, "{table} differs after the round trip");
    }
    // The exported files are the seed's files, row for row.
    for table in ["sources", "actors", "events", "figures", "citations"] {
        let exported = std::fs::read_to_string(env.path(&format!("out/{table}.csv"))).unwrap();
        let seed = std::fs::read_to_string(repo().join(format!("seed/{table}.csv"))).unwrap();
        let mut normal = csv::Reader::from_reader(seed.as_bytes());
        let mut got = csv::Reader::from_reader(exported.as_bytes());
        let seed_rows: Vec<csv::StringRecord> = normal.records().map(Result::unwrap).collect();
        let got_rows: Vec<csv::StringRecord> = got.records().map(Result::unwrap).collect();
        // The seed leaves qualifier and relation empty where export writes the default.
        let defaulted = |r: &csv::StringRecord, i: usize, d: &str| {
            r.iter()
                .enumerate()
                .map(|(j, c)| {
                    if j == i && c.is_empty() {
                        d.to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect::<Vec<_>>()
        };
        for (s, g) in seed_rows.iter().zip(&got_rows) {
            let (s, g) = match table {
                "figures" => (defaulted(s, 7, "eq"), defaulted(g, 7, "eq")),
                "citations" => (defaulted(s, 5, "supports"), defaulted(g, 5, "supports")),
                _ => (
                    s.iter().map(String::from).collect(),
                    g.iter().map(String::from).collect(),
                ),
            };
            assert_eq!(s, g, "{table}");
        }
        assert_eq!(seed_rows.len(), got_rows.len(), "{table}");
    }
}

#[test]
fn excel_profile_guards_formulas_and_plain_csv_stays_exact() {
    let env = Env::new();
    env.write(
        "x/sources.csv",
        "id,kind,title\ns1,article,\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"\ns2,article,+cmd\ns3,article,-2+3\ns4,article,@SUM(A1)\ns5,article,ordinary\n",
    );
    assert_eq!(env.run(&["load", "x"]).code, 0);
    let excel = env
        .cmd()
        .args(["export", "sources", "--excel"])
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8(excel).unwrap();
    assert!(text.starts_with('\u{feff}'), "byte-order mark");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(
        lines[1].starts_with("s1,article,\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\","),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("s2,article,'+cmd,"), "{}", lines[2]);
    assert!(lines[3].starts_with("s3,article,'-2+3,"), "{}", lines[3]);
    assert!(
        lines[4].starts_with("s4,article,'@SUM(A1),"),
        "{}",
        lines[4]
    );
    assert!(lines[5].starts_with("s5,article,ordinary,"), "{}", lines[5]);
    let plain = env
        .run(&[
            "export",
            "--query",
            "SELECT title FROM sources WHERE id = 's1'",
        ])
        .stdout;
    assert_eq!(
        plain,
        "title\n\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"\n"
    );
    // Numbers stay numbers: a negative count is not a formula.
    let n = env
        .run(&["export", "--query", "SELECT -5 AS n, '-5' AS t", "--excel"])
        .stdout;
    assert_eq!(n, "\u{feff}n,t\r\n-5,'-5\r\n");
}

#[test]
fn export_takes_a_table_a_view_a_query_or_a_canned_query() {
    let env = seeded();
    let run = env.run(&["export", "figure_bounds", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("id,measure,unit,qualifier,lo,hi\n"),
        "{}",
        run.stdout
    );
    let run = env.run(&[
        "export",
        "--run",
        "citations",
        "-p",
        "id=fig-prk-trade-total",
        "--format",
        "tsv",
        "--no-header",
    ]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let run = env.run(&["export", "EVENTS", "-o", "events.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    let exported = std::fs::read_to_string(env.path("events.csv")).unwrap();
    let mut r = csv::Reader::from_reader(exported.as_bytes());
    assert_eq!(
        r.records().count() as i64,
        one::<i64>(&db, "SELECT count(*) FROM events")
    );
}

#[test]
fn export_refuses_what_it_cannot_do_safely() {
    let env = seeded();
    let run = env.run(&["export", "events\"; DROP TABLE events; --"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: no table or view named \"events\\\"; DROP TABLE events; --\" — export one of "
        ),
        "{}",
        run.stderr
    );
    let run = env.run(&["export", "--dir", "d", "--excel"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: --dir writes the exact CSV files load reads; it takes no --excel, --format, --no-header or -p\n"
        )
    );
    let run = env.run(&["export", "events", "--excel", "--format", "json"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: --excel shapes CSV and TSV; leave it out for other formats\n"
        )
    );
    let run = env.run(&["export"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: say what to export: a table or view name, --query SQL, --run NAME or --dir DIR\n"
        )
    );
    let run = env.run(&["export", "--query", "DELETE FROM events"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM events"),
        22
    );
}
