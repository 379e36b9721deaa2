//! The seed: the files a knowledge base is built from, read from a directory or from the copy compiled into the
//! binary, then parsed, validated and loaded.
//!
//! Layout of a seed directory:
//!
//! ```text
//! dossier.toml              title and description of the knowledge base
//! actors.toml               actors who recur across documents (optional; .json accepted)
//! documents/NAME.toml       one document's metadata and facts (.json accepted)
//! documents/NAME.txt        that document's body, verbatim UTF-8
//! reports/NAME.sql          canned reports: a TOML header in `-- ` comments, then one SELECT
//! ```

mod ahead;
pub mod dates;
mod document;
pub mod draft;
mod front;
mod hints;
mod lenient;
pub mod load;
pub mod locate;
pub mod model;
mod names;
pub mod passage;
pub mod pipeline;
mod registers;
mod registry;
mod report_file;
mod scratch;
mod source;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub use pipeline::Summary;
pub use validate::nearest;

/// The files of a seed, keyed by their path relative to the seed directory, with `/` separators: held in memory
/// (the embedded seed, tests, the generator), or on disk and read when needed, so that a large seed is never
/// all in memory at once.
#[derive(Clone, Debug, Default)]
pub struct SeedFiles {
    pub files: BTreeMap<String, Vec<u8>>,
    /// The seed paths of the files under `root`, in a temporary file rather than in memory (a seed may hold
    /// hundreds of thousands of files).
    on_disk: Option<std::sync::Arc<scratch::Listing>>,
    /// The few files whose names are not UTF-8, by seed path: each keeps its own full path.
    own_paths: BTreeMap<String, PathBuf>,
    root: PathBuf,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_seed.rs"));
}

impl SeedFiles {
    /// The small seed of `tests/fixtures/minimal`, which property tests and fuzz targets vary: in the library only
    /// for tests and with the `fixtures` feature (which the fuzz crate turns on).
    #[doc(hidden)]
    #[cfg(any(test, feature = "fixtures"))]
    pub fn minimal_fixture() -> SeedFiles {
        let mut files = BTreeMap::new();
        for (path, text) in [
            (
                "dossier.toml",
                include_str!("../../tests/fixtures/minimal/dossier.toml"),
            ),
            (
                "actors.toml",
                include_str!("../../tests/fixtures/minimal/actors.toml"),
            ),
            (
                "documents/note.txt",
                include_str!("../../tests/fixtures/minimal/documents/note.txt"),
            ),
            (
                "documents/note.toml",
                include_str!("../../tests/fixtures/minimal/documents/note.toml"),
            ),
            (
                "reports/events.sql",
                include_str!("../../tests/fixtures/minimal/reports/events.sql"),
            ),
        ] {
            files.insert(path.to_string(), text.as_bytes().to_vec());
        }
        SeedFiles {
            files,
            ..SeedFiles::default()
        }
    }

    /// The seed compiled into this binary.
    pub fn embedded() -> SeedFiles {
        SeedFiles {
            files: embedded::FILES
                .iter()
                .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
                .collect(),
            ..SeedFiles::default()
        }
    }

    /// Every file's path, sorted, each once: the files in memory and those on disk, merged.
    pub fn paths(&self) -> Paths<'_> {
        Paths {
            memory: self.files.keys().peekable(),
            disk: self.on_disk.as_deref(),
            page: std::collections::VecDeque::new(),
            last: String::new(),
            ended: self.on_disk.is_none(),
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.listed(path)
    }

    /// Whether a file on disk is in the seed's listing (a read error of the listing counts as not).
    fn listed(&self, path: &str) -> bool {
        self.on_disk
            .as_ref()
            .is_some_and(|l| l.contains(path).unwrap_or(false))
    }

    /// A file's bytes; `None` when there is no such file or it cannot be read.
    pub fn read(&self, path: &str) -> Option<std::borrow::Cow<'_, [u8]>> {
        if let Some(b) = self.files.get(path) {
            return Some(std::borrow::Cow::Borrowed(b.as_slice()));
        }
        if !self.listed(path) {
            return None;
        }
        match self.own_paths.get(path) {
            Some(own) => std::fs::read(own),
            None => std::fs::read(self.root.join(path)),
        }
        .ok()
        .map(std::borrow::Cow::Owned)
    }

    /// Lists every file under `dir`, skipping hidden files and directories; their bytes are read when needed.
    pub fn read_dir(dir: &Path) -> anyhow::Result<SeedFiles> {
        let meta = std::fs::metadata(dir)
            .with_context(|| format!("cannot read the seed directory {}", dir.display()))?;
        if !meta.is_dir() {
            anyhow::bail!(
                "the seed {} is not a directory; pass the directory that holds dossier.toml with --seed",
                dir.display()
            );
        }
        let root = std::fs::canonicalize(dir)
            .with_context(|| format!("cannot read the seed directory {}", dir.display()))?;
        let listing =
            scratch::Listing::new().context("cannot list the seed in a temporary file")?;
        let mut own_paths = BTreeMap::new();
        let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let entries = std::fs::read_dir(&current)
                .with_context(|| format!("cannot list {}", current.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot list {}", current.display()))?;
                let path = entry.path();
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let kind = entry
                    .file_type()
                    .with_context(|| format!("cannot read {}", path.display()))?;
                if kind.is_dir() {
                    stack.push(path);
                    continue;
                }
                if kind.is_symlink() {
                    check_link(&root, &path)?;
                } else if !kind.is_file() {
                    anyhow::bail!(
                        "{} is not a regular file (a pipe, socket or device); a seed holds only files and folders",
                        path.display()
                    );
                }
                // The longest value a connection takes (db::harden's length limit); a larger file, sparse or not,
                // is refused before it is read into memory.
                const MAX_FILE: u64 = 256 << 20;
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if size > MAX_FILE {
                    anyhow::bail!(
                        "{} is {} MiB, larger than the 256 MiB a seed file may be; split the document",
                        path.display(),
                        size >> 20
                    );
                }
                {
                    let rel = path
                        .strip_prefix(dir)
                        .expect("walked from dir")
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    // A name that is UTF-8 is found again from the root, which saves a full path per file.
                    if path.to_str().is_none() {
                        own_paths.insert(rel.clone(), path);
                    }
                    listing
                        .add(&rel)
                        .context("cannot list the seed in a temporary file")?;
                }
            }
        }
        listing
            .done()
            .context("cannot list the seed in a temporary file")?;
        Ok(SeedFiles {
            files: BTreeMap::new(),
            on_disk: Some(std::sync::Arc::new(listing)),
            own_paths,
            root: dir.to_path_buf(),
        })
    }
}

/// The paths of a seed's files in byte order (see [`SeedFiles::paths`]): those on disk are read from the listing a
/// page at a time. An error reading the listing ends the paths with that error.
pub struct Paths<'a> {
    memory: std::iter::Peekable<std::collections::btree_map::Keys<'a, String, Vec<u8>>>,
    disk: Option<&'a scratch::Listing>,
    page: std::collections::VecDeque<String>,
    last: String,
    ended: bool,
}

impl Paths<'_> {
    /// The next path on disk, without taking it.
    fn peek_disk(&mut self) -> anyhow::Result<Option<&String>> {
        if self.page.is_empty() && !self.ended {
            let listing = self.disk.expect("a listing while not ended");
            let page = listing
                .page(&self.last)
                .context("cannot read the seed's listing from its temporary file")?;
            self.ended = page.len() < scratch::PAGE;
            if let Some(last) = page.last() {
                self.last.clone_from(last);
            }
            self.page = page.into();
        }
        Ok(self.page.front())
    }
}

impl Iterator for Paths<'_> {
    type Item = anyhow::Result<String>;

    fn next(&mut self) -> Option<Self::Item> {
        let disk = match self.peek_disk() {
            Ok(d) => d.cloned(),
            Err(e) => {
                self.ended = true;
                self.page.clear();
                return Some(Err(e));
            }
        };
        let memory = self.memory.peek().map(|m| m.as_str());
        match (memory, disk) {
            (None, None) => None,
            (Some(m), Some(d)) if m == d => {
                self.memory.next();
                self.page.pop_front().map(Ok)
            }
            (Some(m), Some(d)) if m > d.as_str() => self.page.pop_front().map(Ok),
            (Some(_), _) => self.memory.next().cloned().map(Ok),
            (None, Some(_)) => self.page.pop_front().map(Ok),
        }
    }
}

/// A link in a seed is followed only to a regular file inside the seed: a seed from someone else must not pull
/// other files of the receiver's into the knowledge base, nor send the build walking the file system.
fn check_link(root: &Path, link: &Path) -> anyhow::Result<()> {
    let target = std::fs::canonicalize(link).with_context(|| {
        format!(
            "{} is a symbolic link to nothing; remove it, or put the file itself in the seed",
            link.display()
        )
    })?;
    if !target.starts_with(root) {
        anyhow::bail!(
            "{} is a symbolic link to {}, outside the seed; links are followed only inside the seed, so copy the \
             file into the seed instead",
            link.display(),
            target.display()
        );
    }
    let meta =
        std::fs::metadata(&target).with_context(|| format!("cannot read {}", target.display()))?;
    if !meta.is_file() {
        anyhow::bail!(
            "{} is a symbolic link to a folder or special file; links to folders are not followed, so put the \
             folder itself in the seed",
            link.display()
        );
    }
    Ok(())
}

pub use crate::digest::{hex, sha256_file, sha256_hex};

/// Loads the seed compiled into the binary into an empty database: what `db` builds when there is no file.
pub fn load_embedded(conn: &mut rusqlite::Connection) -> anyhow::Result<()> {
    pipeline::load(conn, &SeedFiles::embedded(), 1, &mut |_| {})?;
    crate::db::search_best::write(conn, crate::db::search_best::LISTS)?;
    Ok(())
}

/// One thing wrong with the seed, located as precisely as the input allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    /// A stable name for the kind of problem, e.g. `evidence-ambiguous`, for editors and CI to key on.
    pub code: &'static str,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where the fault ends (inclusive line, exclusive column), when known.
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// The record, e.g. `event "russia-recognizes-islamic-emirate"`.
    pub record: Option<String>,
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// Further lines that help fix it: each place repeated words occur, or the nearest passage.
    pub notes: Vec<String>,
    /// Text that, put in place of the fault's span, fixes it, when exactly one fix is known.
    pub replacement: Option<String>,
}

impl Problem {
    /// Every problem is an error: `build` refuses the seed while any is left.
    pub fn severity(&self) -> &'static str {
        "error"
    }

    /// The problem as a JSON object, for `check --format json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "severity": self.severity(),
            "code": self.code,
            "record": self.record,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "notes": self.notes,
            "replacement": self.replacement,
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(record) = &self.record {
            write!(f, "{record}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        for note in &self.notes {
            write!(f, "\n  {note}")?;
        }
        Ok(())
    }
}

/// Orders problems as compilers and linters print them: grouped by file, then by line and column.
pub fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

/// Every problem found in a seed. Validation goes on past the first problem so that one run shows them all.
#[derive(Debug)]
pub struct SeedErrors(pub Vec<Problem>);

impl std::error::Error for SeedErrors {}

impl fmt::Display for SeedErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "the seed has {n} problem{}; nothing was written",
            if n == 1 { "" } else { "s" }
        )
    }
}

/// Validates a seed by loading it into an in-memory database: the seed's problems, or what it holds.
pub fn check(files: &SeedFiles) -> Result<Summary, SeedErrors> {
    let mut conn = rusqlite::Connection::open_in_memory().expect("an in-memory database opens");
    match pipeline::load(&mut conn, files, 1, &mut |_| {}) {
        Ok(summary) => Ok(summary),
        Err(e) => match e.downcast::<SeedErrors>() {
            Ok(problems) => Err(problems),
            Err(other) => panic!("loading a valid seed failed: {other:#}"),
        },
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    const NOTE: &str = include_str!("../../tests/fixtures/minimal/documents/note.toml");

    fn minimal() -> SeedFiles {
        SeedFiles::minimal_fixture()
    }

    #[test]
    fn the_minimal_seed_is_valid() {
        check(&minimal()).expect("valid");
    }

    proptest! {
        #[test]
        fn any_document_file_validates_or_errs_without_panic(text in "\\PC{0,300}", json in any::<bool>()) {
            let mut files = minimal();
            if json {
                files.files.remove("documents/note.toml");
                files.files.insert("documents/note.json".into(), text.into_bytes());
            } else {
                files.files.insert("documents/note.toml".into(), text.into_bytes());
            }
            let _ = check(&files);
        }

        #[test]
        fn any_bytes_as_a_body_validate_or_err_without_panic(body in prop::collection::vec(any::<u8>(), 0..400)) {
            let mut files = minimal();
            files.files.insert("documents/note.txt".into(), body);
            let _ = check(&files);
        }

        #[test]
        fn a_mutated_seed_validates_or_errs_with_a_location(line in 0usize..60, op in 0u8..4, at in 0usize..80, c in any::<char>()) {
            let mut lines: Vec<String> = NOTE.lines().map(str::to_string).collect();
            let i = line % lines.len();
            match op {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(i, l); }
                2 => {
                    let mut chars: Vec<char> = lines[i].chars().collect();
                    let j = at % (chars.len() + 1);
                    chars.insert(j, c);
                    lines[i] = chars.into_iter().collect();
                }
                _ => {
                    let chars: Vec<char> = lines[i].chars().collect();
                    let j = at % (chars.len() + 1);
                    lines[i] = chars[..j].iter().collect();
                }
            }
            let mut files = minimal();
            files.files.insert("documents/note.toml".into(), lines.join("\n").into_bytes());
            if let Err(SeedErrors(problems)) = check(&files) {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(!p.file.is_empty() && !p.message.is_empty());
                }
            }
        }
    }
}
