//! The built-in commands on the seed, checked against golden output, and the canned
//! query machinery behind them.

use crate::common::{Env, golden, seeded, without_timestamps};

/// Each case: a golden file name and the command's arguments.
const CASES: &[(&str, &[&str])] = &[
    ("timeline.txt", &["timeline"]),
    ("timeline.csv", &["timeline", "--format", "csv"]),
    // 2014/2015 overlaps 2015–2016 without being inside it.
    (
        "timeline-2015-2016.txt",
        &["timeline", "--from", "2015", "--to", "2016"],
    ),
    (
        "timeline-within-2015-2016.txt",
        &["timeline", "--from", "2015", "--to", "2016", "--within"],
    ),
    (
        "timeline-actors.json",
        &[
            "timeline", "--actor", "SUN", "--actor", "CHN", "--format", "json",
        ],
    ),
    (
        "timeline-tag.md",
        &[
            "timeline",
            "--tag",
            "aid",
            "--tag",
            "transport",
            "--format",
            "markdown",
        ],
    ),
    ("figures.txt", &["figures"]),
    ("figures.json", &["figures", "--format", "json"]),
    (
        "figures-usd-trade.txt",
        &["figures", "--measure", "TRADE", "--unit", "USD"],
    ),
    (
        "figures-area-rus.tsv",
        &["figures", "--area", "RUS", "--format", "tsv"],
    ),
    ("sources.txt", &["sources"]),
    ("sources.csv", &["sources", "--format", "csv"]),
    ("actors.txt", &["actors"]),
    ("actors.ndjson", &["actors", "--format", "ndjson"]),
    ("show-event.txt", &["show", "ev-2017-kcna-crossed-the-line"]),
    (
        "show-event.json",
        &["show", "ev-2017-kcna-crossed-the-line", "--format", "json"],
    ),
    ("show-figure.txt", &["show", "fig-prk-trade-share-chn"]),
    (
        "show-source.txt",
        &["show", "src-kcna-2017-china-crossed-the-line"],
    ),
    ("show-actor.csv", &["show", "SUN", "--format", "csv"]),
    (
        "show-source-document.md",
        &[
            "show",
            "src-nee-2017-pyongyang-russian-sentiment",
            "--format",
            "markdown",
        ],
    ),
    (
        "show-uncited.txt",
        &[
            "show",
            "src-nee-2017-pyongyang-russian-sentiment",
            "--uncited",
        ],
    ),
    ("search-coal.txt", &["search", "coal"]),
    (
        "search-phrase.ndjson",
        &["search", "\"crossed the line\"", "--format", "ndjson"],
    ),
    (
        "search-stemmed.txt",
        &["search", "sanction", "--limit", "3"],
    ),
    ("summary.txt", &["summary"]),
    (
        "summary.json",
        &["summary", "--format", "json", "--top", "2"],
    ),
    ("schema.txt", &["schema"]),
    (
        "schema-events.csv",
        &["schema", "events", "--format", "csv"],
    ),
    ("queries.txt", &["queries"]),
    (
        "queries-figures.md",
        &["queries", "figures", "--format", "markdown"],
    ),
];

#[test]
fn every_built_in_command_matches_its_golden_output() {
    let env = seeded();
    let mut failures = Vec::new();
    for (name, args) in CASES {
        let run = env.run(args);
        if run.code != 0 || !run.stderr.is_empty() {
            failures.push(format!("{name}: exit {} stderr {}", run.code, run.stderr));
            continue;
        }
        if let Err(e) = std::panic::catch_unwind(|| golden(name, &without_timestamps(&run.stdout)))
        {
            failures.push(format!(
                "{name}: {}",
                e.downcast_ref::<String>().cloned().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A golden file of a flag must differ from that of the same command without it,
    // or it could not tell the flag from its absence.
    for (name, args) in CASES {
        let without: Vec<&str> = args.iter().copied().filter(|a| *a != "--within").collect();
        if without.len() == args.len() {
            continue;
        }
        let (twin, _) = CASES
            .iter()
            .find(|(_, a)| *a == without.as_slice())
            .unwrap_or_else(|| panic!("{name}: no case without --within"));
        let read =
            |n: &str| std::fs::read(crate::common::repo().join("tests/golden").join(n)).unwrap();
        assert_ne!(read(name), read(twin), "{name} is the same as {twin}");
    }
}

#[test]
fn machine_formats_parse_back_to_the_same_rows() {
    let env = seeded();
    let json = env.run(&["timeline", "--format", "json"]).stdout;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let csv_text = env.run(&["timeline", "--format", "csv"]).stdout;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["date", "title", "actors", "tags", "source", "id", "notes"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 22);
    assert_eq!(rows.len(), records.len());
    for (obj, rec) in rows.iter().zip(&records) {
        for (i, col) in header.iter().enumerate() {
            let from_json = match &obj[col] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(from_json, rec[i], "{col}");
        }
    }
    let ndjson = env.run(&["timeline", "--format", "ndjson"]).stdout;
    let lines: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, rows);
    // Numbers stay numbers, NULL stays null.
    let figures: Vec<serde_json::Value> =
        serde_json::from_str(&env.run(&["figures", "--format", "json"]).stdout).unwrap();
    let total = figures
        .iter()
        .find(|f| f["id"] == "fig-prk-trade-total")
        .unwrap();
    assert_eq!(total["value_norm"], serde_json::json!(5.7e9));
    assert_eq!(total["value"], "5.7 billion");
    assert_eq!(total["period"], serde_json::Value::Null);
}

#[test]
fn timeline_overlap_and_within_differ_as_documented() {
    let env = seeded();
    let ids = |args: &[&str]| timeline_ids(&env, args);
    // The 2014/2015 span overlaps 2015 but is not inside it.
    let overlap = ids(&["--from", "2015", "--to", "2015"]);
    assert!(overlap.contains(&"ev-2014-2015-rus-prk-rapprochement".to_string()));
    let within = ids(&["--from", "2015", "--to", "2015", "--within"]);
    assert!(!within.contains(&"ev-2014-2015-rus-prk-rapprochement".to_string()));
    assert_eq!(
        within,
        vec![
            "ev-2015-year-of-russian-korean-friendship",
            "ev-2015-putin-kim-summit-not-held"
        ]
    );
    // A month-precise --to takes the whole month; a day in 2016 overlaps "2016".
    assert_eq!(ids(&["--from", "2016-06-01", "--to", "2016-06"]).len(), 2);
}

#[test]
fn parameters_are_checked_before_anything_runs() {
    let env = seeded();
    let cases: &[(&[&str], &str)] = &[
        (
            &["timeline", "--from", "23/06/2017"],
            "error: from: day/month/year dates are not accepted (found \"23/06/2017\") — write YYYY-MM-DD: 2017-06-23\n",
        ),
        (
            &["timeline", "--actor", "prk"],
            "error: actor: no actor \"prk\" in the archive — did you mean PRK?\n",
        ),
        (
            &["figures", "--area", "XYZ"],
            "error: area: no actor \"XYZ\" in the archive — dossier actors lists them\n",
        ),
        (
            &["run", "figure"],
            "error: figure needs id (text, required) — the parameters of figure are id (text, required)\n",
        ),
        (
            &["run", "summary", "-p", "top=many"],
            "error: top: not a whole number (found \"many\")\n",
        ),
        (
            &["run", "timeline", "-p", "within=perhaps"],
            "error: within: not true or false (found \"perhaps\")\n",
        ),
        (
            &["run", "sources", "-p", "x=1"],
            "error: sources has no parameter \"x\" — sources takes no parameters\n",
        ),
        (
            &["run", "nosuch"],
            "error: no query named \"nosuch\" — the queries are timeline, figures, sources, actors, search, summary, event, figure, source, actor, citations, paragraphs, linked, via, last-load, changes, report-figures, report-citations; dossier queries describes them\n",
        ),
        (
            &["run", "event", "-p", "id"],
            "error: -p takes name=value (found \"id\")\n",
        ),
        (
            &["search", "\"unclosed"],
            "error: search: \"\\\"unclosed\" is not a search dossier understands (unterminated string) — for example: coal, \"crossed the line\", nucl*, coal AND China, wheat OR flour, coal NOT China; put words with punctuation in double quotes\n",
        ),
        (
            &["schema", "nosuch"],
            "error: no table or view named \"nosuch\" — dossier schema lists them all\n",
        ),
    ];
    for (args, stderr) in cases {
        let run = env.run(args);
        assert_eq!(
            (run.code, run.stderr.as_str(), run.stdout.as_str()),
            (2, *stderr, ""),
            "{args:?}"
        );
    }
    let run = env.run(&["show", "ev-1961"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: no event, figure, source or actor has the id \"ev-1961\" — did you mean ev-1961-friendship-treaty?\n"
    );
}

#[test]
fn run_gives_a_canned_query_its_typed_parameters() {
    let env = seeded();
    let run = env.run(&[
        "run",
        "timeline",
        "-p",
        "from=2016",
        "-p",
        "to=2016",
        "-p",
        "actor=PRK",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "2016,Sergey Lavrov visits Pyongyang and says closer co-operation would strengthen regional security,sergey-lavrov;RUS;PRK,diplomacy,src-lavrov-2016-pyongyang-remarks,ev-2016-lavrov-visit-pyongyang,\n\
         [2016..2017-06-23],Pyongyang signals it may resume the six-party negotiations on its nuclear programme,PRK,diplomacy;nuclear,src-nee-2017-pyongyang-russian-sentiment,ev-2016-prk-six-party-signal,\"The article gives no date; it places this “in response” to Lavrov’s 2016 visit, so it happened once between 2016 and the article’s publication (2017-06-23).\"\n"
    );
    // The same as the built-in command with typed flags.
    let flags = env.run(&[
        "timeline",
        "--from",
        "2016",
        "--to",
        "2016",
        "--actor",
        "PRK",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert_eq!(flags.stdout, run.stdout);
}

#[test]
fn a_user_query_folder_adds_queries() {
    let env = seeded();
    env.write(
        "my-queries/big-figures.sql",
        "-- name: big-figures\n\
         -- summary: Figures above a threshold, largest first\n\
         -- param: min real default 1000000000 | the smallest normalised value to show\n\
         -- param: unit text default USD | the unit\n\
         SELECT id, value, unit FROM figures WHERE value_norm >= :min AND unit = :unit ORDER BY value_norm DESC, id\n",
    );
    let run = env.run(&[
        "--queries",
        "my-queries",
        "run",
        "big-figures",
        "-p",
        "min=2.6e10",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "id,value,unit\nfig-flagship-projects-total-cost,55 billion,USD\nfig-gas-pipeline-cost,30 billion,USD\n"
    );
    let listed = env
        .cmd()
        .env("DOSSIER_QUERIES", "my-queries")
        .args(["queries", "--format", "csv"])
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.ends_with("big-figures,\"Figures above a threshold, largest first\",\"min (real, default 1000000000), unit (text, default USD)\",my-queries/big-figures.sql\n"),
        "{listed}"
    );
    // A broken file is reported with its place, and a clash with a built-in name refused.
    env.write(
        "bad/oops.sql",
        "-- name: oops\n-- summary: x\n-- param: n number optional | h\nSELECT :n\n",
    );
    let run = env.run(&["--queries", "bad", "queries"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: bad/oops.sql:3:1: unknown type \"number\": use text, integer, real, date, boolean or actor (add [] for a list)\n"
    );
    env.write(
        "clash/timeline.sql",
        "-- name: timeline\n-- summary: mine\nSELECT 1\n",
    );
    let run = env.run(&["--queries", "clash", "run", "timeline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the name \"timeline\" is already taken by a built-in query"),
        "{}",
        run.stderr
    );
    // Built-in commands do not depend on the user's folder.
    assert_eq!(env.run(&["--queries", "bad", "timeline"]).code, 0);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let env = seeded();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("dossier"))
        .current_dir(env.dir.path())
        .args(["sql", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 500000) SELECT n FROM r"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn commands_need_an_archive() {
    let env = Env::new();
    let run = env.run(&["timeline"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: dossier.db: no archive there — build one with dossier load (or name another with --db)\n"
    );
    assert!(
        !env.path("dossier.db").exists(),
        "a query must not create the file"
    );
}

#[test]
fn output_files_appear_whole() {
    let env = seeded();
    let run = env.run(&["figures", "--format", "csv", "-o", "figures.csv"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    let text = std::fs::read_to_string(env.path("figures.csv")).unwrap();
    assert_eq!(text.lines().count(), 19);
    // A failing query leaves no file behind.
    let run = env.run(&["sql", "SELECT * FROM nosuch", "-o", "out.csv"]);
    assert_eq!(run.code, 1);
    assert!(
        !env.files("").iter().any(|f| f.starts_with("out.csv")),
        "{:?}",
        env.files("")
    );
    // Nor does one that fails after megabytes of rows have gone out, and a file
    // already there stays as it was.
    let fails_late = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 200000) \
                      SELECT n, CASE WHEN n < 200000 THEN 'row ' || n ELSE json('not json') END AS x FROM r";
    env.write("out.csv", "what was there\n");
    for args in [
        &["sql", fails_late, "--format", "csv", "-o", "out.csv"][..],
        &["export", "--query", fails_late, "-o", "out.csv"],
    ] {
        let run = env.run(args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (1, "", "error: malformed JSON\n"),
            "{args:?}"
        );
        let now = std::fs::read_to_string(env.path("out.csv")).unwrap();
        assert!(
            now == "what was there\n",
            "{args:?}: out.csv now holds {} bytes, starting {:?}",
            now.len(),
            &now[..now.len().min(40)]
        );
        assert_eq!(
            env.files("")
                .into_iter()
                .filter(|f| f.starts_with("out.csv"))
                .collect::<Vec<_>>(),
            ["out.csv"],
            "{args:?}"
        );
    }
}

/// The ids a timeline lists, in order.
fn timeline_ids(env: &Env, args: &[&str]) -> Vec<String> {
    let mut full = vec!["timeline", "--format", "csv"];
    full.extend_from_slice(args);
    let run = env.run(&full);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut rows = csv::Reader::from_reader(run.stdout.as_bytes());
    let at = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "id")
        .unwrap();
    rows.records().map(|r| r.unwrap()[at].to_string()).collect()
}

#[test]
fn events_on_the_same_dates_keep_the_order_in_which_they_are_written() {
    // The article's sequence: the sanctions announcement, KCNA's immediate response,
    // then the coal returned in response, all dated alike.
    let env = seeded();
    let chn = timeline_ids(&env, &["--actor", "CHN", "--from", "2017"]);
    let told = [
        "ev-2017-china-sanctions-announcement",
        "ev-2017-kcna-crossed-the-line",
        "ev-2017-china-returns-coal",
    ];
    let at = |id: &str| chn.iter().position(|e| e == id).unwrap();
    assert!(
        at(told[0]) < at(told[1]) && at(told[1]) < at(told[2]),
        "{chn:?}"
    );
    // Ties go by file, then line; ids play no part, and neither do dates that differ.
    env.write("a/sources.csv", "id,kind,title\ns1,article,A\n");
    env.write(
        "a/events.csv",
        "id,date,title,source,quote,locator\n\
         zz-second-line,2017,Z,s1,q,p\n\
         aa-third-line,2017,A,s1,q,p\n\
         mm-earlier,2016,M,s1,q,p\n",
    );
    env.write(
        "b/events.csv",
        "id,date,title,source,quote,locator\n00-next-file,2017,0,s1,q,p\n",
    );
    assert_eq!(env.run(&["load", "--db", "ties.db", "a", "b"]).code, 0);
    let ids = timeline_ids(&env, &["--db", "ties.db"]);
    assert_eq!(
        ids,
        [
            "mm-earlier",
            "zz-second-line",
            "aa-third-line",
            "00-next-file"
        ]
    );
    // `run timeline` is the same query.
    let run = env.run(&[
        "--db",
        "ties.db",
        "run",
        "timeline",
        "--format",
        "csv",
        "--no-header",
    ]);
    let via_run: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert_eq!(via_run, ids);
}

#[test]
fn figures_and_timeline_show_notes_cut_only_in_the_table_format() {
    let env = seeded();
    let figures: Vec<serde_json::Value> =
        serde_json::from_str(&env.run(&["figures", "--format", "json"]).stdout).unwrap();
    let share = figures
        .iter()
        .find(|f| f["id"] == "fig-prk-trade-share-rus")
        .unwrap();
    let notes = share["notes"].as_str().unwrap();
    assert!(
        notes.contains("about $74 million, not the $85 million stated"),
        "{notes}"
    );
    assert!(notes.chars().count() > 80);
    // The table cuts it like any long cell, and keeps the start.
    let table = env.run(&["figures", "--measure", "Russia’s share"]).stdout;
    let cut: String = notes.chars().take(79).collect();
    assert!(table.contains(&format!("{cut}…")), "{table}");
    assert!(!table.contains("$85 million would be"), "{table}");
    let timeline: Vec<serde_json::Value> =
        serde_json::from_str(&env.run(&["timeline", "--format", "json"]).stdout).unwrap();
    let treaty = timeline
        .iter()
        .find(|e| e["id"] == "ev-1961-friendship-treaty")
        .unwrap();
    assert_eq!(
        treaty["notes"],
        "The article gives only the year. It presents the treaty as the root of North Korea’s fondness for Russia."
    );
    let lavrov = timeline
        .iter()
        .find(|e| e["id"] == "ev-2016-lavrov-visit-pyongyang")
        .unwrap();
    assert_eq!(lavrov["notes"], serde_json::Value::Null);
}
