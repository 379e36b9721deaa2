//! A registry's slugs on disk: an anonymous SQLite database (a temporary file that SQLite deletes on close), so
//! that the slugs of a large corpus's events, designations and quotes do not stay in memory. Its page cache is
//! small and fixed; the rest spills to the file.

use rusqlite::{Connection, OptionalExtension, params};

/// The first record to use each slug: (slug) -> (index in registration order, file, nth occurrence in its file).
pub(super) struct SlugTable {
    conn: Connection,
    len: usize,
}

/// The page cache, in KiB (negative values of `cache_size` are KiB).
const CACHE_KIB: i64 = 1024;

impl SlugTable {
    pub(super) fn new() -> rusqlite::Result<Self> {
        // "" opens a private temporary database on disk, deleted when the connection closes.
        let conn = Connection::open("")?;
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -{CACHE_KIB};
             PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             CREATE TABLE slugs (slug TEXT PRIMARY KEY, idx INTEGER NOT NULL, file INTEGER NOT NULL,
                                 nth INTEGER NOT NULL) WITHOUT ROWID;"
        ))?;
        Ok(SlugTable { conn, len: 0 })
    }

    /// The registration index, file and nth occurrence of a slug's first record.
    pub(super) fn get(&self, slug: &str) -> Option<(usize, usize, usize)> {
        self.conn
            .prepare_cached("SELECT idx, file, nth FROM slugs WHERE slug = ?1")
            .and_then(|mut s| {
                s.query_row([slug], |r| {
                    Ok((
                        r.get::<_, i64>(0)? as usize,
                        r.get::<_, i64>(1)? as usize,
                        r.get::<_, i64>(2)? as usize,
                    ))
                })
                .optional()
            })
            .ok()
            .flatten()
    }

    /// Records a new slug under the next index.
    pub(super) fn insert(&mut self, slug: &str, file: usize, nth: usize) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("INSERT INTO slugs (slug, idx, file, nth) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![slug, self.len as i64, file as i64, nth as i64])?;
        self.len += 1;
        Ok(())
    }

    /// Every slug, for the nearest-name hint of an unknown reference (an error path).
    pub(super) fn all(&self) -> Vec<String> {
        let Ok(mut stmt) = self.conn.prepare("SELECT slug FROM slugs ORDER BY idx") else {
            return Vec::new();
        };
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .unwrap_or_default()
    }
}
