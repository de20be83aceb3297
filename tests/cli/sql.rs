//! `dossier sql`: read-only ad-hoc SQL, its refusals, parameters and time limit.

use crate::common::seeded;
use std::time::Duration;

/// How long a query that dossier should stop itself may run before the test kills it.
const KILL_AFTER: Duration = Duration::from_secs(60);

/// Every kind of statement that would write, and the message that refuses it: both
/// `sql` and its interactive shell must refuse each.
pub fn refused_writes() -> Vec<(&'static str, String)> {
    let change = "sql only reads — to change the archive, edit the CSV files and run dossier load";
    vec![
        ("INSERT INTO actors (id, name, csv_file, csv_line) VALUES ('X', 'x', 1, 1)", format!("INSERT into actors is refused: {change}")),
        ("UPDATE events SET title = 'x'", format!("UPDATE of events is refused: {change}")),
        ("DELETE FROM citations", format!("DELETE from citations is refused: {change}")),
        ("DROP TABLE events", format!("changing the schema (CREATE, DROP, ALTER) is refused: {change}")),
        ("CREATE TABLE t (x)", format!("changing the schema (CREATE, DROP, ALTER) is refused: {change}")),
        ("ALTER TABLE events RENAME TO e", format!("this statement is refused: {change}")),
        ("ATTACH DATABASE 'other.db' AS other", "ATTACH \"other.db\" is refused: sql reads only this archive".into()),
        ("PRAGMA user_version = 7", "PRAGMA user_version = 7 is refused: sql may read settings but not change them".into()),
        ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode = WAL is refused: sql may read settings but not change them".into()),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension is refused: sql cannot load extensions".into()),
        ("BEGIN", "transactions are refused: sql only reads, so it needs none".into()),
        ("VACUUM INTO 'copy.db'", "this statement would write, and sql only reads — to change the archive, edit the CSV files and run dossier load".into()),
    ]
}

#[test]
fn every_kind_of_write_is_refused_and_the_archive_untouched() {
    let env = seeded();
    let before = env.bytes("dossier.db");
    for (sql, message) in &refused_writes() {
        let run = env.run(&["sql", sql]);
        assert_eq!(
            (run.code, run.stderr.clone()),
            (1, format!("error: {message}\n")),
            "{sql}"
        );
    }
    assert_eq!(env.bytes("dossier.db"), before);
    assert_eq!(env.files(""), vec!["dossier.db", "dossier.db.lock"]);
    // Reading settings is fine.
    let run = env.run(&[
        "sql",
        "PRAGMA user_version",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "4\n"));
}

/// How long dossier says a stopped query had run, from its message.
fn ran_for(stderr: &str, limit: &str) -> f64 {
    let re = regex::Regex::new(&format!(
        r"^error: the query was stopped after (\d+\.\d\d) s, its limit being {} s \(--timeout\) — narrow it, or raise the limit with --timeout SECONDS \(0 for none\)\n$",
        regex::escape(limit)
    ))
    .expect("regex");
    let caps = re
        .captures(stderr)
        .unwrap_or_else(|| panic!("unexpected message: {stderr}"));
    caps[1].parse().expect("seconds")
}

#[test]
fn a_runaway_query_is_stopped_by_the_time_limit() {
    let env = seeded();
    // An endless recursive CTE with cheap steps, and one whose every step makes and
    // copies a megabyte: the limit is checked between steps, so heavy steps are the
    // ones that could overrun it.
    let endless =
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
    let heavy = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
                 SELECT sum(length(hex(randomblob(1000000)))) FROM r";
    for sql in [endless, heavy] {
        let run = env.run_within(KILL_AFTER, &["sql", sql, "--timeout", "0.5"]);
        assert_eq!(run.code, 1, "{sql}");
        // dossier's own clock, from the statement's start to its stop. It never stops
        // a query before its limit; how soon after is a matter of speed, which a
        // shared machine makes vary, so it is not asserted here (a limit that is not
        // enforced never returns at all).
        let ran = ran_for(&run.stderr, "0.5");
        assert!(ran >= 0.5, "{sql}: stopped after {ran} s, before its limit");
    }
    // Canned queries take the same flag, checked the same way.
    let run = env.run(&["run", "timeline", "--timeout=-1"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: --timeout takes a number of seconds, 0 for no limit (found -1)\n"
        )
    );
}

#[test]
fn a_query_that_needs_unbounded_memory_is_stopped_cleanly() {
    let env = seeded();
    let before = env.bytes("dossier.db");
    // 2 MB more text per row, without end: without a heap limit this grows until the
    // machine runs out of memory (or SQLite's 1 GB string limit, after using more).
    let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
               SELECT length(group_concat(hex(randomblob(1000000)))) FROM r";
    let run = env.run_within(
        KILL_AFTER,
        &["sql", sql, "--memory-limit", "64", "--timeout", "0"],
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            1,
            "",
            "error: the query needed more than 64 MiB of memory and was stopped (--memory-limit) — narrow it (fewer rows, shorter values), or raise the limit with --memory-limit MIB (0 for none)\n"
        )
    );
    // A sort bigger than the limit still works: SQLite spills it to temporary files.
    let run = env.run_within(
        KILL_AFTER,
        &[
            "sql",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 300000) \
         SELECT count(*) FROM (SELECT hex(randomblob(100)) AS h FROM r ORDER BY h)",
            "--memory-limit",
            "16",
            "--format",
            "csv",
            "--no-header",
        ],
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "300000\n"),
        "{}",
        run.stderr
    );
    assert_eq!(env.bytes("dossier.db"), before);
}

#[test]
fn errors_point_at_the_sql() {
    let env = seeded();
    let run = env.run(&["sql", "SELECT id FORM events"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: near \"events\": syntax error\n  SELECT id FORM events\n                 ^\n"
    );
    let run = env.run(&["sql", "SELECT id,\n  nosuch\nFROM events"]);
    assert_eq!(
        run.stderr,
        "error: no such column: nosuch\n  line 2:   nosuch\n            ^\n"
    );
    let run = env.run(&["sql", "SELECT 1; SELECT 2"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: sql runs one statement at a time — run the others separately\n"
        )
    );
}

#[test]
fn parameters_bind_by_name_and_sql_comes_from_anywhere() {
    let env = seeded();
    let run = env.run(&[
        "sql",
        "SELECT id FROM figures WHERE value_norm >= :min AND unit = :unit ORDER BY id",
        "-p",
        "min=30000000000",
        "-p",
        "unit=USD",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!(
        run.stdout,
        "fig-flagship-projects-total-cost\nfig-gas-pipeline-cost\n"
    );
    // A value is data, never SQL.
    let run = env.run(&[
        "sql",
        "SELECT count(*) FROM actors WHERE id = :id",
        "-p",
        "id=PRK' OR '1'='1",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!(run.stdout, "0\n");
    let run = env.run(&["sql", "SELECT :missing"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: the SQL uses :missing — give it with -p missing=VALUE\n"
        )
    );
    let run = env.run(&["sql", "SELECT 1", "-p", "extra=1"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: -p extra: the SQL has no :extra parameter (it has no parameters)\n"
        )
    );
    env.write("q.sql", "SELECT count(*) AS n FROM events");
    let run = env.run(&["sql", "-f", "q.sql", "--format", "csv"]);
    assert_eq!(run.stdout, "n\n22\n");
    let out = env
        .cmd()
        .args(["sql", "-", "--format", "csv"])
        .write_stdin("SELECT count(*) AS n FROM sources")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "n\n10\n");
}

#[test]
fn views_put_a_fact_and_its_citation_on_one_row() {
    let env = seeded();
    let run = env.run(&[
        "sql",
        "SELECT actors, tags, source, locator, citations FROM events_full WHERE id = 'ev-2017-kcna-crossed-the-line'",
        "--format", "csv", "--no-header",
    ]);
    assert_eq!(
        run.stdout,
        "kcna;PRK;CHN,diplomacy;sanctions,src-kcna-2017-china-crossed-the-line,para 2,2\n"
    );
    let run = env.run(&[
        "sql",
        "SELECT base_value, base_unit, share_amount FROM figures_full WHERE id = 'fig-prk-trade-share-chn'",
        "--format", "csv", "--no-header",
    ]);
    assert_eq!(run.stdout, "5.7 billion,USD,5187000000\n");
    let run = env.run(&[
        "sql",
        "SELECT cited_as FROM sources_full WHERE id = 'src-kcna-2017-china-crossed-the-line'",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!(
        run.stdout,
        "\"Korea Central News Agency statement on China’s sanctions announcement, as reported by New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23\"\n"
    );
}
