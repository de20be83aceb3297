//! What loads leave behind when they are killed midway, read during, or run two at a
//! time: the previous archive byte for byte, or the new one whole, never a mix.
//!
//! Each load here reads a generated archive of 200,000 events (190 MB of CSV), large
//! enough that every step takes a while. A load is stopped at a chosen step with
//! DOSSIER_LOAD_PAUSE, so that a kill lands there rather than wherever a timer falls.

use crate::archive;
use crate::common::{Env, one, seeded};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const EVENTS: u64 = 200_000;

/// How long a load or a query here may take to reach a step or to end, on a busy
/// machine, before the test kills it and fails: a pause, lock or reader that broke
/// fails the test rather than hanging it.
const PATIENCE: Duration = Duration::from_secs(600);

/// The generated input every test here loads: made once per build folder and kept
/// (target/tmp), since making it takes about as long as loading it.
fn big() -> &'static Path {
    static BIG: OnceLock<PathBuf> = OnceLock::new();
    BIG.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = root.join(format!("generated-{EVENTS}"));
        // Written last: a folder without it was cut short and is made again.
        let complete = root.join(format!("generated-{EVENTS}.complete"));
        if !complete.exists() {
            let _ = std::fs::remove_dir_all(&dir);
            archive::generate(&archive::Args {
                events: EVENTS,
                seed: 1,
                out: dir.clone(),
                documents: archive::Documents::No,
            })
            .expect("generate the archive");
            std::fs::write(&complete, "").expect("mark the archive complete");
        }
        dir
    })
}

fn dossier(env: &Env) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin!("dossier"));
    c.current_dir(env.dir.path())
        .env_remove("DOSSIER_DB")
        .env_remove("DOSSIER_QUERIES")
        .env_remove("DOSSIER_LOAD_PAUSE");
    c
}

/// A `dossier load` of the generated archive, running in the background.
struct Loading {
    child: Child,
    /// Its standard error, line by line, read on a thread of its own so that waiting
    /// for a line can give up.
    stderr: Receiver<String>,
}

/// Waits for `child` to end, for at most `PATIENCE`; kills it and fails the test
/// after that. Its standard output and error are read meanwhile, if they are piped.
fn wait_within(mut child: Child, what: &str) -> Output {
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} was still running after {PATIENCE:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("read stdout"),
        stderr: stderr.join().expect("read stderr"),
    }
}

impl Loading {
    fn start(env: &Env, pause: Option<&str>) -> Self {
        Loading::of(env, big(), pause)
    }

    /// A load of `folder`.
    fn of(env: &Env, folder: &Path, pause: Option<&str>) -> Self {
        let mut cmd = dossier(env);
        // --quiet leaves out the count of findings that ends a load after the rename:
        // it is not what these tests time the readers against.
        cmd.args(["--quiet", "load"])
            .arg(folder)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(at) = pause {
            cmd.env("DOSSIER_LOAD_PAUSE", at);
        }
        let mut child = cmd.spawn().expect("start dossier load");
        let pipe = BufReader::new(child.stderr.take().expect("stderr"));
        let (lines, stderr) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Loading { child, stderr }
    }

    /// Waits until the load says it has stopped at `at`.
    fn paused_at(&mut self, at: &str) {
        let expected =
            format!("dossier: load paused at {at} (DOSSIER_LOAD_PAUSE) — press Enter to go on");
        let mut said = String::new();
        let started = Instant::now();
        loop {
            match self
                .stderr
                .recv_timeout(PATIENCE.saturating_sub(started.elapsed()))
            {
                Ok(line) if line == expected => return,
                Ok(line) => {
                    said.push_str(&line);
                    said.push('\n');
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().expect("wait");
                    panic!("the load ended ({status}) before pausing at {at}: {said}");
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!("the load did not pause at {at} within {PATIENCE:?}: {said}");
                }
            }
        }
    }

    fn resume(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"\n").expect("resume the load");
        stdin.flush().expect("flush");
    }

    /// SIGKILL: no destructor, no handler, nothing of the load runs after it.
    fn kill(mut self) {
        self.child.kill().expect("kill the load");
        let status = self.child.wait().expect("wait");
        assert!(!status.success(), "the load finished before it was killed");
    }

    /// Waits for the load to end; its exit code and what it wrote on standard output.
    fn output(self) -> (i32, String) {
        let out = self.child.wait_with_output().expect("wait");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Waits for the load to end; its exit code and what it wrote on standard error.
    fn finish(mut self) -> (i32, String) {
        drop(self.child.stdin.take());
        let out = wait_within(self.child, "the load");
        let rest: Vec<String> = self.stderr.into_iter().collect();
        (out.status.code().unwrap_or(-1), rest.join("\n"))
    }
}

/// What a reader sees, read in one statement: counts from several tables and the
/// newest load. A mix of two archives would pair counts that never existed together.
const COUNTS: &str = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM figures), \
                      (SELECT count(*) FROM citations), (SELECT count(*) FROM event_actors), \
                      (SELECT max(id) FROM load_runs)";

fn counts(env: &Env) -> String {
    let run = env.run(&["sql", COUNTS, "--format", "csv", "--no-header"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

fn leftovers(env: &Env) -> Vec<String> {
    env.files("")
        .into_iter()
        .filter(|f| f.starts_with("dossier.db.load-"))
        .collect()
}

fn integrity(env: &Env) -> String {
    one::<String>(&env.db("dossier.db"), "PRAGMA integrity_check")
}

#[test]
fn a_load_killed_at_any_step_leaves_the_previous_archive_as_it_was() {
    let env = seeded();
    let before = env.bytes("dossier.db");
    let seed_counts = counts(&env);
    for at in [
        // Early in reading, with rows on their way to the inserter.
        "reading 1%",
        // Halfway, with inserts and the search index well under way.
        "reading 50%",
        "building indexes",
        "checking references",
        "building the search index",
        "syncing",
        // The new archive is complete and on disk; only the rename is left.
        "replacing the archive",
    ] {
        let mut load = Loading::start(&env, Some(at));
        load.paused_at(at);
        assert!(
            !leftovers(&env).is_empty(),
            "at {at}, the load is building its new archive"
        );
        load.kill();
        assert!(
            env.bytes("dossier.db") == before,
            "killed at {at}: the archive changed"
        );
        assert_eq!(integrity(&env), "ok", "killed at {at}");
        assert_eq!(counts(&env), seed_counts, "killed at {at}");
    }
    // The next load clears what the killed ones left, and succeeds.
    let big = big().to_string_lossy().into_owned();
    let run = env.run(&["load", &big]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.files(""), ["dossier.db", "dossier.db.lock"]);
    assert_eq!(integrity(&env), "ok");
    let db = env.db("dossier.db");
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM events"),
        EVENTS as i64
    );
    // One seed load before, this one after; the killed loads left no trace.
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM load_runs"), 2);
}

#[test]
fn queries_during_a_load_see_the_old_archive_or_the_new_one_never_a_mix() {
    let env = seeded();
    let old = counts(&env);
    let load = Loading::start(&env, None);
    let mut load = Some(load);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut code = None;
    // Query without pause until the load has ended, then once more.
    let started = Instant::now();
    while code.is_none() {
        if let Some(l) = load.as_mut()
            && l.child.try_wait().expect("try_wait").is_some()
        {
            code = Some(load.take().expect("load").finish().0);
        } else if started.elapsed() > PATIENCE {
            // Waits once more as long, then kills the load and fails.
            code = Some(load.take().expect("load").finish().0);
        }
        let run = env.run(&["sql", COUNTS, "--format", "csv", "--no-header"]);
        assert_eq!(
            run.code, 0,
            "a query during the load failed: {}",
            run.stderr
        );
        *seen.entry(run.stdout).or_default() += 1;
    }
    assert_eq!(code, Some(0));
    let new = counts(&env);
    assert_ne!(new, old);
    let mixed: Vec<_> = seen.keys().filter(|k| **k != old && **k != new).collect();
    assert!(mixed.is_empty(), "readers saw a mix: {mixed:?}");
    assert!(seen.get(&old).is_some_and(|n| *n > 0), "{seen:?}");
    assert!(seen.get(&new).is_some_and(|n| *n > 0), "{seen:?}");
    assert_eq!(integrity(&env), "ok");
}

/// Whether process `pid` has `path` open.
#[cfg(target_os = "linux")]
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == path))
}

#[cfg(target_os = "linux")]
#[test]
fn a_query_running_across_the_rename_reads_the_old_archive_whole_and_a_second_load_is_refused() {
    let env = seeded();
    let old_events = one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM events");
    let mut load = Loading::start(&env, Some("replacing the archive"));
    load.paused_at("replacing the archive");

    // A second load, while the first holds the lock, is refused and changes nothing.
    let before = env.bytes("dossier.db");
    let second = env.run(&["load"]);
    assert_eq!(
        (second.code, second.stderr.as_str()),
        (
            1,
            "error: another dossier load is writing dossier.db — wait for it to finish, then run this one again\n"
        )
    );
    assert!(env.bytes("dossier.db") == before);

    // A slow query opens the archive; the load then renames the new one into place
    // while the query runs. It counts the events before and after its slow part.
    let slow = "SELECT (SELECT count(*) FROM events), \
                (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 20000000) \
                 SELECT count(*) FROM r), \
                (SELECT count(*) FROM events)";
    let mut reader = dossier(&env)
        .args([
            "sql",
            slow,
            "--format",
            "csv",
            "--no-header",
            "--timeout",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the query");
    let archive = env.path("dossier.db").canonicalize().expect("path");
    let started = Instant::now();
    while !has_open(reader.id(), &archive) {
        assert!(
            reader.try_wait().expect("try_wait").is_none(),
            "the query ended before it was seen reading"
        );
        if started.elapsed() > PATIENCE {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("the query did not open the archive within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    load.resume();
    let (code, stderr) = load.finish();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        reader.try_wait().expect("try_wait").is_none(),
        "the query was meant to be still running when the archive was replaced"
    );
    let out = wait_within(reader, "the query");
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (
            Some(0),
            format!("{old_events},20000000,{old_events}\n"),
            String::new()
        )
    );
    // A query started now reads the new archive.
    assert_eq!(
        one::<i64>(&env.db("dossier.db"), "SELECT count(*) FROM events"),
        EVENTS as i64
    );
    assert_eq!(integrity(&env), "ok");
    assert_eq!(env.files(""), ["dossier.db", "dossier.db.lock"]);
}

/// A folder holding the generated archive's files, and the same folder's events.csv
/// with one event's title changed and one event added: what an incremental load of
/// the folder reads and writes. The files are linked where the file system allows.
fn data(env: &Env) -> PathBuf {
    let dir = env.path("data");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(big()).expect("read_dir") {
        let entry = entry.expect("entry");
        let to = dir.join(entry.file_name());
        if std::fs::hard_link(entry.path(), &to).is_err() {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
    dir
}

/// Replaces the folder's events.csv with one in which one title changed and one
/// event was added.
fn edit(dir: &Path) {
    let mut r = csv::Reader::from_path(dir.join("events.csv")).expect("read events");
    let header = r.headers().expect("header").clone();
    let title = header.iter().position(|h| h == "title").expect("title");
    let id = header.iter().position(|h| h == "id").expect("id");
    let part = dir.join("events.csv.part");
    let mut w = csv::Writer::from_path(&part).expect("write events");
    w.write_record(&header).expect("header");
    let mut last = None;
    for (i, rec) in r.records().enumerate() {
        let mut rec: Vec<String> = rec.expect("record").iter().map(String::from).collect();
        if i == 1000 {
            rec[title] = "A title changed in place".into();
        }
        w.write_record(&rec).expect("row");
        last = Some(rec);
    }
    let mut added = last.expect("rows");
    added[id] = "ev-added-by-hand".into();
    w.write_record(&added).expect("row");
    w.flush().expect("flush");
    drop(w);
    std::fs::rename(&part, dir.join("events.csv")).expect("rename");
}

#[test]
fn an_incremental_load_killed_at_any_step_leaves_the_archive_as_it_was() {
    let env = Env::new();
    let edited = data(&env);
    let run = env.run(&["load", "data"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    edit(&edited);
    let before = env.bytes("dossier.db");
    let old = counts(&env);
    for at in [
        "hashing the files",
        // Reading the one file that changed, with the staged rows on their way.
        "reading 1%",
        "reading 50%",
        "applying the changes",
        "checking references",
        "updating the search index",
        // Everything is in and checked; only the commit is left.
        "committing",
    ] {
        let mut load = Loading::of(&env, Path::new("data"), Some(at));
        load.paused_at(at);
        load.kill();
        assert!(
            env.bytes("dossier.db") == before,
            "killed at {at}: the archive changed"
        );
        assert_eq!(integrity(&env), "ok", "killed at {at}");
        assert_eq!(counts(&env), old, "killed at {at}");
    }
    // The next load updates the archive in place, while queries read it without
    // pause: each sees the archive before the load or after it, never a mix.
    let mut load = Some(Loading::of(&env, Path::new("data"), None));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut ended = None;
    while ended.is_none() {
        if let Some(l) = load.as_mut()
            && l.child.try_wait().expect("try_wait").is_some()
        {
            ended = load.take().map(Loading::output);
        }
        let run = env.run(&["sql", COUNTS, "--format", "csv", "--no-header"]);
        assert_eq!(
            run.code, 0,
            "a query during the load failed: {}",
            run.stderr
        );
        *seen.entry(run.stdout).or_default() += 1;
    }
    let (code, stdout) = ended.expect("the load ended");
    assert_eq!(code, 0, "{stdout}");
    // The load ran --quiet: its history says how it went.
    assert_eq!(
        one::<String>(
            &env.db("dossier.db"),
            "SELECT mode FROM load_runs ORDER BY id DESC LIMIT 1"
        ),
        "incremental"
    );
    let new = counts(&env);
    assert_ne!(new, old);
    let mixed: Vec<_> = seen.keys().filter(|k| **k != old && **k != new).collect();
    assert!(mixed.is_empty(), "readers saw a mix: {mixed:?}");
    assert_eq!(env.files(""), ["data", "dossier.db", "dossier.db.lock"]);
    assert_eq!(integrity(&env), "ok");
    let db = env.db("dossier.db");
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM events"),
        EVENTS as i64 + 1
    );
    assert_eq!(
        one::<String>(
            &db,
            "SELECT group_concat(key || ' ' || change, ', ') FROM load_changes WHERE run = 2"
        ),
        format!("ev-{:08} changed, ev-added-by-hand added", 1000)
    );
}

#[test]
fn a_write_killed_while_it_committed_is_rolled_back_before_anything_is_read() {
    let env = seeded();
    let before = env.bytes("dossier.db");
    let old = counts(&env);
    // A write that was putting its pages into the file when it stopped: its pages
    // spill into the archive mid-transaction, and the archive and its journal are
    // copied as they are at that moment, which is what a kill would leave.
    let crashed = env.path("crashed");
    std::fs::create_dir_all(&crashed).expect("mkdir");
    {
        let conn = rusqlite::Connection::open(env.path("dossier.db")).expect("open");
        conn.execute_batch(
            "PRAGMA cache_size = 10;
             BEGIN;
             UPDATE events SET title = 'overwritten';
             CREATE TABLE junk AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
               SELECT i, randomblob(200) AS b FROM n;",
        )
        .expect("write");
        for name in ["dossier.db", "dossier.db-journal"] {
            std::fs::copy(env.path(name), crashed.join(name)).expect("copy");
        }
        assert!(
            std::fs::read(crashed.join("dossier.db")).expect("read") != before,
            "the write reached the file"
        );
    }
    let run = env.run_in(&crashed, &["sql", COUNTS, "--format", "csv", "--no-header"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, old.as_str()),
        "{}",
        run.stderr
    );
    assert!(std::fs::read(crashed.join("dossier.db")).expect("read") == before);
    assert!(!crashed.join("dossier.db-journal").exists());
}
