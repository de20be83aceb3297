//! Files that appear whole or not at all: written under a temporary name beside their
//! target, synced to disk, then renamed over the target in one step. The archive a load
//! builds and every `-o FILE` a command writes go through here.
//!
//! A write that fails, or is dropped before it is committed, removes its temporary
//! file and leaves the target as it was. A process killed mid-write cannot remove
//! anything, but it cannot leave a partial target either: the target only ever changes
//! by the rename, and the rename comes after the sync, so even a power cut right after
//! it finds the whole new file rather than a renamed file with missing pages.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A file being written under a temporary name, to be put in place by
/// [`AtomicFile::sync`] and then [`Synced::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    temp: Temp,
    target: PathBuf,
}

/// An [`AtomicFile`] whose contents are on disk: only the rename is left.
#[derive(Debug)]
pub struct Synced {
    temp: Temp,
    target: PathBuf,
}

/// The temporary file's path; removed on drop unless it was renamed.
#[derive(Debug)]
struct Temp {
    path: PathBuf,
    renamed: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl AtomicFile {
    /// Reserves the temporary file for `target`: its name followed by `suffix`, in the
    /// same folder, because a rename is atomic only within one file system. Nothing is
    /// created; the writer creates the file (or SQLite does, for a database).
    pub fn beside(target: &Path, suffix: &str) -> Self {
        AtomicFile {
            temp: Temp {
                path: sidecar(target, suffix),
                renamed: false,
            },
            target: target.to_path_buf(),
        }
    }

    /// Where to write.
    pub fn temp(&self) -> &Path {
        &self.temp.path
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Creates (or empties) the temporary file for writing.
    pub fn create(&self) -> io::Result<File> {
        File::create(&self.temp.path)
    }

    /// Makes what was written durable. Call it once every writer has closed the file;
    /// anything written afterwards is not covered.
    pub fn sync(self) -> io::Result<Synced> {
        sync_file(&self.temp.path)?;
        Ok(Synced {
            temp: self.temp,
            target: self.target,
        })
    }

    /// Syncs, then puts the file in place: [`AtomicFile::sync`] and [`Synced::commit`].
    pub fn commit(self) -> io::Result<()> {
        self.sync()?.commit()
    }
}

impl Synced {
    /// Renames the file over the target, then syncs the folder, since the rename is
    /// itself durable only once the folder's entry is on disk.
    pub fn commit(mut self) -> io::Result<()> {
        rename(&self.temp.path, &self.target)?;
        self.temp.renamed = true;
        sync_folder(&self.target);
        Ok(())
    }

    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// `dossier.db` + `.lock` → `dossier.db.lock`, in the same folder.
pub fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The folder a path is in; `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Flushes a file's data and metadata to disk. The file is opened for writing because
/// Windows syncs only through a handle that may write.
fn sync_file(path: &Path) -> io::Result<()> {
    trace::record("sync file");
    OpenOptions::new().write(true).open(path)?.sync_all()
}

fn rename(from: &Path, to: &Path) -> io::Result<()> {
    trace::record("rename");
    fs::rename(from, to)
}

/// Syncs the folder of `path`, as far as the platform allows: some file systems, and
/// Windows, cannot open or sync a folder. It is not an error then: the new file is
/// already in place and whole, and only a power cut in the next moments could undo the
/// rename, leaving the previous file.
fn sync_folder(path: &Path) {
    trace::record("sync folder");
    if let Ok(d) = File::open(folder_of(path)) {
        let _ = d.sync_all();
    }
}

/// What the file-system steps did, in order, on this thread: lets the tests check
/// that the sync comes before the rename. Nothing is kept outside tests.
mod trace {
    #[cfg(test)]
    thread_local! {
        pub static STEPS: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    #[cfg(test)]
    pub fn record(step: &'static str) {
        STEPS.with(|s| s.borrow_mut().push(step));
    }

    #[cfg(not(test))]
    pub fn record(_step: &'static str) {}

    #[cfg(test)]
    pub fn take() -> Vec<&'static str> {
        STEPS.with(|s| std::mem::take(&mut *s.borrow_mut()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_target_appears_only_on_commit_whole_and_after_a_sync() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "old\n").unwrap();
        let file = AtomicFile::beside(&target, ".part");
        assert_eq!(file.temp(), dir.path().join("out.csv.part"));
        let mut w = io::BufWriter::new(file.create().unwrap());
        let body = "a,b\n".repeat(100_000);
        w.write_all(body.as_bytes()).unwrap();
        drop(w);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
        trace::take();
        file.commit().unwrap();
        assert_eq!(trace::take(), ["sync file", "rename", "sync folder"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), body);
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_write_dropped_before_its_commit_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "old\n").unwrap();
        let file = AtomicFile::beside(&target, ".part");
        file.create().unwrap().write_all(b"new").unwrap();
        drop(file);
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");

        // Dropped between the sync and the rename.
        let file = AtomicFile::beside(&target, ".part");
        file.create().unwrap().write_all(b"new").unwrap();
        let synced = file.sync().unwrap();
        assert_eq!(synced.target(), target);
        drop(synced);
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder cannot be replaced by a file.
        let target = dir.path().join("taken");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), "x").unwrap();
        let file = AtomicFile::beside(&target, ".part");
        file.create().unwrap().write_all(b"new").unwrap();
        assert!(file.commit().is_err());
        assert_eq!(names(dir.path()), ["taken"]);
        assert_eq!(names(&target), ["inside"]);
    }

    #[test]
    fn a_missing_temporary_file_fails_the_sync_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        fs::write(&target, "old\n").unwrap();
        trace::take();
        assert!(AtomicFile::beside(&target, ".part").commit().is_err());
        assert_eq!(trace::take(), ["sync file"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
    }

    #[test]
    fn sidecars_and_folders() {
        assert_eq!(
            sidecar(Path::new("a/dossier.db"), ".lock"),
            Path::new("a/dossier.db.lock")
        );
        assert_eq!(folder_of(Path::new("dossier.db")), Path::new("."));
        assert_eq!(folder_of(Path::new("a/dossier.db")), Path::new("a"));
    }
}
