//! The only place a database connection is opened: finding the file, opening it read-only or read-write,
//! checking that it is a dossier file of a schema this binary reads, and building the embedded seed in memory.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};

use crate::seed::{SeedFiles, pipeline};

/// schema.sql, applied verbatim by `build`.
pub const SCHEMA: &str = include_str!("../schema.sql");
/// `PRAGMA application_id` of every dossier file: 'DSSR'.
pub const APPLICATION_ID: i32 = 0x4453_5352;
/// `PRAGMA user_version`: the schema version this binary writes and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// Where the data for a read command comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// The seed compiled into the binary, built in memory.
    Embedded,
}

impl Database {
    /// `--db` (or `$DOSSIER_DB`, which clap folds into it), else `./dossier.db` where it exists, else the
    /// embedded seed.
    pub fn resolve(explicit: Option<&Path>) -> Database {
        match explicit {
            Some(p) => Database::File(p.to_path_buf()),
            None if Path::new("dossier.db").exists() => Database::File(PathBuf::from("dossier.db")),
            None => Database::Embedded,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Database::File(p) => p.display().to_string(),
            Database::Embedded => "(embedded seed)".to_string(),
        }
    }
}

/// Opens a dossier for reading. Nothing on disk is created or changed.
pub fn open_read(db: &Database) -> anyhow::Result<Connection> {
    match db {
        Database::File(path) => {
            check_path(path)?;
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_error(path, e))?;
            check_dossier(&conn, path)?;
            Ok(conn)
        }
        Database::Embedded => {
            eprintln!(
                "dossier: no dossier.db here; using the seed compiled into this binary (run `dossier build` to write one)"
            );
            build_embedded()
        }
    }
}

/// Opens an existing dossier file for writing (`sql --write`). Never creates a file.
pub fn open_write(db: &Database) -> anyhow::Result<Connection> {
    let Database::File(path) = db else {
        bail!(
            "there is no database file to write to: run `dossier build` to write dossier.db, or pass --db PATH"
        );
    };
    check_path(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| open_error(path, e))?;
    check_dossier(&conn, path)?;
    // Deletions cascade to the rows that depend on what was deleted (schema.sql says how), so a write cannot
    // leave a dangling reference.
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    Ok(conn)
}

/// Opens a new, empty database file for `build`. The caller has just created `path` empty.
pub fn create(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot create {}", path.display()))?;
    // The file is private until it is renamed into place, and a failed build deletes it, so a rollback journal
    // buys nothing: the old target is the safety net.
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// Builds the embedded seed into an in-memory database.
pub fn build_embedded() -> anyhow::Result<Connection> {
    let files = SeedFiles::embedded();
    let mut conn = Connection::open_in_memory()?;
    pipeline::load(&mut conn, &files, &mut |_| {}).context("the embedded seed is invalid")?;
    Ok(conn)
}

fn check_path(path: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "cannot open {}: no such file (build one with `dossier build --out {}`)",
            path.display(),
            path.display()
        ),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot open {}", path.display())));
        }
    };
    if meta.is_dir() {
        bail!("{} is a directory, not a dossier file", path.display());
    }
    if meta.len() == 0 {
        bail!("{} is empty (0 bytes), not a dossier file", path.display());
    }
    Ok(())
}

/// Why SQLite could not open a file that exists: most often the file cannot be read.
fn open_error(path: &Path, e: rusqlite::Error) -> anyhow::Error {
    match std::fs::File::open(path) {
        Err(io) => anyhow::Error::new(io).context(format!("cannot read {}", path.display())),
        Ok(_) => anyhow::Error::new(e).context(format!("cannot open {}", path.display())),
    }
}

/// Checks the application id and schema version, so that a foreign or newer file gives a clear error.
pub fn check_dossier(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    // Both in one statement, so one read transaction.
    let (app, version): (i32, i32) = conn
        .query_row(
            "SELECT a.application_id, v.user_version FROM pragma_application_id() a, pragma_user_version() v",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| match e.sqlite_error_code() {
            // A file cut short fails as soon as its header's page count exceeds what is there.
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => anyhow::anyhow!(
                "{} is truncated or damaged ({e}); get a complete copy, or rebuild it",
                path.display()
            ),
            _ => anyhow::Error::new(e).context(format!("{} is not a SQLite database", path.display())),
        })?;
    if app != APPLICATION_ID {
        bail!(
            "{} is a SQLite database but not a dossier file (application_id {app:#x}, expected {APPLICATION_ID:#x})",
            path.display()
        );
    }
    if version > SCHEMA_VERSION {
        bail!(
            "{} has schema version {version}, newer than this dossier reads ({SCHEMA_VERSION}); upgrade dossier",
            path.display()
        );
    }
    if version < 1 {
        bail!(
            "{} has no schema version; rebuild it with `dossier build`",
            path.display()
        );
    }
    Ok(())
}

/// What the authorizer refused, and why, so that the error names the cause rather than "not authorized".
pub type Refusal = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// Installs the authorizer that guards ad hoc SQL. Always refused: ATTACH and DETACH (they reach other files),
/// load_extension, and `PRAGMA writable_schema`. Without `allow_writes`, every change to the main database is
/// refused too; temporary tables and views stay allowed, as they live only in this connection.
pub fn guard(conn: &mut Connection, allow_writes: bool) -> anyhow::Result<Refusal> {
    use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
    let refusal: Refusal = Default::default();
    let slot = refusal.clone();
    const WRITE_HINT: &str = "the file is opened read-only; pass --write to change it";
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        let temp = ctx.database_name == Some("temp");
        let why: Option<String> = match ctx.action {
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
        };
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
