//! `dossier load`: builds the archive and reports what went in.

use super::Context;
use crate::cli::LoadArgs;
use crate::db::load::{self, Mode, Options, Progress, Report};
use crate::error::{Error, Result, plural};
use crate::output::{self, Output};
use crate::progress::{self, Bar};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub fn run(args: &LoadArgs, ctx: &Context) -> Result<()> {
    let db = ctx.db.as_path();
    let mut out = Output::stdout();
    let (inputs, described) = if args.paths.is_empty() {
        if let Some(e) = args.encoding {
            return Err(Error::Usage(format!(
                "--encoding {} names the encoding of your files, and no folder is named; \
                 the bundled seed is UTF-8 — name the folders or files to load",
                e.name()
            )));
        }
        (load::seed(), "built-in seed".to_string())
    } else {
        let described = args
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let encoding = args.encoding.unwrap_or_default();
        (load::discover(&args.paths, encoding)?, described)
    };
    let files = inputs.len();
    let total = load::input_bytes(&inputs);
    let bar = Shown {
        bar: Bar::bytes(progress::wanted(ctx.quiet), total, "reading"),
        pause: Pause::from_env()?,
        total: AtomicU64::new(total),
        read: AtomicU64::new(0),
    };
    let report = load::run(
        &Options {
            target: db.to_path_buf(),
            inputs,
            described,
            dry_run: args.dry_run,
            full: args.full,
            scratch: None,
        },
        &bar,
    )?;
    bar.bar.finish();
    if !ctx.quiet {
        print(&report, files, db, args, &mut out)?;
        // An archive that is up to date holds what the last load counted.
        if !args.dry_run && report.mode != Mode::Unchanged {
            findings(ctx, &mut out, budget(report.mode, report.elapsed))?;
        }
    }
    Ok(out.finish()?)
}

/// How long a load may spend counting what `dossier check` would find: a tenth of the
/// time the load took, and at least a few seconds for a full load (which a small
/// archive's count always fits in) or one second for a load in place, which is the
/// quick one: its count must not cost more than the load it follows.
fn budget(mode: Mode, loaded: Duration) -> Duration {
    let floor = match mode {
        Mode::Incremental => Duration::from_secs(1),
        _ => Duration::from_secs(5),
    };
    (loaded / 10).max(floor)
}

/// Ends a load with one line when `dossier check` would find something. The load has
/// succeeded by then: a rule that cannot run is a warning, never a failed load. The
/// rules not counted within `budget` are said to be.
fn findings(ctx: &Context, out: &mut Output, budget: Duration) -> Result<()> {
    // On a large archive the rules take a while: say what is going on meanwhile.
    let spinner = Bar::rows(progress::wanted(ctx.quiet), None, "");
    spinner.step("counting what dossier check would find");
    let counted = ctx.rules().and_then(|rules| {
        let open = || ctx.open();
        crate::rules::count(&open, &rules, crate::rules::COUNTED, budget)
    });
    spinner.finish();
    match counted {
        Ok(c) => {
            if let Some(line) = c.said() {
                out.line(&line)?;
            }
        }
        Err(e) => output::warn(&format!(
            "the archive was loaded, but could not be checked: {e}"
        )),
    }
    Ok(())
}

/// A load's progress, drawn on standard error.
struct Shown {
    bar: Bar,
    pause: Option<Pause>,
    /// The bytes the load will read: every input's, or an incremental load's changed
    /// files'.
    total: AtomicU64,
    read: AtomicU64,
}

impl Progress for Shown {
    fn start(&self, bytes: u64) {
        self.total.store(bytes, Ordering::Relaxed);
        self.bar.set_length(bytes);
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        let before = self.read.fetch_add(bytes, Ordering::Relaxed);
        if let Some(Pause::Reading(percent)) = self.pause {
            // At least one byte in, so that `reading 0%` waits once reading has begun.
            let mark = (self.total.load(Ordering::Relaxed).saturating_mul(percent) / 100).max(1);
            if before < mark && before + bytes >= mark {
                Pause::wait(&format!("reading {percent}%"));
            }
        }
    }

    fn step(&self, what: &'static str) {
        self.bar.step(what);
        if matches!(&self.pause, Some(Pause::Step(s)) if s == what) {
            Pause::wait(what);
        }
    }
}

/// Where a load waits, named by DOSSIER_LOAD_PAUSE: `reading 40%` (once that share of
/// the input has been read) or a step (`building indexes`, `replacing the archive`, …).
/// It exists for the tests that kill a load midway, so that each kill lands at a known
/// moment instead of wherever a timer happens to fall, and for the tests of readers
/// that run while an archive is replaced.
enum Pause {
    Reading(u64),
    Step(String),
}

impl Pause {
    fn from_env() -> Result<Option<Pause>> {
        std::env::var_os("DOSSIER_LOAD_PAUSE")
            .map(|v| Pause::parse(&v.to_string_lossy()))
            .transpose()
    }

    fn parse(value: &str) -> Result<Pause> {
        if let Some(p) = value.strip_prefix("reading ") {
            return match p.strip_suffix('%').and_then(|p| p.parse::<u64>().ok()) {
                Some(percent) if percent <= 100 => Ok(Pause::Reading(percent)),
                _ => Err(Error::Usage(format!(
                    "DOSSIER_LOAD_PAUSE: a share of the input is written like `reading 40%` (found {value:?})"
                ))),
            };
        }
        if load::step::ALL.contains(&value) {
            return Ok(Pause::Step(value.to_string()));
        }
        Err(Error::Usage(format!(
            "DOSSIER_LOAD_PAUSE: no load step is called {value:?} — the steps are `reading N%`, {}",
            load::step::ALL.map(|s| format!("`{s}`")).join(", ")
        )))
    }

    /// Says where the load waits, then waits for a line on standard input, or for it
    /// to close.
    fn wait(at: &str) {
        output::notice(&format!(
            "load paused at {at} (DOSSIER_LOAD_PAUSE) — press Enter to go on"
        ));
        let _ = std::io::stdin().read_line(&mut String::new());
    }
}

fn print(
    report: &Report,
    files: usize,
    db: &Path,
    args: &LoadArgs,
    out: &mut Output,
) -> std::io::Result<()> {
    if report.mode == Mode::Unchanged {
        return out.line(&format!(
            "no file has changed since the last load: {} is up to date (load {} of this archive, {})",
            db.display(),
            report.history,
            duration(report.elapsed)
        ));
    }
    let incremental = report.mode == Mode::Incremental;
    let mut header = vec!["table", "rows", "files"];
    if incremental {
        header.push("read");
    }
    header.extend(["changes", "time"]);
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    rows.extend(report.tables.iter().map(|t| {
        let [added, removed, changed] = match &report.changes {
            Some(c) => c.of(t.table.name()),
            None => [t.rows, 0, 0],
        };
        let mut row = vec![
            t.table.name().to_string(),
            t.rows.to_string(),
            t.files.to_string(),
        ];
        if incremental {
            row.push(t.read.to_string());
        }
        row.push(changes(added, removed, changed));
        row.push(duration(t.elapsed));
        row
    }));
    out.columns(&rows)?;
    let total: u64 = report.tables.iter().map(|t| t.rows).sum();
    let phases: Vec<String> = report
        .phases
        .iter()
        .map(|(what, took)| format!("{what} in {}", duration(*took)))
        .collect();
    let q = &report.quotes;
    let documents = q.documents as usize;
    if documents > 0 {
        let quotes = (q.verified + q.unchecked) as usize;
        let mut line = format!(
            "verified {} of {quotes} {} against {documents} {} ({} {})",
            q.verified,
            plural(quotes, "quote", "quotes"),
            plural(documents, "document", "documents"),
            q.paragraphs,
            plural(q.paragraphs as usize, "paragraph", "paragraphs"),
        );
        if q.unchecked > 0 {
            line.push_str(&format!(
                "; {} unchecked: no document to check {} against",
                q.unchecked,
                if q.unchecked == 1 { "it" } else { "them" }
            ));
        }
        out.line(&line)?;
    }
    if !phases.is_empty() {
        out.line(&phases.join(", "))?;
    }
    let read = match documents {
        0 => format!("{files} {}", plural(files, "file", "files")),
        n => format!(
            "{files} {} and {n} {}",
            plural(files, "file", "files"),
            plural(n, "document", "documents")
        ),
    };
    let read_as = args
        .encoding
        .map_or_else(String::new, |e| format!(", read as {},", e.name()));
    if let Some(why) = &report.rebuilt_because {
        out.line(&format!("rebuilt the whole archive: {why}"))?;
    }
    if args.dry_run {
        out.line(&format!(
            "checked {total} rows in {read}{read_as} in {}: no problems found; nothing was written (--dry-run)",
            duration(report.elapsed)
        ))
    } else if incremental {
        let read: usize = report.tables.iter().map(|t| t.read).sum();
        out.line(&format!(
            "updated {} in place in {}, reading {read} of {files} {}{read_as} (load {} of this archive)",
            db.display(),
            duration(report.elapsed),
            plural(files, "file", "files"),
            report.history + 1
        ))
    } else {
        out.line(&format!(
            "loaded {total} rows from {read}{read_as} into {} in {} (load {} of this archive)",
            db.display(),
            duration(report.elapsed),
            report.history + 1
        ))
    }
}

/// What a load did to one table, as `git diff --stat` might put it: +3 −0 ~1 (rows
/// added, removed and changed).
fn changes(added: u64, removed: u64, changed: u64) -> String {
    format!("+{added} \u{2212}{removed} ~{changed}")
}

/// A duration as people read it: 850 µs, 12.3 ms, 4.56 s.
fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{} µs", d.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_names_a_share_of_the_input_or_a_step() {
        assert!(matches!(Pause::parse("reading 0%"), Ok(Pause::Reading(0))));
        assert!(matches!(
            Pause::parse("reading 100%"),
            Ok(Pause::Reading(100))
        ));
        assert!(matches!(Pause::parse("syncing"), Ok(Pause::Step(s)) if s == "syncing"));
        for bad in [
            "reading 101%",
            "reading 5",
            "reading x%",
            "building index",
            "",
        ] {
            assert!(matches!(Pause::parse(bad), Err(Error::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn changes_read_as_added_removed_changed() {
        assert_eq!(changes(3, 0, 1), "+3 \u{2212}0 ~1");
    }

    #[test]
    fn a_count_gets_a_tenth_of_the_load_and_a_load_in_place_a_shorter_floor() {
        let secs = Duration::from_secs;
        assert_eq!(budget(Mode::Full, secs(120)), secs(12));
        assert_eq!(budget(Mode::Full, secs(3)), secs(5));
        assert_eq!(budget(Mode::Incremental, secs(30)), secs(3));
        assert_eq!(budget(Mode::Incremental, secs(5)), secs(1));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(4_561)), "4.56 s");
    }
}
