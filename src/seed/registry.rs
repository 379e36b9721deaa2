//! Registries of slugs: each slug of one kind once, duplicates reported with the line of the first. Actors stay
//! in memory, as pass 2 looks them up at every turn; the slugs of documents, events, designations and quotes,
//! which grow with the corpus, live in an anonymous SQLite database (a temporary file that SQLite deletes on
//! close), whose page cache is small and fixed.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::model::Slug;
use super::scratch::scratch;
use super::validate::{Rec, Validator, nearest};

/// Registers slugs of one kind, reporting duplicates; returns the index map.
pub(super) struct Registry {
    kind: &'static str,
    store: Store,
}

/// Where a registry keeps its slugs: in memory for the few that pass 2 looks up at every turn (actors), on disk
/// for those that grow with the corpus.
enum Store {
    Memory {
        index: HashMap<String, usize>,
        /// Where each slug was first defined; its line is looked up only if a duplicate needs it.
        first: Vec<Rec>,
    },
    Disk {
        table: SlugTable,
        /// The first error of the table, reported once pass 1 ends.
        error: Option<rusqlite::Error>,
    },
}

impl Registry {
    pub(super) fn new(kind: &'static str) -> Self {
        Registry {
            kind,
            store: Store::Memory {
                index: HashMap::new(),
                first: Vec::new(),
            },
        }
    }

    /// A registry whose slugs live in a temporary file, not in memory.
    pub(super) fn on_disk(kind: &'static str) -> rusqlite::Result<Self> {
        Ok(Registry {
            kind,
            store: Store::Disk {
                table: SlugTable::new()?,
                error: None,
            },
        })
    }

    /// The error the disk store met, if any: the registry is then incomplete.
    pub(super) fn take_error(&mut self) -> Option<rusqlite::Error> {
        match &mut self.store {
            Store::Memory { .. } => None,
            Store::Disk { error, .. } => error.take(),
        }
    }

    /// The index of a slug, if registered.
    pub(super) fn get(&self, slug: &str) -> Option<usize> {
        match &self.store {
            Store::Memory { index, .. } => index.get(slug).copied(),
            Store::Disk { table, .. } => table.get(slug).map(|(i, _, _)| i),
        }
    }

    /// Whether `rec` is the record that registered its slug (not a later duplicate).
    pub(super) fn is_first(&self, rec: &Rec) -> bool {
        match &self.store {
            Store::Memory { index, first } => index
                .get(&rec.slug)
                .is_some_and(|&i| first[i].file == rec.file && first[i].nth == rec.nth),
            Store::Disk { table, .. } => table
                .get(&rec.slug)
                .is_some_and(|(_, file, nth)| file == rec.file && nth == rec.nth),
        }
    }

    /// Every slug, for a nearest-name hint.
    pub(super) fn slugs(&self) -> Vec<String> {
        match &self.store {
            Store::Memory { index, .. } => index.keys().cloned().collect(),
            Store::Disk { table, .. } => table.all(),
        }
    }

    /// The first record of a registered slug.
    fn first(&self, slug: &str) -> Option<Rec> {
        match &self.store {
            Store::Memory { index, first } => index.get(slug).map(|&i| first[i].clone()),
            Store::Disk { table, .. } => table.get(slug).map(|(_, file, nth)| Rec {
                file,
                kind: self.kind,
                slug: slug.to_string(),
                nth,
            }),
        }
    }

    /// Adds a slug; on a duplicate, reports it and returns false.
    pub(super) fn add(&mut self, v: &mut Validator, rec: &Rec) -> bool {
        // One step on the common path: the slug goes in unless it is there, and only a duplicate looks up its first.
        let free = match &mut self.store {
            Store::Memory { index, first } => match index.entry(rec.slug.clone()) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(first.len());
                    first.push(rec.clone());
                    true
                }
            },
            Store::Disk { table, error } => table
                .insert(&rec.slug, rec.file, rec.nth)
                .unwrap_or_else(|e| {
                    error.get_or_insert(e);
                    true
                }),
        };
        if !free && let Some(first) = self.first(&rec.slug) {
            let src = v.source(first.file);
            let (first_file, first_line) = (
                src.path.clone(),
                src.record_line("slug", &first.slug, first.nth).unwrap_or(1),
            );
            v.at(
                "duplicate-slug",
                rec,
                Some("slug"),
                None,
                format!(
                    "duplicate {} slug \"{}\": it is already used at {first_file}:{first_line}",
                    self.kind, rec.slug
                ),
                Some("give each record its own slug"),
            );
        }
        free
    }

    /// Resolves a reference, reporting an unknown slug with the nearest known ones.
    pub(super) fn resolve(
        &self,
        v: &mut Validator,
        rec: &Rec,
        field: &str,
        slug: &Slug,
    ) -> Option<usize> {
        let found = self.get(slug.as_str());
        // A record left out for a bad value has its own problem; a reference to it is not a second one.
        if found.is_none() && !v.dropped.contains(slug.as_str()) && !v.unparsed {
            let known = self.slugs();
            let near = nearest(slug.as_str(), known.iter().map(String::as_str));
            let hint = if near.is_empty() {
                format!("define the {} first, or fix the slug", self.kind)
            } else {
                format!("did you mean {}?", near.join(" or "))
            };
            v.at(
                "unknown-reference",
                rec,
                Some(field),
                Some(slug.as_str()),
                format!("unknown {} \"{slug}\"", self.kind),
                Some(&hint),
            );
        }
        found
    }
}

/// The first record to use each slug: (slug) -> (index in registration order, file, nth occurrence in its file).
/// Its writes share one transaction, never committed: the file is deleted when the build ends, and a commit per
/// slug was much of the 12 s that registering 2,000,000 of them took.
pub(super) struct SlugTable {
    conn: Connection,
    len: usize,
}

impl SlugTable {
    pub(super) fn new() -> rusqlite::Result<Self> {
        let conn = scratch(
            "CREATE TABLE slugs (slug TEXT PRIMARY KEY, idx INTEGER NOT NULL, file INTEGER NOT NULL,
                                 nth INTEGER NOT NULL) WITHOUT ROWID;
             BEGIN;",
        )?;
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

    /// Records a slug under the next index unless it is there already; returns whether it went in.
    pub(super) fn insert(&mut self, slug: &str, file: usize, nth: usize) -> rusqlite::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO slugs (slug, idx, file, nth) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (slug) DO NOTHING",
            )?
            .execute(params![slug, self.len as i64, file as i64, nth as i64])?
            == 1;
        if inserted {
            self.len += 1;
        }
        Ok(inserted)
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

/// The kinds of record a document's file registers after its actors, in the order pass 1 registers them.
pub(super) const RECORD_KINDS: [&str; 3] = ["event", "designation", "quote"];

/// The slugs of each document file's events, designations and quotes, as pass 1 parsed them in file order, kept
/// on disk until it registers them in slug order.
pub(super) struct Spill {
    conn: Connection,
}

impl Spill {
    pub(super) fn new() -> rusqlite::Result<Self> {
        Ok(Spill {
            conn: scratch(
                "CREATE TABLE records (file INTEGER NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL,
                                       slug TEXT NOT NULL, PRIMARY KEY (file, seq)) WITHOUT ROWID;
                 CREATE TABLE documents (slug TEXT NOT NULL, seq INTEGER NOT NULL, file INTEGER NOT NULL,
                                         path TEXT NOT NULL, body TEXT NOT NULL,
                                         PRIMARY KEY (slug, seq)) WITHOUT ROWID;",
            )?,
        })
    }

    /// Keeps a file's record slugs, each list in the order of `RECORD_KINDS`.
    pub(super) fn put(&self, file: usize, lists: [Vec<&str>; 3]) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO records (file, seq, kind, slug) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut seq = 0i64;
        for (kind, slugs) in lists.iter().enumerate() {
            for slug in slugs {
                stmt.execute(params![file as i64, seq, kind as i64, slug])?;
                seq += 1;
            }
        }
        Ok(())
    }

    /// A file's record slugs, each list in the order of `RECORD_KINDS`.
    pub(super) fn take(&self, file: usize) -> rusqlite::Result<[Vec<String>; 3]> {
        let mut lists: [Vec<String>; 3] = Default::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, slug FROM records WHERE file = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([file as i64])?;
        while let Some(r) = rows.next()? {
            let kind: usize = r.get::<_, i64>(0)? as usize;
            if let Some(list) = lists.get_mut(kind) {
                list.push(r.get(1)?);
            }
        }
        Ok(lists)
    }

    /// Keeps a parsed document: its slug, file number, seed path and body path as written. `seq`, the order in
    /// which the files were parsed, orders documents with the same slug.
    pub(super) fn put_document(
        &self,
        seq: usize,
        file: usize,
        path: &str,
        slug: &str,
        body: &str,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO documents (slug, seq, file, path, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![slug, seq as i64, file as i64, path, body])?;
        Ok(())
    }

    /// Calls `each(file, path, slug, body)` for every document kept, in slug order (bytewise, as Rust orders
    /// strings), documents with the same slug in the order they were parsed.
    pub(super) fn documents(
        &self,
        mut each: impl FnMut(usize, String, String, String) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, path, slug, body FROM documents ORDER BY slug, seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            each(
                r.get::<_, i64>(0)? as usize,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
            )?;
        }
        Ok(())
    }

    /// Begins one transaction for all the writes, which makes them cheap.
    pub(super) fn begin(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN")
    }
}
