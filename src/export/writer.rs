//! Where an export's files go: a staging folder first, then into `--to` in one step, so that a failed export
//! leaves nothing; and every path checked, since file names come from the file's own slugs and names.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Writes an export's files into a staging folder beside (or inside) the target, and moves them into place on
/// [`Writer::commit`]. Dropped without a commit, it removes what it wrote.
pub struct Writer {
    target: PathBuf,
    /// Taken on commit or drop.
    staging: Option<tempfile::TempDir>,
    /// The first folder on the way to the target that this writer created, removed again if the export fails.
    created: Option<PathBuf>,
    force: bool,
    /// The files written so far, relative to the target.
    pub written: Vec<PathBuf>,
}

const STAGING_PREFIX: &str = ".dossier-export-";

impl Writer {
    /// A writer for `target`. Files that exist there are refused at `write` unless `force`.
    pub fn new(target: &Path, force: bool) -> anyhow::Result<Writer> {
        if let Ok(m) = fs::symlink_metadata(target) {
            if m.file_type().is_symlink() {
                bail!(
                    "{} is a symbolic link; export into a real directory",
                    target.display()
                );
            }
            if !m.is_dir() {
                bail!("{} exists and is not a directory", target.display());
            }
        }
        // Staging on the same file system as the target, so that the final moves are renames.
        let mut created = None;
        let beside = if target.is_dir() {
            target.to_path_buf()
        } else {
            let parent = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            created = parent
                .ancestors()
                .filter(|a| !a.as_os_str().is_empty() && !a.exists())
                .last()
                .map(Path::to_path_buf);
            fs::create_dir_all(&parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            parent
        };
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(&beside)
            .with_context(|| format!("cannot create a folder in {}", beside.display()))?;
        Ok(Writer {
            target: target.to_path_buf(),
            staging: Some(staging),
            created,
            force,
            written: Vec::new(),
        })
    }

    /// The folder the files end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Stages one file. `rel` is a relative path of plain names (letters, digits, `.`, `_`, `-`, not starting
    /// with `.`), so nothing can be written outside the target, whatever the names in the file.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        use std::io::Write;
        let mut f = self.create(rel)?;
        f.write_all(bytes)
            .and_then(|()| f.flush())
            .with_context(|| format!("cannot write {}", self.target.join(rel).display()))
    }

    /// Stages one file to be written as it goes, for exports too large to hold in memory. The same checks as
    /// [`Writer::write`].
    pub fn create(&mut self, rel: &str) -> anyhow::Result<std::io::BufWriter<fs::File>> {
        let rel_path = checked(rel)?;
        let final_path = self.target.join(&rel_path);
        if !self.force && fs::symlink_metadata(&final_path).is_ok() {
            bail!(
                "{} exists; pass --force to overwrite it, or export into an empty directory",
                final_path.display()
            );
        }
        if self.written.contains(&rel_path) {
            bail!("the export would write {rel} twice");
        }
        let path = self.staging_path().join(&rel_path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file =
            fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        self.written.push(rel_path);
        Ok(std::io::BufWriter::new(file))
    }

    /// Moves the staged files into the target: the whole folder in one rename when the target is new, else file by
    /// file. Returns how many files were written.
    pub fn commit(mut self) -> anyhow::Result<usize> {
        let n = self.written.len();
        let staging = self.staging.take().expect("staging until commit");
        // From here on the folders are the target's: a failure below keeps what was moved.
        self.created = None;
        if fs::symlink_metadata(&self.target).is_err() {
            let staged = staging.keep();
            // A temporary folder is private (0700); the export is for sharing, like any new folder.
            folder_permissions(&staged)
                .and_then(|()| fs::rename(&staged, &self.target))
                .with_context(|| format!("cannot move the export into {}", self.target.display()))
                .inspect_err(|_| {
                    let _ = fs::remove_dir_all(&staged);
                })?;
            return Ok(n);
        }
        for rel in &self.written {
            let to = self.target.join(rel);
            // Every folder on the way must be a real folder inside the target, not a link out of it.
            let mut at = self.target.clone();
            for part in rel.parent().into_iter().flat_map(Path::components) {
                at.push(part);
                match fs::symlink_metadata(&at) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => bail!(
                        "{} is in the way: it is not a directory (a link is not followed)",
                        at.display()
                    ),
                    Err(_) => fs::create_dir(&at)
                        .with_context(|| format!("cannot create {}", at.display()))?,
                }
            }
            if !self.force && fs::symlink_metadata(&to).is_ok() {
                bail!(
                    "{} appeared during the export; nothing after it was moved",
                    to.display()
                );
            }
            fs::rename(staging.path().join(rel), &to)
                .with_context(|| format!("cannot write {}", to.display()))?;
        }
        Ok(n)
    }
}

impl Writer {
    fn staging_path(&self) -> &Path {
        self.staging.as_ref().expect("staging until commit").path()
    }
}

#[cfg(unix)]
fn folder_permissions(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn folder_permissions(_: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Drop for Writer {
    /// An export that did not commit leaves nothing: its staging folder and the folders it created go.
    fn drop(&mut self) {
        drop(self.staging.take());
        if let Some(top) = self.created.take() {
            let _ = fs::remove_dir_all(top);
        }
    }
}

/// A relative path of plain names, or an error that names it.
fn checked(rel: &str) -> anyhow::Result<PathBuf> {
    let ok_name = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.len() <= 200
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    // Each part a plain name: no empty part, no `.` or `..`, no root, no separator of another system.
    if rel.split('/').any(|p| !ok_name(p)) {
        bail!(
            "refusing to write {rel:?}: an exported file's name must be plain letters, digits, '.', '_' and '-' \
             inside the target; the file holds a name that is not (run `dossier verify`)"
        );
    }
    Ok(PathBuf::from(rel))
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn only_plain_relative_names_pass() {
        for good in ["a.csv", "documents/x-1.txt", "reports/in_force.sql"] {
            assert!(checked(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            ".hidden",
            "a/./b",
            "a\\b",
            "a b",
            "x\u{202e}",
            "documents/",
            "a\nb",
        ] {
            assert!(checked(bad).is_err(), "{bad:?}");
        }
    }
}
