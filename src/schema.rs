//! What a dossier file is, as constants: the schema text, the marks that identify the file, and the names of its
//! tables. A leaf: it imports nothing of the crate.

/// schema.sql, applied verbatim by `build`.
pub const SCHEMA: &str = include_str!("../schema.sql");
/// `schema.sql` in two parts for a bulk load: everything but its `CREATE INDEX` statements, and those statements,
/// which build each index in one sorted pass once the rows are in rather than one row at a time as they arrive.
/// The indexes that UNIQUE constraints make stay in the first part, with their tables.
pub fn schema_without_indexes() -> (String, String) {
    let (mut rest, mut indexes) = (String::new(), String::new());
    for line in SCHEMA.lines() {
        let out = if line.starts_with("CREATE INDEX ") {
            &mut indexes
        } else {
            &mut rest
        };
        out.push_str(line);
        out.push('\n');
    }
    (rest, indexes)
}

/// `PRAGMA application_id` of every dossier file: 'DSSR'.
pub const APPLICATION_ID: i32 = 0x4453_5352;
/// `PRAGMA user_version`: the schema version this binary writes and reads.
pub const SCHEMA_VERSION: i32 = 2;

/// The tables whose rows make up the content of a dossier, in a fixed order.
pub const CONTENT_TABLES: &[&str] = &[
    "documents",
    "actors",
    "actor_aliases",
    "events",
    "event_actors",
    "designations",
    "quotes",
    "evidence",
    "reports",
    "report_params",
];

/// The shadow tables FTS5 keeps for the full-text index `search`. Only FTS5 itself writes them.
pub const SHADOW_TABLES: &[&str] = &[
    "search_data",
    "search_idx",
    "search_docsize",
    "search_config",
];

/// Whether a table is SQLite's own or a shadow table of the full-text index: not part of what a reader browses.
pub fn is_internal_table(name: &str) -> bool {
    name.starts_with("sqlite_") || SHADOW_TABLES.contains(&name)
}

/// The same test as [`is_internal_table`], as an SQL condition on a column `name` (of `sqlite_schema`).
/// `LIKE 'sqlite_%'` would take `_` as a wildcard, so the prefix is compared exactly.
pub const NOT_INTERNAL_SQL: &str = "substr(name, 1, 7) <> 'sqlite_' AND name NOT IN \
     ('search_data', 'search_idx', 'search_docsize', 'search_config')";

#[cfg(test)]
mod tests {
    #[test]
    fn schema_sql_sets_the_version_this_binary_reads() {
        let line = format!("PRAGMA user_version = {};", super::SCHEMA_VERSION);
        assert!(super::SCHEMA.lines().any(|l| l == line), "{line}");
    }

    #[test]
    fn the_sql_condition_lists_every_shadow_table() {
        for t in super::SHADOW_TABLES {
            assert!(super::NOT_INTERNAL_SQL.contains(&format!("'{t}'")), "{t}");
        }
    }
}
