//! `dossier sql`: ad hoc SQL, read-only unless --write, with bound parameters and a caret under errors.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use fallible_iterator::FallibleIterator;
use rusqlite::Batch;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::db::{self, Refusal};
use crate::query;
use crate::render::{Format, Style};

const EXAMPLES: &str = "\
The file is opened read-only, and an authorizer refuses every write, ATTACH, DETACH, load_extension,
PRAGMA writable_schema and VACUUM INTO. With --write the statements run in one transaction, which is
rolled back if any of them fails, and the number of rows changed goes to stderr. Several statements may be given;
each one's rows are printed. Named parameters (:name, @name or $name) are bound from -p name=value: a value that
looks like an integer is bound as an integer, anything else as text.

EXAMPLES:
  dossier sql \"SELECT slug, name, kind FROM actors ORDER BY name\"
  dossier sql \"SELECT * FROM timeline WHERE date >= :from\" -p from=2025
  dossier sql -f query.sql --format csv > out.csv
  echo \"SELECT count(*) FROM evidence\" | dossier sql -
  dossier sql --write \"UPDATE actors SET description = 'Envoy' WHERE slug = 'jamal-nasir-gharwal'\"";

/// Run ad hoc SQL (read-only unless --write)
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The SQL to run, or - to read it from stdin
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub sql: Option<String>,
    /// Read the SQL from a file
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A named parameter, as key=value (repeatable)
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = query::parse_param)]
    pub params: Vec<(String, String)>,
    /// Allow writes; all statements run in one transaction
    #[arg(long)]
    pub write: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let sql = read_sql(&args)?;
    let params = param_values(&args.params)?;
    // VACUUM cannot run inside the transaction that --write wraps around the statements, so it runs alone.
    if args.write && is_vacuum(&sql) {
        let conn = db::open_write(&ctx.db)?;
        // VACUUM writes its copy through an attachment of its own.
        conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 1)?;
        conn.execute_batch(&sql)?;
        crate::notice!("dossier: compacted {}", ctx.db.label());
        return Ok(ExitCode::SUCCESS);
    }

    let mut conn = if args.write {
        db::open_write(&ctx.db)?
    } else {
        db::open_read_as(&ctx.db, db::Schema::Unchecked)?
    };
    let (refusal, written) = if args.write {
        let (r, w) = db::guard_writes(&mut conn)?;
        (r, Some(w))
    } else {
        (db::guard(&mut conn, false)?, None)
    };
    if args.write {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let before = conn.total_changes();
    let mut used: Vec<String> = Vec::new();
    let mut direct: u64 = 0;
    let result = run_all(
        &conn,
        &sql,
        &params,
        args.write,
        &refusal,
        &mut used,
        &mut direct,
        &mut Printer {
            format: ctx.format,
            style: ctx.style,
            out: &mut ctx.out(),
        },
    );
    let result = result.and_then(|()| all_used(&params, &used));
    let after = conn.total_changes();
    // The full-text index follows the facts: rewrite the kinds of row whose tables were written.
    let result = result.and_then(|()| match &written {
        Some(w) => {
            db::search_index::follow(&conn, w).context("cannot bring the full-text index in step")
        }
        None => Ok(()),
    });
    if args.write {
        finish_write(&conn, result.is_ok(), after - before, direct)?;
    } else {
        db::close_at_exit(conn);
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// The SQL: the argument, stdin for `-`, or the file.
fn read_sql(args: &Args) -> anyhow::Result<String> {
    Ok(match (&args.sql, &args.file) {
        (Some(s), None) if s == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read SQL from stdin")?;
            s
        }
        (Some(s), None) => s.clone(),
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?
        }
        _ => unreachable!("clap requires exactly one of SQL and --file"),
    })
}

/// The `-p` values by name, each given once.
fn param_values(given: &[(String, String)]) -> anyhow::Result<BTreeMap<String, Value>> {
    let mut params: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in given {
        if params.insert(k.clone(), query::param_value(v)).is_some() {
            bail!("parameter \"{k}\" is given twice; give each -p once");
        }
    }
    Ok(params)
}

/// An error naming each parameter given but used by no statement.
fn all_used(params: &BTreeMap<String, Value>, used: &[String]) -> anyhow::Result<()> {
    let unused: Vec<String> = params
        .keys()
        .filter(|k| !used.contains(k))
        .map(|k| format!("\"{k}\""))
        .collect();
    if unused.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "parameter {} is not used by the SQL",
            unused.join(", ")
        ))
    }
}

/// Commits the `--write` transaction and says how many rows changed (`all` counts those that depended on the
/// `direct` ones), or rolls it back.
fn finish_write(
    conn: &rusqlite::Connection,
    ok: bool,
    all: u64,
    direct: u64,
) -> anyhow::Result<()> {
    if ok {
        conn.execute_batch("COMMIT")?;
        let s = if direct == 1 { "" } else { "s" };
        if all > direct {
            crate::notice!(
                "dossier: {direct} row{s} changed, {all} with the rows that depended on them"
            );
        } else {
            crate::notice!("dossier: {direct} row{s} changed");
        }
    } else {
        let _ = conn.execute_batch("ROLLBACK");
        crate::notice!("dossier: rolled back; nothing was changed");
    }
    Ok(())
}

/// Where and how result sets are printed.
pub struct Printer<'a> {
    pub format: Format,
    pub style: Style,
    pub out: &'a mut dyn Write,
}

/// Runs every statement of `sql` in order, printing each result set; `used` collects the parameter names the
/// statements use and `direct` counts the rows they change.
#[allow(clippy::too_many_arguments)]
pub fn run_all(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &BTreeMap<String, Value>,
    write: bool,
    refusal: &Refusal,
    used: &mut Vec<String>,
    direct: &mut u64,
    print: &mut Printer,
) -> anyhow::Result<()> {
    let mut batch = Batch::new(conn, sql);
    let mut result_sets = 0;
    loop {
        let next = batch.next();
        let mut stmt = match next {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => return Err(explain(e, sql, refusal)),
        };
        // The authorizer has vetted every table write by now, and the read-only connection stops the rest,
        // except VACUUM INTO, which writes a new file the read-only flag does not cover.
        if !write && !stmt.readonly() {
            let text = stmt.expanded_sql().unwrap_or_default();
            if db::first_word(&text).eq_ignore_ascii_case("VACUUM") {
                bail!(
                    "VACUUM is refused: the file is opened read-only; pass --write to compact it"
                );
            }
        }
        for i in 1..=stmt.parameter_count() {
            if let Some(n) = stmt.parameter_name(i) {
                used.push(crate::params::key(n).to_string());
            }
        }
        query::bind(&mut stmt, params)?;
        if stmt.column_count() > 0 {
            if result_sets > 0 && matches!(print.format, Format::Table | Format::Markdown) {
                writeln!(print.out)?;
            }
            query::render_rows(&mut stmt, print.format, print.out, print.style).map_err(
                |e| match e.downcast::<rusqlite::Error>() {
                    Ok(sqlite) => explain(sqlite, sql, refusal),
                    Err(other) => other,
                },
            )?;
            result_sets += 1;
        } else {
            let before = conn.total_changes();
            let n = stmt.raw_execute().map_err(|e| explain(e, sql, refusal))? as u64;
            // A write to a view (`evidence`) changes no row of its own: SQLite counts none, and its triggers write
            // the table behind it, one row for each row of the view. A write to a table that changes none of its
            // rows sets off nothing, so the rows changed then are the view's.
            *direct += if n == 0 {
                conn.total_changes().saturating_sub(before)
            } else {
                n
            };
        }
    }
    Ok(())
}

/// Whether the SQL is one VACUUM statement (VACUUM INTO included).
fn is_vacuum(sql: &str) -> bool {
    db::first_word(sql).eq_ignore_ascii_case("VACUUM")
        && !sql.trim().trim_end_matches(';').contains(';')
}

/// SQLite's message, with the authorizer's reason for a refusal, or a caret under the error's position.
pub fn explain(err: rusqlite::Error, full: &str, refusal: &Refusal) -> anyhow::Error {
    if let Some(why) = refusal.lock().ok().and_then(|mut s| s.take()) {
        return anyhow!("{why}");
    }
    if matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::OperationInterrupted | rusqlite::ErrorCode::OutOfMemory)
    ) {
        return db::harden::explain(err.into());
    }
    match &err {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.ends_with(" may not be modified") => {
            anyhow!(
                "{msg}: it is part of the full-text index, which dossier keeps in step with the facts itself"
            )
        }
        rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        } if *offset >= 0 => {
            // `sql` is the rest of the input from the failing statement on.
            let at = full.len().saturating_sub(sql.len()) + *offset as usize;
            anyhow!("{msg}{}", caret(full, at))
        }
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ReadOnly => {
            anyhow!("{err}: the file is opened read-only; pass --write to change it")
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) => {
            // SQLite gives no position for unknown names; point at the first place the name is written.
            let name = ["no such table: ", "no such column: ", "no such function: "]
                .iter()
                .find_map(|p| msg.strip_prefix(p))
                .map(|n| n.rsplit('.').next().unwrap_or(n));
            match name.and_then(|n| find_word(full, n)) {
                Some(at) => anyhow!("{msg}{}", caret(full, at)),
                None => anyhow!("{msg}"),
            }
        }
        _ => anyhow::Error::new(err),
    }
}

/// The line of `full` holding byte `at`, with a caret under it, as the sqlite3 shell shows a parse error.
fn caret(full: &str, at: usize) -> String {
    let at = (0..=at.min(full.len()))
        .rev()
        .find(|i| full.is_char_boundary(*i))
        .unwrap_or(0);
    let line_start = full[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = full[at..].find('\n').map_or(full.len(), |i| at + i);
    let line_no = full[..at].matches('\n').count() + 1;
    let col = full[line_start..at].chars().count();
    format!(
        "\n  line {line_no}, column {}:\n  {}\n  {}^",
        col + 1,
        &full[line_start..line_end],
        " ".repeat(col)
    )
}

/// The byte position of `word` in `text` as a whole word, ignoring ASCII case.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let (hay, needle) = (text.to_ascii_lowercase(), word.to_ascii_lowercase());
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    hay.match_indices(&needle).map(|(i, _)| i).find(|&i| {
        !hay[..i].chars().next_back().is_some_and(is_word)
            && !hay[i + needle.len()..].chars().next().is_some_and(is_word)
    })
}
