//! Bad input is refused with a located message and leaves the archive untouched.
//!
//! Each folder under tests/fixtures/bad is one case: the CSV files to load, in
//! `expected.txt` the exact standard error, and in `args.txt`, when there is one,
//! more arguments for `load` (such as `--encoding windows-1252`).
//! `DOSSIER_BLESS=1 cargo test` rewrites the expected files from what dossier prints
//! (then read the diff before committing).

use crate::common::{Env, cases, repo};
use std::path::Path;

/// Loads the seed, then the case, and checks the refusal.
fn refused(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let env = Env::new();
    let db = env.path("archive.db");
    let db = db.to_str().unwrap();
    if env.run(&["load", "--db", db]).code != 0 {
        return Err("could not load the seed first".into());
    }
    let before = env.bytes("archive.db");
    let extra = std::fs::read_to_string(case.join("args.txt")).unwrap_or_default();
    let mut args = vec!["load", "--db", db, &name];
    args.extend(extra.split_whitespace());
    let run = env.run_in(case.parent().unwrap(), &args);
    let expected_path = case.join("expected.txt");
    if crate::common::blessing() {
        std::fs::write(&expected_path, &run.stderr).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|e| format!("{name}: no expected.txt ({e})"))?;
    let mut failures = Vec::new();
    if run.code != 1 {
        failures.push(format!("exit code {} instead of 1", run.code));
    }
    if run.stderr != expected {
        failures.push(format!(
            "stderr differs:\n--- expected\n{expected}--- got\n{}",
            run.stderr
        ));
    }
    if !run.stdout.is_empty() {
        failures.push(format!("stdout not empty: {}", run.stdout));
    }
    if env.bytes("archive.db") != before {
        failures.push("the archive changed".into());
    }
    let left: Vec<String> = env
        .files("")
        .into_iter()
        .filter(|f| f != "archive.db" && f != "archive.db.lock")
        .collect();
    if !left.is_empty() {
        failures.push(format!("files left behind: {left:?}"));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", failures.join("; ")))
    }
}

#[test]
fn every_bad_input_is_refused_with_its_location_and_the_archive_untouched() {
    let cases = cases("tests/fixtures/bad");
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| refused(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_message_has_file_line_column_and_a_fix() {
    let root = repo().join("tests/fixtures/bad");
    // Lines and columns count from 1; a problem in a document points into it.
    let re = regex::Regex::new(r"^[^:\n]+\.(csv|txt|md):[1-9]\d*:[1-9]\d*: .+ \(found .+\) — .+$")
        .unwrap();
    for entry in std::fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(case.join("expected.txt")) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let (last, problems) = lines.split_last().expect("some output");
        assert!(
            last.starts_with("error: ")
                && last.ends_with("nothing was loaded and the archive is unchanged"),
            "{last}"
        );
        for line in problems.iter().filter(|l| !l.starts_with('…')) {
            assert!(re.is_match(line), "{}: {line}", case.display());
        }
    }
}

#[test]
fn problems_beyond_the_cap_are_counted() {
    let env = Env::new();
    let mut csv = String::from("id,name,kind\n");
    for i in 0..150 {
        csv.push_str(&format!("a{i},Actor {i},nation\n"));
    }
    env.write("many/actors.csv", csv);
    let run = env.run(&["load", "many"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 102, "{}", run.stderr);
    assert_eq!(
        lines[0],
        "many/actors.csv:2:3: unknown kind (found \"nation\") — use one of state, organization, government, \
         legislature, military, agency, media, party, company, person, group"
    );
    assert_eq!(
        lines[99],
        "many/actors.csv:101:3: unknown kind (found \"nation\") — use one of state, organization, government, legislature, military, agency, media, party, company, person, group"
    );
    assert_eq!(lines[100], "… and 50 more problems not shown");
    assert_eq!(
        lines[101],
        "error: 150 problems in 1 file; nothing was loaded and the archive is unchanged"
    );
}

#[test]
fn duplicate_ids_across_folders_name_both_places() {
    let env = Env::new();
    env.write("a/actors.csv", "id,name\nPRK,North Korea\n");
    env.write("b/actors.csv", "name,id\nDPRK,PRK\n");
    let run = env.run(&["load", "a", "b"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "b/actors.csv:2:2: duplicate actor id (found \"PRK\", first defined at a/actors.csv:2) — give each actor its own id, or delete the repeated row\n\
         error: 1 problem in 1 file; nothing was loaded and the archive is unchanged\n"
    );
    assert!(!env.path("dossier.db").exists());
}

#[test]
fn a_one_mebibyte_cell_is_kept_whole_in_notes_and_refused_as_a_title() {
    let env = Env::new();
    let big = "word ".repeat(1 << 18);
    assert!(big.len() >= 1 << 20);
    env.write("ok/sources.csv", "id,kind,title\ns1,article,A\n");
    env.write(
        "ok/events.csv",
        format!("id,date,title,source,quote,locator,notes\ne1,2017,T,s1,q,p,\"{big}\"\n"),
    );
    let run = env.run(&["load", "ok"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let length: i64 = crate::common::one(&env.db("dossier.db"), "SELECT length(notes) FROM events");
    assert_eq!(length as usize, big.len());
    let before = env.bytes("dossier.db");
    env.write("bad/sources.csv", "id,kind,title\ns1,article,A\n");
    env.write(
        "bad/events.csv",
        format!(
            "id,date,title,source,quote,locator\ne1,2017,{},s1,q,p\n",
            "x".repeat(1 << 20)
        ),
    );
    let run = env.run(&["load", "bad"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "bad/events.csv:2:3: title is longer than 200 characters (found 1048576 characters) — keep the title to a one-line headline and move the rest to notes\n\
         error: 1 problem in 1 file; nothing was loaded and the archive is unchanged\n"
    );
    assert_eq!(env.bytes("dossier.db"), before);
}

#[test]
fn crlf_lf_and_cr_line_ends_mixed_in_one_file_are_accepted() {
    let env = Env::new();
    env.write(
        "x/sources.csv",
        "id,kind,title,notes\r\ns1,article,A,one\ns2,article,B,\rs3,article,C,\"two\r\nlines\"\r\ns4,article,D,\n",
    );
    let run = env.run(&["load", "x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    assert_eq!(
        crate::common::one::<String>(
            &db,
            "SELECT group_concat(id || '@' || csv_line, ' ') FROM sources"
        ),
        "s1@2 s2@3 s3@4 s4@6"
    );
    assert_eq!(
        crate::common::one::<String>(&db, "SELECT notes FROM sources WHERE id = 's3'"),
        "two\r\nlines"
    );
}

#[test]
fn a_problem_about_a_whole_file_is_shown_past_the_cap() {
    let env = Env::new();
    let mut csv = b"id,name,kind\n".to_vec();
    for i in 0..150 {
        csv.extend_from_slice(format!("a{i},Actor {i},nation\n").as_bytes());
    }
    csv.extend_from_slice(b"z,Korea\x92s,state\n");
    env.write("many/actors.csv", csv);
    let run = env.run(&["load", "many"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 102, "{}", run.stderr);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "many/actors.csv:152:2: file is not UTF-8 (found byte 0x92 at byte offset"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(lines[100], "… and 51 more problems not shown");
    assert_eq!(
        lines[101],
        "error: 151 problems in 1 file; nothing was loaded and the archive is unchanged"
    );
}
