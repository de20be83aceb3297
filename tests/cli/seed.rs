//! The seed archive is faithful to its article: every quote is in the text, verbatim,
//! in the paragraph its locator names.

use crate::common::{Env, one, repo};

/// The page the seed comes from, as it was saved (with the site's navigation and
/// footer), and the seed's document of it.
fn page() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/seed-article.txt")).unwrap()
}

fn document() -> String {
    std::fs::read_to_string(repo().join("seed/documents/nee-2017-pyongyang-russian-sentiment.txt"))
        .unwrap()
}

#[test]
fn the_document_is_the_article_as_published() {
    let (page, doc) = (page(), document());
    let mut lines = doc.lines();
    assert_eq!(lines.next(), Some("Pyongyang’s Russian sentiment"));
    assert_eq!(
        lines.next(),
        Some("June 23, 2017 - Grzegorz Kaliszuk - Articles and Commentary")
    );
    assert_eq!(lines.next(), Some(""));
    // Every line of the document is a line of the page, headings marked with ##.
    for line in doc.lines().filter(|l| !l.is_empty()) {
        let text = line.strip_prefix("## ").unwrap_or(line);
        assert!(page.lines().any(|l| l == text), "not on the page: {line:?}");
    }
    // Every line of the article's text is in the document: only the site's
    // navigation, the tag line, the share buttons and the footer are left out.
    let first = page
        .lines()
        .position(|l| l == "Pyongyang’s Russian sentiment")
        .unwrap();
    let last = page
        .lines()
        .position(|l| l.starts_with("Grzegorz Kaliszuk is an economic analyst"))
        .unwrap();
    for line in page.lines().take(last + 1).skip(first) {
        if line.is_empty() || line == "north korea" {
            continue;
        }
        assert!(
            doc.lines()
                .any(|l| l.strip_prefix("## ").unwrap_or(l) == line),
            "left out of the document: {line:?}"
        );
    }
}

#[test]
fn every_quote_is_verified_in_the_paragraph_its_locator_names() {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let db = env.db("dossier.db");
    let mut stmt = db
        .prepare(
            "SELECT c.source, c.quote, c.locator, c.quote_document, c.quote_paragraph, \
             substr(d.text, c.quote_start + 1, c.quote_end - c.quote_start), p.text \
             FROM citations c LEFT JOIN documents d ON d.source = c.quote_document \
             LEFT JOIN paragraphs p ON p.source = c.quote_document AND p.number = c.quote_paragraph \
             ORDER BY c.id",
        )
        .unwrap();
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 52);
    for (source, quote, locator, document, paragraph, at, para) in rows {
        assert_eq!(
            document.as_deref(),
            Some("src-nee-2017-pyongyang-russian-sentiment"),
            "{source}: {quote}"
        );
        assert_eq!(
            Some(locator.clone()),
            paragraph.map(|n| format!("para {n}"))
        );
        // The offsets give back the quote, which stands in its paragraph.
        assert_eq!(at.as_deref(), Some(quote.as_str()), "{source} {locator}");
        assert!(para.unwrap().contains(&quote), "{source} {locator}");
    }
    let paras: Vec<String> = {
        let mut stmt = db
            .prepare("SELECT text FROM paragraphs ORDER BY number")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(paras.len(), 15);
    assert!(paras[0].starts_with("North Korea continues to play"));
    assert!(paras[14].starts_with("Grzegorz Kaliszuk is an economic analyst"));
}

#[test]
fn the_article_is_a_source_and_reported_sources_come_via_it() {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let db = env.db("dossier.db");
    let article: String = one(
        &db,
        "SELECT id FROM sources WHERE kind = 'article' AND via IS NULL",
    );
    assert_eq!(article, "src-nee-2017-pyongyang-russian-sentiment");
    assert_eq!(
        one::<String>(
            &db,
            &format!(
                "SELECT title || ' | ' || outlet || ' | ' || published FROM sources WHERE id = '{article}'"
            )
        ),
        "Pyongyang’s Russian sentiment | New Eastern Europe | 2017-06-23"
    );
    let reported: i64 = one(
        &db,
        &format!("SELECT count(*) FROM sources WHERE via = '{article}'"),
    );
    let all: i64 = one(&db, "SELECT count(*) FROM sources");
    assert_eq!(reported, all - 1);
    assert!(reported >= 8);
    // The Soviet Union is SUN, never RUS.
    assert_eq!(
        one::<String>(
            &db,
            "SELECT group_concat(actor) FROM event_actors WHERE event = 'ev-1961-friendship-treaty' AND actor IN ('SUN', 'RUS')"
        ),
        "SUN"
    );
}

#[test]
fn every_number_in_the_article_is_a_figure() {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let db = env.db("dossier.db");
    let expect = [
        ("fig-prk-trade-total", 5.7e9, "USD", "eq"),
        ("fig-prk-trade-share-chn", 91.0, "percent", "eq"),
        ("fig-prk-trade-share-rus", 1.3, "percent", "eq"),
        ("fig-prk-rus-trade-value", 85e6, "USD", "eq"),
        ("fig-prk-rus-trade-near-100m", 100e6, "USD", "approx"),
        ("fig-wheat-flour-delivery", 400_000.0, "t", "gt"),
        ("fig-prk-debt-remitted", 10e9, "USD", "eq"),
        ("fig-prk-debt-extended", 1e9, "USD", "eq"),
        ("fig-prk-debt-extension-term", 20.0, "year", "eq"),
        ("fig-ferry-sailings-per-month", 4.0, "count", "eq"),
        ("fig-gas-pipeline-cost", 30e9, "USD", "eq"),
        ("fig-rail-modernisation-length", 3500.0, "km", "eq"),
        ("fig-rail-modernisation-cost", 25e9, "USD", "eq"),
        ("fig-flagship-projects-total-cost", 55e9, "USD", "ge"),
        ("fig-author-article-count", 100.0, "count", "gt"),
    ];
    for (id, value, unit, qualifier) in expect {
        let (v, u, q): (f64, String, String) = db
            .query_row(
                "SELECT value_norm, unit, qualifier FROM figures WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            (v, u.as_str(), q.as_str()),
            (value, unit, qualifier),
            "{id}"
        );
    }
}

#[test]
fn no_seed_date_says_more_than_the_article_and_none_runs_past_its_publication() {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let db = env.db("dossier.db");
    let published: String = one(
        &db,
        "SELECT published FROM sources WHERE id = 'src-nee-2017-pyongyang-russian-sentiment'",
    );
    assert_eq!(published, "2017-06-23");
    // Nothing the article reports can have happened after it appeared, and nothing
    // it reports is open-ended.
    let late: i64 = one(
        &db,
        "SELECT (SELECT count(*) FROM events WHERE date_end IS NULL OR date_end > '2017-06-23') \
         + (SELECT count(*) FROM sources WHERE published IS NOT NULL \
            AND (published_end IS NULL OR published_end > '2017-06-23'))",
    );
    assert_eq!(late, 0);
    // What the article calls recent, or true today, happened once between about the
    // start of 2017 and the day it appeared: not later, and no earlier end either.
    let mut stmt = db
        .prepare(
            "SELECT id, date || '|' || date_kind || '|' || date_start || '|' || date_end || '|' || date_approx \
             FROM events WHERE display_date LIKE '%June 2017%'",
        )
        .unwrap();
    let recent: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recent.len(), 15);
    for (id, date) in &recent {
        assert_eq!(
            date, "[2017~..2017-06-23]|between|2017-01-01|2017-06-23|1",
            "{id}"
        );
    }
    let statements: i64 = one(
        &db,
        "SELECT count(*) FROM sources WHERE notes LIKE '%relative to the publication date%' \
         AND published = '[2017~..2017-06-23]' AND published_kind = 'between'",
    );
    assert_eq!(statements, 7);
    // A date the article gives in so many words is that year, no more vague.
    for (id, date) in [
        ("ev-1961-friendship-treaty", "1961"),
        ("ev-2010-russia-asia-focus", "2010"),
        ("ev-2014-2015-rus-prk-rapprochement", "2014/2015"),
        ("ev-2016-lavrov-visit-pyongyang", "2016"),
        // "in response" to the 2016 visit: after it, and before the article.
        ("ev-2016-prk-six-party-signal", "[2016..2017-06-23]"),
    ] {
        let got: String = one(&db, &format!("SELECT date FROM events WHERE id = '{id}'"));
        assert_eq!(got, date, "{id}");
    }
    // So a timeline after the article is empty.
    let run = env.run(&["timeline", "--from", "2017-07", "--format", "csv"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "date,title,actors,tags,source,id,notes\n")
    );
}
