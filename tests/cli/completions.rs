//! `dossier completions SHELL` and `dossier man`: generated from the command line's
//! definitions, so they must name every subcommand.

use crate::common::Env;

const SUBCOMMANDS: &[&str] = &[
    "load",
    "timeline",
    "figures",
    "sources",
    "actors",
    "show",
    "search",
    "summary",
    "schema",
    "sql",
    "queries",
    "run",
    "export",
    "completions",
    "man",
];

#[test]
fn every_shell_gets_a_script_that_knows_the_subcommands() {
    let env = Env::new();
    // A line each shell's script is known by, and how it names the --format flag.
    let shells = [
        ("bash", "complete -F _dossier", "--format"),
        ("zsh", "#compdef dossier", "--format"),
        ("fish", "complete -c dossier", "-l format"),
        ("powershell", "Register-ArgumentCompleter", "--format"),
        (
            "elvish",
            "set edit:completion:arg-completer[dossier]",
            "--format",
        ),
    ];
    for (shell, marker, format) in shells {
        let run = env.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: no {marker:?}");
        for sub in SUBCOMMANDS {
            assert!(
                run.stdout.contains(sub),
                "{shell}: the script does not mention {sub}"
            );
        }
        // Flags of subcommands are completed too.
        assert!(run.stdout.contains(format), "{shell}: no {format:?}");
    }
    let run = env.run(&["completions", "tcsh"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'tcsh'"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_manual_page_is_roff_with_every_subcommand() {
    let env = Env::new();
    let run = env.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = run.stdout;
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains("\n.TH dossier 1 "), "no title line");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "SUBCOMMANDS",
        "VERSION",
    ] {
        assert!(
            page.contains(&format!("\n.SH {section}\n")),
            "no {section} section"
        );
    }
    assert!(page.contains("dossier \\- An archive of events"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("dossier\\-{sub}(1)")),
            "the page does not list {sub}"
        );
    }
    // Each subcommand it lists has a page of its own.
    let run = env.run(&["man", "export"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            ".TH dossier-export 1  \"dossier {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\n.SH SYNOPSIS\n\\fBdossier export\\fR"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\\-\\-format"), "{}", run.stdout);
    let run = env.run(&["man", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: no subcommand named \"nope\" — one of load, timeline,"),
        "{}",
        run.stderr
    );
}
