//! Files only the user can read. The config and state folders are 0700 and every file in them 0600 on Unix:
//! nothing there is a token, but the client secret, the account list and the log are nobody else's business.
//! Folders and files are created so, and [`secure`] narrows what an older version or a copy left wider.
//! On Windows the folders live under the user's profile, whose ACL already admits only that user.

use crate::paths::Paths;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of the host's folders and files on Unix.
pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates a folder and its missing parents, private.
pub fn create_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(path)
}

/// Options that create a file private. An existing file keeps its mode: [`secure`] fixes those.
pub fn options() -> OpenOptions {
    // Only Unix sets a mode here (Windows files are private by their folder's ACL).
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates (or truncates) a file and makes sure it is private, also when it was there before.
pub fn create_file(path: &Path) -> io::Result<File> {
    let file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    narrow(path, &file.metadata()?, FILE_MODE)?;
    Ok(file)
}

/// Opens a lock file, creating it private.
pub fn open_lock(path: &Path) -> io::Result<File> {
    options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Narrows `path` to `mode` when others could read it; says whether it changed anything.
#[cfg(unix)]
fn narrow(path: &Path, meta: &std::fs::Metadata, mode: u32) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let current = meta.permissions().mode() & 0o777;
    if current & !mode == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    tracing::warn!(
        path = %path.display(),
        "was open to others (mode {current:o}); narrowed to {mode:o}"
    );
    Ok(true)
}

#[cfg(not(unix))]
fn narrow(_path: &Path, _meta: &std::fs::Metadata, _mode: u32) -> io::Result<bool> {
    Ok(false)
}

/// Makes the config and state folders (and `locks/`) 0700 and every file in them 0600, logging each change.
/// Symbolic links are left alone: changing one would change whatever it points at. Returns how many
/// folders and files it narrowed.
pub fn secure(paths: &Paths) -> usize {
    let mut changed = 0;
    for dir in [
        paths.config_dir.clone(),
        paths.locks_dir(),
        paths.state_dir.clone(),
    ] {
        let Ok(meta) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        match narrow(&dir, &meta, DIR_MODE) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(path = %dir.display(), "could not make the folder private: {e}")
            }
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            match narrow(&entry.path(), &meta, FILE_MODE) {
                Ok(true) => changed += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(
                    path = %entry.path().display(),
                    "could not make the file private: {e}"
                ),
            }
        }
    }
    changed
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn secure_narrows_wide_folders_and_files_and_leaves_links_alone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("c"),
            state_dir: dir.path().join("s"),
        };
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, b"x").unwrap();
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).unwrap();
        for d in [&paths.config_dir, &paths.locks_dir(), &paths.state_dir] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let files = [
            paths.config_file(),
            paths.accounts_file(),
            paths.locks_dir().join("accounts.lock"),
            paths.log_file(),
        ];
        for f in &files {
            std::fs::write(f, b"{}").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o664)).unwrap();
        }
        std::os::unix::fs::symlink(&outside, paths.config_dir.join("link")).unwrap();
        assert_eq!(secure(&paths), 7);
        for d in [&paths.config_dir, &paths.locks_dir(), &paths.state_dir] {
            assert_eq!(mode(d), 0o700, "{}", d.display());
        }
        for f in &files {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        assert_eq!(mode(&outside), 0o644);
        // Already private: nothing to do.
        assert_eq!(secure(&paths), 0);
    }

    #[test]
    fn created_folders_and_files_are_private_even_over_a_wide_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_dir(&sub).unwrap();
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let f = sub.join("f");
        std::fs::write(&f, b"old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        create_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        let lock = sub.join("l.lock");
        open_lock(&lock).unwrap();
        assert_eq!(mode(&lock), 0o600);
    }
}
