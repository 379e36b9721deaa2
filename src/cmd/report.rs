//! `dossier report`: list the reports stored in the file, or run one with typed, bound parameters.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use rusqlite::Connection;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::seed::nearest;
use crate::{db, query, render};

const EXAMPLES: &str = "\
The reports travel inside the file: whoever receives the file can list and run them. Parameters are typed
(text, integer, date, actor) and always bound as SQL parameters. A date is an EDTF day, month or year (2025,
2025-07, 2025-07-03); an actor is a slug or any alias, in any case.

EXAMPLES:
  dossier report                                  list the reports and their parameters
  dossier report timeline                         every event in date order
  dossier report timeline -p actor=Moscow -p from=2022
  dossier report actor -p actor=\"Kabul regime\"    one actor's profile
  dossier report in-force -p on=2024-01-01        designations in force on a day
  dossier report recognitions --format json
  dossier report quotes --sql                     print the report's SQL";

/// List the stored reports, or run one
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The report to run; omit to list them
    pub name: Option<String>,
    /// A parameter, as key=value (repeatable)
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = query::parse_param)]
    pub params: Vec<(String, String)>,
    /// Print the report's SQL instead of running it
    #[arg(long, requires = "name")]
    pub sql: bool,
}

use crate::params::{self, Param, params_of};

/// The file's actors, for an actor parameter's value.
struct FileActors<'c>(&'c Connection);

impl params::Actors for FileActors<'_> {
    fn resolve(&self, wanted: &str) -> Result<String, String> {
        resolve_actor(self.0, wanted)
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let mut conn = db::open_read(&ctx.db)?;
    // Stored SQL runs under the same authorizer as `sql`.
    let refusal = db::guard(&mut conn, false)?;
    let mut out = ctx.out();
    match args.name {
        None => list(&conn, ctx.format, &mut out, ctx.style)?,
        Some(name) if args.sql => {
            let (_, sql) = find(&conn, &name)?;
            if ctx.style.terminal {
                writeln!(out, "{}", render::visible(&sql))?;
            } else {
                writeln!(out, "{sql}")?;
            }
        }
        Some(name) => run_named(
            &conn,
            &refusal,
            &name,
            &args.params,
            ctx.format,
            &mut out,
            ctx.style,
        )?,
    }
    db::close_at_exit(conn);
    Ok(ExitCode::SUCCESS)
}

/// The id and SQL of the report called `name`, or an error naming the nearest names.
pub fn find(conn: &Connection, name: &str) -> anyhow::Result<(i64, String)> {
    let found: Option<(i64, String)> = conn
        .query_row("SELECT id, sql FROM reports WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    if let Some(found) = found {
        return Ok(found);
    }
    let names: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM reports ORDER BY name")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let near = nearest(name, names.iter().map(String::as_str));
    let hint = if near.is_empty() {
        format!("the reports are: {}", names.join(", "))
    } else {
        format!(
            "did you mean {}? (`dossier report` lists them all)",
            near.join(" or ")
        )
    };
    bail!("no report named \"{name}\"; {hint}");
}

/// Runs the stored report `name` with the `given` key=value parameters, typed and bound. The connection has
/// dossier's authorizer installed ([`db::guard`]); `refusal` is its slot for the reason of a refusal.
pub fn run_named(
    conn: &Connection,
    refusal: &db::Refusal,
    name: &str,
    given: &[(String, String)],
    format: render::Format,
    out: &mut dyn Write,
    style: render::Style,
) -> anyhow::Result<()> {
    let (id, sql) = find(conn, name)?;
    let params = params_of(conn, id)?;
    let bound = bind_values(conn, name, &params, given)?;
    let mut stmt = prepare_stored(conn, refusal, name, &sql)?;
    query::bind(&mut stmt, &bound)?;
    query::render_rows(&mut stmt, format, out, style)?;
    Ok(())
}

/// A stored report's SQL, prepared under the same rules as `dossier sql`: the authorizer refuses writes,
/// ATTACH and extensions, and a statement that is not read-only (VACUUM INTO writes a new file, which neither the
/// read-only connection nor the authorizer covers) is refused by name before it runs.
pub fn prepare_stored<'c>(
    conn: &'c Connection,
    refusal: &db::Refusal,
    name: &str,
    sql: &str,
) -> anyhow::Result<rusqlite::Statement<'c>> {
    let refused = |why: &str| {
        anyhow::anyhow!(
            "report \"{name}\" is refused: {why}. The file's stored SQL is not what dossier wrote; run \
             `dossier verify`"
        )
    };
    if let Some(why) = db::not_a_query(sql) {
        return Err(refused(&why));
    }
    let stmt = conn.prepare(sql).map_err(|e| {
        match refusal.lock().ok().and_then(|mut r| r.take()) {
            Some(why) => refused(&why),
            None => anyhow::anyhow!(
                "the stored SQL of report \"{name}\" does not prepare ({e}); run `dossier verify`"
            ),
        }
    })?;
    if !stmt.readonly() {
        return Err(refused(db::STORED_SQL_WRITES));
    }
    Ok(stmt)
}

/// The stored reports with their parameters.
pub fn list(
    conn: &Connection,
    format: render::Format,
    out: &mut dyn Write,
    style: render::Style,
) -> anyhow::Result<()> {
    let reports: Vec<(i64, String, String, String)> = {
        let mut stmt =
            conn.prepare("SELECT id, name, title, description FROM reports ORDER BY name")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut rows = Vec::new();
    for (id, name, title, description) in reports {
        let params: Vec<String> = params_of(conn, id)?.iter().map(Param::describe).collect();
        rows.push(vec![
            Value::Text(name),
            Value::Text(title),
            Value::Text(params.join("\n")),
            Value::Text(description),
        ]);
    }
    render::write_all(
        format,
        &["name", "title", "parameters", "description"],
        &rows,
        out,
        style,
    )?;
    Ok(())
}

/// Checks the given values against the report's parameters and converts them to typed SQL values. Every declared
/// parameter gets a value: the given one, else its default, else NULL.
fn bind_values(
    conn: &Connection,
    report: &str,
    params: &[Param],
    given: &[(String, String)],
) -> anyhow::Result<BTreeMap<String, Value>> {
    let listing = || {
        if params.is_empty() {
            format!("report \"{report}\" takes no parameters")
        } else {
            let lines: Vec<String> = params
                .iter()
                .map(|p| format!("  -p {}=…  {}: {}", p.name, p.describe(), p.description))
                .collect();
            format!("report \"{report}\" takes:\n{}", lines.join("\n"))
        }
    };
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in given {
        let Some(p) = params.iter().find(|p| &p.name == key) else {
            bail!("unknown parameter \"{key}\"\n{}", listing());
        };
        if values.contains_key(key) {
            bail!("parameter \"{key}\" is given twice");
        }
        let v = typed(conn, p, value)
            .map_err(|e| anyhow::anyhow!("parameter \"{key}\": {e}\n{}", listing()))?;
        values.insert(key.clone(), v);
    }
    for p in params {
        if values.contains_key(&p.name) {
            continue;
        }
        let v = match &p.default {
            Some(d) => typed(conn, p, d).map_err(|e| {
                anyhow::anyhow!("parameter \"{}\": bad stored default: {e}", p.name)
            })?,
            None if p.required => bail!("missing required parameter \"{}\"\n{}", p.name, listing()),
            None => Value::Null,
        };
        values.insert(p.name.clone(), v);
    }
    Ok(values)
}

/// One value converted to its parameter's type.
fn typed(conn: &Connection, p: &Param, value: &str) -> Result<Value, String> {
    let today = || {
        conn.query_row("SELECT date('now', 'localtime')", [], |r| r.get(0))
            .map_err(|e| e.to_string())
    };
    params::coerce(p.kind, value, &FileActors(conn), &today)
}

/// An actor's slug from its slug or any alias or name, compared without regard to case.
pub fn resolve_actor(conn: &Connection, wanted: &str) -> Result<String, String> {
    // The common cases go through indexes: an exact slug, or a slug, name or alias equal but for ASCII case.
    // Slugs are ASCII by their CHECK, so `lower()` (ASCII only, as NOCASE) finds one through the slug's own index,
    // which `slug = ?1 COLLATE NOCASE` could not use (it read every actor: a quarter of a small report's time).
    // An actor's exact slug, as reports are most often given one, is the cheapest question of all.
    let exact = conn
        .prepare_cached("SELECT 1 FROM actors WHERE slug = ?1")
        .and_then(|mut stmt| stmt.exists([wanted]))
        .map_err(|e| e.to_string())?;
    if exact {
        return Ok(wanted.to_string());
    }
    let quick = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(
            "SELECT slug FROM actors WHERE slug = lower(?1) \
             UNION SELECT slug FROM actors WHERE name = ?1 COLLATE NOCASE \
             UNION SELECT a.slug FROM actor_aliases al JOIN actors a ON a.id = al.actor WHERE al.alias = ?1 COLLATE NOCASE",
        )?;
        stmt.query_map([wanted.trim()], |r| r.get(0))?.collect()
    })()
    .map_err(|e| e.to_string())?;
    if quick.iter().any(|s| s == wanted) {
        return Ok(wanted.to_string());
    }
    if let [one] = quick.as_slice() {
        return Ok(one.clone());
    }
    // Otherwise compare every name with Unicode case folding, which also finds near misses to suggest.
    let names: Vec<(String, String)> = (|| -> rusqlite::Result<Vec<(String, String)>> {
        let mut stmt = conn.prepare(
            "SELECT slug, slug FROM actors UNION ALL SELECT slug, name FROM actors \
             UNION ALL SELECT a.slug, al.alias FROM actor_aliases al JOIN actors a ON a.id = al.actor",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
    })()
    .map_err(|e| e.to_string())?;
    if names.iter().any(|(slug, _)| slug == wanted) {
        return Ok(wanted.to_string());
    }
    let folded = wanted.trim().to_lowercase();
    let mut matches: Vec<&String> = names
        .iter()
        .filter(|(_, n)| n.to_lowercase() == folded)
        .map(|(slug, _)| slug)
        .collect();
    matches.sort();
    matches.dedup();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let near = nearest(wanted, names.iter().map(|(_, n)| n.as_str()));
            Err(if near.is_empty() {
                format!(
                    "no actor has the slug, name or alias \"{wanted}\" (`dossier report actors` lists them)"
                )
            } else {
                format!(
                    "no actor has the slug, name or alias \"{wanted}\"; did you mean {}?",
                    near.join(" or ")
                )
            })
        }
        many => Err(format!(
            "\"{wanted}\" names more than one actor: {}; use a slug",
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
