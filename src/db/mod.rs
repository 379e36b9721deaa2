//! The only place a database connection is opened: finding the file, opening it read-only or read-write,
//! checking that it is a dossier file of a schema this binary reads, and building the embedded seed in memory.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};

mod bm25;
pub mod contract;
mod expected_schema;
#[cfg(test)]
pub mod fixture;
mod guard;
pub mod harden;
pub mod search_best;
pub mod search_index;

pub use crate::schema::{APPLICATION_ID, SCHEMA, SCHEMA_VERSION};
pub use guard::{Refusal, WriteLog, Written, guard, guard_writes};

/// Where the data for a read command comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// The seed compiled into the binary, built in memory.
    Embedded,
}

impl Database {
    /// `--db` (or `$DOSSIER_DB`, which clap folds into it), else `./dossier.db` where it exists, else the
    /// embedded seed.
    pub fn resolve(explicit: Option<&Path>) -> Database {
        match explicit {
            Some(p) => Database::File(p.to_path_buf()),
            None if Path::new("dossier.db").exists() => Database::File(PathBuf::from("dossier.db")),
            None => Database::Embedded,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Database::File(p) => p.display().to_string(),
            Database::Embedded => "(embedded seed)".to_string(),
        }
    }
}

/// Whether a command compares the file's schema with dossier's before it runs its own SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// Refuse a file whose tables, views, triggers or indexes differ: every command that runs fixed SQL.
    Checked,
    /// Open it anyway: `sql` (read-only, bounded, the user's own SQL) and `verify` (which lists the differences).
    Unchecked,
}

/// Opens a dossier for one command's reading, hardened and bounded, and refuses a file whose schema is not
/// dossier's. Nothing on disk is created or changed.
///
/// The checks and everything the command then reads see one snapshot of the file: a read transaction is held from
/// before the checks until the connection closes, so a write that lands meanwhile cannot slip in between the check
/// of the schema and the command's own SQL, and the file is locked once rather than once per statement.
pub fn open_read(db: &Database) -> anyhow::Result<Connection> {
    open(db, Schema::Checked, Hold::Command)
}

/// Opens a dossier for reading as [`open_read`] does, but takes the file's read lock statement by statement: for
/// the shell, which stays open while others may write to the file.
pub fn open_read_live(db: &Database) -> anyhow::Result<Connection> {
    open(db, Schema::Checked, Hold::Statement)
}

/// Opens a dossier for reading, statement by statement, checking its schema or not. Nothing on disk is created or
/// changed.
pub fn open_read_as(db: &Database, schema: Schema) -> anyhow::Result<Connection> {
    open(db, schema, Hold::Statement)
}

/// How long a read connection holds the file's read lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// From before the checks until the connection closes: one snapshot for the whole command.
    Command,
    /// For each statement, as SQLite does by default.
    Statement,
}

/// Opens a dossier for reading. Nothing on disk is created or changed: a WAL-mode file is opened immutable, so
/// that no `-wal` or `-shm` file appears beside it.
fn open(db: &Database, schema: Schema, hold: Hold) -> anyhow::Result<Connection> {
    match db {
        Database::File(path) => {
            check_path(path)?;
            let wal = journal_state(path)?;
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            let uri = file_uri(path, wal);
            let mut conn =
                Connection::open_with_flags(&uri, flags).map_err(|e| open_error(path, e))?;
            harden::harden(&mut conn)?;
            if hold == Hold::Command {
                // Deferred: the read lock is taken by the first read, check_dossier's, and held from there.
                conn.execute_batch("BEGIN")?;
            }
            let version = check_dossier(&conn, path)?;
            if schema == Schema::Checked {
                check_schema(&conn, path, version)?;
            }
            Ok(conn)
        }
        Database::Embedded => build_embedded(),
    }
}

/// Ends a read command without closing its connection: the process exits next, and the exit takes back the memory
/// and releases the file's read lock at once, where closing frees the parsed schema and the page cache allocation by
/// allocation (6 % of a small report's instructions). For read connections only: nothing of theirs waits to be
/// written. A command that goes on after its reads closes the connection as usual.
pub fn close_at_exit(conn: Connection) {
    std::mem::forget(conn);
}

/// Opens an existing dossier file for writing (`sql --write`). Never creates a file. A file whose schema is not
/// dossier's is refused, since its triggers would run on the user's writes.
pub fn open_write(db: &Database) -> anyhow::Result<Connection> {
    let Database::File(path) = db else {
        bail!(
            "there is no database file to write to: run `dossier build` to write dossier.db, or pass --db PATH"
        );
    };
    check_path(path)?;
    if journal_state(path)? {
        bail!(
            "{} is in WAL mode; dossier writes only to files in rollback-journal mode. Convert it with \
             `sqlite3 {} 'PRAGMA journal_mode=DELETE'` if you trust it",
            path.display(),
            path.display()
        );
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| open_error(path, e))?;
    harden::harden(&mut conn)?;
    let version = check_dossier(&conn, path)?;
    check_schema(&conn, path, version)?;
    // Deletions cascade to the rows that depend on what was deleted (schema.sql says how), so a write cannot
    // leave a dangling reference.
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    Ok(conn)
}

/// Refuses a file whose schema differs from dossier's, naming the first differences.
/// `version` is the file's, as [`check_dossier`] read it.
fn check_schema(conn: &Connection, path: &Path, version: i32) -> anyhow::Result<()> {
    if version < SCHEMA_VERSION {
        bail!(
            "{} was made by an older dossier (schema version {version}; this dossier makes version \
             {SCHEMA_VERSION}): rebuild it from its seed with `dossier build`. `dossier sql` still reads it, \
             read-only",
            path.display()
        );
    }
    let diffs: Vec<contract::Difference> = contract::differences(conn)
        .with_context(|| format!("cannot read the schema of {}", path.display()))?
        .into_iter()
        .filter(contract::Difference::blocks)
        .collect();
    if diffs.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let mut list: Vec<String> = diffs.iter().take(SHOWN).map(|d| format!("  {d}")).collect();
    if diffs.len() > SHOWN {
        list.push(format!("  … and {} more", diffs.len() - SHOWN));
    }
    bail!(
        "{} does not have dossier's schema, so dossier will not run its own SQL on it:\n{}\n\
         `dossier verify` lists every difference; `dossier sql` still reads the file, read-only. A file changed \
         on the way is not to be trusted: ask the sender for a fresh copy, or rebuild it from its seed",
        path.display(),
        list.join("\n")
    )
}

/// What the first 100 bytes of a SQLite file say, read without SQLite (so without opening anything beside it).
pub struct Header {
    /// The file format's write or read version is 2.
    pub wal: bool,
    pub application_id: i32,
}

impl Header {
    /// The header of `path`, or None when it cannot be read or is not a SQLite header.
    pub fn read(path: &Path) -> Option<Header> {
        use std::io::Read;
        let mut h = [0u8; 100];
        std::fs::File::open(path).ok()?.read_exact(&mut h).ok()?;
        if !h.starts_with(b"SQLite format 3\0") {
            return None;
        }
        Some(Header {
            // Bytes 18 and 19 are the write and read versions; 68..72 the application id, big-endian.
            wal: h[18] == 2 || h[19] == 2,
            application_id: i32::from_be_bytes([h[68], h[69], h[70], h[71]]),
        })
    }
}

/// Whether the file is in WAL mode, after refusing the states a read command cannot open without writing: a WAL
/// file with changes still in its `-wal` file, and a hot journal left by an interrupted write.
fn journal_state(path: &Path) -> anyhow::Result<bool> {
    // A file without a SQLite header is not WAL; SQLite reports what is wrong with it.
    let wal = Header::read(path).is_some_and(|h| h.wal);
    let beside_path = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    // SQLite opens these files when it checks for a hot journal: a pipe there would block it for ever, and a link
    // could lead anywhere. Only a regular file, or nothing, may sit beside the database.
    for suffix in ["-journal", "-wal", "-shm"] {
        let p = beside_path(suffix);
        if let Ok(m) = std::fs::symlink_metadata(&p)
            && !m.is_file()
        {
            bail!(
                "{} is beside the database but is not a regular file (a link, pipe or device); SQLite would \
                 open it. Remove it, or copy the database alone into another folder",
                p.display()
            );
        }
    }
    let beside = |suffix: &str| {
        std::fs::metadata(beside_path(suffix))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    if wal && beside("-wal") > 0 {
        bail!(
            "{0} is in WAL mode and {0}-wal holds changes not yet written into it; a read command would have \
             to write to merge them. Run `sqlite3 {0} 'PRAGMA wal_checkpoint(TRUNCATE)'` where you may write, \
             or ask the sender for the file without its -wal",
            path.display()
        );
    }
    if !wal && beside("-journal") > 0 {
        bail!(
            "{0} has a journal beside it ({0}-journal): a write to it was interrupted, or is running now. \
             Rolling it back means writing to the file, which a read command never does; wait for the writer, \
             or open it once with `sqlite3 {0} 'PRAGMA quick_check'` where you may write",
            path.display()
        );
    }
    Ok(wal)
}

/// A `file:` URI for `path`, read-only, and immutable for a WAL-mode file so that SQLite creates no `-shm`.
fn file_uri(path: &Path, immutable: bool) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut uri = String::from("file:");
    for &b in &bytes {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

/// Opens a new, empty database file for `build`. The caller has just created `path` empty.
pub fn create(path: &Path) -> anyhow::Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot create {}", path.display()))?;
    // The file is private until it is renamed into place, and a failed build deletes it, so a rollback journal
    // buys nothing: the old target is the safety net. (Set before DEFENSIVE, which forbids journal_mode OFF.)
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    harden::harden(&mut conn)?;
    // The file is new and only this build writes it, so its pages need no check as they are read back (hardening
    // that is for files from elsewhere).
    conn.execute_batch("PRAGMA cell_size_check = OFF")?;
    // A build is bounded by its seed, not by a clock; Ctrl-C and SIGTERM still stop it.
    harden::arm(&mut conn, None)?;
    // VACUUM INTO writes the compacted copy through one attachment of its own.
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 1)?;
    Ok(conn)
}

/// Builds the embedded seed into an in-memory database.
pub fn build_embedded() -> anyhow::Result<Connection> {
    let load = EMBEDDED.get().context(
        "this program has no embedded seed to read; pass --db PATH or run `dossier build`",
    )?;
    let mut conn = Connection::open_in_memory()?;
    harden::harden(&mut conn)?;
    load(&mut conn).context("the embedded seed is invalid")?;
    Ok(conn)
}

/// Loads the seed compiled into the binary into an empty, hardened connection. The seed pipeline sits above
/// this module, so it is handed down once at start ([`provide_embedded`], from `cmd::run`) rather than imported.
pub type EmbeddedLoader = fn(&mut Connection) -> anyhow::Result<()>;

static EMBEDDED: std::sync::OnceLock<EmbeddedLoader> = std::sync::OnceLock::new();

/// Says how to build the embedded seed; the first call wins.
pub fn provide_embedded(load: EmbeddedLoader) {
    let _ = EMBEDDED.set(load);
}

fn check_path(path: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "cannot open {}: no such file (build one with `dossier build --out {}`)",
            path.display(),
            path.display()
        ),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot open {}", path.display())));
        }
    };
    if meta.is_dir() {
        bail!("{} is a directory, not a dossier file", path.display());
    }
    if meta.len() == 0 {
        bail!("{} is empty (0 bytes), not a dossier file", path.display());
    }
    Ok(())
}

/// Why SQLite could not open a file that exists: most often the file cannot be read.
fn open_error(path: &Path, e: rusqlite::Error) -> anyhow::Error {
    match std::fs::File::open(path) {
        Err(io) => anyhow::Error::new(io).context(format!("cannot read {}", path.display())),
        Ok(_) => anyhow::Error::new(e).context(format!("cannot open {}", path.display())),
    }
}

/// Checks the application id and schema version, so that a foreign or newer file gives a clear error. Returns the
/// schema version.
pub fn check_dossier(conn: &Connection, path: &Path) -> anyhow::Result<i32> {
    // Both in one statement, so one read transaction.
    let (app, version): (i32, i32) = conn
        .query_row(
            "SELECT a.application_id, v.user_version FROM pragma_application_id() a, pragma_user_version() v",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| match e.sqlite_error_code() {
            // A file cut short fails as soon as its header's page count exceeds what is there.
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => anyhow::anyhow!(
                "{} is truncated or damaged ({e}); get a complete copy, or rebuild it",
                path.display()
            ),
            Some(rusqlite::ErrorCode::NotADatabase) => {
                anyhow::anyhow!("{} is not a SQLite database ({e})", path.display())
            }
            _ => anyhow::Error::new(e).context(format!("cannot read {}", path.display())),
        })?;
    if app != APPLICATION_ID {
        bail!(
            "{} is a SQLite database but not a dossier file (application_id {app:#x}, expected {APPLICATION_ID:#x})",
            path.display()
        );
    }
    if version > SCHEMA_VERSION {
        bail!(
            "{} has schema version {version}, newer than this dossier reads ({SCHEMA_VERSION}); upgrade dossier",
            path.display()
        );
    }
    if version < 1 {
        bail!(
            "{} has no schema version; rebuild it with `dossier build`",
            path.display()
        );
    }
    Ok(version)
}

/// Why stored SQL cannot be a report before it is even prepared, if it cannot: a report is a query, its first word
/// (after comments) SELECT, WITH or VALUES. Checked before preparing, because SQLite acts on some pragmas while it
/// prepares them. `verify` and `report` both ask here.
pub fn not_a_query(sql: &str) -> Option<String> {
    let word = first_word(sql);
    let query = ["SELECT", "WITH", "VALUES"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k));
    (!query).then(|| {
        format!(
            "the SQL starts with {word:?}, so it is not a query; a report is one SELECT (or WITH … SELECT)"
        )
    })
}

/// Why prepared stored SQL cannot be a report: it writes (a `WITH … DELETE` begins like a query).
pub const STORED_SQL_WRITES: &str = "the SQL writes to the database";

/// The first word of SQL text, after whitespace and comments.
pub fn first_word(sql: &str) -> String {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dossier file with dossier's schema and no rows.
    fn empty_dossier(dir: &Path) -> Database {
        let path = dir.join("d.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .unwrap();
        Database::File(path)
    }

    /// Whether another process's write to the file commits now, without waiting.
    fn write_commits(db: &Database) -> bool {
        let Database::File(path) = db else {
            unreachable!()
        };
        let w = Connection::open(path).unwrap();
        w.busy_timeout(std::time::Duration::ZERO).unwrap();
        match w.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')", []) {
            Ok(_) => {
                w.execute("DELETE FROM meta WHERE key = 'k'", []).unwrap();
                true
            }
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => false,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn a_command_reads_one_snapshot_from_its_checks_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let db = empty_dossier(dir.path());
        assert!(write_commits(&db), "nothing holds the file yet");
        let conn = open_read(&db).unwrap();
        // The checks took the read lock, and it is still held: a write cannot land before the command's SQL.
        assert!(!write_commits(&db));
        let n: i64 = conn
            .query_row("SELECT count(*) FROM meta", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        assert!(!write_commits(&db));
        drop(conn);
        assert!(
            write_commits(&db),
            "closing the connection ends the snapshot"
        );
    }

    #[test]
    fn the_shell_and_sql_take_the_read_lock_statement_by_statement() {
        let dir = tempfile::tempdir().unwrap();
        let db = empty_dossier(dir.path());
        let live = open_read_live(&db).unwrap();
        assert!(write_commits(&db));
        let unchecked = open_read_as(&db, Schema::Unchecked).unwrap();
        assert!(write_commits(&db));
        drop((live, unchecked));
    }
}
