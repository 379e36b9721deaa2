//! Temporary SQLite files for what the build keeps of every seed file: the seed's listing, the validator's paths,
//! the slugs of records and the documents in slug order. Each is a private database on disk ("" as the name),
//! deleted when its connection closes, with a small page cache and no journal, so that the build's memory does
//! not grow with the number of files. A leaf: it imports nothing of the crate.

use rusqlite::{Connection, OptionalExtension, params};

/// The page cache of each temporary file, in KiB (negative values of `cache_size` are KiB).
const CACHE_KIB: i64 = 1024;

/// A private temporary database on disk, deleted when the connection closes, with a small page cache and no
/// journal: nothing in it outlives the build.
pub(super) fn scratch(schema: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open("")?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{CACHE_KIB};
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         {schema}"
    ))?;
    Ok(conn)
}

/// The paths of the seed's files relative to its root, in byte order.
pub(super) struct Listing {
    conn: std::sync::Mutex<Connection>,
}

/// How many names a page of the listing holds.
pub(super) const PAGE: usize = 1024;

impl Listing {
    pub(super) fn new() -> rusqlite::Result<Self> {
        let conn = scratch("CREATE TABLE files (path TEXT PRIMARY KEY) WITHOUT ROWID; BEGIN;")?;
        Ok(Listing {
            conn: std::sync::Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a file.
    pub(super) fn add(&self, path: &str) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("INSERT OR IGNORE INTO files (path) VALUES (?1)")?
            .execute([path])?;
        Ok(())
    }

    /// Ends the listing's writes.
    pub(super) fn done(&self) -> rusqlite::Result<()> {
        self.conn().execute_batch("COMMIT")
    }

    /// Whether the file is listed.
    pub(super) fn contains(&self, path: &str) -> rusqlite::Result<bool> {
        self.conn()
            .prepare_cached("SELECT 1 FROM files WHERE path = ?1")?
            .query_row([path], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
    }

    /// Up to [`PAGE`] paths after `after` (from the first with ""), in byte order.
    pub(super) fn page(&self, after: &str) -> rusqlite::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT path FROM files WHERE path > ?1 ORDER BY path LIMIT ?2")?;
        stmt.query_map(params![after, PAGE as i64], |r| r.get(0))?
            .collect()
    }
}

impl std::fmt::Debug for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listing")
    }
}

/// The validator's numbers for the seed files it has read: each path once, with its number if it parsed.
pub(super) struct PathTable {
    conn: Connection,
    len: usize,
}

impl PathTable {
    pub(super) fn new() -> rusqlite::Result<Self> {
        let conn = scratch(
            "CREATE TABLE paths (path TEXT PRIMARY KEY, file INTEGER UNIQUE) WITHOUT ROWID; BEGIN;",
        )?;
        Ok(PathTable { conn, len: 0 })
    }

    /// Records that `path` has been read: whether it had been before, and its number if it has one.
    pub(super) fn read(&mut self, path: &str) -> rusqlite::Result<(bool, Option<usize>)> {
        let found: Option<Option<i64>> = self
            .conn
            .prepare_cached("SELECT file FROM paths WHERE path = ?1")?
            .query_row([path], |r| r.get(0))
            .optional()?;
        match found {
            Some(file) => Ok((true, file.map(|f| f as usize))),
            None => {
                self.conn
                    .prepare_cached("INSERT INTO paths (path) VALUES (?1)")?
                    .execute([path])?;
                Ok((false, None))
            }
        }
    }

    /// Gives `path`, already read, the next number.
    pub(super) fn number(&mut self, path: &str) -> rusqlite::Result<usize> {
        let file = self.len;
        self.conn
            .prepare_cached("UPDATE paths SET file = ?2 WHERE path = ?1")?
            .execute(params![path, file as i64])?;
        self.len += 1;
        Ok(file)
    }

    /// The path of file number `file`.
    pub(super) fn path(&self, file: usize) -> rusqlite::Result<String> {
        self.conn
            .prepare_cached("SELECT path FROM paths WHERE file = ?1")?
            .query_row([file as i64], |r| r.get(0))
    }
}
