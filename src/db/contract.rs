//! The file's schema against the one `schema.sql` creates: a received file whose tables, views, triggers or
//! indexes differ could run the sender's SQL inside dossier's own fixed queries (a view in place of a table, a
//! trigger on a write), so commands compare before they trust.
//!
//! Also here: the CHECK constraints of `schema.sql`, which `verify` evaluates itself, since SQLite's
//! `integrity_check` skips them on a read-only connection.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use rusqlite::Connection;

use super::SCHEMA;

/// One row of `sqlite_schema`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: String,
    pub name: String,
    pub table: String,
    pub sql: Option<String>,
}

/// How the file's schema departs from dossier's.
#[derive(Debug)]
pub enum Difference {
    Extra(Entry),
    Missing(Entry),
    Changed(Entry),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = |e: &Entry| {
            if e.kind == "trigger" || e.kind == "index" {
                format!(" on {}", e.table)
            } else {
                String::new()
            }
        };
        match self {
            Difference::Extra(e) => write!(f, "an extra {} \"{}\"{}", e.kind, e.name, on(e)),
            Difference::Missing(e) => write!(f, "no {} \"{}\"", e.kind, e.name),
            Difference::Changed(e) => write!(
                f,
                "{} \"{}\" is defined differently from dossier's schema",
                e.kind, e.name
            ),
        }
    }
}

impl Difference {
    /// Whether the difference stops dossier from trusting the file. A user's own table, view or index (made with
    /// `sql --write`) does not: dossier's fixed SQL never names it, and the hardened connection runs a view only
    /// with innocuous functions. A changed or missing dossier object, or a trigger dossier did not make (it would
    /// run on a write), does.
    pub fn blocks(&self) -> bool {
        !matches!(self, Difference::Extra(e) if matches!(e.kind.as_str(), "table" | "view" | "index"))
    }
}

/// Tables SQLite itself may add to any file; they hold statistics and counters, never code. Automatic indexes
/// are left out too: they follow from their table's UNIQUE constraints, which are compared. Only those kinds with
/// those names: SQLite loads a trigger or a view called `sqlite_stat9` like any other, so such a one is compared.
fn is_internal(e: &Entry) -> bool {
    is_internal_row(&e.kind, &e.name, e.sql.is_some())
}

fn is_internal_row(kind: &str, name: &str, has_sql: bool) -> bool {
    (kind == "table" && (name == "sqlite_sequence" || name.starts_with("sqlite_stat")))
        || (kind == "index" && name.starts_with("sqlite_autoindex_") && !has_sql)
}

fn entries(conn: &Connection) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")?;
    let rows = stmt.query_map([], |r| {
        Ok(Entry {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })?;
    let mut all: Vec<Entry> = rows.collect::<rusqlite::Result<_>>()?;
    all.retain(|e| !is_internal(e));
    Ok(all)
}

/// What `schema.sql` creates. Applying the schema to an in-memory database on every command cost more than the
/// rest of a small report (about 9 million instructions), so the rows are kept in `expected_schema.rs`, which a
/// test compares with what SQLite makes of `schema.sql` (and rewrites with `DOSSIER_BLESS=1`).
pub fn expected() -> &'static [Entry] {
    static EXPECTED: OnceLock<Vec<Entry>> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        super::expected_schema::ROWS
            .iter()
            .map(|(kind, name, table, sql)| Entry {
                kind: kind.to_string(),
                name: name.to_string(),
                table: table.to_string(),
                sql: sql.map(str::to_string),
            })
            .collect()
    })
}

/// What SQLite makes of `schema.sql`, read from an in-memory database: the source of `expected_schema.rs`.
pub fn applied() -> Vec<Entry> {
    let conn = Connection::open_in_memory().expect("an in-memory database opens");
    conn.execute_batch(SCHEMA).expect("schema.sql applies");
    entries(&conn).expect("the schema of an in-memory database reads")
}

/// Every difference between the file's schema and dossier's: what the file adds first (that is where a sender's
/// code would be), then what it lacks, then what it changes.
pub fn differences(conn: &Connection) -> rusqlite::Result<Vec<Difference>> {
    if same_as_expected(conn)? {
        return Ok(Vec::new());
    }
    let found = entries(conn)?;
    let mut by_name: BTreeMap<(&str, &str), &Entry> = found
        .iter()
        .map(|e| ((e.kind.as_str(), e.name.as_str()), e))
        .collect();
    let (mut changed, mut missing) = (Vec::new(), Vec::new());
    for want in expected() {
        match by_name.remove(&(want.kind.as_str(), want.name.as_str())) {
            None => missing.push(Difference::Missing(want.clone())),
            Some(got) if got != want => changed.push(Difference::Changed(got.clone())),
            Some(_) => {}
        }
    }
    // Whatever is left was not made by schema.sql. Keep the file's order.
    let mut out: Vec<Difference> = found
        .iter()
        .filter(|e| by_name.contains_key(&(e.kind.as_str(), e.name.as_str())))
        .map(|e| Difference::Extra(e.clone()))
        .collect();
    out.extend(missing);
    out.extend(changed);
    Ok(out)
}

/// Whether the file's schema is dossier's, row for row in any order: what every command asks of a file dossier
/// made, answered from the bytes SQLite holds, with nothing copied or decoded (copying both schemas to compare
/// them took 7 % of a small report's instructions). Any doubt is a "no", and [`differences`] then looks closely.
fn same_as_expected(conn: &Connection) -> rusqlite::Result<bool> {
    use rusqlite::types::ValueRef;
    let rows = super::expected_schema::ROWS;
    let mut seen = vec![false; rows.len()];
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")?;
    let mut found = stmt.query([])?;
    while let Some(r) = found.next()? {
        let (ValueRef::Text(kind), ValueRef::Text(name), ValueRef::Text(table)) =
            (r.get_ref(0)?, r.get_ref(1)?, r.get_ref(2)?)
        else {
            return Ok(false);
        };
        let sql = match r.get_ref(3)? {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(t),
            _ => return Ok(false),
        };
        // The names SQLite itself gives are ASCII; any other name is not internal, and is looked up below.
        let internal = match (std::str::from_utf8(kind), std::str::from_utf8(name)) {
            (Ok(k), Ok(n)) => is_internal_row(k, n, sql.is_some()),
            _ => false,
        };
        if internal {
            continue;
        }
        let Some(at) = rows
            .iter()
            .position(|(k, n, _, _)| k.as_bytes() == kind && n.as_bytes() == name)
        else {
            return Ok(false);
        };
        if seen[at] || rows[at].2.as_bytes() != table || rows[at].3.map(str::as_bytes) != sql {
            return Ok(false);
        }
        seen[at] = true;
    }
    Ok(seen.iter().all(|&s| s))
}

/// The CHECK constraints of one table of `schema.sql`, as SQL expressions.
#[derive(Debug)]
pub struct TableChecks {
    pub table: String,
    pub checks: Vec<String>,
}

/// Every CHECK constraint in `schema.sql`, table by table. The schema is ours, so a small scanner serves: it
/// skips `--` comments and string literals and takes the balanced parentheses after each CHECK.
pub fn checks() -> &'static [TableChecks] {
    static CHECKS: OnceLock<Vec<TableChecks>> = OnceLock::new();
    CHECKS.get_or_init(|| scan_checks(SCHEMA))
}

fn scan_checks(schema: &str) -> Vec<TableChecks> {
    let mut out: Vec<TableChecks> = Vec::new();
    let code = strip_comments(schema);
    let upper = code.to_ascii_uppercase();
    let mut at = 0;
    while at < code.len() {
        let next_table = upper[at..].find("CREATE TABLE ").map(|i| i + at);
        let next_check = upper[at..].find("CHECK").map(|i| i + at);
        match (next_table, next_check) {
            (Some(t), c) if c.is_none_or(|c| t < c) => {
                let rest = &code[t + "CREATE TABLE ".len()..];
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(TableChecks {
                    table: name,
                    checks: Vec::new(),
                });
                at = t + 1;
            }
            (_, Some(c)) => {
                let word_start = c == 0 || !is_word(code.as_bytes()[c - 1]);
                let after = &code[c + "CHECK".len()..];
                let open = after.len() - after.trim_start().len();
                if word_start
                    && after.trim_start().starts_with('(')
                    && let Some(expr) = balanced(&after[open..])
                    && let Some(t) = out.last_mut()
                {
                    t.checks.push(expr.to_string());
                }
                at = c + 1;
            }
            _ => break,
        }
    }
    out.retain(|t| !t.checks.is_empty());
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The text with `--` comments blanked out (string literals kept), so that positions stay the same.
fn strip_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            in_string = c != '\'';
            out.push(c);
        } else if c == '\'' {
            in_string = true;
            out.push(c);
        } else if c == '-' && chars.peek() == Some(&'-') {
            out.push(' ');
            for d in chars.by_ref() {
                if d == '\n' {
                    out.push('\n');
                    break;
                }
                out.extend(std::iter::repeat_n(' ', d.len_utf8()));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The inside of the parenthesised text at the start of `s`, skipping parentheses in string literals.
fn balanced(s: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_has_checks_on_every_content_table() {
        let tables: Vec<&str> = checks().iter().map(|t| t.table.as_str()).collect();
        for t in [
            "meta",
            "documents",
            "actors",
            "events",
            "designations",
            "quotes",
            "evidence_spans",
        ] {
            assert!(tables.contains(&t), "{t} in {tables:?}");
        }
        let docs = checks().iter().find(|t| t.table == "documents").unwrap();
        assert!(
            docs.checks.contains(&"length = length(body)".to_string()),
            "{docs:?}"
        );
    }

    #[test]
    fn every_check_is_valid_sql_on_its_table() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        for t in checks() {
            for c in &t.checks {
                conn.prepare(&format!(
                    "SELECT count(*) FROM \"{}\" WHERE NOT ({c})",
                    t.table
                ))
                .unwrap_or_else(|e| panic!("{}: {c}: {e}", t.table));
            }
        }
    }

    #[test]
    fn comments_and_strings_do_not_confuse_the_scanner() {
        let t = scan_checks(
            "CREATE TABLE a ( -- no CHECK (here)\n x TEXT CHECK (x IN ('(', ')')), -- CHECK (y)\n y CHECK(y > 0));",
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].checks, vec!["x IN ('(', ')')", "y > 0"]);
    }

    /// The stored rows are what SQLite makes of schema.sql. After a change to schema.sql, run
    /// `DOSSIER_BLESS=1 cargo test --lib expected_schema` to rewrite them, and read the diff.
    #[test]
    fn expected_schema_is_what_sqlite_makes_of_schema_sql() {
        let applied = applied();
        if applied.as_slice() == expected() {
            return;
        }
        let mut src = String::from(
            "//! The rows of `sqlite_schema` that `schema.sql` creates, as (type, name, table, sql). Written by the test\n\
             //! `expected_schema_is_what_sqlite_makes_of_schema_sql` (`DOSSIER_BLESS=1`); do not edit by hand.\n\n\
             #[rustfmt::skip]\n\
             pub const ROWS: &[(&str, &str, &str, Option<&str>)] = &[\n",
        );
        for e in &applied {
            src.push_str(&format!(
                "    ({:?}, {:?}, {:?}, {:?}),\n",
                e.kind, e.name, e.table, e.sql
            ));
        }
        src.push_str("];\n");
        if std::env::var_os("DOSSIER_BLESS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/expected_schema.rs");
            std::fs::write(path, src).unwrap();
            return;
        }
        panic!(
            "src/db/expected_schema.rs is not what SQLite makes of schema.sql; rewrite it with \
             `DOSSIER_BLESS=1 cargo test --lib expected_schema` and read the diff"
        );
    }

    #[test]
    fn a_fresh_schema_has_no_differences() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        assert!(differences(&conn).unwrap().is_empty());
        conn.execute_batch("CREATE TRIGGER t AFTER UPDATE ON actors BEGIN DELETE FROM quotes; END; DROP VIEW timeline;")
            .unwrap();
        let d: Vec<String> = differences(&conn)
            .unwrap()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            d,
            vec!["an extra trigger \"t\" on actors", "no view \"timeline\""]
        );
    }

    /// The quick comparison says "the same" exactly when the full one finds no difference at all, whatever was
    /// changed: it may only ever spare the full one work.
    #[test]
    fn the_quick_comparison_agrees_with_the_full_one() {
        let changes = [
            "",
            "CREATE TABLE mine (x)",
            "CREATE INDEX mine ON actors(kind)",
            "CREATE VIEW mine AS SELECT 1",
            "CREATE TRIGGER t AFTER UPDATE ON actors BEGIN DELETE FROM quotes; END",
            "DROP INDEX actors_name",
            "DROP VIEW timeline; CREATE VIEW timeline AS SELECT 1",
            "DROP INDEX actors_name; CREATE INDEX actors_name ON actors(name)",
            "DROP INDEX actors_name; CREATE INDEX actors_name ON actor_aliases(alias)",
            "ANALYZE",
            "CREATE TABLE t2 (x INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO t2 VALUES (1)",
        ];
        for change in changes {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute_batch(change).unwrap();
            let quick = same_as_expected(&conn).unwrap();
            let full = entries(&conn).unwrap();
            let none =
                full.len() == expected().len() && expected().iter().all(|e| full.contains(e));
            assert_eq!(quick, none, "after {change:?}");
            assert_eq!(
                differences(&conn).unwrap().is_empty(),
                none,
                "after {change:?}"
            );
        }
    }
}
