//! `dossier verify`: every integrity check, one row each; exit 1 when any fails.

use std::process::ExitCode;

use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::{db, render, verify};

const EXAMPLES: &str = "\
Checks application_id and user_version, that the schema is exactly dossier's (no extra or changed table,
view, trigger or index), runs PRAGMA integrity_check, every CHECK constraint of the schema, foreign_key_check and
that the full-text index matches the text (indexed again in a temporary table and compared) and search_best's lists
match the index; then each document's sha256 against its body, every evidence and quote span against its document in code points, that every fact has
evidence, and that every stored report's SQL prepares, is one read-only SELECT and declares its parameters. Exits 1
when any check fails, naming the rows at fault. The checks share two connections to the file, on two threads.

EXAMPLES:
  dossier verify
  dossier --db received.db verify && echo intact
  dossier verify --format json";

/// Run every integrity check; exit 1 if any fails
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> anyhow::Result<ExitCode> {
    // verify lists how a file's schema differs rather than refusing it.
    let conn = db::open_read_as(&ctx.db, db::Schema::Unchecked)?;
    // A file gets a second connection, so that the checks share both cores. Each holds a read transaction from
    // before the second opens: no write can commit while the first reads, so both see the same file.
    let second = match &ctx.db {
        db::Database::File(_) => {
            let snapshot = "BEGIN; SELECT count(*) FROM sqlite_schema;";
            conn.execute_batch(snapshot)?;
            let second = db::open_read_as(&ctx.db, db::Schema::Unchecked)?;
            second.execute_batch(snapshot)?;
            Some(second)
        }
        db::Database::Embedded => None,
    };
    // DOSSIER_TIMINGS prints each check's time on stderr, as in `build`.
    let timings = std::env::var_os("DOSSIER_TIMINGS").is_some();
    let checks = verify::run_shared(&conn, second, timings, &[]);
    let rows: Vec<Vec<Value>> = checks
        .iter()
        .map(|c| {
            vec![
                Value::Text(c.name.to_string()),
                Value::Text(if c.passed() { "ok" } else { "FAILED" }.to_string()),
                if c.passed() {
                    Value::Null
                } else {
                    Value::Text(c.problems.join("\n"))
                },
            ]
        })
        .collect();
    render::write_all(
        ctx.format,
        &["check", "result", "problems"],
        &rows,
        &mut ctx.out(),
        ctx.style,
    )?;
    let failed = checks.iter().filter(|c| !c.passed()).count();
    if failed > 0 {
        crate::notice!("dossier: {failed} of {} checks failed", checks.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
