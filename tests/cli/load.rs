//! `dossier load` on good input: the seed, extra folders, dry runs, history, and
//! the files it leaves behind.

use crate::common::{Env, one, repo, sha256_hex, waiting_out_locks, without_times};

#[test]
fn loads_the_bundled_seed_from_any_folder() {
    let env = Env::new();
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(
        without_times(&run.stdout),
        "\
table rows files changes time
sources 10 1 +10 −0 ~0 <t>
actors 28 1 +28 −0 ~0 <t>
events 22 1 +22 −0 ~0 <t>
figures 18 1 +18 −0 ~0 <t>
citations 12 1 +12 −0 ~0 <t>
verified 52 of 52 quotes against 1 document (15 paragraphs)
built indexes in <t>, checked references in <t>, built the search index in <t>, synced in <t>
loaded 90 rows from 5 files and 1 document into dossier.db in <t> (load 1 of this archive)
9 findings: run dossier check
"
    );
    let db = env.db("dossier.db");
    assert_eq!(one::<String>(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // Every event and figure cites at least one source: 22 + 18 inline, 12 more.
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM citations"), 52);
    assert_eq!(
        one::<i64>(
            &db,
            "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM citations c WHERE c.event = e.id)"
        ),
        0
    );
    assert_eq!(env.files(""), vec!["dossier.db", "dossier.db.lock"]);
}

#[test]
fn seed_rows_carry_their_derived_columns() {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let db = env.db("dossier.db");
    let event = |id: &str| -> String {
        one(
            &db,
            &format!(
                "SELECT date || '|' || date_start || '|' || ifnull(date_end, 'NULL') || '|' || date_precision \
                 || '|' || date_kind || '|' || date_uncertain || date_approx FROM events WHERE id = '{id}'"
            ),
        )
    };
    assert_eq!(
        event("ev-1961-friendship-treaty"),
        "1961|1961-01-01|1961-12-31|year|point|00"
    );
    assert_eq!(
        event("ev-2014-2015-rus-prk-rapprochement"),
        "2014/2015|2014-01-01|2015-12-31|year|span|00"
    );
    assert_eq!(
        event("ev-2016-prk-six-party-signal"),
        "[2016..2017-06-23]|2016-01-01|2017-06-23|year|between|00"
    );
    assert_eq!(
        event("ev-2017-china-returns-coal"),
        "[2017~..2017-06-23]|2017-01-01|2017-06-23|year|between|01"
    );
    let actors: String = one(
        &db,
        "SELECT group_concat(actor, ';') FROM (SELECT actor FROM event_actors \
         WHERE event = 'ev-1961-friendship-treaty' ORDER BY position)",
    );
    assert_eq!(actors, "SUN;PRK");
    let figure: String = one(
        &db,
        "SELECT value || '|' || value_norm || '|' || unit || '|' || qualifier || '|' || ifnull(base, '') \
         FROM figures WHERE id = 'fig-prk-trade-share-chn'",
    );
    assert_eq!(figure, "91|91.0|percent|eq|fig-prk-trade-total");
    let total: f64 = one(
        &db,
        "SELECT value_norm FROM figures WHERE id = 'fig-prk-trade-total'",
    );
    assert_eq!(total, 5_700_000_000.0);
    let wheat: String = one(
        &db,
        "SELECT qualifier || ' ' || value_norm || ' ' || unit || ' ' || event FROM figures WHERE id = 'fig-wheat-flour-delivery'",
    );
    assert_eq!(wheat, "gt 400000.0 t ev-2017-russia-wheat-flour");
    let via: String = one(
        &db,
        "SELECT via FROM sources WHERE id = 'src-kcna-2017-china-crossed-the-line'",
    );
    assert_eq!(via, "src-nee-2017-pyongyang-russian-sentiment");
    // Provenance: the row knows its file and line.
    let origin: String = one(
        &db,
        "SELECT f.path || ':' || e.csv_line FROM events e JOIN load_files f ON f.id = e.csv_file \
         WHERE e.id = 'ev-1961-friendship-treaty'",
    );
    assert_eq!(origin, "seed/events.csv:2");
}

#[test]
fn load_runs_record_files_hashes_and_history() {
    let env = Env::new();
    env.copy_dir(&repo().join("seed"), "seed");
    assert_eq!(env.run(&["load"]).code, 0);
    // The same bytes give the same hash, whether embedded or read from disk: the seed
    // on disk is no change.
    let run = env.run(&["load", "seed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("dossier.db is up to date (load 1 of this archive"),
        "{}",
        run.stdout
    );
    let run = env.run(&["load", "--full", "seed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("(load 2 of this archive)"),
        "{}",
        run.stdout
    );
    let db = env.db("dossier.db");
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM load_runs"), 2);
    assert_eq!(
        one::<String>(&db, "SELECT inputs FROM load_runs WHERE id = 1"),
        "built-in seed"
    );
    assert_eq!(
        one::<String>(&db, "SELECT inputs FROM load_runs WHERE id = 2"),
        "seed"
    );
    assert_eq!(
        one::<String>(&db, "SELECT dossier_version FROM load_runs WHERE id = 2"),
        env!("CARGO_PKG_VERSION")
    );
    // The same bytes give the same hash, whether embedded or read from disk.
    let same: i64 = one(
        &db,
        "SELECT count(*) FROM load_inputs a JOIN load_inputs b ON a.file = b.file AND a.sha256 = b.sha256 \
         AND a.rows = b.rows AND a.bytes = b.bytes WHERE a.run = 1 AND b.run = 2",
    );
    assert_eq!(same, 6, "the five CSV files and the document");
    assert_eq!(
        one::<String>(
            &db,
            "SELECT f.path || ' ' || i.rows FROM load_inputs i JOIN load_files f ON f.id = i.file \
             WHERE i.run = 2 AND f.tbl = 'documents'"
        ),
        "seed/documents/nee-2017-pyongyang-russian-sentiment.txt 15"
    );
    let events_file = std::fs::read(env.path("seed/events.csv")).unwrap();
    let expected = sha256_hex(&events_file);
    assert_eq!(
        one::<String>(
            &db,
            "SELECT i.sha256 FROM load_inputs i JOIN load_files f ON f.id = i.file \
             WHERE i.run = 2 AND f.tbl = 'events'"
        ),
        expected
    );
    // Rows point at their file, which the last load read.
    assert_eq!(
        one::<i64>(
            &db,
            "SELECT count(*) FROM events e JOIN load_inputs i ON i.file = e.csv_file \
             WHERE i.run = 2 AND i.read = 1"
        ),
        22
    );
}

#[test]
fn a_second_folder_loads_beside_the_seed() {
    let env = Env::new();
    env.copy_dir(&repo().join("seed"), "seed");
    env.write(
        "extra/events.csv",
        "id,date,title,source,quote,locator,actors,tags\n\
         ev-extra-1,2017-06-23,The article is published,src-nee-2017-pyongyang-russian-sentiment,Pyongyang’s Russian sentiment,title,PRK;RUS,media\n",
    );
    env.write(
        "extra/citations.csv",
        "source,event,figure,quote,locator,relation\n\
         src-nee-2017-pyongyang-russian-sentiment,,fig-prk-trade-total,Since Beijing is Korea’s largest trading partner,para 2,mentions\n",
    );
    let run = env.run(&["load", "seed", "extra"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("events       23      2")),
        "{}",
        run.stdout
    );
    let db = env.db("dossier.db");
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM events"), 23);
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM citations"), 54);
    assert_eq!(
        one::<String>(
            &db,
            "SELECT f.path FROM events e JOIN load_files f ON f.id = e.csv_file WHERE e.id = 'ev-extra-1'"
        ),
        "extra/events.csv"
    );
}

#[test]
fn every_date_form_loads_with_the_bounds_the_readme_gives() {
    let env = Env::new();
    env.write("x/sources.csv", "id,kind,title\ns1,article,An article\n");
    // Each form of README's Dates section, and each qualifier.
    let dates = [
        ("1961-07-06", "1961-07-06|1961-07-06|day|point|0|0"),
        ("2016-02-29", "2016-02-29|2016-02-29|day|point|0|0"),
        ("2015-06", "2015-06-01|2015-06-30|month|point|0|0"),
        ("2014", "2014-01-01|2014-12-31|year|point|0|0"),
        ("196X", "1960-01-01|1969-12-31|decade|point|0|0"),
        ("2004-06/2006", "2004-06-01|2006-12-31|month|span|0|0"),
        ("1961/..", "1961-01-01||year|span|0|0"),
        ("1985/", "1985-01-01||year|span|0|0"),
        ("[2014..2015]", "2014-01-01|2015-12-31|year|between|0|0"),
        ("2014?", "2014-01-01|2014-12-31|year|point|1|0"),
        ("2014~", "2014-01-01|2014-12-31|year|point|0|1"),
        ("2015-06%", "2015-06-01|2015-06-30|month|point|1|1"),
    ];
    let mut csv = String::from("id,date,title,source,quote,locator\n");
    for (i, (date, _)) in dates.iter().enumerate() {
        csv.push_str(&format!("e{i:02},{date},T,s1,q,para 1\n"));
    }
    env.write("x/events.csv", csv);
    let run = env.run(&["load", "x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    let mut stmt = db
        .prepare(
            "SELECT date, concat_ws('|', date_start, coalesce(date_end, ''), date_precision, \
             date_kind, date_uncertain, date_approx) FROM events ORDER BY id",
        )
        .unwrap();
    let stored: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(String, String)> = dates
        .iter()
        .map(|(d, b)| (d.to_string(), b.to_string()))
        .collect();
    assert_eq!(stored, expected);
}

#[test]
fn dry_run_checks_everything_and_writes_nothing() {
    let env = Env::new();
    env.copy_dir(&repo().join("seed"), "seed");
    // A dry run builds its scratch archive in the system's temporary folder: point
    // that at a folder of the test's own, to see that nothing is left there either.
    std::fs::create_dir(env.path("tmp")).unwrap();
    let dry_run = |env: &Env| {
        let out = env
            .cmd()
            .env("TMPDIR", env.path("tmp"))
            .args(["load", "--dry-run", "seed"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = dry_run(&env);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        without_times(&stdout)
            .ends_with("checked 90 rows in 5 files and 1 document in <t>: no problems found; nothing was written (--dry-run)\n"),
        "{stdout}"
    );
    assert_eq!(env.files(""), vec!["seed", "tmp"]);
    assert_eq!(env.files("tmp"), Vec::<String>::new());
    // Over an existing archive, too, and when the check fails.
    assert_eq!(env.run(&["load"]).code, 0);
    let before = env.bytes("dossier.db");
    env.write("seed/actors.csv", "id,name\nPRK,North Korea\n");
    let (code, _, stderr) = dry_run(&env);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("unknown actor"), "{stderr}");
    assert_eq!(env.bytes("dossier.db"), before);
    assert_eq!(
        env.files(""),
        vec!["dossier.db", "dossier.db.lock", "seed", "tmp"]
    );
    assert_eq!(env.files("tmp"), Vec::<String>::new());
}

#[test]
fn db_flag_and_environment_choose_the_archive() {
    let env = Env::new();
    assert_eq!(env.run(&["load", "--db", "a.db"]).code, 0);
    let run = env
        .cmd()
        .env("DOSSIER_DB", "b.db")
        .arg("load")
        .output()
        .unwrap();
    assert!(run.status.success());
    let mut files = env.files("");
    files.retain(|f| f.ends_with(".db"));
    assert_eq!(files, vec!["a.db", "b.db"]);
}

#[test]
fn leftovers_of_a_killed_load_are_removed_by_the_next() {
    let env = Env::new();
    env.write("dossier.db.load-99999.tmp", "half a database");
    env.write("dossier.db.load-99999.tmp-journal", "");
    assert_eq!(env.run(&["load"]).code, 0);
    assert_eq!(env.files(""), vec!["dossier.db", "dossier.db.lock"]);
}

#[test]
fn a_file_that_is_not_an_archive_is_never_replaced() {
    let env = Env::new();
    env.write("notes.db", "my precious notes, not SQLite");
    let run = env.run(&["load", "--db", "notes.db"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: notes.db is not a dossier archive (SQLite cannot read it: file is not a database) — \
         dossier only replaces archives it built; choose another path with --db, or move the file away\n"
    );
    assert_eq!(env.bytes("notes.db"), b"my precious notes, not SQLite");
    // Another program's SQLite database is refused too.
    let other = rusqlite::Connection::open(env.path("other.db")).unwrap();
    other
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(other);
    let before = env.bytes("other.db");
    let run = env.run(&["load", "--db", "other.db"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("other.db is not a dossier archive (it is not a database dossier built)"),
        "{}",
        run.stderr
    );
    assert_eq!(env.bytes("other.db"), before);
}

#[test]
fn a_second_load_while_one_runs_is_refused() {
    let env = Env::new();
    let lock = std::fs::File::create(env.path("dossier.db.lock")).unwrap();
    lock.lock().unwrap();
    let run = env.run(&["load"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: another dossier load is writing dossier.db — wait for it to finish, then run this one again\n"
    );
    assert!(!env.path("dossier.db").exists());
    drop(lock);
    let run = waiting_out_locks(
        || env.run(&["load"]),
        |r| r.stderr.contains("another dossier load is writing"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn folders_and_files_are_named_as_users_expect() {
    let env = Env::new();
    env.write("dir/Events.csv", "id\n");
    let run = env.run(&["load", "dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: dir/Events.csv: not a file dossier reads"),
        "{}",
        run.stderr
    );
    env.write("empty/readme.txt", "nothing here");
    let run = env.run(&["load", "empty"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no archive files in this folder"),
        "{}",
        run.stderr
    );
    let run = env.run(&["load", "missing"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: cannot read missing:"),
        "{}",
        run.stderr
    );
    // A single file may be named directly.
    env.write("one/actors.csv", "id,name\nPRK,North Korea\n");
    let run = env.run(&["load", "one/actors.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn spreadsheet_exports_load_bom_semicolons_and_crlf() {
    let env = Env::new();
    env.write(
        "x/actors.csv",
        b"\xEF\xBB\xBFid;name;kind;aliases\r\nPRK;North Korea;state;\"DPRK; the North\"\r\nRUS;Russia;state;\r\n;;;\r\n",
    );
    env.write(
        "x/sources.csv",
        "id,kind,title\rs1,article,Old Mac line ends\r",
    );
    let run = env.run(&["load", "x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM actors"), 2);
    assert_eq!(
        one::<String>(
            &db,
            "SELECT group_concat(alias, '|') FROM actor_aliases WHERE actor = 'PRK'"
        ),
        "DPRK|the North"
    );
    assert_eq!(
        one::<String>(&db, "SELECT title FROM sources"),
        "Old Mac line ends"
    );
}

#[test]
fn ids_and_codes_stay_text() {
    let env = Env::new();
    env.write("x/actors.csv", "id,name\n007,Agent\n0123,Zeros\n");
    assert_eq!(env.run(&["load", "x"]).code, 0);
    let db = env.db("dossier.db");
    assert_eq!(
        one::<String>(&db, "SELECT group_concat(id, ',') FROM actors"),
        "007,0123"
    );
    assert_eq!(
        one::<String>(&db, "SELECT typeof(id) FROM actors LIMIT 1"),
        "text"
    );
}

#[test]
fn header_only_files_are_valid_and_empty() {
    let env = Env::new();
    env.write("x/actors.csv", "id,name,kind,aliases\n");
    let run = env.run(&["load", "x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("actors        0      1 ")),
        "{}",
        run.stdout
    );
}

/// The seed's files as a spreadsheet would save them in another encoding.
fn seed_saved_as(env: &Env, dir: &str, encoding: &str) {
    for name in [
        "sources.csv",
        "actors.csv",
        "events.csv",
        "figures.csv",
        "citations.csv",
        "documents/nee-2017-pyongyang-russian-sentiment.txt",
    ] {
        let text = std::fs::read_to_string(repo().join("seed").join(name)).unwrap();
        let bytes: Vec<u8> = match encoding {
            "windows-1252" | "latin-1" => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
                assert!(!unmappable, "{name} fits Windows-1252");
                bytes.into_owned()
            }
            // As Excel's "Unicode Text" writes it: with a byte-order mark.
            "utf-16le" => "\u{feff}"
                .encode_utf16()
                .chain(text.encode_utf16())
                .flat_map(u16::to_le_bytes)
                .collect(),
            "utf-16be" => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            other => panic!("{other}"),
        };
        env.write(&format!("{dir}/{name}"), bytes);
    }
}

/// Every row of every table of facts, as text, to compare two archives (the load
/// history differs from load to load).
fn contents(env: &Env, db: &str) -> Vec<String> {
    let conn = env.db(db);
    let mut all = Vec::new();
    let tables = dossier::cmd::export::WORKBOOK_TABLES
        .iter()
        .filter(|t| !t.starts_with("load_"));
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .unwrap();
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for row in rows {
            all.push(format!("{table}: {}", row.unwrap().join(" | ")));
        }
    }
    all
}

#[test]
fn files_in_a_named_encoding_load_as_the_same_archive() {
    let env = Env::new();
    env.copy_dir(&repo().join("seed"), "seed");
    assert_eq!(env.run(&["load", "--db", "utf8.db", "seed"]).code, 0);
    let expected = contents(&env, "utf8.db");
    assert!(
        expected
            .iter()
            .any(|r| r.contains("North Korea’s fondness")),
        "the seed has characters beyond ASCII to decode"
    );
    for encoding in ["windows-1252", "latin-1", "utf-16le", "utf-16be"] {
        let dir = format!("seed-{encoding}");
        seed_saved_as(&env, &dir, encoding);
        let db = format!("{encoding}.db");
        let run = env.run(&["load", "--db", &db, "--encoding", encoding, &dir]);
        assert_eq!(run.code, 0, "{encoding}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!(
                "loaded 90 rows from 5 files and 1 document, read as {encoding}, into {db}"
            )),
            "{}",
            run.stdout
        );
        assert_eq!(contents(&env, &db), expected, "{encoding}");
        // The history says how each file was read, and hashes the bytes on disk.
        let conn = env.db(&db);
        assert_eq!(
            one::<String>(
                &conn,
                "SELECT group_concat(DISTINCT encoding) FROM load_inputs"
            ),
            encoding
        );
        let events = std::fs::read(env.path(&format!("{dir}/events.csv"))).unwrap();
        assert_eq!(
            one::<String>(
                &conn,
                "SELECT i.sha256 || ' ' || i.bytes FROM load_inputs i JOIN load_files f ON f.id = i.file \
                 WHERE f.tbl = 'events'"
            ),
            format!("{} {}", sha256_hex(&events), events.len())
        );
    }
    assert_eq!(
        one::<String>(
            &env.db("utf8.db"),
            "SELECT group_concat(DISTINCT encoding) FROM load_inputs"
        ),
        "utf-8"
    );
}

#[test]
fn encoding_is_for_named_files_and_takes_only_known_names() {
    let env = Env::new();
    let run = env.run(&["load", "--encoding", "windows-1252"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: --encoding windows-1252 names the encoding of your files, and no folder is named; \
         the bundled seed is UTF-8 — name the folders or files to load\n"
    );
    assert!(!env.path("dossier.db").exists());
    let run = env.run(&["load", "--encoding", "cp1252", "seed"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("[possible values: utf-8, windows-1252, latin-1, utf-16le, utf-16be]"),
        "{}",
        run.stderr
    );
}

/// The seed's archive, made to look like one an older or newer schema built by `sql`.
fn seed_archive_as(sql: &str) -> Env {
    let env = Env::new();
    assert_eq!(env.run(&["load"]).code, 0);
    let conn = rusqlite::Connection::open(env.path("dossier.db")).unwrap();
    conn.execute_batch(sql).unwrap();
    env
}

#[test]
fn history_from_an_archive_without_encodings_is_kept_as_utf8() {
    // An archive as the first schema built it: no encoding column, user_version 1.
    let env = seed_archive_as(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE v1_files AS SELECT i.file AS id, i.run, f.path, f.tbl, i.sha256, i.bytes, i.rows \
         FROM load_inputs i JOIN load_files f ON f.id = i.file;
         DROP TABLE load_changes; DROP TABLE load_inputs; DROP TABLE load_rows; DROP TABLE load_files;
         ALTER TABLE v1_files RENAME TO load_files;
         PRAGMA user_version = 1;",
    );
    env.copy_dir(&repo().join("seed"), "seed");
    seed_saved_as(&env, "cp", "windows-1252");
    let run = env.run(&["load", "--encoding", "windows-1252", "cp"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    assert_eq!(
        one::<String>(
            &db,
            "SELECT group_concat(run || ':' || encoding, ' ') FROM \
             (SELECT DISTINCT run, encoding FROM load_inputs ORDER BY run)"
        ),
        "1:utf-8 2:windows-1252"
    );
}

#[test]
fn history_of_an_archive_from_an_unknown_schema_is_not_carried() {
    let env = seed_archive_as("PRAGMA user_version = 99;");
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("(load 1 of this archive)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM load_runs"),
        1
    );
}

/// SQL that turns the seed's archive into one as schema `version` (2 or 3) kept its
/// history: one load_files row per file per load, with its hash, size, rows and
/// encoding; version 2 without documents.
fn per_load_history(version: i64) -> String {
    let documents = if version < 3 {
        "DELETE FROM paragraphs; DELETE FROM documents; DELETE FROM load_inputs \
         WHERE file IN (SELECT id FROM load_files WHERE tbl = 'documents');"
    } else {
        ""
    };
    format!(
        "PRAGMA foreign_keys = OFF; {documents}
         CREATE TABLE old_files AS SELECT i.file AS id, i.run, f.path, f.tbl, i.sha256, i.bytes, i.rows, i.encoding \
         FROM load_inputs i JOIN load_files f ON f.id = i.file;
         DROP TABLE load_changes; DROP TABLE load_inputs; DROP TABLE load_rows; DROP TABLE load_files;
         ALTER TABLE old_files RENAME TO load_files;
         PRAGMA user_version = {version};"
    )
}

/// Each load's sources and documents, as the archive's history has them.
fn sources_and_documents(env: &Env) -> String {
    one::<String>(
        &env.db("dossier.db"),
        "SELECT group_concat(x, ' ') FROM (SELECT i.run || ':' || f.tbl AS x \
         FROM load_inputs i JOIN load_files f ON f.id = i.file \
         WHERE f.tbl IN ('sources', 'documents') ORDER BY i.run, f.tbl)",
    )
}

#[test]
fn history_from_an_archive_without_documents_is_kept() {
    let env = seed_archive_as(&per_load_history(2));
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("(load 2 of this archive)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        sources_and_documents(&env),
        "1:sources 2:documents 2:sources"
    );
}

#[test]
fn history_from_an_archive_with_documents_before_load_inputs_is_kept() {
    let env = seed_archive_as(&per_load_history(3));
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("(load 2 of this archive)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        sources_and_documents(&env),
        "1:documents 1:sources 2:documents 2:sources"
    );
    // The document's file keeps one number, which its row points to.
    assert_eq!(
        one::<i64>(
            &env.db("dossier.db"),
            "SELECT count(*) FROM documents d JOIN load_files f ON f.id = d.file AND f.tbl = 'documents'"
        ),
        1
    );
}
