//! `dossier evidence`: the source passages behind one fact, with the span marked in its sentence.

use std::process::ExitCode;

use anyhow::bail;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::render::{self, Format};
use crate::{db, seed::nearest};

const EXAMPLES: &str = "\
Finds the actor, event, designation or quote with this slug and prints every evidence row behind it: the
document, the code-point offsets (0-based, end-exclusive, so that substr(body, start + 1, end - start) gives the
words), the exact words, and the sentence around them with the words marked (colour on a terminal, [brackets]
otherwise). When a slug names facts in two tables, prefix it with the table: event:SLUG, actor:SLUG,
designation:SLUG or quote:SLUG.

EXAMPLES:
  dossier evidence russia
  dossier evidence russia-recognizes-islamic-emirate
  dossier evidence quote:smagin-on-recognition --format json";

/// The source passages behind one fact
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The fact's slug, optionally as TABLE:SLUG
    pub slug: String,
}

/// The fact tables, their singular names, and the evidence column that points at them.
const FACTS: &[(&str, &str, &str)] = &[
    ("actors", "actor", "actor"),
    ("events", "event", "event"),
    ("designations", "designation", "designation"),
    ("quotes", "quote", "quote"),
];

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    show(&conn, &args.slug, ctx.format, &mut ctx.out(), ctx.style)?;
    db::close_at_exit(conn);
    Ok(ExitCode::SUCCESS)
}

/// Prints the evidence behind the fact named `wanted` (SLUG or TABLE:SLUG).
pub fn show(
    conn: &rusqlite::Connection,
    wanted: &str,
    format: Format,
    out: &mut dyn std::io::Write,
    style: render::Style,
) -> anyhow::Result<()> {
    let (one, column, id, slug) = find_fact(conn, wanted)?;
    let table = matches!(format, Format::Table | Format::Markdown);
    let sql = format!(
        "SELECT d.slug, ev.start, ev.end, ev.exact, d.body FROM evidence ev JOIN documents d ON d.id = ev.document \
          WHERE ev.{column} = ?1 ORDER BY d.slug, ev.start, ev.end"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([id], |r| {
            let (doc, start, end, exact, body): (String, i64, i64, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            Ok(vec![
                Value::Text(format!("{one}:{slug}")),
                Value::Text(doc),
                Value::Integer(start),
                Value::Integer(end),
                Value::Text(exact),
                Value::Text(super::search::marked(
                    in_context(&body, start as usize, end as usize),
                    table,
                )),
            ])
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    render::write_all(
        format,
        &["fact", "document", "start", "end", "exact", "context"],
        &rows,
        out,
        style,
    )?;
    Ok(())
}

/// The fact named `wanted` (SLUG or TABLE:SLUG): its kind, its column in `evidence`, its id, and its slug. An
/// error names a slug that is unknown (with the nearest ones) or that more than one kind of fact has.
fn find_fact(
    conn: &rusqlite::Connection,
    wanted: &str,
) -> anyhow::Result<(&'static str, &'static str, i64, String)> {
    let (only, slug) = match wanted.split_once(':') {
        Some((t, s)) => match FACTS
            .iter()
            .find(|(table, one, _)| t == *table || t == *one)
        {
            Some(f) => (Some(f.0), s.to_string()),
            None => bail!(
                "unknown table \"{t}\" in {:?}: use actor:, event:, designation: or quote:",
                wanted
            ),
        },
        None => (None, wanted.to_string()),
    };
    let mut found = Vec::new();
    for (table, one, column) in FACTS.iter().filter(|f| only.is_none_or(|t| t == f.0)) {
        // Table names come from FACTS, never from input.
        let id: Option<i64> = conn
            .query_row(
                &format!("SELECT id FROM {table} WHERE slug = ?1"),
                [&slug],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| {
                if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })?;
        if let Some(id) = id {
            found.push((*one, *column, id));
        }
    }
    match found.as_slice() {
        [(one, column, id)] => Ok((one, column, *id, slug)),
        [] => {
            let mut all: Vec<String> = Vec::new();
            for (table, _, _) in FACTS {
                let mut stmt = conn.prepare(&format!("SELECT slug FROM {table}"))?;
                all.extend(
                    stmt.query_map([], |r| r.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()?,
                );
            }
            let near = nearest(&slug, all.iter().map(String::as_str));
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", near.join(" or "))
            };
            bail!("no actor, event, designation or quote has the slug \"{slug}\"{hint}");
        }
        many => bail!(
            "\"{slug}\" names more than one fact: {}; prefix the slug with its table",
            many.iter()
                .map(|(one, _, _)| format!("{one}:{slug}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The sentence (or line) around code points start..end, with the span marked. Long contexts are cut at 240
/// code points either side.
pub fn in_context(body: &str, start: usize, end: usize) -> String {
    const REACH: usize = 240;
    let chars: Vec<char> = body.chars().collect();
    let end = end.min(chars.len());
    let start = start.min(end);
    let ends_sentence = |i: usize| {
        matches!(chars[i], '.' | '!' | '?') && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
    };
    let mut from = start;
    while from > 0 && start - from < REACH && chars[from - 1] != '\n' && !ends_sentence(from - 1) {
        from -= 1;
    }
    let mut to = end;
    while to < chars.len()
        && to - end < REACH
        && chars[to] != '\n'
        && !(to > 0 && ends_sentence(to - 1) && to > end)
    {
        to += 1;
    }
    let (open, close) = (render::MARK_OPEN, render::MARK_CLOSE);
    let text: String = chars[from..start]
        .iter()
        .collect::<String>()
        .trim_start()
        .to_string();
    let lead = if from > 0 && start - from >= REACH {
        "…"
    } else {
        ""
    };
    let tail = if to < chars.len() && to - end >= REACH {
        "…"
    } else {
        ""
    };
    format!(
        "{lead}{text}{open}{}{close}{}{tail}",
        chars[start..end].iter().collect::<String>(),
        chars[end..to].iter().collect::<String>().trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::in_context;

    #[test]
    fn marks_the_span_inside_its_sentence() {
        let body = "First one. Then “Moscow’s move” came. Last.";
        let start = body.chars().position(|c| c == 'M').unwrap();
        assert_eq!(
            crate::render::show_marks(&in_context(body, start, start + 13), false),
            "Then “[Moscow’s move]” came."
        );
    }
}
