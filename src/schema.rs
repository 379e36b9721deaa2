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
pub const SCHEMA_VERSION: i32 = 4;

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

/// The table that stores the rows a content table shows: `evidence` is a view over `evidence_spans`, which holds
/// the spans without their words (schema.sql). A copy of the rows, such as the SQL dump, writes the stored table.
pub fn stored(table: &str) -> &str {
    if table == "evidence" {
        "evidence_spans"
    } else {
        table
    }
}

/// How many code points of a span's words `evidence_spans.head` keeps as a witness.
pub const HEAD: usize = 8;

/// The witness of a span's words: its first [`HEAD`] code points.
pub fn head(exact: &str) -> &str {
    match exact.char_indices().nth(HEAD) {
        Some((i, _)) => &exact[..i],
        None => exact,
    }
}

/// The length in code points past which a document's evidence keeps its words in `evidence_spans.exact`
/// (schema.sql): SQLite reads a body whole to take a substring of it, so a span of a long body would cost as much
/// as the body.
pub const LONG_DOCUMENT: usize = 65_536;

/// Whether a body is longer than [`LONG_DOCUMENT`] code points.
pub fn is_long(body: &str) -> bool {
    body.len() > LONG_DOCUMENT && body.chars().count() > LONG_DOCUMENT
}

/// The shadow tables FTS5 keeps for the full-text index `search`. Only FTS5 itself writes them.
pub const SHADOW_TABLES: &[&str] = &[
    "search_data",
    "search_idx",
    "search_docsize",
    "search_config",
];

/// Tables of schema.sql whose rows dossier computes from the full-text index, as FTS5 computes its shadow tables:
/// not content, so the exports of content leave them out, and only dossier writes them. Unlike the shadow tables
/// they are created by schema.sql, so `schema` describes them and the SQL dump creates them and carries their rows.
pub const DERIVED_TABLES: &[&str] = &["search_best"];

/// The kinds of row of the full-text index, in the order of their ranges of rowids.
pub const SEARCH_KINDS: [&str; 4] = ["event", "actor", "document", "quote"];

/// The first rowid of each kind's range in `search_rows` (schema.sql): an event's rowid is its id, an actor's
/// 2^48 + id, a document's 2 * 2^48 + id, a quote's 3 * 2^48 + id.
const RANGE: i64 = 1 << 48;

/// The rowids of `search` that rows of one kind take, as an inclusive range.
pub fn rowids_of(kind: &str) -> (i64, i64) {
    match kind {
        "event" => (i64::MIN, RANGE - 1),
        "actor" => (RANGE, 2 * RANGE - 1),
        "document" => (2 * RANGE, 3 * RANGE - 1),
        _ => (3 * RANGE, i64::MAX),
    }
}

/// The kind whose range of rowids holds `rowid`.
pub fn kind_of_rowid(rowid: i64) -> &'static str {
    match rowid.max(0) / RANGE {
        0 => "event",
        1 => "actor",
        2 => "document",
        _ => "quote",
    }
}

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
    fn the_head_is_the_first_code_points() {
        assert_eq!(super::head("chargé d’affaires"), "chargé d");
        assert_eq!(super::head("“Taliban”"), "“Taliban");
        assert_eq!(super::head("short"), "short");
        assert_eq!(super::head("12345678"), "12345678");
    }

    #[test]
    fn a_long_document_is_counted_in_code_points() {
        assert!(!super::is_long(&"é".repeat(super::LONG_DOCUMENT)));
        assert!(super::is_long(&"é".repeat(super::LONG_DOCUMENT + 1)));
        assert!(!super::is_long(&"x".repeat(super::LONG_DOCUMENT)));
    }

    #[test]
    fn schema_sql_names_the_numbers_this_binary_uses() {
        let long = format!("> {}", super::LONG_DOCUMENT);
        assert_eq!(super::SCHEMA.matches(&long).count(), 3, "{long}");
        let head = format!("substr(NEW.exact, 1, {})", super::HEAD);
        assert_eq!(super::SCHEMA.matches(&head).count(), 2, "{head}");
        assert!(super::SCHEMA.contains(&format!("min({}, end - start)", super::HEAD)));
    }

    #[test]
    fn each_rowid_belongs_to_the_kind_whose_range_holds_it() {
        for kind in super::SEARCH_KINDS {
            let (low, high) = super::rowids_of(kind);
            for rowid in [low, low.saturating_add(1), high - 1, high] {
                assert_eq!(super::kind_of_rowid(rowid), kind, "{rowid}");
            }
        }
    }

    #[test]
    fn the_sql_condition_lists_every_shadow_table() {
        for t in super::SHADOW_TABLES {
            assert!(super::NOT_INTERNAL_SQL.contains(&format!("'{t}'")), "{t}");
        }
    }
}
