//! The shell's dot-commands, in the spirit of the sqlite3 shell's, each one calling the code of the command it
//! mirrors (`report`, `evidence`, `search`, `schema`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ValueEnum;
use rusqlite::types::Value;

use super::{Flow, Output, Session};
use crate::cmd::{Ctx, evidence, report, schema, search};
use crate::render::{self, Expanded, Format};

/// The dot-commands, with a line each: `.help` prints this, and completion offers the names.
pub const DOT_COMMANDS: &[(&str, &str, &str)] = &[
    (".help", "", "this list"),
    (".tables", "", "the tables and views"),
    (
        ".schema",
        "[TABLE]",
        "the tables and views, or one's columns and comments",
    ),
    (".reports", "", "the stored reports and their parameters"),
    (".report", "NAME [key=value]…", "run a stored report"),
    (".evidence", "SLUG", "the source passages behind a fact"),
    (".search", "WORDS…", "full-text search, ranked"),
    (
        ".format",
        "table|markdown|csv|tsv|json|ndjson",
        "how results are printed",
    ),
    (
        ".param",
        "set NAME VALUE | unset NAME | list",
        "values bound as :NAME in SQL",
    ),
    (
        ".expanded",
        "on|off|auto",
        "one field per line (auto: when a row is wider than the screen)",
    ),
    (".timer", "on|off", "print each statement's time on stderr"),
    (
        ".read",
        "FILE",
        "run the statements in FILE, stopping at the first error",
    ),
    (
        ".output",
        "FILE|stdout",
        "send results to FILE, or back to the terminal",
    ),
    (
        ".pager",
        "on|off",
        "page results taller than the terminal through $PAGER",
    ),
    (".quit", "", "leave (Ctrl-D too)"),
];

pub const DOT_HELP: &str = "\
DOT-COMMANDS:
  .help                          this list
  .tables                        the tables and views
  .schema [TABLE]                the tables and views, or one's columns and comments
  .reports                       the stored reports and their parameters
  .report NAME [key=value]…      run a stored report: .report timeline actor=Moscow from=2022
  .evidence SLUG                 the source passages behind a fact: .evidence russia
  .search WORDS…                 full-text search, ranked: .search charge d'affaires
  .format FORMAT                 table, markdown, csv, tsv, json or ndjson: .format csv
  .param set NAME VALUE          bind :NAME in SQL (never spliced): .param set from 2022
  .param unset NAME | list       forget one, or list them
  .expanded on|off|auto          one field per line, as psql's \\x (auto: when too wide)
  .timer on|off                  each statement's time, on stderr
  .read FILE                     run the statements in FILE, stopping at the first error
  .output FILE | stdout          results to FILE, or back to the terminal
  .pager on|off                  tall results through $PAGER (default less -FRSX)
  .quit                          leave (Ctrl-D too)

EXAMPLES:
  dossier shell                                 explore ./dossier.db, read-only
  dossier --db other.db shell --write           allow writes; each statement commits as it runs
  dossier shell < checks.sql                    run a script; exit 1 at its first failing statement
  In the shell:
    SELECT name, kind FROM actors
      WHERE country = 'RUS';                    runs at the semicolon that completes it
    .param set from 2022
    SELECT * FROM timeline WHERE date >= :from;
    .report timeline actor=Moscow               Tab after actor= offers the actors' names";

/// Splits a dot-command's arguments at spaces, keeping \"quoted words\" and 'quoted words' together.
pub fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                any = true;
            }
            None if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    args.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            None => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        args.push(cur);
    }
    args
}

fn on_off(arg: Option<&str>, what: &str) -> anyhow::Result<bool> {
    match arg {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => bail!("usage: .{what} on|off"),
    }
}

/// The error for a dot-command that does not exist, with the nearest ones.
fn unknown(other: &str) -> anyhow::Error {
    let names: Vec<&str> = DOT_COMMANDS.iter().map(|(n, _, _)| *n).collect();
    let near = crate::seed::nearest(other, names.iter().copied());
    let hint = if near.is_empty() {
        ".help lists them".to_string()
    } else {
        format!("did you mean {}?", near.join(" or "))
    };
    anyhow::anyhow!("unknown dot-command {other}; {hint}")
}

impl Session {
    pub(super) fn dot(&mut self, ctx: &Ctx, line: &str) -> anyhow::Result<Flow> {
        let args = split_args(line);
        let Some(cmd) = args.first().map(String::as_str) else {
            return Ok(Flow::Continue);
        };
        let rest: Vec<&str> = args[1..].iter().map(String::as_str).collect();
        let conn = self.conn.clone();
        match cmd {
            ".help" => {
                let mut out = ctx.out();
                writeln!(out, "{DOT_HELP}")?;
            }
            ".quit" | ".exit" => return Ok(Flow::Quit),
            ".tables" => {
                let mut stmt = conn.prepare(
                    "SELECT name, type FROM pragma_table_list \
                      WHERE schema IN ('main', 'temp') AND type IN ('table', 'view', 'virtual') \
                        AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?;
                self.with_printer(ctx, |p| {
                    crate::query::render_rows(&mut stmt, p.format, p.out, p.style).map(|_| ())
                })?;
            }
            ".schema" => {
                let table = rest.first().copied();
                self.with_printer(ctx, |p| {
                    schema::show(&conn, table, p.format, p.out, p.style)
                })?;
            }
            ".reports" => {
                self.with_printer(ctx, |p| report::list(&conn, p.format, p.out, p.style))?;
            }
            ".report" => {
                let Some(name) = rest.first() else {
                    bail!("usage: .report NAME [key=value]… (.reports lists them)");
                };
                let given = rest[1..]
                    .iter()
                    .map(|kv| crate::query::parse_param(kv).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let refusal = self.refusal.clone();
                self.with_printer(ctx, |p| {
                    report::run_named(&conn, &refusal, name, &given, p.format, p.out, p.style)
                })?;
            }
            ".evidence" => {
                let [slug] = rest.as_slice() else {
                    bail!("usage: .evidence SLUG (or TABLE:SLUG)");
                };
                self.with_printer(ctx, |p| {
                    evidence::show(&conn, slug, p.format, p.out, p.style)
                })?;
            }
            ".search" => {
                // The words as typed: an apostrophe in them (d'affaires) is not a quote here.
                let words = line[cmd.len()..].trim().to_string();
                if words.is_empty() {
                    bail!("usage: .search WORDS…");
                }
                self.with_printer(ctx, |p| {
                    search::show(&conn, &words, None, 20, p.format, p.out, p.style)
                })?;
            }
            ".format" => {
                let format = rest.first().and_then(|f| Format::from_str(f, true).ok());
                match format {
                    Some(f) => self.format = f,
                    None => bail!("usage: .format table|markdown|csv|tsv|json|ndjson"),
                }
            }
            ".param" | ".parameter" => self.param(ctx, line, &rest)?,
            ".expanded" => {
                self.expanded = match rest.first().copied() {
                    Some("on") => Expanded::On,
                    Some("off") => Expanded::Off,
                    Some("auto") => Expanded::Auto,
                    _ => bail!("usage: .expanded on|off|auto"),
                }
            }
            ".timer" => self.timer = on_off(rest.first().copied(), "timer")?,
            ".pager" => self.set_pager(&rest)?,
            ".read" => {
                let [file] = rest.as_slice() else {
                    bail!("usage: .read FILE");
                };
                let f = std::fs::File::open(file).with_context(|| format!("cannot read {file}"))?;
                return self.run_script(ctx, std::io::BufReader::new(f), file);
            }
            ".output" => self.set_output(ctx, &rest)?,
            other => return Err(unknown(other)),
        }
        Ok(Flow::Continue)
    }

    /// `.output FILE|stdout`: where results go from now on.
    fn set_output(&mut self, ctx: &Ctx, rest: &[&str]) -> anyhow::Result<()> {
        match rest {
            [] | ["stdout"] => self.close_output()?,
            [file] => {
                let path = PathBuf::from(file);
                self.refuse_database(&path, ctx)?;
                let f =
                    std::fs::File::create(&path).with_context(|| format!("cannot write {file}"))?;
                self.close_output()?;
                self.output = Output::File(std::io::BufWriter::new(f), path);
            }
            _ => bail!("usage: .output FILE|stdout"),
        }
        Ok(())
    }

    /// `.pager on|off`: on only where the shell runs on a terminal.
    fn set_pager(&mut self, rest: &[&str]) -> anyhow::Result<()> {
        let on = on_off(rest.first().copied(), "pager")?;
        self.pager = on && self.interactive && std::io::IsTerminal::is_terminal(&std::io::stdout());
        if on && !self.pager {
            crate::notice!("dossier: the pager works only when the shell runs on a terminal");
        }
        Ok(())
    }

    fn param(&mut self, ctx: &Ctx, line: &str, rest: &[&str]) -> anyhow::Result<()> {
        match rest {
            ["set", name, _, ..] => {
                // The value is the rest of the line after the name, so that it may hold spaces; quotes around
                // the whole of it are dropped.
                let after = line
                    .splitn(4, char::is_whitespace)
                    .nth(3)
                    .unwrap_or("")
                    .trim();
                let value = match after.chars().next() {
                    Some(q @ ('"' | '\'')) if after.len() >= 2 && after.ends_with(q) => {
                        &after[1..after.len() - 1]
                    }
                    _ => after,
                };
                let key = crate::params::key(name).to_string();
                self.params.insert(key, crate::query::param_value(value));
            }
            ["unset", name] => {
                let key = crate::params::key(name);
                if self.params.remove(key).is_none() {
                    bail!("no parameter {key} is set (.param list shows them)");
                }
            }
            ["list"] | [] => {
                let rows: Vec<Vec<Value>> = self
                    .params
                    .iter()
                    .map(|(k, v)| vec![Value::Text(format!(":{k}")), v.clone()])
                    .collect();
                self.with_printer(ctx, |p| {
                    render::write_all(p.format, &["name", "value"], &rows, p.out, p.style)
                        .map_err(Into::into)
                })?;
            }
            _ => bail!("usage: .param set NAME VALUE | .param unset NAME | .param list"),
        }
        Ok(())
    }

    /// `.output` must not point at the database it reads.
    fn refuse_database(&self, path: &std::path::Path, ctx: &Ctx) -> anyhow::Result<()> {
        if let crate::db::Database::File(db) = &ctx.db
            && let (Ok(a), Ok(b)) = (std::fs::canonicalize(db), std::fs::canonicalize(path))
            && a == b
        {
            bail!(
                "{} is the database; .output writes results to another file",
                path.display()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    #[test]
    fn arguments_keep_quoted_words_together() {
        assert_eq!(
            split_args(".report actor actor=\"Kabul regime\" x=''"),
            vec![".report", "actor", "actor=Kabul regime", "x="]
        );
        assert_eq!(split_args("  .tables  "), vec![".tables"]);
    }

    #[test]
    fn the_help_lists_every_dot_command() {
        for (name, _, _) in super::DOT_COMMANDS {
            assert!(super::DOT_HELP.contains(&format!("  {name} ")), "{name}");
        }
    }
}
