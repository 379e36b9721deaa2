//! The authorizer that guards ad hoc SQL: what it refuses, and the tables it saw written.

use rusqlite::Connection;

use super::search_index;

/// The settings [`harden`](super::harden) makes, which no statement may undo.
const HARDENED_PRAGMAS: &[&str] = &[
    "trusted_schema",
    "cell_size_check",
    "mmap_size",
    "hard_heap_limit",
    "soft_heap_limit",
    "locking_mode",
    "journal_mode",
    "temp_store_directory",
    "data_store_directory",
];

/// What the authorizer refused, and why, so that the error names the cause rather than "not authorized".
pub type Refusal = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// Installs the authorizer that guards ad hoc SQL. Always refused: ATTACH and DETACH (they reach other files),
/// load_extension, and `PRAGMA writable_schema`. Without `allow_writes`, every change to the main database is
/// refused too; temporary tables and views stay allowed, as they live only in this connection.
pub fn guard(conn: &mut Connection, allow_writes: bool) -> anyhow::Result<Refusal> {
    install_guard(conn, allow_writes, None)
}

/// The main-database tables a statement was allowed to write, as the authorizer saw them.
pub type Written = std::sync::Arc<std::sync::Mutex<WriteLog>>;

/// What the authorizer saw written, and whether dossier itself is writing the full-text index right now.
#[derive(Debug, Default)]
pub struct WriteLog {
    pub tables: std::collections::BTreeSet<String>,
    /// Set by [`search_index::follow`] while it rewrites `search` and `search_best`, which the user may not write.
    pub internal: bool,
}

/// [`guard`] for `--write`, which also records the tables written, so that the caller can bring the full-text
/// index back in step (see [`search_index::follow`]).
pub fn guard_writes(conn: &mut Connection) -> anyhow::Result<(Refusal, Written)> {
    let written: Written = Default::default();
    let refusal = install_guard(conn, true, Some(written.clone()))?;
    Ok((refusal, written))
}

fn install_guard(
    conn: &mut Connection,
    allow_writes: bool,
    written: Option<Written>,
) -> anyhow::Result<Refusal> {
    use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
    let refusal: Refusal = Default::default();
    let slot = refusal.clone();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        let temp = ctx.database_name == Some("temp");
        let target = match ctx.action {
            AuthAction::Insert { table_name }
            | AuthAction::Delete { table_name }
            | AuthAction::Update { table_name, .. } => Some(table_name),
            _ => None,
        };
        let mut internal = false;
        if let (Some(t), Some(w), false) = (target, &written, temp)
            && let Ok(mut w) = w.lock()
        {
            internal = w.internal;
            if !internal {
                w.tables.insert(t.to_string());
            }
        }
        let direct = ctx.accessor.is_none();
        let why = refusal_reason(&ctx.action, allow_writes, temp, internal, direct, target);
        match why {
            Some(w) => {
                if let Ok(mut s) = slot.lock() {
                    s.get_or_insert(w);
                }
                Authorization::Deny
            }
            None => Authorization::Allow,
        }
    }))?;
    Ok(refusal)
}

/// Why the authorizer refuses an action, or `None` to allow it. `temp`: the action is on the temp schema;
/// `internal`: dossier itself is keeping the full-text index in step; `direct`: the statement itself acts, not a
/// trigger or view; `target`: the table written, if any.
fn refusal_reason(
    action: &rusqlite::hooks::AuthAction<'_>,
    allow_writes: bool,
    temp: bool,
    internal: bool,
    direct: bool,
    target: Option<&str>,
) -> Option<String> {
    use rusqlite::hooks::AuthAction;
    const WRITE_HINT: &str = "the file is opened read-only; pass --write to change it";
    match action {
        _ if !temp && !internal && target.is_some_and(search_index::kept_by_dossier) && direct => {
            Some(format!(
                "writing to {} is refused: dossier keeps the full-text index and its lists in step with the facts \
                 itself",
                target.unwrap_or_default()
            ))
        }
        AuthAction::Attach { .. } => {
            Some("ATTACH is refused: dossier sql reads only the dossier file".into())
        }
        AuthAction::Detach { .. } => Some("DETACH is refused".into()),
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") =>
        {
            Some("load_extension is refused: dossier sql loads no extensions".into())
        }
        AuthAction::Pragma { pragma_name, .. }
            if pragma_name.eq_ignore_ascii_case("writable_schema") =>
        {
            Some("PRAGMA writable_schema is refused".into())
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value: Some(_),
        } if HARDENED_PRAGMAS
            .iter()
            .any(|p| pragma_name.eq_ignore_ascii_case(p)) =>
        {
            Some(format!(
                "PRAGMA {pragma_name} is refused: dossier sets it for every file, since files come from others"
            ))
        }
        _ if allow_writes || temp => None,
        AuthAction::Insert { table_name } | AuthAction::Delete { table_name }
            if table_name.starts_with("sqlite_") =>
        {
            Some(format!("changing the schema is refused: {WRITE_HINT}"))
        }
        AuthAction::Insert { table_name } | AuthAction::Delete { table_name } => {
            Some(format!("writing to {table_name} is refused: {WRITE_HINT}"))
        }
        AuthAction::Update { table_name, .. } => {
            Some(format!("updating {table_name} is refused: {WRITE_HINT}"))
        }
        AuthAction::CreateIndex { .. }
        | AuthAction::CreateTable { .. }
        | AuthAction::CreateTrigger { .. }
        | AuthAction::CreateView { .. }
        | AuthAction::CreateVtable { .. }
        | AuthAction::DropIndex { .. }
        | AuthAction::DropTable { .. }
        | AuthAction::DropTrigger { .. }
        | AuthAction::DropView { .. }
        | AuthAction::DropVtable { .. }
        | AuthAction::AlterTable { .. }
        | AuthAction::Reindex { .. }
        | AuthAction::Analyze { .. } => {
            Some(format!("changing the schema is refused: {WRITE_HINT}"))
        }
        _ => None,
    }
}
