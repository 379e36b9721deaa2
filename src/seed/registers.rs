//! What pass 1 of the pipeline leaves for pass 2: each document's place and records, the registries of slugs
//! documents may share, and the resolved actors. Both passes import it; it imports neither.

use std::collections::{HashMap, VecDeque};

use rusqlite::{Connection, params};

use super::model::ActorDef;
use super::registry::Registry;
use super::scratch::scratch;
use super::validate::Rec;

/// One document as pass 1 leaves it: where it is.
pub(super) struct DocInfo {
    pub(super) file: usize,
    pub(super) path: String,
    pub(super) slug: String,
    pub(super) body_path: String,
    /// Whether it is the first document with its slug: pass 2 checks its body (a later one is a problem already).
    pub(super) first: bool,
}

/// The documents in the order pass 2 takes them, numbered from 0: in a temporary file, as a seed may hold
/// hundreds of thousands.
pub(super) struct Docs {
    conn: std::sync::Mutex<Connection>,
    len: usize,
}

/// How many documents a page of [`Docs::iter`] reads at once.
const PAGE: usize = 256;

impl Docs {
    pub(super) fn new() -> rusqlite::Result<Self> {
        let conn = scratch(
            "CREATE TABLE docs (d INTEGER PRIMARY KEY, file INTEGER NOT NULL, path TEXT NOT NULL,
                                slug TEXT NOT NULL, body_path TEXT NOT NULL,
                                first INTEGER NOT NULL);
             BEGIN;",
        )?;
        Ok(Docs {
            conn: std::sync::Mutex::new(conn),
            len: 0,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Adds the next document.
    pub(super) fn push(&mut self, doc: &DocInfo) -> rusqlite::Result<()> {
        let d = self.len as i64;
        self.conn()
            .prepare_cached(
                "INSERT INTO docs (d, file, path, slug, body_path, first) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                d,
                doc.file as i64,
                doc.path,
                doc.slug,
                doc.body_path,
                doc.first
            ])?;
        self.len += 1;
        Ok(())
    }

    /// Up to [`PAGE`] documents from number `from`.
    fn page(&self, from: usize) -> rusqlite::Result<Vec<DocInfo>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT file, path, slug, body_path, first FROM docs WHERE d >= ?1 ORDER BY d LIMIT ?2",
        )?;
        stmt.query_map(params![from as i64, PAGE as i64], |r| {
            Ok(DocInfo {
                file: r.get::<_, i64>(0)? as usize,
                path: r.get(1)?,
                slug: r.get(2)?,
                body_path: r.get(3)?,
                first: r.get(4)?,
            })
        })?
        .collect()
    }

    /// Every document in order, read a page at a time; an error ends them.
    pub(super) fn iter(&self) -> impl Iterator<Item = rusqlite::Result<DocInfo>> + Send + '_ {
        let mut page: VecDeque<DocInfo> = VecDeque::new();
        let mut next = 0usize;
        let mut failed = false;
        std::iter::from_fn(move || {
            if failed || next >= self.len {
                return None;
            }
            if page.is_empty() {
                match self.page(next) {
                    Ok(p) if !p.is_empty() => page = p.into(),
                    Ok(_) => return None,
                    Err(e) => {
                        failed = true;
                        return Some(Err(e));
                    }
                }
            }
            next += 1;
            page.pop_front().map(Ok)
        })
    }
}

/// Numbers ids in the order records are registered: row id = index + 1.
pub(super) fn id(index: usize) -> i64 {
    index as i64 + 1
}

/// The slugs documents may refer to across files, on disk (see `Registry::on_disk`): pass 2 asks them whether
/// each record is the first with its slug.
pub(super) struct Registries {
    pub(super) events: Registry,
    pub(super) designations: Registry,
    pub(super) quotes: Registry,
}

/// Every actor, shared and local, with what the documents need to know of them.
pub(super) struct Actors {
    /// Each actor's record, definition and home document (None for the shared file).
    pub(super) list: Vec<(Rec, ActorDef, Option<usize>)>,
    pub(super) registry: Registry,
    pub(super) parents: Vec<Option<usize>>,
    pub(super) aliases: Vec<Vec<String>>,
    /// The actors each document defines, by document number, so that each one's evidence is found in its own
    /// document: only documents that define actors are here.
    pub(super) by_doc: HashMap<usize, Vec<usize>>,
}

impl Actors {
    /// The actors document `d` defines.
    pub(super) fn of_doc(&self, d: usize) -> &[usize] {
        self.by_doc.get(&d).map_or(&[], Vec::as_slice)
    }

    /// Each actor's slug, name and aliases.
    pub(super) fn names(&self) -> Vec<(String, String, Vec<String>)> {
        self.list
            .iter()
            .zip(&self.aliases)
            .map(|((_, a, _), aliases)| (a.slug.to_string(), a.name.to_string(), aliases.clone()))
            .collect()
    }
}
