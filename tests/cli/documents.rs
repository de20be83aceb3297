//! Sources' documents: quotes checked against them at load, placed, shown in context,
//! searched, counted, and written back by `export --dir`.

use crate::common::{Env, one};

const ARTICLE: &str = "A short article\nBy A. Writer, 1 June 2017\n\n\
    Beijing has recently announced the possibility of imposing new sanctions against \
    Pyongyang,\nprompting an immediate response from North Korea.\n\n\
    ## What Moscow did\n\n\
    Moreover, Moscow has provided the North with humanitarian aid. Recently, it announced \
    the delivery of more than 400,000 tons of wheat flour to the troubled partner.\n\n\
    Meanwhile, Pyongyang’s continuing threats of nuclear weapons have become \
    uncomfortable even for its most loyal partner – China. The cafe\u{301} was closed.\n";

/// A folder with the article as s1's document, a statement known via it (s2), and a
/// source with no document (s3).
fn archive(env: &Env, dir: &str, events: &str) {
    env.write(
        &format!("{dir}/sources.csv"),
        "id,kind,title,via,document\n\
         s1,article,A short article,,documents/article.txt\n\
         s2,statement,A statement the article reports,s1,\n\
         s3,report,A report nobody has the text of,,\n",
    );
    env.write(&format!("{dir}/documents/article.txt"), ARTICLE);
    env.write(
        &format!("{dir}/events.csv"),
        format!("id,date,title,source,quote,locator\n{events}"),
    );
}

fn rows(db: &rusqlite::Connection, sql: &str) -> Vec<Vec<String>> {
    let mut stmt = db.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Null => "NULL".into(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn quotes_are_placed_and_empty_locators_filled_in() {
    let env = Env::new();
    archive(
        &env,
        "a",
        "e1,2017,Sanctions,s1,\"Beijing has recently announced the possibility of imposing new sanctions against Pyongyang, prompting\",para 1\n\
         e2,2017,Flour,s2,\"Recently, it announced the delivery … tons of wheat flour\",\n\
         e3,2017,Threats,s1,\"Pyongyang’s continuing   threats\",p. 2\n\
         e4,2017,Café,s1,The café was closed.,\n\
         e5,2017,Title,s1,A short article,\n\
         e6,2017,Report,s3,Words nobody can check,p. 7\n",
    );
    let run = env.run(&["load", "a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "verified 5 of 6 quotes against 1 document (3 paragraphs); 1 unchecked: no document to check it against\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("from 2 files and 1 document into"),
        "{}",
        run.stdout
    );
    let db = env.db("dossier.db");
    assert_eq!(
        rows(
            &db,
            "SELECT event, quote_document, coalesce(quote_paragraph, 'NULL'), locator, locator_computed \
             FROM citations ORDER BY id"
        ),
        [
            ["e1", "s1", "1", "para 1", "0"],
            // Known via s1, found in its document; the locator is filled in.
            ["e2", "s1", "2", "para 2", "1"],
            // A locator that is not para N stays as written.
            ["e3", "s1", "3", "p. 2", "0"],
            // NFC: the quote's é is one character, the document's e and an accent.
            ["e4", "s1", "3", "para 3", "1"],
            ["e5", "s1", "NULL", "title", "1"],
            ["e6", "NULL", "NULL", "p. 7", "0"],
        ]
    );
    // Offsets count characters and give back the document's words; the context is
    // the words around them in the paragraph.
    assert_eq!(
        rows(
            &db,
            "SELECT substr(d.text, c.quote_start + 1, c.quote_end - c.quote_start), c.quote_prefix, c.quote_suffix \
             FROM citations c JOIN documents d ON d.source = c.quote_document WHERE c.event IN ('e3', 'e4')"
        ),
        [
            [
                "Pyongyang’s continuing threats",
                "Meanwhile, ",
                " of nuclear weapons have become"
            ],
            [
                "The cafe\u{301} was closed.",
                "for its most loyal partner – China. ",
                ""
            ]
        ]
    );
    assert_eq!(
        one::<String>(
            &db,
            "SELECT in_context FROM citations_full WHERE fact = 'e3'"
        ),
        "Meanwhile, **Pyongyang’s continuing   threats** of nuclear weapons have become…"
    );
    assert_eq!(
        one::<String>(
            &db,
            "SELECT in_context FROM citations_full WHERE fact = 'e1'"
        ),
        "**Beijing has recently announced the possibility of imposing new sanctions against Pyongyang, prompting** an immediate response from North Korea."
    );
    // The document and its paragraphs are stored, and in the load history.
    assert_eq!(
        one::<String>(
            &db,
            "SELECT f.path || ' ' || i.rows || ' ' || i.bytes || ' ' || length(i.sha256) FROM documents d \
             JOIN load_files f ON f.id = d.file JOIN load_inputs i ON i.file = f.id"
        ),
        format!("a/documents/article.txt 3 {} 64", ARTICLE.len())
    );
    assert_eq!(
        one::<i64>(
            &db,
            "SELECT count(*) FROM paragraphs p JOIN documents d ON d.source = p.source \
             WHERE substr(d.text, p.start + 1, p.end - p.start) = p.text"
        ),
        3
    );

    // Written back as it was read: a computed locator goes back empty.
    let run = env.run(&["export", "--dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut exported = csv::Reader::from_path(env.path("out/events.csv")).unwrap();
    let at = exported
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "locator")
        .unwrap();
    let locators: Vec<String> = exported
        .records()
        .map(|r| r.unwrap()[at].to_string())
        .collect();
    assert_eq!(locators, ["para 1", "", "p. 2", "", "", "p. 7"]);
    assert_eq!(env.bytes("out/documents/article.txt"), ARTICLE.as_bytes());
    let run = env.run(&["load", "out", "--db", "again.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let columns = "event, quote, locator, locator_computed, quote_document, quote_paragraph, \
                   quote_start, quote_end, quote_prefix, quote_suffix";
    let sql = format!("SELECT {columns} FROM citations ORDER BY id");
    assert_eq!(rows(&db, &sql), rows(&env.db("again.db"), &sql));
}

#[test]
fn what_users_see_of_documents() {
    let env = Env::new();
    archive(
        &env,
        "a",
        "e1,2017,Flour,s2,\"it announced the delivery of more than 400,000 tons\",para 2\n\
         e2,2017,Report,s3,Words nobody can check,p. 7\n",
    );
    assert_eq!(env.run(&["load", "a"]).code, 0);
    // show: the quote in context, and how it was checked.
    let run = env.run(&["show", "e1", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["citations"][0]["checked"], "verified in s1");
    assert_eq!(
        shown["in_context"]["1. s2, para 2"],
        "…North with humanitarian aid. Recently, **it announced the delivery of more than 400,000 tons** of wheat flour to the troubled partner."
    );
    let run = env.run(&["show", "e2", "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["citations"][0]["checked"], "unchecked: no document");
    assert_eq!(
        shown["in_context"]["1. s3, p. 7"],
        "unchecked: no document to show it in"
    );
    // show SOURCE: its paragraphs, with what cites each; --uncited, only the others.
    let run = env.run(&["show", "s1", "--format", "csv", "--no-header"]);
    assert!(
        run.stdout.contains("paragraphs,2,cited_by,e1\n")
            && run.stdout.contains("paragraphs,1,cited_by,uncited\n"),
        "{}",
        run.stdout
    );
    let run = env.run(&["show", "s1", "--uncited", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paras: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("paragraphs,") && l.contains(",para,"))
        .collect();
    assert_eq!(paras, ["paragraphs,1,para,1", "paragraphs,2,para,3"]);
    for (id, message) in [
        (
            "e1",
            "error: --uncited lists the paragraphs of a source's document that nothing cites, and e1 is an event — leave out --uncited, or name a source\n",
        ),
        (
            "s3",
            "error: s3 has no document, so it has no paragraphs to list — name its text in the document column of sources.csv, or name the source it is known via\n",
        ),
    ] {
        let run = env.run(&["show", id, "--uncited"]);
        assert_eq!((run.code, run.stderr.as_str()), (2, message));
    }
    // search: paragraphs are found with their source and para N.
    let run = env.run(&["search", "uncomfortable", "--format", "csv"]);
    assert_eq!(
        run.stdout,
        "kind,id,locator,date,snippet\nparagraph,s1,para 3,,\"Meanwhile, Pyongyang’s continuing threats of nuclear weapons have become [uncomfortable] even…\"\n"
    );
    // summary and report count and mark what was verified.
    let run = env.run(&["summary", "--format", "csv", "--no-header"]);
    for line in [
        "quotes,,verified against a document,1",
        "quotes,,unchecked: no document,1",
        "documents,,documents,1",
        "documents,,paragraphs,3",
        "documents,,uncited paragraphs,2",
    ] {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }
    let run = env.run(&["report"]);
    assert!(
        run.stdout
            .contains("2 quotes (1 verified against a document)")
            && run.stdout.contains(
                "“it announced the delivery of more than 400,000 tons” — para 2, [2], verified"
            )
            && run
                .stdout
                .contains("“Words nobody can check” — p. 7, [1], unchecked"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_quote_past_the_problem_cap_is_refused_without_a_search_for_its_passage() {
    let env = Env::new();
    let mut events = String::new();
    for i in 0..150 {
        events.push_str(&format!("e{i},2017,T,s1,Words that are nowhere,para 1\n"));
    }
    archive(&env, "a", &events);
    let run = env.run(&["load", "a"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        "a/events.csv:2:5: quote is not in the document of s1 (found \"Words that are nowhere\") — no passage of the document comes close: check that the quote is from this source, and its words"
    );
    assert_eq!(lines[100], "… and 50 more problems not shown");
    // Neither the archive nor the full-text index being built beside it is left.
    assert_eq!(env.files("."), ["a", "dossier.db.lock"]);
}

#[test]
fn export_writes_a_shared_document_once_and_refuses_what_it_cannot_write() {
    let env = Env::new();
    archive(
        &env,
        "a",
        "e1,2017,Flour,s2,\"it announced the delivery of more than 400,000 tons\",para 2\n",
    );
    env.write(
        "a/sources.csv",
        "id,kind,title,via,document\n\
         s1,article,A short article,,documents/article.txt\n\
         s2,statement,A statement the article reports,s1,\n\
         s3,report,A report,,documents/report.txt\n",
    );
    env.write("a/documents/report.txt", "Another text.\n");
    let run = env.run(&["load", "a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // What two loads from different folders could leave: two sources naming one path.
    let tamper = |sql: &str| {
        rusqlite::Connection::open(env.path("dossier.db"))
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    };
    tamper(
        "UPDATE sources SET document = 'documents/article.txt' WHERE id = 's3'; \
         UPDATE documents SET text = (SELECT text FROM documents WHERE source = 's1') \
         WHERE source = 's3';",
    );
    let run = env.run(&["export", "--dir", "same"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\nwrote 1 document under same\n"),
        "{}",
        run.stdout
    );
    assert_eq!(env.files("same/documents"), ["article.txt"]);
    assert_eq!(env.bytes("same/documents/article.txt"), ARTICLE.as_bytes());
    // With different texts, one would overwrite the other.
    tamper("UPDATE documents SET text = 'Another text.' WHERE source = 's3';");
    let run = env.run(&["export", "--dir", "differ"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: s1 and s3 both name the document documents/article.txt, with different texts \
             (they were loaded from different folders) — give one of them another path, so that \
             both can be written\n"
        )
    );
    // Nothing is written outside the folder, whatever the archive says.
    tamper("UPDATE sources SET document = '../outside.txt' WHERE id = 's3';");
    let run = env.run(&["export", "--dir", "escape"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: s3: its document \"../outside.txt\" cannot be written under escape: "
        ),
        "{}",
        run.stderr
    );
    assert!(!env.path("outside.txt").exists());

    // An archive without documents says nothing of them.
    let env = Env::new();
    env.write("b/sources.csv", "id,kind,title\ns1,report,A report\n");
    env.write(
        "b/events.csv",
        "id,date,title,source,quote,locator\ne1,2017,Flour,s1,Words,p. 7\n",
    );
    let run = env.run(&["load", "b"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = env.run(&["export", "--dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("document"), "{}", run.stdout);
}
