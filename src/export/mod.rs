//! Writing a dossier's content out in other shapes: tables as csv and json, an SQL dump, a seed, Datasette
//! metadata and configuration, FollowTheMoney entities, an offline page.

pub mod datasette;
pub mod dump;
pub mod ftm;
pub mod html;
pub mod seed;
pub mod tables;
mod writer;

pub use writer::Writer;

/// What `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Json,
    Sql,
    Seed,
    Datasette,
    Ftm,
    Html,
}

/// Every table a colleague needs, in load order: `meta` first, then the content.
pub fn tables() -> Vec<&'static str> {
    let mut t = vec!["meta"];
    t.extend_from_slice(crate::seed::load::CONTENT_TABLES);
    t
}
