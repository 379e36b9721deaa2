//! `dossier info`: what the file is and what it holds.

use std::process::ExitCode;

use anyhow::Context;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::db::{self, Database};
use crate::render;

const EXAMPLES: &str = "\
Shows the title, schema version, generator and seed digest from the `meta` table, the number of rows in every
fact table and of stored reports, and the file's size and sha256 (compare them with the sender's).

EXAMPLES:
  dossier info
  dossier --db colleague.db info
  dossier info --format json | jq -r '.[] | select(.key == \"sha256\") | .value'";

/// Show metadata, counts, size and sha256
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut push = |k: &str, v: Value| rows.push(vec![Value::Text(k.to_string()), v]);
    push("file", Value::Text(ctx.db.label()));
    let meta: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT key, value FROM meta ORDER BY key")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for key in [
        "title",
        "description",
        "schema_version",
        "generator",
        "seed_sha256",
    ] {
        if let Some((_, v)) = meta.iter().find(|(k, _)| k == key) {
            push(key, Value::Text(v.clone()));
        }
    }
    for table in crate::seed::load::CONTENT_TABLES {
        // Table names come from the fixed list above, never from input.
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {}", crate::schema::stored(table)),
                [],
                |r| r.get(0),
            )
            .with_context(|| format!("cannot count {table}"))?;
        push(table, Value::Integer(n));
    }
    match &ctx.db {
        Database::File(path) => {
            let read = || format!("cannot read {}", path.display());
            let size = std::fs::metadata(path).with_context(read)?.len();
            let sha = crate::seed::sha256_file(path).with_context(read)?;
            push("size_bytes", Value::Integer(size as i64));
            push("sha256", Value::Text(sha));
        }
        Database::Embedded => {
            push("size_bytes", Value::Null);
            push("sha256", Value::Null);
        }
    }
    render::write_all(
        ctx.format,
        &["key", "value"],
        &rows,
        &mut ctx.out(),
        ctx.style,
    )?;
    Ok(ExitCode::SUCCESS)
}
