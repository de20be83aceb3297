//! `dossier check`: every rule fires on a fixture made to break it and stays silent on
//! one made to pass; the seed's findings; levels and exit codes; the formats;
//! `--list` and `--explain`; rules of one's own; the line a load ends with.
//!
//! Each folder under tests/fixtures/check is named after a rule and holds `fires/`
//! (an archive that breaks the rule, with `expected.txt`: what `dossier check --rule
//! RULE` prints, then its exit code and standard error) and `passes/` (an archive no
//! rule finds anything in). `DOSSIER_BLESS=1` rewrites the expected files.

use crate::common::{Env, Run, cases, golden, repo, seeded};
use std::path::Path;

/// The number of built-in rules.
const RULES: usize = 9;

/// What a run printed, as the expected files hold it.
fn transcript(run: &Run) -> String {
    format!("{}--- exit {}\n{}", run.stdout, run.code, run.stderr)
}

/// Loads `folder` of a fixture into a fresh archive and returns the environment.
fn loaded(case: &Path, folder: &str) -> Result<(Env, Run), String> {
    let env = Env::new();
    let db = env.path("archive.db");
    let run = env.run_in(case, &["load", "--db", db.to_str().unwrap_or(""), folder]);
    if run.code != 0 {
        return Err(format!(
            "{}/{folder} did not load: {}",
            case.display(),
            run.stderr
        ));
    }
    Ok((env, run))
}

fn check_in(env: &Env, case: &Path, args: &[&str]) -> Run {
    let db = env.path("archive.db");
    let mut all = vec!["check", "--db", db.to_str().unwrap_or("")];
    all.extend_from_slice(args);
    env.run_in(case, &all)
}

fn fires(case: &Path) -> Result<(), String> {
    let rule = case.file_name().unwrap().to_string_lossy().into_owned();
    let (env, load) = loaded(case, "fires")?;
    // A load never fails because of findings, and says there are some.
    if !load.stdout.ends_with(": run dossier check\n") {
        return Err(format!(
            "{rule}: the load does not point at check:\n{}",
            load.stdout
        ));
    }
    let run = check_in(&env, case, &["--rule", &rule]);
    let expected_path = case.join("fires/expected.txt");
    if crate::common::blessing() {
        std::fs::write(&expected_path, transcript(&run)).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|e| format!("{rule}: no fires/expected.txt ({e})"))?;
    if transcript(&run) != expected {
        return Err(format!(
            "{rule}: the output differs\n--- expected\n{expected}--- got\n{}",
            transcript(&run)
        ));
    }
    let findings = run
        .stdout
        .lines()
        .filter(|l| l.contains(&format!("[{rule}]: ")))
        .count();
    if findings == 0 {
        return Err(format!("{rule}: no finding"));
    }
    Ok(())
}

fn passes(case: &Path) -> Result<(), String> {
    let rule = case.file_name().unwrap().to_string_lossy().into_owned();
    let (env, load) = loaded(case, "passes")?;
    if load.stdout.contains("run dossier check") {
        return Err(format!(
            "{rule}: the load reports findings:\n{}",
            load.stdout
        ));
    }
    // Silent for every rule, not only its own.
    let run = check_in(&env, case, &[]);
    let silent = format!("no findings from {RULES} rules\n--- exit 0\n");
    if transcript(&run) != silent {
        return Err(format!(
            "{rule}: passes/ has findings:\n{}",
            transcript(&run)
        ));
    }
    Ok(())
}

#[test]
fn every_rule_fires_on_its_fixture_and_is_silent_on_the_passing_one() {
    let cases = cases("tests/fixtures/check");
    let names: Vec<String> = cases
        .iter()
        .map(|c| c.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Every built-in rule has its fixtures.
    let list = Env::new().run(&["check", "--list", "--format", "csv", "--no-header"]);
    let rules: Vec<String> = list
        .stdout
        .lines()
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(rules.len(), RULES, "{}", list.stdout);
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|c| [fires(c).err(), passes(c).err()])
        .flatten()
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_seed_shows_what_belongs_to_its_article() {
    let env = seeded();
    let run = env.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    golden("check.txt", &run.stdout);
    // The recent events are dated up to the article's publication, so no date runs
    // past it.
    assert!(
        !run.stdout.contains("[after-publication]"),
        "{}",
        run.stdout
    );
    // The article's own arithmetic: 1.3 per cent of $5.7 billion is not $85 million.
    assert!(run.stdout.contains(
        "warn[share-amount]: 1.3 per cent (fig-prk-trade-share-rus) of $5.7 billion (fig-prk-trade-total) is $74.1 million"
    ));
    let json = env.run(&["check", "--format", "json"]);
    golden("check.json", &json.stdout);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let first = &parsed[0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "rule", "level", "table", "id", "file", "line", "message", "fix", "rows"
        ]
    );
    for f in parsed.as_array().unwrap() {
        for r in f["rows"].as_array().unwrap() {
            assert!(r["file"].as_str().unwrap().starts_with("seed/"), "{r}");
            assert!(r["line"].as_i64().unwrap() >= 2, "{r}");
        }
    }
}

#[test]
fn a_load_ends_with_one_line_when_check_finds_something() {
    let env = Env::new();
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0);
    let last = run.stdout.lines().last().unwrap_or("");
    let check = env.run(&["check", "--format", "csv", "--no-header"]);
    let n = check.stdout.lines().count();
    assert!(n > 0);
    assert_eq!(last, format!("{n} findings: run dossier check"));
    // Not with --quiet, which prints nothing but errors.
    let quiet = env.run(&["--quiet", "load"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
}

#[test]
fn deny_makes_the_exit_code_1_and_names_the_rules() {
    let env = seeded();
    let only = ["--rule", "share-amount", "--rule", "unused"];
    let run = env.run(&[&["check", "--deny", "all", "--allow", "unused"], &only[..]].concat());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: 1 finding at deny level, from share-amount — dossier check --explain RULE says why each rule matters\n"
    );
    assert!(run.stdout.contains("deny[share-amount]"));
    assert!(!run.stdout.contains("[unused]"));
    assert!(
        run.stdout.ends_with("1 finding (1 deny) from 1 rule\n"),
        "{}",
        run.stdout
    );
    // Warnings alone leave the exit code at 0.
    let run = env.run(&[&["check"], &only[..]].concat());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    // A rule named on its own outranks all.
    let run = env.run(&["check", "--allow", "all", "--warn", "share-amount"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.ends_with("1 finding (1 warn) from 1 rule\n"),
        "{}",
        run.stdout
    );
    // The load says so too.
    let fixture = repo().join("tests/fixtures/check/shares-exceed-base/fires");
    let load = env.run(&["load", "--db", "x.db", fixture.to_str().unwrap()]);
    assert_eq!(load.code, 0, "{}", load.stderr);
    assert!(
        load.stdout
            .ends_with("1 finding, 1 at deny level: run dossier check\n"),
        "{}",
        load.stdout
    );
}

#[test]
fn unknown_or_contradictory_rule_names_are_usage_errors() {
    let env = seeded();
    let run = env.run(&["check", "--rule", "shares-exceeds-base"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: no rule named \"shares-exceeds-base\" — the rules are after-publication, share-amount, shares-exceed-base, number-not-in-quote, qualifier-words, conflicting-figures, duplicate-event, unused, uncited-paragraph; dossier check --list describes them\n"
    );
    let run = env.run(&["check", "--allow", "unused", "--deny", "unused"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: unused is given to both --allow and --deny — give it to one of them\n"
    );
    assert_eq!(env.run(&["check", "--explain", "nosuch"]).code, 2);
}

#[test]
fn every_format_writes_the_same_findings() {
    let env = seeded();
    let count = |format: &str| {
        let run = env.run(&["check", "--rule", "share-amount", "--format", format]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        run.stdout
    };
    let csv = count("csv");
    assert_eq!(
        csv.lines().next(),
        Some("rule,level,table,id,file,line,message,fix,rows")
    );
    assert!(csv.contains(
        "fig-prk-trade-share-rus (seed/figures.csv:4); fig-prk-rus-trade-value (seed/figures.csv:5); fig-prk-trade-total (seed/figures.csv:2)"
    ));
    let tsv = count("tsv");
    assert!(tsv.starts_with("rule\tlevel\ttable\tid\tfile\tline\tmessage\tfix\trows\nshare-amount\twarn\tfigures\tfig-prk-trade-share-rus\tseed/figures.csv\t4\t"));
    let ndjson = count("ndjson");
    let line: serde_json::Value = serde_json::from_str(ndjson.trim_end()).unwrap();
    assert_eq!(line["rows"][2]["id"], "fig-prk-trade-total");
    assert_eq!(line["rows"][2]["line"], 2);
    let markdown = count("markdown");
    assert!(markdown.starts_with(
        "| rule | level | table | id | file | line | message | fix | rows |\n| --- |"
    ));
    // -o writes the file, the same as standard output.
    let run = env.run(&[
        "check",
        "--rule",
        "share-amount",
        "--format",
        "csv",
        "-o",
        "f.csv",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert_eq!(std::fs::read_to_string(env.path("f.csv")).unwrap(), csv);
}

#[test]
fn list_and_explain_describe_the_rules() {
    let env = Env::new();
    let list = env.run(&["check", "--list", "--deny", "all", "--allow", "unused"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    golden("check-list.txt", &list.stdout);
    let explain = env.run(&["check", "--explain", "share-amount"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    golden("check-explain-share-amount.txt", &explain.stdout);
    let rust = env.run(&[
        "check",
        "--explain",
        "qualifier-words",
        "--format",
        "markdown",
    ]);
    golden("check-explain-qualifier-words.md", &rust.stdout);
    let json = env.run(&["check", "--explain", "unused", "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["rule"]["written_in"], "sql");
    assert!(
        parsed["rule"]["sql"]
            .as_str()
            .unwrap()
            .starts_with("SELECT rows, message, fix FROM (")
    );
}

/// A rule of one's own, in a folder named with --rules or DOSSIER_RULES.
const OWN_RULE: &str = "\
-- name: big-debts
-- summary: Debts of ten billion or more
-- level: deny
--
-- Big debts deserve a second source.
SELECT 'figures:' || id AS rows,
       printf('%s is a debt of %s', id, amount(value_norm, unit)) AS message,
       'Find a second source.' AS fix
FROM figures WHERE measure LIKE '%debt%' AND value_norm >= 1e10
";

#[test]
fn rules_of_ones_own_run_beside_the_built_in_ones() {
    let env = seeded();
    env.write("my-rules/big-debts.sql", OWN_RULE);
    let run = env.run(&["check", "--rules", "my-rules", "--rule", "big-debts"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "seed/figures.csv:8: deny[big-debts]: fig-prk-debt-remitted is a debt of $10 billion\n  rows: fig-prk-debt-remitted (seed/figures.csv:8)\n  fix: Find a second source.\n\n1 finding (1 deny) from 1 rule\n"
    );
    // From the environment, and counted by a load that rebuilds the archive (one
    // that finds it up to date counts nothing again).
    let mut cmd = env.cmd();
    let out = cmd
        .env("DOSSIER_RULES", "my-rules")
        .args(["load", "--full"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let plain = env.run(&["load", "--full"]);
    let n = |s: &str| -> u64 {
        s.lines()
            .last()
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(n(&stdout), n(&plain.stdout) + 1, "{stdout}");
    assert!(
        stdout.ends_with("1 at deny level: run dossier check\n"),
        "{stdout}"
    );
    // Listed with where it comes from.
    let list = env.run(&["check", "--rules", "my-rules", "--list", "--format", "csv"]);
    assert!(
        list.stdout
            .contains("big-debts,deny,deny,Debts of ten billion or more,my-rules/big-debts.sql\n")
    );
}

#[test]
fn a_rule_file_that_cannot_run_is_named_with_its_line() {
    let env = seeded();
    // The last field: whether a load, which counts findings without making them,
    // sees the problem too.
    let cases = [
        (
            "a.sql",
            "-- name: b\n-- summary: S\nSELECT 1\n",
            "my-rules/a.sql:1:1: the rule is named \"b\" but the file is a.sql — name the file after the rule",
            true,
        ),
        (
            "unused.sql",
            "-- name: unused\n-- summary: S\nSELECT 1\n",
            "my-rules/unused.sql:1:1: the name \"unused\" is already taken by a built-in rule — rename the file and its name: line",
            true,
        ),
        (
            "c.sql",
            "-- name: c\n-- summary: S\n-- level: fatal\nSELECT 1\n",
            "my-rules/c.sql:3:1: unknown level \"fatal\": a rule's level is allow, warn or deny",
            true,
        ),
        (
            "d.sql",
            "-- name: d\n-- summary: S\n\nSELECT 'figures:' || id AS rows,\n  nosuch AS message, '' AS fix FROM figures\n",
            "my-rules/d.sql:5:1: rule d: no such column: nosuch",
            true,
        ),
        (
            "e.sql",
            "-- name: e\n-- summary: S\nSELECT id AS rows, 'm' AS message, 'f' AS fix FROM figures ORDER BY rowid\n",
            "my-rules/e.sql:3:1: rule e: \"fig-prk-trade-total\" in rows is not a row: write table:id, where table is events, figures, sources, actors or citations",
            false,
        ),
    ];
    for (file, text, message, load_sees) in cases {
        let dir = env.path("my-rules");
        let _ = std::fs::remove_dir_all(&dir);
        env.write(&format!("my-rules/{file}"), text);
        let run = env.run(&["check", "--rules", "my-rules"]);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (1, format!("error: {message}\n").as_str()),
            "{file}"
        );
        // A load still succeeds, and says why it could not check.
        let load = env.run(&["load", "--full", "--rules", "my-rules"]);
        assert_eq!(load.code, 0, "{file}: {}", load.stderr);
        let warned =
            format!("warning: the archive was loaded, but could not be checked: {message}\n");
        let expected = if load_sees { warned.as_str() } else { "" };
        assert_eq!(load.stderr, expected, "{file}");
    }
}

#[test]
fn check_needs_an_archive() {
    let env = Env::new();
    let run = env.run(&["check"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: dossier.db: no archive there — build one with dossier load (or name another with --db)\n"
    );
}
