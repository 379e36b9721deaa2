//! Writing a dossier's content out in other shapes: tables as csv and json, an SQL dump, a seed, Datasette
//! metadata, an offline page.

pub mod datasette;
pub mod dump;
pub mod html;
pub mod seed;
pub mod tables;

/// Every table a colleague needs, in load order: `meta` first, then the content.
pub fn tables() -> Vec<&'static str> {
    let mut t = vec!["meta"];
    t.extend_from_slice(crate::seed::load::CONTENT_TABLES);
    t
}
