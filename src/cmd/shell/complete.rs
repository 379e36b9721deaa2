//! Completion from the open file, never from a fixed list: SQL keywords (from the SQLite library) and functions
//! (`pragma_function_list`), tables and views, the columns of the tables a statement names (also after
//! `alias.`), report names and parameters, actor names as values of actor parameters, dot-commands, and paths
//! after `.read` and `.output`. Also the line editor's validator: a statement is complete by `sqlite3_complete`.

use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

use rusqlite::Connection;
use rustyline::completion::{Completer, FilenameCompleter};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::dot::{DOT_COMMANDS, split_args};

pub struct Completion {
    conn: Rc<Connection>,
    files: FilenameCompleter,
}

/// Keywords after which only a table or view fits.
const TABLE_CONTEXT: &[&str] = &["FROM", "JOIN", "INTO", "UPDATE", "TABLE"];

/// SQLite's own keyword list, from the library this binary runs.
fn keywords() -> Vec<String> {
    // SAFETY: sqlite3_keyword_name writes a pointer into SQLite's static keyword table and its length for every
    // index below sqlite3_keyword_count; the bytes are ASCII and live as long as the library.
    unsafe {
        let n = rusqlite::ffi::sqlite3_keyword_count();
        (0..n)
            .filter_map(|i| {
                let mut ptr: *const std::ffi::c_char = std::ptr::null();
                let mut len: std::ffi::c_int = 0;
                if rusqlite::ffi::sqlite3_keyword_name(i, &mut ptr, &mut len) != 0 || ptr.is_null()
                {
                    return None;
                }
                let bytes = std::slice::from_raw_parts(ptr as *const u8, len as usize);
                Some(String::from_utf8_lossy(bytes).into_owned())
            })
            .collect()
    }
}

/// Candidates that start with `prefix`, ignoring ASCII case, in order and without repeats.
fn matching(prefix: &str, all: impl IntoIterator<Item = String>) -> Vec<String> {
    let p = prefix.to_ascii_lowercase();
    let mut seen = HashSet::new();
    all.into_iter()
        .filter(|c| c.to_ascii_lowercase().starts_with(&p))
        .filter(|c| seen.insert(c.clone()))
        .collect()
}

/// `%`, `_` and `\` taken literally in a LIKE pattern with `ESCAPE '\'`.
fn like_prefix(prefix: &str) -> String {
    let mut s = String::new();
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// The identifiers and words of a statement, with quotes removed.
fn words(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                // A quoted name stays a word; a string literal is not one.
                if q != '\'' {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
            Some(_) => cur.push(c),
            None if matches!(c, '"' | '`' | '[' | '\'') => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                quote = Some(if c == '[' { ']' } else { c });
            }
            None if c.is_alphanumeric() || c == '_' => cur.push(c),
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                if c == '.' || c == ',' || c == '(' || c == ')' {
                    out.push(c.to_string());
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Completion {
    pub fn new(conn: Rc<Connection>) -> Completion {
        Completion {
            conn,
            files: FilenameCompleter::new(),
        }
    }

    fn strings(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Vec<String> {
        // A file whose catalogue cannot be read completes nothing, rather than failing the line editor.
        (|| -> rusqlite::Result<Vec<String>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            stmt.query_map(params, |r| r.get(0))?.collect()
        })()
        .unwrap_or_default()
    }

    fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT name FROM pragma_table_list WHERE schema IN ('main', 'temp') \
              AND type IN ('table', 'view', 'virtual') AND name NOT LIKE 'sqlite_%' ORDER BY name",
            &[],
        )
    }

    fn columns(&self, table: &str) -> Vec<String> {
        self.strings(
            "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden IN (0, 2, 3) ORDER BY cid",
            &[&table],
        )
    }

    fn functions(&self) -> Vec<String> {
        self.strings(
            "SELECT DISTINCT name FROM pragma_function_list ORDER BY name",
            &[],
        )
    }

    /// The tables the statement names, and the aliases it gives them (alias, lower case → table).
    fn named_tables(&self, sql: &str) -> (Vec<String>, BTreeMap<String, String>) {
        let tables: BTreeMap<String, String> = self
            .tables()
            .into_iter()
            .map(|t| (t.to_lowercase(), t))
            .collect();
        let keywords: HashSet<String> = keywords().into_iter().collect();
        let words = words(sql);
        let mut named = Vec::new();
        let mut aliases = BTreeMap::new();
        for (i, w) in words.iter().enumerate() {
            let Some(table) = tables.get(&w.to_lowercase()) else {
                continue;
            };
            // `x.table` is a column, not a table.
            if i > 0 && words[i - 1] == "." {
                continue;
            }
            if !named.contains(table) {
                named.push(table.clone());
            }
            let mut next = words.get(i + 1);
            if next.is_some_and(|n| n.eq_ignore_ascii_case("AS")) {
                next = words.get(i + 2);
            }
            if let Some(alias) = next.filter(|n| {
                n.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && !keywords.contains(&n.to_ascii_uppercase())
            }) {
                aliases.insert(alias.to_lowercase(), table.clone());
            }
        }
        (named, aliases)
    }

    /// The start of the text to replace and the candidates for the cursor at byte `pos` of `line`.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let (at, mut found) = self.all_candidates(line, pos);
        // Names come from the file, which anyone may have made: one that holds a control character would reach
        // the terminal raw in the list, and cannot be typed anyway.
        found.retain(|c| crate::render::visible(c) == c.as_str());
        (at, found)
    }

    fn all_candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        if before.trim_start().starts_with('.') {
            return self.dot_candidates(line, pos);
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        let (named, aliases) = self.named_tables(line);
        if let Some((qualifier, prefix)) = word.rsplit_once('.') {
            let q = qualifier.to_lowercase();
            let table = aliases
                .get(&q)
                .cloned()
                .or_else(|| self.tables().into_iter().find(|t| t.to_lowercase() == q));
            let columns = table.map(|t| self.columns(&t)).unwrap_or_default();
            return (pos - prefix.len(), matching(prefix, columns));
        }
        let previous = words(&before[..start]).pop().unwrap_or_default();
        if TABLE_CONTEXT
            .iter()
            .any(|k| previous.eq_ignore_ascii_case(k))
        {
            return (start, matching(word, self.tables()));
        }
        let columns = named.iter().flat_map(|t| self.columns(t));
        if word.is_empty() {
            return (start, matching(word, columns.chain(self.tables())));
        }
        let lower = word.starts_with(|c: char| c.is_ascii_lowercase());
        let keywords = keywords()
            .into_iter()
            .map(|k| if lower { k.to_ascii_lowercase() } else { k });
        let all: Vec<String> = columns
            .chain(self.tables())
            .chain(self.functions())
            .chain(keywords)
            .collect();
        (start, matching(word, all))
    }

    fn dot_candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let done = split_args(&before[..start]);
        let Some(cmd) = done.first().map(String::as_str) else {
            let names = DOT_COMMANDS.iter().map(|(n, _, _)| n.to_string());
            return (start, matching(word, names));
        };
        let on_off = || vec!["on".to_string(), "off".to_string()];
        let list = match (cmd, done.len()) {
            (".read" | ".output", _) => {
                let (at, pairs) = self
                    .files
                    .complete_path(line, pos)
                    .unwrap_or((pos, Vec::new()));
                return (at, pairs.into_iter().map(|p| p.replacement).collect());
            }
            (".format", 1) => ["table", "markdown", "csv", "tsv", "json", "ndjson"]
                .map(String::from)
                .to_vec(),
            (".expanded", 1) => ["on", "off", "auto"].map(String::from).to_vec(),
            (".timer" | ".pager", 1) => on_off(),
            (".schema", 1) => self.tables(),
            (".param" | ".parameter", 1) => ["set", "unset", "list"].map(String::from).to_vec(),
            (".report", 1) => self.strings("SELECT name FROM reports ORDER BY name", &[]),
            (".report", _) => return self.report_argument(&done[1], start, word),
            (".evidence", 1) => self.strings(
                "SELECT slug FROM (SELECT slug FROM actors UNION SELECT slug FROM events \
                  UNION SELECT slug FROM designations UNION SELECT slug FROM quotes) \
                 WHERE slug LIKE ?1 ESCAPE '\\' ORDER BY slug LIMIT 200",
                &[&like_prefix(word)],
            ),
            _ => Vec::new(),
        };
        (start, matching(word, list))
    }

    /// After `.report NAME`: the report's parameter names, or after `actor=` the slugs, names and aliases of
    /// actors.
    fn report_argument(&self, report: &str, start: usize, word: &str) -> (usize, Vec<String>) {
        const PARAMS: &str = "SELECT p.name FROM report_params p JOIN reports r ON r.id = p.report \
                               WHERE r.name = ?1 ORDER BY p.position";
        let Some((key, value)) = word.split_once('=') else {
            let names = self
                .strings(PARAMS, &[&report])
                .into_iter()
                .map(|n| format!("{n}="));
            return (start, matching(word, names));
        };
        let kind = self.strings(
            "SELECT p.type FROM report_params p JOIN reports r ON r.id = p.report \
              WHERE r.name = ?1 AND p.name = ?2",
            &[&report, &key],
        );
        if kind.first().map(String::as_str) != Some("actor") {
            return (start, Vec::new());
        }
        let value = value.trim_start_matches(['"', '\'']);
        let names = self.strings(
            "SELECT v FROM (SELECT slug AS v FROM actors UNION SELECT name FROM actors \
                            UNION SELECT alias FROM actor_aliases) \
              WHERE v LIKE ?1 ESCAPE '\\' ORDER BY v LIMIT 200",
            &[&like_prefix(value)],
        );
        let at = start + key.len() + 1;
        let quoted = names.into_iter().map(|n| {
            if n.contains(char::is_whitespace) {
                format!("\"{n}\"")
            } else {
                n
            }
        });
        (at, quoted.collect())
    }
}

impl Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Validator for Completion {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        let t = input.trim();
        Ok(
            if t.is_empty() || t.starts_with('.') || super::is_complete(input) {
                ValidationResult::Valid(None)
            } else {
                ValidationResult::Incomplete
            },
        )
    }
}

impl Hinter for Completion {
    type Hint = String;
}

impl Highlighter for Completion {}

impl Helper for Completion {}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::Completion;

    fn shell() -> Completion {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE actors (id INTEGER PRIMARY KEY, slug TEXT, name TEXT);
             CREATE TABLE actor_aliases (actor INTEGER, alias TEXT);
             CREATE TABLE events (id INTEGER PRIMARY KEY, slug TEXT, summary TEXT);
             CREATE TABLE designations (slug TEXT); CREATE TABLE quotes (slug TEXT);
             CREATE TABLE reports (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE report_params (report INTEGER, name TEXT, type TEXT, position INTEGER);
             INSERT INTO actors VALUES (1, 'russia', 'Russia');
             INSERT INTO actor_aliases VALUES (1, 'Moscow'), (1, 'Russian Federation');
             INSERT INTO reports VALUES (1, 'timeline');
             INSERT INTO report_params VALUES (1, 'actor', 'actor', 1), (1, 'from', 'date', 2);",
        )
        .unwrap();
        Completion::new(Rc::new(conn))
    }

    fn complete(line: &str) -> Vec<String> {
        shell().candidates(line, line.len()).1
    }

    #[test]
    fn tables_after_from_and_columns_after_an_alias() {
        assert_eq!(complete("SELECT * FROM eve"), vec!["events"]);
        let line = "SELECT a.s FROM actors AS a";
        assert_eq!(shell().candidates(line, 10), (9, vec!["slug".to_string()]));
        let line = "SELECT e.su FROM events e";
        assert_eq!(
            shell().candidates(line, 11),
            (9, vec!["summary".to_string()])
        );
        assert_eq!(complete("SELECT * FROM actors a WHERE a.na"), vec!["name"]);
    }

    #[test]
    fn keywords_functions_and_columns_of_named_tables() {
        assert!(complete("sel").contains(&"select".to_string()));
        assert!(complete("SEL").contains(&"SELECT".to_string()));
        assert!(complete("SELECT group_c").contains(&"group_concat".to_string()));
        assert!(complete("SELECT * FROM events WHERE summ").contains(&"summary".to_string()));
    }

    #[test]
    fn reports_their_parameters_and_actor_values() {
        assert_eq!(complete(".rep"), vec![".reports", ".report"]);
        assert_eq!(complete(".report ti"), vec!["timeline"]);
        assert_eq!(complete(".report timeline a"), vec!["actor="]);
        assert_eq!(complete(".report timeline actor=Mo"), vec!["Moscow"]);
        assert_eq!(
            complete(".report timeline actor=Russian"),
            vec!["\"Russian Federation\""]
        );
        assert_eq!(complete(".report timeline from=20"), Vec::<String>::new());
    }
}
