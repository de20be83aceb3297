//! What a person at a terminal sees and scripts do not: progress while loading and
//! exporting, colour in messages (never with NO_COLOR), and --quiet.

use crate::archive;
use crate::common::{Env, seeded};
use nix::sys::wait::WaitStatus;

/// Runs dossier on a pseudo-terminal and returns everything it wrote there, and its
/// exit code.
fn at_terminal(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> (String, i32) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("dossier"));
    cmd.current_dir(env.dir.path())
        .args(args)
        .env_remove("DOSSIER_DB")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
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
        documents: false,
    })
    .expect("generate");
}

#[test]
fn a_load_at_a_terminal_shows_progress_and_a_script_sees_none() {
    let env = Env::new();
    big(&env);
    let (text, code) = at_terminal(&env, &["load", "big"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("reading ["), "no progress bar in {text:?}");
    assert!(
        text.contains("building indexes") || text.contains("loaded "),
        "{text:?}"
    );
    assert!(text.contains("into dossier.db"), "{text:?}");
    // The same load into a pipe prints the summary and nothing on standard error.
    let run = env.run(&["load", "big", "--db", "piped.db"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert!(!run.stdout.contains('['), "{}", run.stdout);
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
