//! Writing outputs without ever losing or exposing the user's files.
//!
//! The promises, and how each is kept:
//! - **Nothing outside `--out` is touched.** Every name that becomes a path is one normal
//!   path component ([`is_plain_name`]), checked before anything is written; `..`, `.`,
//!   separators and empty names are refused.
//! - **Replacement is atomic at every instant.** A folder is written under a hidden name
//!   (`.<name>.partial-<pid>-<random>`), complete and synced, then *exchanged* with the old
//!   folder in one `renameat2(RENAME_EXCHANGE)` on Linux, so `DIR/<name>` is at every
//!   instant either the whole old folder or the whole new one; the old one, now under the
//!   hidden name, is then removed. Where the exchange is not available (another system, a
//!   file system without it) the old folder is renamed aside first, so for the instant
//!   between two renames `DIR/<name>` is absent, never partial. A single file is written
//!   to a hidden temporary file and renamed over the old one.
//! - **No link is followed.** Temporary files are created exclusively (`create_new`: a
//!   planted file or symbolic link makes the creation fail rather than be written
//!   through) under names no one can guess; a rename replaces a link itself, never what it
//!   points to; an existing `DIR/<name>` that is not a real folder is refused, not
//!   replaced.
//! - **Concurrent writers both finish.** Two runs writing the same folder each exchange
//!   theirs in; the last one wins and neither fails. A failed write removes its hidden
//!   folder. Only a killed process can leave one behind (hidden, never mistaken for an
//!   output).

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Whether `name` can name an output inside the output folder: a single normal path
/// component (not empty, not `.` or `..`, no separator).
pub fn is_plain_name(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!((parts.next(), parts.next()), (Some(Component::Normal(part)), None) if part == name)
}

/// Checks before any work that `dir` can take outputs named `folders` (each a folder) and
/// `files` (each a file): the folder exists or can be created, can be written, and holds
/// nothing under those names that is not a folder (for `folders`) or a file (for
/// `files`). Creates `dir` if it is missing.
///
/// # Errors
/// The first problem, with the path it concerns.
pub fn check_output_folder(dir: &Path, folders: &[&str], files: &[&str]) -> io::Result<()> {
    for name in folders.iter().chain(files) {
        plain(name)?;
    }
    std::fs::create_dir_all(dir).map_err(with_path(dir))?;
    for (names, want_dir) in [(folders, true), (files, false)] {
        for name in names {
            let path = dir.join(name);
            match std::fs::symlink_metadata(&path) {
                // A folder must be a real one; a file may be a link, which a rename replaces.
                Ok(meta) if want_dir && meta.is_dir() => {}
                Ok(meta) if !want_dir && (meta.is_file() || meta.file_type().is_symlink()) => {}
                Ok(_) => {
                    let what = if want_dir { "a folder" } else { "a file" };
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{} exists and is not {what}; move it away or choose another --out", path.display()),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(with_path(&path)(e)),
            }
        }
    }
    // A probe file, created exclusively and removed: the folder can be written.
    let probe = dir.join(format!(".muster-probe-{}", token()));
    create_new(&probe, b"")?;
    std::fs::remove_file(&probe).map_err(with_path(&probe))
}

/// Writes the folder `dir/<name>/` with `files`, atomically (see the module's promises).
///
/// # Errors
/// A name that is not a single plain path component, an existing `dir/<name>` that is
/// not a folder, or any I/O error, with the path it concerns. The hidden folder is
/// removed on every error.
pub fn write_folder(dir: &Path, name: &str, files: &[(String, Vec<u8>)]) -> io::Result<PathBuf> {
    write_folder_in_steps(dir, name, files, &mut || {})
}

/// [`write_folder`], calling `step` after each change to the file system, so a test can
/// look at what a reader (or a kill) would find at every instant.
fn write_folder_in_steps(
    dir: &Path,
    name: &str,
    files: &[(String, Vec<u8>)],
    step: &mut dyn FnMut(),
) -> io::Result<PathBuf> {
    plain(name)?;
    for (file, _) in files {
        plain(file)?;
    }
    std::fs::create_dir_all(dir).map_err(with_path(dir))?;
    let target = dir.join(name);
    let partial = dir.join(hidden(name));
    std::fs::create_dir(&partial).map_err(with_path(&partial))?;
    step();
    let written = files
        .iter()
        .try_for_each(|(file, bytes)| {
            create_new(&partial.join(file), bytes)?;
            step();
            Ok(())
        })
        .and_then(|()| sync_folder(&partial))
        .and_then(|()| replace_folder(&partial, &target));
    step();
    // After an exchange the hidden name holds the old folder; after a failure, the new one.
    remove_stepwise(&partial, step);
    written.map(|()| target)
}

/// Writes one file `path` atomically: a hidden temporary file beside it, created
/// exclusively, then renamed over it (replacing a link itself, not its target).
///
/// # Errors
/// A file name that is not a single plain component, an existing folder of that name, or
/// any I/O error, with the path it concerns.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (dir, temporary) = temporary_beside(path)?;
    std::fs::create_dir_all(dir).map_err(with_path(dir))?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} is a folder", path.display())));
    }
    create_new(&temporary, bytes)?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        with_path(path)(e)
    })
}

/// Writes one new file `path` that must not exist (nor be a link): it is never replaced.
///
/// # Errors
/// An existing `path` (`AlreadyExists`), or any I/O error, with the path it concerns.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (dir, temporary) = temporary_beside(path)?;
    std::fs::create_dir_all(dir).map_err(with_path(dir))?;
    create_new(&temporary, bytes)?;
    // A hard link fails if `path` exists, whatever it is: never an overwrite.
    let linked = std::fs::hard_link(&temporary, path).map_err(with_path(path));
    let _ = std::fs::remove_file(&temporary);
    linked
}

/// The folder of `path` and a hidden temporary name beside it.
fn temporary_beside(path: &Path) -> io::Result<(&Path, PathBuf)> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    plain(name)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((dir, dir.join(hidden(name))))
}

/// The hidden name `name` is written under until it is complete: `.<name>.partial-<pid>-<random>`,
/// which no one can guess and no reader takes for an output.
fn hidden(name: &str) -> String {
    format!(".{name}.partial-{}-{}", std::process::id(), token())
}

/// Puts the complete folder `partial` at `target`: exchanged with an existing folder, or
/// renamed where there is none. Retried when another writer's folder appears in between.
fn replace_folder(partial: &Path, target: &Path) -> io::Result<()> {
    for _ in 0..16 {
        match std::fs::symlink_metadata(target) {
            Ok(meta) if meta.is_dir() => return exchange(partial, target).map_err(with_path(target)),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a folder; move it away or choose another --out", target.display()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match rename_no_replace(partial, target) {
                Ok(()) => return Ok(()),
                // Another writer's folder arrived first: exchange with it instead.
                Err(e) if is_taken(&e) => continue,
                Err(e) => return Err(with_path(target)(e)),
            },
            Err(e) => return Err(with_path(target)(e)),
        }
    }
    Err(io::Error::other(format!("{}: other writers kept replacing it; try again", target.display())))
}

/// Whether a rename failed because the target exists.
fn is_taken(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty)
}

/// Swaps two existing folders in one step; afterwards `partial` holds the old folder.
#[cfg(target_os = "linux")]
fn exchange(partial: &Path, target: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, partial, CWD, target, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system or kernel without the exchange.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            exchange_by_renames(partial, target)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(partial: &Path, target: &Path) -> io::Result<()> {
    exchange_by_renames(partial, target)
}

/// The exchange in two renames through a third hidden name; `target` is absent (never
/// partial) between them.
fn exchange_by_renames(partial: &Path, target: &Path) -> io::Result<()> {
    let aside = partial.with_extension(format!("old-{}", token()));
    std::fs::rename(target, &aside)?;
    if let Err(e) = std::fs::rename(partial, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(e);
    }
    std::fs::rename(&aside, partial)
}

/// Renames `from` to `to` only if `to` does not exist.
#[cfg(target_os = "linux")]
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => std::fs::rename(from, to),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

/// Removes a folder of files (as [`write_folder`] writes), one entry at a time, calling
/// `step` after each; best effort, as the folder is hidden either way.
fn remove_stepwise(folder: &Path, step: &mut dyn FnMut()) {
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
            step();
        }
    }
    let _ = std::fs::remove_dir_all(folder);
    step();
}

/// Creates `path` exclusively (failing if anything, a link included, is there) with
/// `bytes`, synced to disk.
fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(with_path(path))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(with_path(path))
}

/// Syncs a folder's entries (on systems where a folder can be opened).
fn sync_folder(dir: &Path) -> io::Result<()> {
    match std::fs::File::open(dir) {
        Ok(f) => f.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

/// Refuses a name that is not a single plain path component.
fn plain(name: &str) -> io::Result<()> {
    if is_plain_name(name) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` cannot name an output: it must be a single plain file name (not `.`, `..` or a path)"),
        ))
    }
}

/// 64 unpredictable bits in hex, for temporary names: SipHash under the process's random
/// keys (from the operating system, through std's `RandomState`) of a counter, the time
/// and the process id.
fn token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// Adds the path to an I/O error's message.
fn with_path(p: &Path) -> impl Fn(io::Error) -> io::Error + use<> {
    let p = p.display().to_string();
    move |e: io::Error| io::Error::new(e.kind(), format!("{p}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("muster-files-{name}-{}", token()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_single_plain_names_name_outputs() {
        for good in ["a", "no-mobilization", "a.b", ".hidden", "...", "x y"] {
            assert!(is_plain_name(good), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "/a", "a/", "../a", "./a"] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_folder_is_replaced_whole_and_nothing_is_left_behind() {
        let dir = temp("replace");
        let files = |tag: &str| vec![("a.txt".to_string(), tag.as_bytes().to_vec()), ("b.txt".into(), tag.into())];
        write_folder(&dir, "out", &files("old")).unwrap();
        write_folder(&dir, "out", &files("new")).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("out/a.txt")).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")], "no hidden folder is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn at_every_instant_of_a_replacement_the_folder_is_whole_old_or_whole_new() {
        // A kill freezes the file system as it is between two operations: so check what a
        // reader finds after each one. The old way (remove the old folder, then rename the
        // new one in) fails this after its first removal.
        let dir = temp("instants");
        let files = |tag: &str| (0..4).map(|i| (format!("f{i}"), tag.as_bytes().to_vec())).collect::<Vec<_>>();
        write_folder(&dir, "out", &files("old")).unwrap();
        let target = dir.join("out");
        let mut instants = 0;
        let whole = |target: &Path| -> Option<String> {
            let tags: Vec<String> =
                (0..4).map(|i| std::fs::read_to_string(target.join(format!("f{i}"))).ok()).collect::<Option<_>>()?;
            tags.iter().all(|t| *t == tags[0]).then(|| tags[0].clone())
        };
        write_folder_in_steps(&dir, "out", &files("new"), &mut || {
            instants += 1;
            let seen = whole(&target);
            assert!(matches!(seen.as_deref(), Some("old" | "new")), "instant {instants}: {seen:?}");
        })
        .unwrap();
        assert!(instants >= 10, "{instants} instants observed");
        assert_eq!(whole(&target).as_deref(), Some("new"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_file_or_link_is_never_written_through() {
        let dir = temp("planted");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        // Exclusive creation refuses the link rather than writing through it.
        assert!(create_new(&link, b"attack").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // A file written over a link replaces the link, not its target.
        write_file(&link, b"output").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        // A folder name taken by a link is refused, and the link's target untouched.
        let outside = dir.join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep.txt"), "keep").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("run")).unwrap();
        assert!(write_folder(&dir, "run", &[("x".into(), vec![])]).is_err());
        assert_eq!(std::fs::read_to_string(outside.join("keep.txt")).unwrap(), "keep");
        // A name that would leave the folder is refused before anything is written.
        assert!(write_folder(&dir, "..", &[]).is_err() && write_folder(&dir, ".", &[]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_file_never_replaces_one() {
        let dir = temp("new");
        let path = dir.join("my.toml");
        write_new_file(&path, b"first").unwrap();
        assert!(write_new_file(&path, b"second").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
