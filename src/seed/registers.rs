//! What pass 1 of the pipeline leaves for pass 2: each document's place and records, the registries of slugs
//! documents may share, and the resolved actors. Both passes import it; it imports neither.

use super::model::ActorDef;
use super::registry::Registry;
use super::validate::Rec;

/// One document as pass 1 leaves it: where it is, and what it defines.
pub(super) struct DocInfo {
    pub(super) file: usize,
    pub(super) path: String,
    pub(super) slug: String,
    pub(super) body_path: String,
    pub(super) actors: Vec<(Rec, ActorDef)>,
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
    /// The actors each document defines, so that each one's evidence is found in its own document.
    pub(super) by_doc: Vec<Vec<usize>>,
}

impl Actors {
    /// Each actor's slug, name and aliases.
    pub(super) fn names(&self) -> Vec<(String, String, Vec<String>)> {
        self.list
            .iter()
            .zip(&self.aliases)
            .map(|((_, a, _), aliases)| (a.slug.to_string(), a.name.to_string(), aliases.clone()))
            .collect()
    }
}
