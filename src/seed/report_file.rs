//! Reading a report file: its TOML header in the leading `--` comment lines, with each parameter checked, then
//! its SQL, with the line it starts on for the errors found when it is prepared.

use super::Problem;
use super::model::ParamType;
use super::model::{ParamDef, ReportHeader, Slug};
use super::validate::Validator;
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
fn split(text: &str) -> (usize, String, String) {
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

/// Reads a report file: a TOML header in the leading `--` comment lines, then the SQL.
pub(super) fn parse_report(
    v: &mut Validator,
    path: &str,
    actors: &[(String, String, Vec<String>)],
) -> Option<Report> {
    let bytes = v.files.read(path)?;
    let text = v.text(path, &bytes)?;
    let name = path
        .trim_start_matches("reports/")
        .trim_end_matches(".sql")
        .to_string();
    if let Err(e) = Slug::parse(&name) {
        v.problem(
            "report-name",
            path,
            None,
            format!("bad report name: {e}"),
            Some("rename the file"),
        );
        return None;
    }
    let (header_lines, header, sql) = split(&text);
    let header: ReportHeader = match toml::from_str(&header) {
        Ok(h) => h,
        Err(e) => {
            let line = e
                .span()
                .map(|s| header[..s.start].matches('\n').count() + 1);
            v.problem(
                "report-header",
                path,
                line,
                format!("report header: {}", e.message().trim()),
                Some(
                    "the header is TOML in `-- ` comment lines: title, description and [[params]]",
                ),
            );
            return None;
        }
    };
    if sql.is_empty() {
        v.problem(
            "report-no-sql",
            path,
            None,
            "the report has no SQL after its header".to_string(),
            None,
        );
        return None;
    }
    let sql_line = header_lines
        + 1
        + text
            .lines()
            .skip(header_lines)
            .take_while(|l| l.trim().is_empty())
            .count();
    let params = check_params(v, path, &name, &text, &header.params, actors)?;
    Some(Report {
        name,
        title: header.title.to_string(),
        description: header.description.to_string(),
        sql,
        params,
        file: path.to_string(),
        sql_line,
    })
}

/// The header's parameters, each checked: its name, that it is declared once, its default and whether it is
/// required. `None` when any has a problem (each is reported).
fn check_params(
    v: &mut Validator,
    path: &str,
    name: &str,
    text: &str,
    declared: &[ParamDef],
    actors: &[(String, String, Vec<String>)],
) -> Option<Vec<Param>> {
    let mut params: Vec<Param> = Vec::new();
    let param_line = |name: &str| {
        text.lines()
            .position(|l| l.contains(&format!("\"{name}\"")))
            .map(|i| i + 1)
    };
    let problems_before = v.problems.len();
    for p in declared {
        let line = param_line(&p.name);
        let bad = |v: &mut Validator, msg: String, hint: &str| {
            v.problems.push(Problem {
                code: "report-parameter",
                file: path.to_string(),
                line,
                column: None,
                record: Some(format!("report \"{name}\" parameter \"{}\"", p.name)),
                field: None,
                message: msg,
                hint: Some(hint.to_string()),
                ..Problem::default()
            })
        };
        let name_ok = p.name.starts_with(|c: char| c.is_ascii_lowercase())
            && p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            bad(
                v,
                "bad parameter name".into(),
                "use lower-case letters, digits and underscores",
            );
        }
        if params.iter().any(|q| q.name == p.name) {
            bad(
                v,
                "the parameter is declared twice".into(),
                "declare each parameter once",
            );
        }
        if p.required && p.default.is_some() {
            bad(
                v,
                "a required parameter cannot have a default".into(),
                "remove `required` or the default",
            );
        }
        if let Some(d) = &p.default
            && let Err(e) = check_value(p.kind, d, actors)
        {
            bad(v, format!("bad default: {e}"), "fix the default value");
        }
        params.push(Param {
            name: p.name.clone(),
            kind: p.kind,
            required: p.required,
            default: p.default.clone(),
            description: p.description.to_string(),
        });
    }
    (v.problems.len() == problems_before).then_some(params)
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
