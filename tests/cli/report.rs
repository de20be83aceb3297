//! `dossier report`: the Markdown report against golden files, and the HTML report's
//! structure: one self-contained file whose chart has a mark for every event of the
//! filter, titled with the event's title, and nothing a browser would fetch.

use crate::common::{Env, golden, one, seeded};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

const NOW: &str = "2030-01-01T00:00:00Z";

/// Runs a command with DOSSIER_NOW fixed, and returns its standard output.
fn run_at_now(env: &Env, args: &[&str]) -> String {
    let out = env
        .cmd()
        .env("DOSSIER_NOW", NOW)
        .args(args)
        .output()
        .expect("run dossier");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The report with the last load's time, the one thing in it that changes from run to run.
fn without_load_time(env: &Env, text: &str) -> String {
    let finished: String = one(
        &env.db("dossier.db"),
        "SELECT finished FROM load_runs ORDER BY id DESC LIMIT 1",
    );
    text.replace(&finished, "<loaded>")
}

#[test]
fn markdown_reports_match_their_golden_files() {
    let env = seeded();
    let cases: &[(&str, &[&str])] = &[
        ("report.md", &["report"]),
        (
            "report-2016-2017-rus.md",
            &["report", "--from", "2016", "--to", "2017", "--actor", "RUS"],
        ),
    ];
    for (name, args) in cases {
        let text = run_at_now(&env, args);
        assert!(text.contains(&format!("- **Made**: {NOW}\n")), "{text}");
        golden(name, &without_load_time(&env, &text));
    }
}

/// HTML entities back to text, for comparing what a browser shows.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The chart's marks: event id to the lines of its hover title, one entry per lane.
fn marks(html: &str) -> Vec<(String, Vec<String>)> {
    let re = Regex::new(r#"(?s)<g class="mark[^"]*" data-event="([^"]+)">(.*?)</g>"#).unwrap();
    let title = Regex::new(r"(?s)<title>(.*?)</title>").unwrap();
    re.captures_iter(html)
        .map(|c| {
            let inner = &c[2];
            let t = title
                .captures(inner)
                .map(|t| unescape(&t[1]))
                .unwrap_or_default();
            (unescape(&c[1]), t.lines().map(String::from).collect())
        })
        .collect()
}

/// The events `dossier timeline` lists for a filter: id to (title, date).
fn timeline(env: &Env, filter: &[&str]) -> BTreeMap<String, (String, String)> {
    let mut args = vec!["timeline", "--format", "json"];
    args.extend_from_slice(filter);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&env.run(&args).stdout).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                (
                    r["title"].as_str().unwrap().to_string(),
                    r["date"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// Fails if the page would make a browser fetch anything: scripts, style sheets,
/// fonts, images or frames from anywhere. Links a reader may follow (`<a href>`) are
/// allowed only in the bibliography.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_lowercase();
    for banned in [
        "<script", "<link", "@import", "url(", "<iframe", "<img", "<object", "<embed",
    ] {
        assert!(!lower.contains(banned), "the report contains {banned}");
    }
    assert!(!lower.contains("src="), "the report has a src attribute");
    let attr = Regex::new(
        r#"(?i)<([a-z]+)[^>]*\s(?:href|xlink:href|srcset|action|poster)\s*=\s*"([^"]*)""#,
    )
    .unwrap();
    let bibliography = Regex::new(r#"(?s)<li id="source-\d+">.*?</li>"#).unwrap();
    let allowed: Vec<(usize, usize)> = bibliography
        .find_iter(html)
        .map(|m| (m.start(), m.end()))
        .collect();
    for c in attr.captures_iter(html) {
        let (tag, target) = (&c[1], &c[2]);
        if target.starts_with('#') {
            continue;
        }
        let at = c.get(0).unwrap().start();
        assert!(
            tag == "a" && allowed.iter().any(|(s, e)| *s <= at && at < *e),
            "a link to {target:?} outside the bibliography"
        );
        assert!(
            target.starts_with("https://") || target.starts_with("http://"),
            "{target}"
        );
    }
    // Anything that looks like a web address is either text or a bibliography link.
    let web = Regex::new(r"(?i)(https?:)?//[a-z0-9]").unwrap();
    for m in web.find_iter(html) {
        assert!(
            allowed
                .iter()
                .any(|(s, e)| *s <= m.start() && m.start() < *e),
            "a web address outside the bibliography at {}",
            m.start()
        );
    }
}

#[test]
fn html_report_marks_every_event_of_its_filter_with_its_title() {
    let env = seeded();
    let filters: &[&[&str]] = &[
        &[],
        &["--from", "2014", "--to", "2016"],
        &["--from", "2014", "--to", "2016", "--within"],
        &["--actor", "CHN"],
        &["--tag", "sanctions", "--tag", "aid"],
        &["--from", "2017-03", "--to", "2017-04"],
    ];
    for filter in filters {
        let mut args = vec!["report", "--format", "html"];
        args.extend_from_slice(filter);
        let html = run_at_now(&env, &args);
        assert_self_contained(&html);
        assert!(
            html.contains("<svg class=\"timeline\""),
            "{filter:?}: no chart"
        );
        assert!(html.contains(&format!("<time datetime=\"{NOW}\">{NOW}</time>")));
        let expected = timeline(&env, filter);
        assert!(!expected.is_empty(), "{filter:?} selects no event");
        let marks = marks(&html);
        let ids: BTreeSet<&str> = marks.iter().map(|(id, _)| id.as_str()).collect();
        let want: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
        assert_eq!(
            ids, want,
            "{filter:?}: the marks are not the timeline's events"
        );
        for (id, lines) in &marks {
            let (title, date) = &expected[id];
            assert_eq!(lines, &[title.clone(), date.clone()], "{id}");
        }
        // The report names the command that lists the same events.
        let command: Vec<&str> = ["dossier", "timeline"]
            .into_iter()
            .chain(filter.iter().copied())
            .collect();
        assert!(
            html.contains(&format!("<code>{}</code>", command.join(" "))),
            "{filter:?}: the timeline command is not named"
        );
        // Every event has its note, with its id.
        for id in &want {
            assert!(
                html.contains(&format!("<code>{id}</code>")),
                "{id} has no note"
            );
        }
    }
    // The one event of the Soviet Union has a mark in its lane and in North Korea's.
    let html = run_at_now(&env, &["report", "--format", "html", "--actor", "SUN"]);
    let marks = marks(&html);
    assert_eq!(marks.len(), 2);
    assert!(
        marks
            .iter()
            .all(|(id, _)| id == "ev-1961-friendship-treaty")
    );
    assert!(
        html.contains("class=\"mark point\""),
        "a year is a point date"
    );
}

#[test]
fn html_report_escapes_text_and_links_only_to_web_sources() {
    let env = Env::new();
    env.write(
        "a/sources.csv",
        "id,kind,title,outlet,published,url,accessed\n\
         s1,article,\"<script>alert(1)</script> & \"\"friends\"\"\",Outlet,2020-05-01,https://example.org/a?b=1&c=<2>,2024-01-01\n\
         s2,statement,Said,,2020,,\n",
    );
    env.write(
        "a/actors.csv",
        "id,name,kind\nA,\"Alpha <b>bold</b>\",state\nB,Beta,state\n",
    );
    env.write(
        "a/events.csv",
        "id,date,title,source,quote,locator,actors,tags\n\
         e1,2020-05-01,\"Title with <em>markup</em> & an ampersand\",s1,\"Quote \"\"with\"\" <tags>\",para 1,A;B,x\n\
         e2,2019/..,Open span since 2019,s2,Quote two,p. 2,,\n\
         e3,[2018..2019?],Once between,s1,Quote three,p. 3,B,\n",
    );
    let run = env.run(&["load", "a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = run_at_now(&env, &["report", "--format", "html"]);
    assert_self_contained(&html);
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<em>markup"));
    assert!(html.contains("Title with &lt;em&gt;markup&lt;/em&gt; &amp; an ampersand"));
    assert!(html.contains("Alpha &lt;b&gt;bold&lt;/b&gt;"));
    assert!(
        html.contains("<a href=\"https://example.org/a?b=1&amp;c=&lt;2&gt;\" rel=\"noreferrer\">"),
        "the source's url is a link"
    );
    let m = marks(&html);
    let ids: BTreeSet<&str> = m.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["e1", "e2", "e3"]));
    assert!(
        m.iter()
            .any(|(id, t)| id == "e1" && t[0] == "Title with <em>markup</em> & an ampersand")
    );
    // e1 is in both its actors' lanes; e2, with no actor, in a lane of its own.
    assert_eq!(m.iter().filter(|(id, _)| id == "e1").count(), 2);
    assert!(html.contains(">no actor (1)<"));
    assert!(html.contains("class=\"mark span open\" data-event=\"e2\""));
    assert!(html.contains("class=\"mark between vague\" data-event=\"e3\""));
    // The Markdown form escapes what Markdown would read as markup.
    let md = run_at_now(&env, &["report"]);
    assert!(
        md.contains("Title with \\<em\\>markup\\</em\\> & an ampersand[^3]"),
        "{md}"
    );
    assert!(md.contains("<https://example.org/a?b=1&c=%3C2%3E>"), "{md}");
}

/// Writes an archive of `events` events over 1961–2026 among `actors` actors, the
/// first ones far more frequent, with every kind of date.
fn large_archive(env: &Env, events: usize, actors: usize) {
    let mut a = String::from("id,name,kind\n");
    for i in 0..actors {
        a.push_str(&format!(
            "act{i:02},Actor number {i} with a rather long name,state\n"
        ));
    }
    let mut s = String::from("id,kind,title,published\n");
    for i in 0..20 {
        s.push_str(&format!("src{i},article,Source {i},{}\n", 1961 + i));
    }
    let mut e = String::from("id,date,title,source,quote,locator,actors\n");
    let mut seed: u64 = 42;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for i in 0..events {
        let y = 1961 + next(66);
        let date = match next(8) {
            0 => format!("{y}"),
            1 => format!("{y}-{:02}~", 1 + next(12)),
            2 => format!("{y}-{:02}-{:02}", 1 + next(12), 1 + next(28)),
            3 => format!("{y}/{}", (y + 1 + next(5)).min(2026)),
            4 => format!("{y}/.."),
            5 => format!("[{y}..{}]", (y + 1 + next(3)).min(2026)),
            6 => format!("{}X", y / 10),
            _ => format!("{y}?"),
        };
        let k = next(4);
        let mut who: Vec<String> = Vec::new();
        while (who.len() as u64) < k {
            // Low ids far more often: a squared draw leans towards 0.
            let r = next(actors as u64);
            let id = format!("act{:02}", r * r / actors as u64);
            if !who.contains(&id) {
                who.push(id);
            }
        }
        e.push_str(&format!(
            "ev{i:04},{date},Event {i},src{},Quote {i},para 1,{}\n",
            next(20),
            who.join(";")
        ));
    }
    env.write("big/actors.csv", a);
    env.write("big/sources.csv", s);
    env.write("big/events.csv", e);
    let run = env.run(&["load", "big"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_large_archive_gives_a_chart_with_capped_lanes_and_every_event() {
    let env = Env::new();
    large_archive(&env, 2000, 30);
    let html = run_at_now(&env, &["report", "--format", "html"]);
    assert_self_contained(&html);
    let m = marks(&html);
    let ids: BTreeSet<&str> = m.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 2000, "every event has a mark");
    let lanes = Regex::new(r#"<text x="188.0"[^>]*>([^<]*)<title>"#).unwrap();
    let labels: Vec<String> = lanes
        .captures_iter(&html)
        .map(|c| unescape(&c[1]))
        .collect();
    assert!(labels.len() <= 14, "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("others (")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.starts_with("no actor (")),
        "{labels:?}"
    );
    // Long names are cut so that labels fit their column; the tooltip has the rest.
    assert!(labels.iter().all(|l| l.chars().count() <= 34), "{labels:?}");
    let caption = Regex::new(r"(?s)<figcaption>(.*?)</figcaption>").unwrap();
    let caption = unescape(&caption.captures(&html).unwrap()[1]);
    assert!(
        caption.contains("Only the 12 actors with most events have a lane of their own"),
        "{caption}"
    );
    // The chart stays a readable height however many events there are.
    let height: f64 = Regex::new(r#"<svg class="timeline" viewBox="0 0 1000 ([0-9.]+)""#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .parse()
        .unwrap();
    assert!(height < 1800.0, "the chart is {height} px high");
    // Year labels every 5 years from the 1960s to 2030 (decades like 202X end in 2029).
    let years =
        Regex::new(r#"<text x="[0-9.]+" y="20.0" text-anchor="middle">(\d{4})</text>"#).unwrap();
    let years: Vec<u32> = years
        .captures_iter(&html)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert_eq!(years, (1960..=2030).step_by(5).collect::<Vec<u32>>());
}

#[test]
fn a_bad_dossier_now_is_a_usage_error_and_output_files_appear_whole() {
    let env = seeded();
    let out = env
        .cmd()
        .env("DOSSIER_NOW", "yesterday")
        .args(["report"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: DOSSIER_NOW (or --now) is not an RFC 3339 time"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = env.run(&["report", "--format", "html", "-o", "r.html"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    let html = String::from_utf8(env.bytes("r.html")).unwrap();
    assert!(html.trim_end().ends_with("</html>"));
    // A filter that names an unknown actor is refused before any file is written.
    let run = env.run(&["report", "--actor", "prk", "-o", "bad.md"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: actor: no actor \"prk\" in the archive — did you mean PRK?\n"
    );
    assert!(!env.files("").iter().any(|f| f.starts_with("bad.md")));
}

#[test]
fn a_report_keeps_the_timeline_order_and_gives_each_fact_its_notes() {
    let env = seeded();
    let told = [
        "ev-2017-china-sanctions-announcement",
        "ev-2017-kcna-crossed-the-line",
        "ev-2017-china-returns-coal",
    ];
    let html = run_at_now(&env, &["report", "--format", "html", "--actor", "CHN"]);
    // The chart draws each lane's marks in timeline order, and stacks tied ones in it.
    let order: Vec<String> = marks(&html).into_iter().map(|(id, _)| id).collect();
    let first = |id: &str| order.iter().position(|m| m == id).unwrap();
    assert!(
        first(told[0]) < first(told[1]) && first(told[1]) < first(told[2]),
        "{order:?}"
    );
    let row = |id: &str| {
        let row = Regex::new(&format!(
            r#"<tr id="event-(\d+)">[^\n]*{}"#,
            regex::escape(&unescape_title(&env, id))
        ))
        .unwrap();
        row.captures(&html)
            .unwrap_or_else(|| panic!("no row for {id}"))[1]
            .parse::<usize>()
            .unwrap()
    };
    assert!(row(told[0]) < row(told[1]) && row(told[1]) < row(told[2]));
    // Each footnote ends with the fact's notes.
    let figure_notes: String = one(
        &env.db("dossier.db"),
        "SELECT notes FROM figures WHERE id = 'fig-prk-trade-share-rus'",
    );
    let html = run_at_now(&env, &["report", "--format", "html"]);
    let note = Regex::new(
        r##"<li id="note-\d+"><code>fig-prk-trade-share-rus</code><blockquote>[^\n]*</blockquote><p><em>Notes:</em> ([^\n]*) <a href="#ref-\d+""##,
    )
    .unwrap();
    let shown = note
        .captures(&html)
        .expect("the figure's note has its notes");
    assert_eq!(unescape(&shown[1]), figure_notes);
    let markdown = run_at_now(&env, &["report"]);
    assert!(
        markdown.contains(&format!("    *Notes:* {figure_notes}\n")),
        "{markdown}"
    );
    // A fact without notes has none in its footnote.
    let lavrov =
        Regex::new(r#"<li id="note-\d+"><code>ev-2016-lavrov-visit-pyongyang</code>.*</li>"#)
            .unwrap();
    let li = lavrov
        .find(&html)
        .expect("Lavrov's visit has a note")
        .as_str();
    assert!(!li.contains("Notes:"), "{li}");
}

/// An event's title as the HTML report writes it.
fn unescape_title(env: &Env, id: &str) -> String {
    let title: String = one(
        &env.db("dossier.db"),
        &format!("SELECT title FROM events WHERE id = '{id}'"),
    );
    title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn a_report_of_changes_lists_what_the_last_load_changed() {
    let env = crate::diff::edited();
    let text = run_at_now(&env, &["report", "--changes"]);
    assert!(text.contains("recorded no changes"), "{text}");
    run_at_now(&env, &["load", "data"]);
    let markdown = run_at_now(&env, &["report", "--changes"]);
    golden("report-changes.md", &without_load_time(&env, &markdown));
    // The HTML report has the same rows, each field with its value before and after.
    let html = run_at_now(&env, &["report", "--changes", "--format", "html"]);
    assert!(
        html.contains("<td>date</td><td>2016</td><td>2016-05</td>"),
        "{html}"
    );
}
