//! Turning parsed seed records into problems with file, line, record and field: the validator, the slug
//! registries, report headers and parameter values. The pipeline drives them.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;

use super::lenient;
use super::model::*;
use super::{Problem, SeedFiles};

pub use super::names::nearest;
pub(super) use super::names::normalize;
pub use super::report_file::{Param, Report};
use super::report_file::{check_value, split};
use super::scratch::PathTable;
use super::source::Source;

/// Identifies a record for error messages: its kind ("event"), slug, and which occurrence of that slug.
#[derive(Clone)]
pub(super) struct Rec {
    pub(super) file: usize,
    pub(super) kind: &'static str,
    pub(super) slug: String,
    pub(super) nth: usize,
}

/// Collects problems. Seed files are read again when an error needs a line number, rather than all kept in
/// memory.
pub(super) struct Validator<'a> {
    pub(super) files: &'a SeedFiles,
    /// The files read so far, each once, with the number of each that parsed: in a temporary file, as a seed may
    /// hold hundreds of thousands. Files already read are not reported again.
    paths: PathTable,
    /// The first error of the path table, which `take_error` hands on.
    error: std::cell::RefCell<Option<rusqlite::Error>>,
    /// How many records with each (file, slug) have been met, to find the nth one's line: for one file at a time,
    /// `seen_file`, since every file's records are met together.
    seen: HashMap<(usize, String), usize>,
    seen_file: Option<usize>,
    pub(super) problems: Vec<Problem>,
    /// Slugs of records left out whole because a required value failed: references to them are not reported
    /// as unknown, since the record's own problem says what is wrong.
    pub(super) dropped: HashSet<String>,
    /// Whether a data file could not be read at all: then unknown references and actors without evidence are not
    /// reported, as they may be defined or mentioned there.
    pub(super) unparsed: bool,
}

impl<'a> Validator<'a> {
    pub(super) fn new(files: &'a SeedFiles) -> rusqlite::Result<Self> {
        Ok(Validator {
            files,
            paths: PathTable::new()?,
            error: std::cell::RefCell::new(None),
            seen: HashMap::new(),
            seen_file: None,
            problems: Vec::new(),
            dropped: HashSet::new(),
            unparsed: false,
        })
    }

    /// Keeps the first error of the path table.
    fn keep<T>(&self, result: rusqlite::Result<T>) -> Option<T> {
        result
            .map_err(|e| {
                self.error.borrow_mut().get_or_insert(e);
            })
            .ok()
    }

    /// The error the path table met, if any: the validator's numbers of files are then incomplete.
    pub(super) fn take_error(&mut self) -> anyhow::Result<()> {
        match self.error.take() {
            Some(e) => {
                Err(anyhow::Error::new(e)
                    .context("cannot keep the seed's paths in a temporary file"))
            }
            None => Ok(()),
        }
    }

    /// The next record with this slug in this file.
    pub(super) fn rec(&mut self, file: usize, kind: &'static str, slug: &Slug) -> Rec {
        // Records are met file by file, so only the current file's counts are kept.
        if self.seen_file != Some(file) {
            self.seen.clear();
            self.seen_file = Some(file);
        }
        let n = self.seen.entry((file, slug.to_string())).or_insert(0);
        let r = Rec {
            file,
            kind,
            slug: slug.to_string(),
            nth: *n,
        };
        *n += 1;
        r
    }

    pub(super) fn path(&self, file: usize) -> String {
        self.keep(self.paths.path(file)).unwrap_or_default()
    }

    /// A seed file's text, read again for a line lookup.
    pub(super) fn source(&self, file: usize) -> Source {
        let path = self.path(file);
        let text = self
            .files
            .read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Source { path, text }
    }

    pub(super) fn problem(
        &mut self,
        code: &'static str,
        file: &str,
        line: Option<usize>,
        message: String,
        hint: Option<&str>,
    ) {
        self.problems.push(Problem {
            code,
            file: file.to_string(),
            line,
            message,
            hint: hint.map(str::to_string),
            ..Problem::default()
        });
    }

    /// A problem with one field of one record. `value`, the string value at fault, helps find the exact line.
    pub(super) fn at(
        &mut self,
        code: &'static str,
        rec: &Rec,
        field: Option<&str>,
        value: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) {
        let needle = value.map(|v| format!("\"{v}\""));
        self.at_needle(code, rec, field, needle.as_deref(), message, hint);
    }

    /// A problem with one field of one record, whose line is the first after the record's that holds `needle`.
    pub(super) fn at_needle(
        &mut self,
        code: &'static str,
        rec: &Rec,
        field: Option<&str>,
        needle: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) -> &mut Problem {
        let src = self.source(rec.file);
        let record_line = src.record_line("slug", &rec.slug, rec.nth).unwrap_or(1);
        let line = match field {
            Some(f) => src.field_line(record_line, f, needle),
            None => record_line,
        };
        let (column, end_column) = src.columns(line, needle);
        self.problems.push(Problem {
            code,
            file: src.path.clone(),
            line: Some(line),
            column: Some(column),
            end_line: Some(line),
            end_column: Some(end_column),
            record: Some(format!("{} \"{}\"", rec.kind, rec.slug)),
            field: field.map(str::to_string),
            message,
            hint: hint.map(str::to_string),
            ..Problem::default()
        });
        self.problems.last_mut().expect("just pushed")
    }

    /// Decodes UTF-8, or records where the first bad byte is.
    pub(super) fn text(&mut self, path: &str, bytes: &[u8]) -> Option<String> {
        match utf8(path, bytes) {
            Ok(text) => Some(text),
            Err(p) => {
                self.problems.push(*p);
                None
            }
        }
    }

    /// Parses a TOML or JSON seed file into `T`, registering its path for later line lookups. A TOML file is read
    /// past its bad values (see `lenient`), each one a problem; a syntax error stops the file. A file read a
    /// second time (pass 2) reports nothing again.
    pub(super) fn parse<T: DeserializeOwned>(&mut self, path: &str) -> Option<(usize, T)> {
        let read = read::<T>(self.files, path);
        self.take(path, read)
    }

    /// Records what reading `path` found (see [`read`]): its problems, unless the file was read before, and its
    /// path. Returns the file's number and its value, if it has one.
    pub(super) fn take<T>(&mut self, path: &str, read: Read<T>) -> Option<(usize, T)> {
        let (mut problems, value, dropped) = match read {
            Read::Unreadable => {
                self.problem(
                    "unreadable",
                    path,
                    None,
                    "cannot read the file".to_string(),
                    None,
                );
                return None;
            }
            Read::NotUtf8(p) => {
                self.problems.push(*p);
                return None;
            }
            Read::Parsed {
                problems,
                value,
                dropped,
            } => (problems, value, dropped),
        };
        let read = self.paths.read(path);
        let (again, number) = self.keep(read)?;
        self.dropped.extend(dropped);
        if value.is_none() {
            // What the file defines is unknown, so references to it cannot be checked: saying that each is unknown
            // would bury the one problem that matters.
            self.unparsed = true;
            if let Some(first) = problems.first_mut()
                && first.hint.is_none()
            {
                first.hint = Some(
                    "references to what this file defines are not checked until it reads"
                        .to_string(),
                );
            }
        }
        if !again {
            self.problems.extend(problems);
        }
        let value = value?;
        let file = match number {
            Some(file) => file,
            None => {
                let numbered = self.paths.number(path);
                self.keep(numbered)?
            }
        };
        Some((file, value))
    }
}

/// A seed file read and parsed, apart from the validator, so that a second thread can read the next file while
/// this one is checked.
pub(super) enum Read<T> {
    Unreadable,
    NotUtf8(Box<Problem>),
    Parsed {
        problems: Vec<Problem>,
        value: Option<T>,
        dropped: Vec<String>,
    },
}

/// Reads and parses one seed file: TOML, or JSON by its extension.
pub(super) fn read<T: DeserializeOwned>(files: &SeedFiles, path: &str) -> Read<T> {
    let Some(bytes) = files.read(path) else {
        return Read::Unreadable;
    };
    let src = match utf8(path, &bytes) {
        Ok(text) => Source {
            path: path.to_string(),
            text,
        },
        Err(p) => return Read::NotUtf8(p),
    };
    let at = |span: Option<std::ops::Range<usize>>, code: &'static str, message: String| {
        let (line, column, end_line, end_column) = match span {
            Some(s) => {
                let (l, c) = src.line_col(s.start);
                let (el, ec) = src.line_col(s.end.max(s.start));
                (Some(l), Some(c), Some(el), Some(ec))
            }
            None => (None, None, None, None),
        };
        Problem {
            code,
            file: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            message,
            ..Problem::default()
        }
    };
    let parsed = if path.ends_with(".json") {
        lenient::parse_json::<T>(&src.text)
    } else {
        lenient::parse_toml::<T>(&src.text)
    };
    match parsed {
        Err(e) => Read::Parsed {
            problems: vec![at(e.span, "syntax", e.message)],
            value: None,
            dropped: Vec::new(),
        },
        Ok(parsed) => Read::Parsed {
            problems: parsed
                .errors
                .into_iter()
                .map(|e| at(e.span, value_code(&e.message), e.message))
                .collect(),
            value: parsed.value,
            dropped: parsed.dropped,
        },
    }
}

/// A file's bytes as text, or the problem that names the first byte that is not UTF-8 and its line and column.
fn utf8(path: &str, bytes: &[u8]) -> Result<String, Box<Problem>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let last_line = good.rsplit(|&b| b == b'\n').next().unwrap_or(good);
            let column = String::from_utf8_lossy(last_line).chars().count() + 1;
            Err(Box::new(Problem {
                code: "not-utf8",
                file: path.to_string(),
                line: Some(line),
                column: Some(column),
                end_line: Some(line),
                end_column: Some(column + 1),
                message: format!(
                    "not valid UTF-8: byte 0x{:02X} at byte offset {}",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
                hint: Some(format!(
                    "save the file as UTF-8, for example: iconv -f WINDOWS-1252 -t UTF-8 {path}"
                )),
                ..Problem::default()
            }))
        }
    }
}

/// The code of a value the parser refused, from serde's wording.
fn value_code(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "unknown-field"
    } else if message.starts_with("missing field") {
        "missing-field"
    } else {
        "invalid-value"
    }
}

pub(super) fn need_evidence(v: &mut Validator, r: &Rec, evidence: &[Quote]) {
    if evidence.is_empty() {
        v.at(
            "no-evidence",
            r,
            None,
            None,
            format!("the {} has no evidence", r.kind),
            Some("add evidence = [\"the exact words from the document\"]"),
        );
    }
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
