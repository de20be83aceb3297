//! `dossier export`: tables, views and queries in any format, the spreadsheet profile,
//! and the whole archive as CSV files that load back into the same archive.

use crate::common::{Env, one, repo, seeded};
use calamine::{Data, Reader, Xlsx, open_workbook};
use dossier::db::spec::{self, Table};

/// Every table that CSV rows fill (the five, and the join tables of their lists), with
/// its columns as the archive has them, but for those that say where a row came from.
fn tables(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    spec::archive_tables()
        .into_iter()
        .map(|t| {
            let mut stmt = conn
                .prepare("SELECT name FROM pragma_table_info(?1) WHERE name NOT IN ('csv_file', 'csv_line')")
                .unwrap();
            let columns: Vec<String> = stmt
                .query_map([t], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (t.to_string(), columns.join(", "))
        })
        .collect()
}

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
         wrote 18 rows to out/figures.csv\nwrote 12 rows to out/citations.csv\n\
         wrote 1 document under out\n\
         wrote the data package to out/datapackage.json\n"
    );
    let doc = "documents/nee-2017-pyongyang-russian-sentiment.txt";
    assert_eq!(
        env.bytes(&format!("out/{doc}")),
        std::fs::read(repo().join(format!("seed/{doc}"))).unwrap(),
        "the document is written back as it was read"
    );
    let run = env.run(&["load", "out", "--db", "again.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (a, b) = (env.db("dossier.db"), env.db("again.db"));
    let tables = tables(&a);
    assert_eq!(tables.len(), 8);
    for (table, columns) in &tables {
        let (left, right) = (rows(&a, table, columns), rows(&b, table, columns));
        assert!(!left.is_empty(), "{table}");
        assert_eq!(left, right, "{table} differs after the round trip");
    }
    // The exported files are the seed's files, row for row, with every declared
    // column: those the seed leaves out are empty, or hold the column's default, as
    // do the empty cells of such a column in the seed (qualifier eq).
    for table in Table::ALL {
        let file = table.file_name();
        let exported = std::fs::read_to_string(env.path(&format!("out/{file}"))).unwrap();
        let seed = std::fs::read_to_string(repo().join(format!("seed/{file}"))).unwrap();
        let read = |text: &str| -> Vec<Vec<String>> {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let header = r.headers().unwrap().clone();
            r.records()
                .map(|r| {
                    let r = r.unwrap();
                    table
                        .columns()
                        .iter()
                        .map(|c| {
                            let cell = header
                                .iter()
                                .position(|h| h == c.name)
                                .map_or("", |i| &r[i]);
                            match c.default {
                                Some(d) if cell.is_empty() => d.to_string(),
                                _ => cell.to_string(),
                            }
                        })
                        .collect()
                })
                .collect()
        };
        assert_eq!(
            csv::Reader::from_reader(exported.as_bytes())
                .headers()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
                .join(","),
            table.header()
        );
        let (seed_rows, got_rows) = (read(&seed), read(&exported));
        assert!(!seed_rows.is_empty(), "{file}");
        assert_eq!(seed_rows, got_rows, "{file}");
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
    // A canned query with its parameter, as TSV without a header: the cells the CSV
    // export of the same rows holds, split by tabs.
    let citations = |format: &str| {
        let run = env.run(&[
            "export",
            "--run",
            "citations",
            "-p",
            "id=fig-prk-trade-total",
            "--format",
            format,
            "--no-header",
        ]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{format}");
        run.stdout
    };
    let tsv: Vec<Vec<String>> = citations("tsv")
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    let csv: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(citations("csv").as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(tsv, csv);
    assert_eq!((tsv.len(), tsv[0].len()), (1, 8), "{tsv:?}");
    assert_eq!(tsv[0][0], "fig-prk-trade-total");
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
fn export_writes_each_row_format_as_asked() {
    let env = seeded();
    // Cells that each format writes its own way: a comma, a tab, a pipe, a backslash,
    // integers, reals and NULL.
    let query = "SELECT 'a,b' AS t, 'x' || char(9) || 'y' AS u, 7 AS n, 2.5 AS x, NULL AS z \
                 UNION ALL SELECT 'p|q', 'back\\slash', -1, 0.1, 'w'";
    let cases: [(&str, &str); 6] = [
        (
            "csv",
            "t,u,n,x,z\n\"a,b\",x\ty,7,2.5,\np|q,back\\slash,-1,0.1,w\n",
        ),
        (
            "tsv",
            "t\tu\tn\tx\tz\na,b\tx\\ty\t7\t2.5\t\np|q\tback\\\\slash\t-1\t0.1\tw\n",
        ),
        (
            "json",
            "[\n{\"t\": \"a,b\", \"u\": \"x\\ty\", \"n\": 7, \"x\": 2.5, \"z\": null},\n\
             {\"t\": \"p|q\", \"u\": \"back\\\\slash\", \"n\": -1, \"x\": 0.1, \"z\": \"w\"}\n]\n",
        ),
        (
            "ndjson",
            "{\"t\": \"a,b\", \"u\": \"x\\ty\", \"n\": 7, \"x\": 2.5, \"z\": null}\n\
             {\"t\": \"p|q\", \"u\": \"back\\\\slash\", \"n\": -1, \"x\": 0.1, \"z\": \"w\"}\n",
        ),
        (
            "markdown",
            "| t | u | n | x | z |\n| --- | --- | --- | --- | --- |\n| a,b | x\ty | 7 | 2.5 |  |\n\
             | p\\|q | back\\\\slash | -1 | 0.1 | w |\n",
        ),
        (
            "table",
            "t    u            n    x  z\n---  ----------  --  ---  -\na,b  x y          7  2.5\n\
             p|q  back\\slash  -1  0.1  w\n",
        ),
    ];
    for (format, expected) in cases {
        let run = env.run(&["export", "--query", query, "--format", format]);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, expected, ""),
            "--format {format}"
        );
        // The same bytes into a file.
        let file = format!("out.{format}");
        let run = env.run(&["export", "--query", query, "--format", format, "-o", &file]);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(env.path(&file)).unwrap(), expected);
    }
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
            "error: say what to export: a table or view name, --query SQL, --run NAME, --dir DIR or --all (with --format xlsx or parquet)\n"
        )
    );
    let run = env.run(&["export", "--query", "DELETE FROM events"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM events"),
        22
    );
}

/// A workbook written by dossier, read back.
fn workbook(env: &Env, rel: &str) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(env.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Checks a sheet against the CSV export of the same table: the same header, rows
/// and values; text columns as text cells and number columns as numbers.
fn same_as_csv(env: &Env, book: &mut Xlsx<std::io::BufReader<std::fs::File>>, table: &str) {
    let range = book.worksheet_range(table).unwrap();
    // A document's whole text is left off its sheet: it does not fit a cell.
    let columns = if table == "documents" {
        "source, file"
    } else {
        "*"
    };
    let run = env.run(&[
        "export",
        "--query",
        &format!("SELECT {columns} FROM {table}"),
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty(), "{table} is empty in the seed");
    let got: Vec<&[Data]> = range.rows().collect();
    assert_eq!(got.len(), rows.len() + 1, "{table}: rows");
    let titles: Vec<String> = got[0].iter().map(|d| d.to_string()).collect();
    assert_eq!(titles, header, "{table}: header");
    let db = env.db("dossier.db");
    let types: Vec<String> = header
        .iter()
        .map(|c| {
            db.query_row(
                "SELECT type FROM pragma_table_info(?1) WHERE name = ?2",
                [table, c.as_str()],
                |r| r.get(0),
            )
            .unwrap()
        })
        .collect();
    for (r, (cells, record)) in got[1..].iter().zip(&rows).enumerate() {
        assert_eq!(cells.len(), record.len(), "{table} row {}", r + 1);
        for (c, (cell, text)) in cells.iter().zip(record.iter()).enumerate() {
            let at = format!("{table} row {} column {}", r + 1, header[c]);
            match (cell, types[c].as_str()) {
                (Data::Empty, _) => assert_eq!(text, "", "{at}"),
                (Data::String(s), "TEXT") => assert_eq!(s, text, "{at}"),
                (Data::Float(x), "INTEGER" | "REAL") => {
                    assert_eq!(Some(*x), text.parse::<f64>().ok(), "{at}")
                }
                (Data::Int(x), "INTEGER") => assert_eq!(x.to_string(), text, "{at}"),
                (other, ty) => panic!("{at}: a {ty} column holds {other:?}"),
            }
        }
    }
}

#[test]
fn a_workbook_of_the_archive_holds_what_the_csv_exports_hold() {
    // Three loads, the later ones with changes, so that every table of the history has
    // rows: the third loads the seed as it is, its document included.
    let env = crate::diff::edited();
    assert_eq!(env.run(&["load", "data"]).code, 0);
    env.copy_dir(&repo().join("seed"), "data");
    let run = env.run(&["load", "data"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = env.run(&["export", "--all", "--format", "xlsx", "-o", "archive.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("wrote 10 rows to archive.xlsx, sheet sources\nwrote 28 rows to archive.xlsx, sheet actors\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("wrote 3 rows to archive.xlsx, sheet load_runs\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        env.files(""),
        ["archive.xlsx", "data", "dossier.db", "dossier.db.lock"]
    );
    let mut book = workbook(&env, "archive.xlsx");
    let sheets = book.sheet_names();
    assert_eq!(
        sheets,
        [
            "sources",
            "actors",
            "events",
            "figures",
            "citations",
            "event_actors",
            "event_tags",
            "actor_aliases",
            "documents",
            "paragraphs",
            "load_runs",
            "load_files",
            "load_inputs",
            "load_changes"
        ]
    );
    for sheet in &sheets {
        same_as_csv(&env, &mut book, sheet);
        let styles = book.worksheet_style(sheet).unwrap();
        let bold = |r: u32| {
            styles
                .get((r, 0))
                .and_then(|s| s.font.as_ref())
                .is_some_and(|f| f.is_bold())
        };
        assert!(bold(0), "{sheet}: the header is bold");
        assert!(!bold(1), "{sheet}: the first row is not");
    }
    // calamine does not read panes, so look at each sheet's XML for the frozen header.
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(env.path("archive.xlsx")).unwrap()).unwrap();
    for i in 1..=sheets.len() {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "sheet {i} has no frozen header row"
        );
    }
    // --quiet writes the workbook and says nothing.
    let run = env.run(&[
        "-q",
        "export",
        "--all",
        "--format",
        "xlsx",
        "-o",
        "quiet.xlsx",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert_eq!(workbook(&env, "quiet.xlsx").sheet_names(), sheets);
}

#[test]
fn a_workbook_keeps_ids_codes_and_dates_as_text_and_numbers_as_numbers() {
    let env = Env::new();
    env.write(
        "x/sources.csv",
        "id,kind,title,published\ns1,article,=1+1,2017-06\n",
    );
    env.write("x/actors.csv", "id,name\n007,Agent\n");
    env.write(
        "x/events.csv",
        "id,date,title,source,quote,locator,actors\n0042,2017-06,Something happens,s1,It happened.,para 1,007\n",
    );
    env.write(
        "x/figures.csv",
        "id,measure,value,unit,source,quote,locator\nf1,Trade,5.7 billion,USD,s1,It happened.,para 1\n",
    );
    let run = env.run(&["load", "x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for table in ["sources", "actors", "events", "figures"] {
        let run = env.run(&[
            "export",
            table,
            "--format",
            "xlsx",
            "-o",
            &format!("{table}.xlsx"),
        ]);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    }
    let cell = |table: &str, column: &str| -> Data {
        let mut book = workbook(&env, &format!("{table}.xlsx"));
        assert_eq!(book.sheet_names(), [table]);
        let range = book.worksheet_range(table).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let c = rows[0]
            .iter()
            .position(|h| *h == Data::String(column.to_string()))
            .unwrap_or_else(|| panic!("{table} has no column {column}"));
        rows[1][c].clone()
    };
    let text = |s: &str| Data::String(s.into());
    assert_eq!(cell("actors", "id"), text("007"));
    assert_eq!(cell("events", "id"), text("0042"));
    assert_eq!(cell("events", "date"), text("2017-06"));
    assert_eq!(cell("events", "date_start"), text("2017-06-01"));
    assert_eq!(cell("events", "date_uncertain"), Data::Float(0.0));
    assert_eq!(cell("events", "notes"), Data::Empty);
    assert_eq!(cell("sources", "title"), text("=1+1"));
    assert_eq!(cell("sources", "published"), text("2017-06"));
    assert_eq!(cell("figures", "value"), text("5.7 billion"));
    assert_eq!(cell("figures", "value_norm"), Data::Float(5.7e9));
    // A query's columns have no declared type: each value says what it is.
    let run = env.run(&[
        "export",
        "--query",
        "SELECT '007' AS code, 7 AS n, 2.5 AS x, NULL AS missing, date_start FROM events",
        "--format",
        "xlsx",
        "-o",
        "q.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut book = workbook(&env, "q.xlsx");
    assert_eq!(book.sheet_names(), ["query"]);
    let range = book.worksheet_range("query").unwrap();
    let row: Vec<Data> = range.rows().nth(1).unwrap().to_vec();
    assert_eq!(
        row,
        [
            text("007"),
            Data::Float(7.0),
            Data::Float(2.5),
            Data::Empty,
            text("2017-06-01")
        ]
    );
    // A canned query's sheet is named after it.
    let run = env.run(&[
        "export", "--run", "timeline", "--format", "xlsx", "-o", "t.xlsx",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(workbook(&env, "t.xlsx").sheet_names(), ["timeline"]);
}

#[test]
fn a_workbook_needs_a_file_and_appears_only_when_complete() {
    let env = seeded();
    let run = env.run(&["export", "events", "--format", "xlsx"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: xlsx is a binary workbook, not text for a terminal or a pipe: name the file with -o FILE (for example -o archive.xlsx)\n"
        )
    );
    let run = env.run(&["export", "--all", "-o", "a.csv"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: --all writes one workbook (--format xlsx -o FILE) or a Parquet file per table (--format parquet --dir DIR); for the CSV files load reads, use --dir DIR alone\n"
        )
    );
    let run = env.run(&[
        "export", "events", "--excel", "--format", "xlsx", "-o", "e.xlsx",
    ]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: --excel shapes CSV and TSV; leave it out for other formats\n"
        )
    );
    let run = env.run(&["export", "--dir", "d", "--format", "xlsx"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A query that fails while its rows are read leaves no file, not even a partial one.
    let run = env.run(&[
        "export",
        "--query",
        "SELECT id, json_extract(title, '$') FROM events",
        "--format",
        "xlsx",
        "-o",
        "bad.xlsx",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = env.run(&[
        "export",
        "--query",
        "SELECT nosuch",
        "--format",
        "xlsx",
        "-o",
        "bad.xlsx",
    ]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "error: no such column: nosuch\n  SELECT nosuch\n         ^\n"
        )
    );
    assert_eq!(env.files(""), ["dossier.db", "dossier.db.lock"]);
}

#[test]
fn a_timeline_or_bibliography_file_appears_whole_and_says_what_it_holds() {
    // The exports for TimelineJS and citation managers write a whole document, not
    // rows; each says, unless --quiet, how many events or sources it wrote.
    let env = seeded();
    for (args, file, key, noun) in [
        (
            &["export", "--run", "timeline", "--format", "timelinejs"][..],
            "timeline.json",
            Some("events"),
            "events",
        ),
        (
            &["export", "sources", "--format", "csl-json"][..],
            "sources.json",
            None,
            "sources",
        ),
    ] {
        for quiet in [false, true] {
            let path = format!("{}{file}", if quiet { "quiet-" } else { "" });
            let mut argv = args.to_vec();
            argv.extend(["-o", &path]);
            if quiet {
                argv.push("--quiet");
            }
            let run = env.run(&argv);
            assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{argv:?}");
            let data: serde_json::Value =
                serde_json::from_slice(&env.bytes(&path)).expect("a whole JSON document");
            let items = match key {
                Some(k) => data[k].as_array(),
                None => data.as_array(),
            }
            .map_or(0, Vec::len);
            assert!(items > 5, "{argv:?}: {items}");
            let said = if quiet {
                String::new()
            } else {
                format!("wrote {items} {noun} to {path}\n")
            };
            assert_eq!(run.stdout, said, "{argv:?}");
        }
    }
}
