//! The test environment: a temporary folder, the binary, and helpers to read results.

use assert_cmd::Command;
use rusqlite::Connection;
use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The repository root, for the seed and the fixtures.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The case folders of a fixture folder of the repository, in the order of their names.
pub fn cases(fixtures: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join(fixtures))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

pub struct Env {
    pub dir: TempDir,
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(out: &std::process::Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A command for the binary, run in the temporary folder with no DOSSIER_* settings.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin!("dossier"));
        c.current_dir(self.dir.path())
            .env_remove("DOSSIER_DB")
            .env_remove("DOSSIER_QUERIES")
            .env_remove("DOSSIER_RULES")
            .env_remove("DOSSIER_NOW");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.dir.path(), args)
    }

    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run dossier");
        Run::of(&out)
    }

    /// Runs dossier as `run` does, but kills it and fails the test if it is still
    /// running after `limit`: for tests of dossier's own limits (time, memory), which
    /// would otherwise hang or exhaust the machine when a limit breaks.
    pub fn run_within(&self, limit: std::time::Duration, args: &[&str]) -> Run {
        let started = std::time::Instant::now();
        let out = self
            .cmd()
            .args(args)
            .timeout(limit)
            .output()
            .expect("run dossier");
        assert!(
            out.status.code().is_some() || started.elapsed() < limit,
            "dossier {args:?} was still running after {limit:?} and was killed"
        );
        Run::of(&out)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, contents).expect("write");
    }

    /// Copies a folder of the repository (such as `seed`, with its documents) into the
    /// temporary folder.
    pub fn copy_dir(&self, from: &Path, to: &str) {
        let dest = self.path(to);
        std::fs::create_dir_all(&dest).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name();
            if entry.file_type().expect("file type").is_dir() {
                self.copy_dir(&entry.path(), &format!("{to}/{}", name.to_string_lossy()));
            } else {
                std::fs::copy(entry.path(), dest.join(name)).expect("copy");
            }
        }
    }

    pub fn bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).expect("read")
    }

    pub fn db(&self, rel: &str) -> Connection {
        Connection::open_with_flags(self.path(rel), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open archive")
    }

    /// The names in the temporary folder (or a subfolder), sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// One value from a query on an archive.
/// Runs `attempt` again, for up to a second, while its outcome is `locked`: refused
/// because another load holds the archive's lock. The other tests of this binary start
/// processes all the time, and a child holds a copy of every open file between its
/// fork and its exec, so a lock this process held a moment ago (in a load run in
/// process, or a lock file a test takes itself) can stay held for that moment. The
/// command line runs one load per process; only these tests see it, and they wait the
/// moment out.
pub fn waiting_out_locks<T>(mut attempt: impl FnMut() -> T, locked: impl Fn(&T) -> bool) -> T {
    for _ in 0..50 {
        let outcome = attempt();
        if !locked(&outcome) {
            return outcome;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    attempt()
}

/// A file's SHA-256 in hex, as the load history records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn one<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Replaces durations (`12.3 ms`, `850 µs`, `1.02 s`) with `<t>` and runs of spaces
/// with one, so output whose column widths follow its timings can be compared with a
/// golden text.
pub fn without_times(s: &str) -> String {
    let times = regex::Regex::new(r"\d+(\.\d+)? (µs|ms|s)\b").expect("regex");
    let spaces = regex::Regex::new(r" {2,}").expect("regex");
    spaces
        .replace_all(&times.replace_all(s, "<t>"), " ")
        .into_owned()
}

/// Whether to rewrite expected output rather than compare with it: DOSSIER_BLESS=1.
/// Unset, empty or 0 compares; any other value is refused, so that a typo cannot
/// rewrite every golden file unseen.
pub fn blessing() -> bool {
    blessing_from(std::env::var_os("DOSSIER_BLESS").as_deref())
}

fn blessing_from(value: Option<&std::ffi::OsStr>) -> bool {
    match value.map(|v| v.to_str()) {
        None | Some(Some("" | "0")) => false,
        Some(Some("1")) => true,
        Some(other) => panic!(
            "DOSSIER_BLESS is 1 (rewrite the expected output) or 0 (compare with it), not {other:?}"
        ),
    }
}

/// Compares `actual` with tests/golden/NAME, or rewrites the file when DOSSIER_BLESS=1
/// (then read the diff before committing).
pub fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with DOSSIER_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "output differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// An environment with the seed loaded into dossier.db.
pub fn seeded() -> Env {
    let env = Env::new();
    let run = env.run(&["load"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    env
}

/// Replaces RFC 3339 timestamps with `<time>`.
pub fn without_timestamps(s: &str) -> String {
    let re = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z").expect("regex");
    re.replace_all(s, "<time>").into_owned()
}

/// The variable that turns a missing outside tool into a failure. CI sets it, so that
/// every test runs there; on a machine with Rust alone, such tests say they did not run.
pub const REQUIRE_TOOLS: &str = "DOSSIER_REQUIRE_TOOLS";

/// An outside program that a test needs (Datasette, DuckDB, pandoc…), looked up on
/// PATH. When it is missing, the test should return at once: this says so in the test
/// output, with how to install it, unless DOSSIER_REQUIRE_TOOLS=1, when it fails the
/// test instead. `install` is the command that installs the tool.
///
/// The note is written to standard error directly, not with `eprintln!`, which the
/// test harness captures and shows only for failing tests: a test that did not run
/// must say so where it is seen.
#[must_use]
pub fn require_tool(tool: &str, install: &str) -> Option<PathBuf> {
    let required = std::env::var_os(REQUIRE_TOOLS).is_some_and(|v| v == "1");
    match find_tool(tool, std::env::var_os("PATH").as_deref()) {
        Some(path) => Some(path),
        None => {
            let why = missing_tool(tool, install, required);
            let test = std::thread::current()
                .name()
                .unwrap_or("a test")
                .to_string();
            let _ = writeln!(std::io::stderr(), "\n{test}: {why}");
            None
        }
    }
}

/// The first executable file named `tool` in the folders of a PATH value.
fn find_tool(tool: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.with_extension("exe").is_file() || path.is_file()
}

/// What a test says when its tool is missing; a failure when tools are required.
fn missing_tool(tool: &str, install: &str, required: bool) -> String {
    if required {
        panic!(
            "{tool} is not on PATH, and {REQUIRE_TOOLS}=1 says every outside tool must be there — install it: {install}"
        );
    }
    format!(
        "skipped: {tool} is not on PATH, so this test did not run — install it to run it: {install} \
         (with {REQUIRE_TOOLS}=1, as CI sets it, a missing tool fails the test)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_is_found_only_as_an_executable_file_on_path() {
        let env = Env::new();
        env.write("bin/fake-tool", "#!/bin/sh\n");
        env.write("other/fake-tool", "not executable\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = env.path("bin/fake-tool");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths([env.path("other"), env.path("bin")]).unwrap();
        assert_eq!(
            find_tool("fake-tool", Some(&path)),
            Some(env.path("bin/fake-tool"))
        );
        #[cfg(unix)]
        {
            let only_other = std::env::join_paths([env.path("other")]).unwrap();
            assert_eq!(find_tool("fake-tool", Some(&only_other)), None);
        }
        assert_eq!(find_tool("no-such-tool", Some(&path)), None);
        assert_eq!(find_tool("fake-tool", None), None);
    }

    #[test]
    fn a_missing_tool_is_a_plain_skip_unless_tools_are_required() {
        let said = missing_tool("duckdb", "apt-get install duckdb", false);
        assert!(
            said.starts_with("skipped: duckdb is not on PATH, so this test did not run"),
            "{said}"
        );
        assert!(said.contains("apt-get install duckdb"), "{said}");
        let failed =
            std::panic::catch_unwind(|| missing_tool("duckdb", "apt-get install duckdb", true));
        let message = failed.expect_err("a required tool that is missing fails the test");
        let message = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            message.contains("duckdb is not on PATH, and DOSSIER_REQUIRE_TOOLS=1"),
            "{message}"
        );
    }

    #[test]
    fn only_dossier_bless_1_rewrites_expected_output() {
        use std::ffi::OsStr;
        assert!(!blessing_from(None));
        assert!(!blessing_from(Some(OsStr::new(""))));
        assert!(!blessing_from(Some(OsStr::new("0"))));
        assert!(blessing_from(Some(OsStr::new("1"))));
        let refused = std::panic::catch_unwind(|| blessing_from(Some(OsStr::new("yes"))));
        assert!(refused.is_err(), "DOSSIER_BLESS=yes must be refused");
    }
}
