//! A report file's parts: its TOML header in the leading `--` comment lines and its SQL, and the check of a
//! parameter's value. The validator reads report files with these.

use super::model::ParamType;
pub use crate::params::Param;

#[derive(Debug)]
pub struct Report {
    pub name: String,
    pub title: String,
    pub description: String,
    pub sql: String,
    pub params: Vec<Param>,
    /// Where the report came from, for errors found when its SQL is prepared.
    pub file: String,
    pub sql_line: usize,
}

/// A report file split at the end of its header: the header's line count, the header as TOML, and the SQL.
pub(super) fn split(text: &str) -> (usize, String, String) {
    let header_lines = text.lines().take_while(|l| l.starts_with("--")).count();
    let header: String = text
        .lines()
        .take(header_lines)
        .map(|l| {
            let l = l.trim_start_matches("--");
            format!("{}\n", l.strip_prefix(' ').unwrap_or(l))
        })
        .collect();
    let sql: String = text
        .lines()
        .skip(header_lines)
        .collect::<Vec<_>>()
        .join("\n");
    (header_lines, header, sql.trim().to_string())
}

/// Checks a parameter value against its type, as `report` will convert it. Actor values may be a slug, a name or
/// an alias, in any case.
pub fn check_value(
    kind: ParamType,
    value: &str,
    actors: &[(String, String, Vec<String>)],
) -> Result<(), String> {
    crate::params::coerce(kind, value, &crate::params::ActorList(actors), &|| {
        Ok(String::new())
    })
    .map(|_| ())
}
