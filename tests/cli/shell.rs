//! `dossier sql` at a terminal: the interactive shell, driven through a
//! pseudo-terminal as a person would type into it.

use crate::common::{Env, seeded};
use nix::sys::wait::WaitStatus;
use rexpect::session::PtySession;
use std::path::Path;
use std::time::{Duration, Instant};

const PROMPT: &str = "dossier> ";

/// How long any one expected output may take before the test fails.
const PATIENCE_MS: u64 = 30_000;

/// Starts the shell on the environment's archive, with its history in `history`,
/// and waits for its first prompt.
fn shell(env: &Env, history: &Path, args: &[&str]) -> PtySession {
    spawn(env, history, args, false)
}

/// [`shell`], with the terminal echoing what is typed, ^C included, as a person's
/// terminal does (the harness turns echo off).
fn spawn(env: &Env, history: &Path, args: &[&str], echo: bool) -> PtySession {
    let dossier = assert_cmd::cargo::cargo_bin!("dossier");
    let mut cmd = if echo {
        let mut sh = std::process::Command::new("sh");
        sh.args(["-c", "stty echo echoctl && exec \"$0\" \"$@\""])
            .arg(dossier);
        sh
    } else {
        std::process::Command::new(dossier)
    };
    cmd.current_dir(env.dir.path())
        .arg("sql")
        .args(args)
        .env_remove("DOSSIER_DB")
        .env_remove("DOSSIER_QUERIES")
        .env("DOSSIER_HISTORY", history)
        // Plain labels, so messages can be matched as text (colour has its own test).
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(PATIENCE_MS)).expect("start the shell");
    p.exp_string("Ctrl-D leaves.").expect("the greeting");
    p.exp_string(PROMPT).expect("the first prompt");
    p
}

/// Types a line, waits for `expected` in what follows, then for the next prompt.
fn says(p: &mut PtySession, line: &str, expected: &str) {
    p.send_line(line).expect("type");
    p.exp_string(expected)
        .unwrap_or_else(|e| panic!("after {line:?}, expected {expected:?}: {e}"));
    p.exp_string(PROMPT)
        .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
}

/// Leaves with Ctrl-D and returns the exit code.
fn leave(mut p: PtySession) -> i32 {
    p.send_control('d').expect("Ctrl-D");
    p.exp_eof().expect("the shell ends");
    match p.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the shell did not exit normally: {other:?}"),
    }
}

#[test]
fn statements_formats_and_dot_commands() {
    let env = seeded();
    let history = env.path("state/dossier/history");
    let mut p = shell(&env, &history, &[]);
    // A statement over two lines, in the default table format.
    p.send_line("SELECT count(*) AS n").expect("type");
    p.exp_string("...> ").expect("the continuation prompt");
    says(&mut p, "FROM events;", " n\r\n--\r\n22\r\n");
    // Two statements on one line run in turn.
    says(
        &mut p,
        "SELECT 40 + 2 AS a; SELECT 'x' || 'y' AS b;",
        " a\r\n--\r\n42\r\nb\r\n--\r\nxy\r\n",
    );
    says(&mut p, ".format csv", "");
    says(&mut p, ".format", "csv\r\n");
    says(
        &mut p,
        "SELECT id, name FROM actors WHERE id IN ('PRK', 'SUN') ORDER BY id;",
        "id,name\r\nPRK,North Korea\r\nSUN,Soviet Union\r\n",
    );
    says(&mut p, ".format json", "");
    says(
        &mut p,
        "SELECT 6 * 7 AS answer;",
        "[\r\n{\"answer\": 42}\r\n]\r\n",
    );
    says(&mut p, ".format table", "");
    says(
        &mut p,
        ".tables",
        "events          table\r\nfigures         table",
    );
    says(
        &mut p,
        ".schema events",
        "events  table  date_precision  TEXT     precision of date",
    );
    // The pseudo-terminal is read byte by byte, so expected texts stay ASCII.
    says(&mut p, ".format yaml", "error: unknown format \"yaml\"");
    says(&mut p, ".frobnicate", "error: unknown command .frobnicate");
    says(&mut p, ".help", ".schema [NAME]");
    // Every kind of write is refused as `sql` refuses it, and the shell goes on.
    let before = env.bytes("dossier.db");
    for (sql, message) in crate::sql::refused_writes() {
        // The message up to its first character beyond ASCII (see above).
        let ascii: String = message.chars().take_while(char::is_ascii).collect();
        says(&mut p, &format!("{sql};"), &format!("error: {ascii}"));
    }
    says(&mut p, "SELECT count(*) AS n FROM events;", "--\r\n22\r\n");
    assert_eq!(env.bytes("dossier.db"), before);
    says(
        &mut p,
        "SELECT nosuch FROM events;",
        "error: no such column: nosuch",
    );
    assert_eq!(leave(p), 0);
    assert_eq!(env.files(""), ["dossier.db", "dossier.db.lock", "state"]);
    let kept = std::fs::read_to_string(&history).expect("the history file");
    for entry in [
        "FROM events;",
        "DELETE FROM citations;",
        ".schema events",
        ".format json",
    ] {
        assert!(
            kept.contains(entry),
            "{entry:?} not in the history:\n{kept}"
        );
    }
    // The archive is as it was.
    assert_eq!(
        crate::common::one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM events"),
        22
    );
}

#[test]
fn ctrl_c_cancels_the_query_and_the_shell_goes_on() {
    let env = seeded();
    let history = env.path("history");
    // No time limit: only Ctrl-C can stop this query.
    let mut p = spawn(&env, &history, &["--timeout", "0"], true);
    p.send_line(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r;",
    )
    .expect("type");
    // A Ctrl-C that arrives before the query starts only clears the next prompt, so
    // keep pressing it until the query reports that it was cancelled.
    let needle = "the query was cancelled (Ctrl-C)";
    let mut seen = String::new();
    let started = Instant::now();
    while !seen.contains(needle) {
        assert!(
            started.elapsed() < Duration::from_millis(PATIENCE_MS),
            "the query was not cancelled; the shell printed:\n{seen}"
        );
        p.send_control('c').expect("Ctrl-C");
        std::thread::sleep(Duration::from_millis(200));
        while let Some(c) = p.try_read() {
            seen.push(c);
        }
    }
    // The terminal echoed ^C where the cursor stood: the error starts a line of its
    // own.
    assert!(seen.contains("^C"), "{seen:?}");
    let line = seen
        .split(['\r', '\n'])
        .find(|l| l.contains(needle))
        .unwrap_or_default();
    assert_eq!(line, format!("error: {needle}"), "{seen:?}");
    let after = &seen[seen.find(needle).unwrap_or(0)..];
    if !after.contains(PROMPT) {
        p.exp_string(PROMPT).expect("the prompt after cancelling");
    }
    says(&mut p, "SELECT 6 * 7 AS answer;", "------\r\n    42\r\n");
    // Ctrl-C at the prompt drops the unfinished statement; the next one runs alone.
    p.send_line("SELECT 'unfinished'").expect("type");
    p.exp_string("...> ").expect("the continuation prompt");
    p.send_control('c').expect("Ctrl-C");
    p.exp_string(PROMPT).expect("a fresh prompt");
    says(&mut p, "SELECT 2 * 3 AS b;", "-\r\n6\r\n");
    assert_eq!(leave(p), 0);
}

#[test]
fn tab_completes_names_and_dot_commands() {
    let env = seeded();
    let history = env.path("history");
    let mut p = shell(&env, &history, &[]);
    p.send(".tab\t").expect("type");
    says(&mut p, "", "figure_bounds   view");
    p.send("SELECT count(*) AS n FROM figure_bo\t")
        .expect("type");
    says(&mut p, ";", "--\r\n18\r\n");
    assert_eq!(leave(p), 0);
    let kept = std::fs::read_to_string(&history).expect("the history file");
    assert!(kept.contains("FROM figure_bounds;"), "{kept}");
}

#[test]
fn an_unwritable_history_is_a_warning() {
    let env = seeded();
    // A folder where the history file should be: it can be neither read nor written.
    std::fs::create_dir_all(env.path("history")).expect("mkdir");
    let mut p = shell(&env, &env.path("history"), &[]);
    says(&mut p, "SELECT 6 * 7 AS answer;", "    42\r\n");
    p.send_control('d').expect("Ctrl-D");
    p.exp_string("warning: cannot write the history to")
        .expect("the warning");
    p.exp_eof().expect("the shell ends");
    assert!(matches!(
        p.process().wait().expect("exit status"),
        WaitStatus::Exited(_, 0)
    ));
}

#[test]
fn parameters_and_the_time_limit_apply_to_every_statement() {
    let env = seeded();
    let history = env.path("history");
    let mut p = shell(&env, &history, &["-p", "unit=USD", "--timeout", "0.5"]);
    says(
        &mut p,
        "SELECT count(*) AS n FROM figures WHERE unit = :unit;",
        "n\r\n-\r\n8\r\n",
    );
    // A statement that uses none of the parameters runs too.
    says(&mut p, "SELECT 6 * 7 AS answer;", "    42\r\n");
    says(&mut p, "SELECT :other;", "error: the SQL uses :other");
    says(
        &mut p,
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r;",
        "its limit being 0.5 s (--timeout)",
    );
    says(&mut p, "SELECT 2 * 3 AS b;", "-\r\n6\r\n");
    assert_eq!(leave(p), 0);
}

#[test]
fn parameters_can_be_set_listed_and_cleared_in_the_shell() {
    let env = seeded();
    let history = env.path("history");
    let mut p = shell(&env, &history, &["-p", "unit=USD"]);
    says(&mut p, ".param", ":unit  USD");
    // A value is the rest of the line, spaces included; setting again replaces it.
    says(&mut p, ".param set :unit percent", "");
    says(&mut p, ".param set note two  words", "");
    says(&mut p, ".param", ":unit  percent\r\n:note  two  words");
    says(
        &mut p,
        "SELECT count(*) AS n, :note AS note FROM figures WHERE unit = :unit;",
        "2  two  words",
    );
    says(&mut p, ".param unset note", "");
    says(&mut p, "SELECT :note;", "error: the SQL uses :note");
    says(
        &mut p,
        ".param unset note",
        // (The pty reads bytes as Latin-1: messages are matched up to their dash.)
        "error: no parameter :note is set ",
    );
    says(
        &mut p,
        ".param set bad-name x",
        "error: a parameter name is letters, digits and _, as in :unit (found \"bad-name\")",
    );
    says(&mut p, ".param clear", "");
    says(&mut p, ".param", "no parameters are set ");
    assert_eq!(leave(p), 0);
}
