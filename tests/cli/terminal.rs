//! What a person at a terminal sees and scripts do not: progress while loading and
//! exporting, colour in messages (never with NO_COLOR), and --quiet.

use crate::archive;
use crate::common::{Env, seeded};
use nix::sys::wait::WaitStatus;
use regex::Regex;

/// The command that runs dossier at a terminal, as a person would.
fn dossier_at_terminal(env: &Env, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("dossier"));
    cmd.current_dir(env.dir.path())
        .args(args)
        .env_remove("DOSSIER_DB")
        .env_remove("DOSSIER_LOAD_PAUSE")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    cmd
}

/// Runs dossier on a pseudo-terminal and returns everything it wrote there, and its
/// exit code.
fn at_terminal(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> (String, i32) {
    let mut cmd = dossier_at_terminal(env, args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut p = rexpect::session::spawn_command(cmd, Some(120_000)).expect("start dossier");
    let text = p.exp_eof().expect("dossier ends");
    let code = match p.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("dossier did not exit normally: {other:?}"),
    };
    (text, code)
}

fn big(env: &Env) {
    archive::generate(&archive::Args {
        events: 30_000,
        seed: 3,
        out: env.path("big"),
        documents: archive::Documents::No,
    })
    .expect("generate");
}

#[test]
fn a_load_at_a_terminal_shows_progress_and_a_script_sees_none() {
    let env = Env::new();
    big(&env);
    // The load waits at a step until Enter is pressed, so that the step is on screen
    // for as long as the test needs to see it, whatever the machine's speed.
    let mut cmd = dossier_at_terminal(&env, &["load", "big"]);
    cmd.env("DOSSIER_LOAD_PAUSE", "building indexes");
    let mut p = rexpect::session::spawn_command(cmd, Some(120_000)).expect("start dossier");
    let before = p.exp_string("(DOSSIER_LOAD_PAUSE)").expect("the pause");
    assert!(
        Regex::new(r"reading \[[=> ]{32}\] [0-9.]+ [KMG]i?B/[0-9.]+ [KMG]i?B")
            .unwrap()
            .is_match(&before),
        "no progress bar in {before:?}"
    );
    // The pause's notice names the step once; the spinner then redraws it.
    if p.exp_string("building indexes").is_err() {
        panic!("no spinner named the step while the load waited there");
    }
    p.send_line("").expect("go on");
    let rest = p.exp_eof().expect("dossier ends");
    match p.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0, "{rest}"),
        other => panic!("dossier did not exit normally: {other:?}"),
    }
    assert!(rest.contains("into dossier.db"), "{rest:?}");
    // The same load into a pipe prints the summary and nothing on standard error.
    let run = env.run(&["load", "big", "--db", "piped.db"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert!(!run.stdout.contains('['), "{}", run.stdout);
}

#[test]
fn an_export_at_a_terminal_counts_its_rows_and_a_script_sees_none() {
    let env = Env::new();
    big(&env);
    assert_eq!(env.run(&["load", "big"]).code, 0);
    // A table's rows are counted first, so its bar has an end, in CSV as in Parquet.
    let bar = Regex::new(r"exporting \[[=> ]{32}\] [0-9,]+/30,000 rows").unwrap();
    for args in [
        &["export", "events", "-o", "events.csv"][..],
        &["export", "events", "--format", "parquet", "-o", "e.parquet"],
    ] {
        let (text, code) = at_terminal(&env, args, &[]);
        assert_eq!(code, 0, "{args:?}: {text}");
        assert!(bar.is_match(&text), "{args:?}: no progress bar in {text:?}");
    }
    // A query's rows are not known before they are read: they are counted as they go,
    // and three million take long enough for the count to be drawn past zero.
    let query = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000000) \
                 SELECT n FROM r";
    let (text, code) = at_terminal(&env, &["export", "--query", query, "-o", "n.csv"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        Regex::new(r"exporting [1-9][0-9,]* rows")
            .unwrap()
            .is_match(&text),
        "no row count in {text:?}"
    );
    // Into a pipe, or with --quiet, nothing but the rows.
    let run = env.run(&["export", "--query", query, "-o", "piped.csv"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    let (text, code) = at_terminal(&env, &["-q", "export", "events", "-o", "quiet.csv"], &[]);
    assert_eq!((code, text.as_str()), (0, ""));
    assert_eq!(env.bytes("quiet.csv"), env.bytes("events.csv"));
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let env = Env::new();
    big(&env);
    let (text, code) = at_terminal(&env, &["load", "big", "--quiet"], &[]);
    assert_eq!((code, text.as_str()), (0, ""));
    let run = env.run(&["-q", "export", "--dir", "out"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert!(env.path("out/events.csv").exists());
    // Errors still speak, and rows asked for still print.
    let run = env.run(&["--quiet", "show", "nosuch"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    let run = env.run(&["--quiet", "sql", "SELECT 1 AS one", "--format", "csv"]);
    assert_eq!(run.stdout, "one\n1\n");
}

#[test]
fn colour_only_at_a_terminal_and_never_with_no_color() {
    let env = seeded();
    let (text, code) = at_terminal(&env, &["show", "nosuch"], &[]);
    assert_eq!(code, 1);
    assert!(text.contains("\x1b[1;31merror:\x1b[0m"), "{text:?}");
    let (text, _) = at_terminal(&env, &["show", "nosuch"], &[("NO_COLOR", "1")]);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.starts_with("error: no event"), "{text:?}");
    let run = env.run(&["show", "nosuch"]);
    assert!(!run.stderr.contains('\x1b'));
}

#[test]
fn a_diff_is_coloured_as_git_colours_one_at_a_terminal_only() {
    let env = crate::diff::edited();
    let (text, code) = at_terminal(&env, &["diff", "data"], &[]);
    assert_eq!(code, 0, "{text}");
    for painted in [
        "\x1b[1mevents\x1b[0m",
        "\x1b[36m~ ev-2016-lavrov-visit-pyongyang\x1b[0m",
        "\x1b[31m-     date  2016\x1b[0m",
        "\x1b[32m+     date  2016-05\x1b[0m",
        "\x1b[32m+ ev-2030-new-summit\x1b[0m",
    ] {
        assert!(text.contains(painted), "{painted:?} not in {text:?}");
    }
    let (text, _) = at_terminal(&env, &["diff", "data"], &[("NO_COLOR", "1")]);
    let colour = regex::Regex::new("\x1b\\[[0-9;]*m").expect("regex");
    assert!(!colour.is_match(&text), "{text:?}");
    assert!(text.contains("+ ev-2030-new-summit"), "{text:?}");
}
