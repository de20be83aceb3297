//! `dossier completions SHELL` and `dossier man`: generated from the command line's
//! definitions, so they must name every subcommand.

use crate::common::Env;
use clap::CommandFactory;

/// Every subcommand, with the long flags of its own, from the command line's
/// definitions: what completions and the manual must cover.
fn subcommands() -> Vec<(String, Vec<String>)> {
    let cli = dossier::cli::Cli::command();
    let subs: Vec<(String, Vec<String>)> = cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let flags = s
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(String::from))
                .collect();
            (s.get_name().to_string(), flags)
        })
        .collect();
    // A check on the check: the tree is the whole command line.
    let names: Vec<&str> = subs.iter().map(|(n, _)| n.as_str()).collect();
    for known in [
        "load",
        "export",
        "report",
        "datasette",
        "completions",
        "man",
    ] {
        assert!(names.contains(&known), "{known} is not in {names:?}");
    }
    subs
}

/// The part of `script` from `start` to the next `end`, or a failure naming `what`.
fn section<'a>(script: &'a str, start: &str, end: &str, what: &str) -> &'a str {
    let from = script
        .find(start)
        .unwrap_or_else(|| panic!("{what}: no {start:?}"));
    let rest = &script[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Checks that a shell's script completes `sub` as a subcommand and each of `flags`
/// after it, each in that shell's own syntax.
fn knows(shell: &str, script: &str, sub: &str, flags: &[String]) {
    let what = format!("{shell} {sub}");
    match shell {
        "bash" => {
            assert!(
                script.contains(&format!("\n            dossier,{sub})\n")),
                "{what}: not dispatched"
            );
            let opts = section(
                script,
                &format!("\n        dossier__subcmd__{sub})\n            opts=\""),
                "\"\n",
                &what,
            );
            let opts: Vec<&str> = opts.rsplit('"').next().unwrap_or("").split(' ').collect();
            for f in flags {
                assert!(
                    opts.contains(&format!("--{f}").as_str()),
                    "{what}: no --{f} in {opts:?}"
                );
            }
        }
        "zsh" => {
            assert!(
                script.contains(&format!("\n'{sub}:")),
                "{what}: not among the commands"
            );
            let args = section(script, &format!("({sub})\n_arguments "), "&& ret=0", &what);
            // `'--from=[…]'`, `'--dry-run[…]'`; `'*--actor=[…]'` for a repeatable flag,
            // `'(--dir --all)--run=[…]'` for one that excludes others.
            for f in flags {
                let spec = format!(r"(?m)^'(\([^)]*\))?\*?--{}=?\[", regex::escape(f));
                assert!(
                    regex::Regex::new(&spec).unwrap().is_match(args),
                    "{what}: no --{f}"
                );
            }
        }
        "fish" => {
            assert!(
                script.contains(&format!(
                    "complete -c dossier -n \"__fish_dossier_needs_command\" -f -a \"{sub}\" -d "
                )),
                "{what}: not a command"
            );
            let prefix =
                format!("complete -c dossier -n \"__fish_dossier_using_subcommand {sub}\" ");
            for f in flags {
                assert!(
                    script.lines().any(|l| l.starts_with(&prefix)
                        && (l.contains(&format!(" -l {f} ")) || l.ends_with(&format!(" -l {f}")))),
                    "{what}: no -l {f}"
                );
            }
        }
        "powershell" => {
            assert!(
                script.contains(&format!(
                    "[CompletionResult]::new('{sub}', '{sub}', [CompletionResultType]::ParameterValue, "
                )),
                "{what}: not a command"
            );
            let block = section(script, &format!("'dossier;{sub}' {{"), "break", &what);
            for f in flags {
                assert!(
                    block.contains(&format!(
                        "[CompletionResult]::new('--{f}', '--{f}', [CompletionResultType]::ParameterName, "
                    )),
                    "{what}: no --{f}"
                );
            }
        }
        "elvish" => {
            assert!(
                script.contains(&format!("\n            cand {sub} '")),
                "{what}: not a command"
            );
            let block = section(script, &format!("&'dossier;{sub}'= {{"), "}", &what);
            for f in flags {
                assert!(
                    block.contains(&format!("\n            cand --{f} '")),
                    "{what}: no --{f}"
                );
            }
        }
        other => panic!("no check for {other}"),
    }
}

#[test]
fn every_shell_gets_a_script_that_knows_the_subcommands() {
    let env = Env::new();
    let subs = subcommands();
    // The line each shell's script is known by.
    let shells = [
        ("bash", "complete -F _dossier"),
        ("zsh", "#compdef dossier"),
        ("fish", "complete -c dossier"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "set edit:completion:arg-completer[dossier]"),
    ];
    for (shell, marker) in shells {
        let run = env.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: no {marker:?}");
        for (sub, flags) in &subs {
            knows(shell, &run.stdout, sub, flags);
        }
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
    for (sub, flags) in subcommands() {
        assert!(
            page.contains(&format!("\n.TP\ndossier\\-{sub}(1)\n")),
            "the page does not list {sub}"
        );
        // Each subcommand it lists has a page of its own, with its flags.
        let run = env.run(&["man", &sub]);
        assert_eq!(run.code, 0, "{sub}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("\n.TH dossier-{sub} 1 ")),
            "{sub}: no title line"
        );
        for f in flags {
            let roff = f.replace('-', "\\-");
            assert!(
                run.stdout.contains(&format!("\\fB\\-\\-{roff}\\fR")),
                "{sub}: no --{f}"
            );
        }
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
