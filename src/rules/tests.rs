//! Unit tests of the rule engine: headers, levels, row references and locations.

use super::*;

fn user_rule(text: &str) -> Result<Rule, HeaderError> {
    parse(text, Origin::File("r/x.sql".into()))
}

#[test]
fn every_built_in_rule_parses_prepares_and_explains_itself() {
    let conn = crate::db::in_memory().unwrap();
    let rules = Rules::load(None).unwrap();
    let names: Vec<&str> = rules.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "after-publication",
            "share-amount",
            "shares-exceed-base",
            "number-not-in-quote",
            "qualifier-words",
            "conflicting-figures",
            "duplicate-event",
            "unused",
            "uncited-paragraph"
        ]
    );
    for rule in &rules.rules {
        assert!(!rule.summary.is_empty(), "{}", rule.name);
        assert!(
            rule.explanation.len() > 200,
            "{} explains too little",
            rule.name
        );
        // Every rule runs on an empty archive and finds nothing there.
        run(&conn, rule, &mut |f| panic!("{}: {f:?}", rule.name)).unwrap();
    }
}

#[test]
fn a_rule_header_gives_its_level_and_its_prose_explains_it() {
    let rule = user_rule(
        "-- name: x\n-- summary: S\n-- level: deny\n--\n-- Why it matters.\n--\n-- More.\nSELECT 1 AS rows\n",
    )
    .unwrap();
    assert_eq!(rule.level, Level::Deny);
    assert_eq!(rule.explanation, "Why it matters.\n\nMore.");
    assert!(matches!(rule.body, Body::Sql { line: 8, .. }));
    let default = user_rule("-- name: x\n-- summary: S\nSELECT 1\n").unwrap();
    assert_eq!(default.level, Level::Warn);
    let bad = user_rule("-- name: x\n-- summary: S\n-- level: error\nSELECT 1\n");
    assert_eq!(
        bad.err().map(|e| (e.line, e.message)),
        Some((
            3,
            "unknown level \"error\": a rule's level is allow, warn or deny".into()
        ))
    );
    let params =
        user_rule("-- name: x\n-- summary: S\n-- param: n integer default 1 | n\nSELECT :n\n");
    assert!(params.is_err());
}

fn choice(only: &[&str], allow: &[&str], warn: &[&str], deny: &[&str]) -> Choice {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Choice {
        only: own(only),
        allow: own(allow),
        warn: own(warn),
        deny: own(deny),
    }
}

fn levels(rules: &Rules, c: &Choice) -> Result<Vec<(String, Level)>> {
    Ok(rules
        .select(c)?
        .into_iter()
        .map(|(r, l)| (r.name.clone(), l))
        .collect())
}

#[test]
fn levels_come_from_defaults_then_all_then_names() {
    let rules = Rules::load(None).unwrap();
    let default = levels(&rules, &Choice::default()).unwrap();
    assert!(default.contains(&("shares-exceed-base".into(), Level::Deny)));
    assert!(default.contains(&("unused".into(), Level::Warn)));
    let all = levels(&rules, &choice(&[], &["unused"], &[], &["all"])).unwrap();
    for (name, level) in &all {
        let want = if name == "unused" {
            Level::Allow
        } else {
            Level::Deny
        };
        assert_eq!(*level, want, "{name}");
    }
    let only = levels(&rules, &choice(&["unused", "share-amount"], &[], &[], &[])).unwrap();
    assert_eq!(
        only,
        [
            ("share-amount".into(), Level::Warn),
            ("unused".into(), Level::Warn)
        ]
    );
    let err = |c: Choice| levels(&rules, &c).unwrap_err().to_string();
    assert_eq!(
        err(choice(&[], &["unused"], &[], &["unused"])),
        "unused is given to both --allow and --deny — give it to one of them"
    );
    assert_eq!(
        err(choice(&[], &["all"], &["all"], &[])),
        "all is given to both --allow and --warn — give it to one of them"
    );
    assert!(
        err(choice(&["nosuch"], &[], &[], &[]))
            .starts_with("no rule named \"nosuch\" — the rules are after-publication, ")
    );
    assert!(matches!(
        rules.select(&choice(&[], &[], &[], &["nosuch"])),
        Err(Error::Usage(_))
    ));
}

#[test]
fn rows_are_located_and_a_bad_reference_names_the_rule_file() {
    let conn = crate::db::in_memory_with_file("actors");
    conn.execute_batch(
        "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES ('PRK', 'North Korea', 'state', 1, 7);",
    )
    .unwrap();
    let rule = user_rule(
        "-- name: x\n-- summary: S\n\nSELECT 'actors:' || id || '  ' AS rows, 'm' AS message, NULL AS fix FROM actors\n",
    )
    .unwrap();
    let locator = Locator::new(&conn).unwrap();
    let mut found = Vec::new();
    run(&conn, &rule, &mut |f| {
        found.push(locator.finding(&rule, Level::Warn, f)?);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        found,
        [Finding {
            rule: "x".into(),
            level: Level::Warn,
            rows: vec![Located {
                table: Table::Actors,
                id: "PRK".into(),
                file: "p".into(),
                line: 7,
            }],
            message: "m".into(),
            fix: String::new(),
        }]
    );
    let problem = |sql: &str| {
        let rule = user_rule(&format!("-- name: x\n-- summary: S\n{sql}\n")).unwrap();
        let mut each = |f: Found| locator.finding(&rule, Level::Warn, f).map(|_| ());
        run(&conn, &rule, &mut each).unwrap_err().to_string()
    };
    assert_eq!(
        problem("SELECT 'actors:NOPE' AS rows, 'm' AS message, 'f' AS fix"),
        "r/x.sql:3:1: rule x: rows names actors:NOPE, which is not in the archive"
    );
    assert_eq!(
        problem("SELECT 'actor:PRK' AS rows, 'm' AS message, 'f' AS fix"),
        "r/x.sql:3:1: rule x: \"actor:PRK\" in rows is not a row: write table:id, where table is events, figures, sources, actors or citations"
    );
    assert_eq!(
        problem("SELECT 'actors:PRK' AS rows, 'm' AS message"),
        "r/x.sql:3:1: rule x: a rule returns exactly three columns: rows, message and fix"
    );
    assert_eq!(
        problem("SELECT 'actors:PRK' AS rows, 'm' AS message, 'f' AS fix, 1 AS extra"),
        "r/x.sql:3:1: rule x: the query returns a column \"extra\"; a rule returns exactly rows, message and fix"
    );
    assert_eq!(
        problem("SELECT '' AS rows, 'm' AS message, 'f' AS fix"),
        "r/x.sql:3:1: rule x: a finding has no rows: rows names the rows involved, as table:id separated by spaces"
    );
    assert_eq!(
        problem("SELECT 1 AS rows,\n  nosuch AS message, 'f' AS fix FROM actors"),
        "r/x.sql:4:1: rule x: no such column: nosuch"
    );
}

/// An archive file with two actors that nothing refers to, each of them a finding.
fn two_unused_actors() -> (tempfile::TempDir, std::path::PathBuf) {
    let conn = crate::db::in_memory_with_file("actors");
    conn.execute_batch(
        "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES ('PRK', 'North Korea', 'state', 1, 2), ('RUS', 'Russia', 'state', 1, 3);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    conn.execute("VACUUM INTO ?1", [path.to_str().unwrap()])
        .unwrap();
    (dir, path)
}

#[test]
fn counting_runs_each_rule_at_its_default_level() {
    let (_dir, path) = two_unused_actors();
    let rules = Rules::load(None).unwrap();
    let open = || Archive::open(&path, Default::default());
    assert_eq!(
        count(&open, &rules, COUNTED, std::time::Duration::from_secs(600)).unwrap(),
        Counts {
            warn: 2,
            deny: 0,
            more: None,
            uncounted: 0
        }
    );
}

#[test]
fn rules_run_at_once_report_in_the_order_of_the_rules() {
    let (_dir, path) = two_unused_actors();
    let rules = Rules::load(None).unwrap();
    let text = "-- name: x\n-- summary: S\nSELECT 'actors:' || id AS rows, 'x' AS message, '' AS fix FROM actors ORDER BY id DESC\n";
    let own = parse(text, Origin::BuiltIn).unwrap();
    let mut jobs: Vec<(&Rule, Level)> = vec![(&own, Level::Deny)];
    jobs.extend(rules.rules.iter().map(|r| (r, r.level)));
    jobs.push((&own, Level::Warn));
    let open = || Archive::open(&path, Default::default());
    let mut seen = Vec::new();
    run_all(&open, &jobs, true, &mut |f| {
        seen.push((
            f.rule.to_string(),
            f.level,
            f.rows[0].id.clone(),
            f.rows[0].line,
        ));
        Ok(())
    })
    .unwrap();
    let expected: Vec<(String, Level, String, i64)> = vec![
        ("x".into(), Level::Deny, "RUS".into(), 3),
        ("x".into(), Level::Deny, "PRK".into(), 2),
        ("unused".into(), Level::Warn, "PRK".into(), 2),
        ("unused".into(), Level::Warn, "RUS".into(), 3),
        ("x".into(), Level::Warn, "RUS".into(), 3),
        ("x".into(), Level::Warn, "PRK".into(), 2),
    ];
    assert_eq!(seen, expected);
    // An output that stops stops the rules, and says why.
    let stopped = run_all(&open, &jobs, true, &mut |_| Err(Error::Cancelled));
    assert!(matches!(stopped, Err(Error::Cancelled)));
    // An archive that cannot be opened is one error.
    let missing = path.with_file_name("missing.db");
    let open = || Archive::open(&missing, Default::default());
    assert!(matches!(
        run_all(&open, &jobs, true, &mut |_| Ok(())),
        Err(Error::NoArchive { .. })
    ));
}

#[test]
fn a_count_leaves_out_only_a_last_order_by_outside_parentheses() {
    let q = "SELECT a FROM t WHERE b = 'ORDER BY' ORDER BY a, b";
    assert_eq!(unordered(q), "SELECT a FROM t WHERE b = 'ORDER BY' ");
    // A LIMIT after the ORDER BY keeps it: the order says which rows come back.
    let limited = "SELECT a FROM t ORDER BY a LIMIT 3";
    assert_eq!(unordered(limited), limited);
    // Inside parentheses, in a string, a quoted name or a comment, it is not the query's.
    for q in [
        "SELECT group_concat(a, ',' ORDER BY a) FROM t",
        "SELECT a FROM (SELECT a FROM t ORDER BY a)",
        "SELECT a FROM t -- ORDER BY a",
        "SELECT a FROM t /* ORDER BY a */",
        "SELECT \"order\" by_ FROM t",
        "SELECT [order] FROM t",
    ] {
        assert_eq!(unordered(q), q);
    }
    assert_eq!(
        unordered("WITH x AS (SELECT 1 AS a ORDER BY a) SELECT a FROM x\norder  by a DESC"),
        "WITH x AS (SELECT 1 AS a ORDER BY a) SELECT a FROM x\n"
    );
}

#[test]
fn a_tally_stops_past_its_cap_and_says_there_are_more() {
    let (_dir, path) = two_unused_actors();
    let archive = Archive::open(&path, Default::default()).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let sql = "-- name: x\n-- summary: S\nSELECT 'actors:' || id AS rows, '' AS message, '' AS fix FROM actors ORDER BY id";
    let rule = parse(sql, Origin::BuiltIn).unwrap();
    assert_eq!(tally(&archive.conn, &rule, 2, &stop).unwrap(), (2, false));
    assert_eq!(tally(&archive.conn, &rule, 1, &stop).unwrap(), (1, true));
    let rules = Rules::load(None).unwrap();
    let unused = rules.get("unused").unwrap();
    assert_eq!(tally(&archive.conn, unused, 5, &stop).unwrap(), (2, false));
    // A rule written in Rust stops at the finding past the cap.
    fn two(_: &Connection, emit: Emit<'_>) -> Result<()> {
        for _ in 0..2 {
            emit(&|| Found {
                rows: Vec::new(),
                message: String::new(),
                fix: String::new(),
            })?;
        }
        Ok(())
    }
    let rust = Rule {
        body: Body::Rust(two),
        ..parse(sql, Origin::BuiltIn).unwrap()
    };
    assert_eq!(tally(&archive.conn, &rust, 2, &stop).unwrap(), (2, false));
    assert_eq!(tally(&archive.conn, &rust, 1, &stop).unwrap(), (1, true));
    // Once stopped, it ends at its next finding, and is not counted.
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(tally(&archive.conn, &rust, 5, &stop).is_err());
}

#[test]
fn a_count_out_of_time_leaves_the_rules_it_has_not_counted() {
    let (_dir, path) = two_unused_actors();
    let rules = Rules::load(None).unwrap();
    let open = || Archive::open(&path, Default::default());
    let none = count(&open, &rules, COUNTED, std::time::Duration::ZERO).unwrap();
    let ran = rules
        .rules
        .iter()
        .filter(|r| r.level != Level::Allow)
        .count();
    assert!(none.uncounted <= ran);
    // Capped at one finding a rule, unused says there are more.
    let capped = count(&open, &rules, 1, std::time::Duration::from_secs(600)).unwrap();
    assert_eq!(
        capped,
        Counts {
            warn: 1,
            deny: 0,
            more: Some(Level::Warn),
            uncounted: 0
        }
    );
}

#[test]
fn what_a_load_says_of_the_counts() {
    let said = |warn, deny, more, uncounted| {
        Counts {
            warn,
            deny,
            more,
            uncounted,
        }
        .said()
    };
    assert_eq!(said(0, 0, None, 0), None);
    assert_eq!(
        said(9, 0, None, 0).as_deref(),
        Some("9 findings: run dossier check")
    );
    assert_eq!(
        said(0, 1, None, 0).as_deref(),
        Some("1 finding, 1 at deny level: run dossier check")
    );
    assert_eq!(
        said(1000, 3, Some(Level::Warn), 0).as_deref(),
        Some("at least 1003 findings, 3 at deny level: run dossier check")
    );
    assert_eq!(
        said(1000, 1000, Some(Level::Deny), 0).as_deref(),
        Some("at least 2000 findings, at least 1000 at deny level: run dossier check")
    );
    assert_eq!(
        said(2, 0, None, 3).as_deref(),
        Some(
            "at least 2 findings (3 rules not counted in the time a load gives them): run dossier check"
        )
    );
    assert_eq!(
        said(0, 0, None, 1).as_deref(),
        Some("1 rule not counted in the time a load gives them: run dossier check")
    );
}
