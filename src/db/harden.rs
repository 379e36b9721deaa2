//! What every connection gets before it runs a statement: SQLite's own defences for files from others
//! (<https://sqlite.org/security.html>), a time bound and a memory cap.
//!
//! The bounds are chosen once, at the edge (`cmd::run` reads `--timeout` and `--max-memory`), and hold for every
//! connection the process opens. When a statement runs into one, the error says which bound it was and how to
//! raise it (see [`explain`]).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;

/// The bounds on what one command may make SQLite do.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// How long the statements of one command may run in all; `None` for no bound.
    pub timeout: Option<Duration>,
    /// The most memory SQLite may hold at once, in bytes.
    pub max_memory: u64,
}

/// The default time bound, in seconds: far above what any stored report or check takes on a file of 100,000
/// documents, far below "hangs".
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// The default memory cap, in MiB.
pub const DEFAULT_MAX_MEMORY_MIB: u64 = 1024;

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            timeout: Some(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
            max_memory: DEFAULT_MAX_MEMORY_MIB << 20,
        }
    }
}

static BOUNDS: OnceLock<Bounds> = OnceLock::new();
/// Set by the progress handler when it stops a statement for running past the time bound.
static TIMED_OUT: AtomicBool = AtomicBool::new(false);
/// Set by a SIGINT or SIGTERM handler (see `cmd::build`): the progress handler then stops the statement.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Fixes the bounds for this process and applies the memory cap. Called once, before any connection opens;
/// later calls keep the first bounds.
pub fn set_bounds(bounds: Bounds) {
    let b = *BOUNDS.get_or_init(|| bounds);
    // SAFETY: sqlite3_hard_heap_limit64 takes a plain integer and may be called at any time; it sets a
    // process-wide limit on SQLite's own allocations.
    unsafe {
        rusqlite::ffi::sqlite3_hard_heap_limit64(b.max_memory as i64);
    }
}

fn bounds() -> Bounds {
    *BOUNDS.get_or_init(Bounds::default)
}

/// How many virtual-machine instructions run between two looks at the clock: about a millisecond's work.
const PROGRESS_EVERY: i32 = 10_000;

/// Hardens a connection to a file that anyone may have made. Following SQLite's security guidance:
/// - DEFENSIVE: no `PRAGMA writable_schema`, no writes to the shadow tables of the full-text index, no
///   journal_mode=OFF tricks;
/// - `trusted_schema` off: functions in views, triggers and CHECK constraints must be innocuous;
/// - `cell_size_check`: a damaged b-tree page is an error, not a wild read;
/// - `mmap_size = 0`: a damaged file is never memory-mapped;
/// - limits on lengths, columns, depths and attachments;
/// - a progress handler that stops a statement past the time bound or after Ctrl-C.
pub fn harden(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.execute_batch("PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0;")?;
    for (limit, value) in LIMITS {
        conn.set_limit(*limit, *value)?;
    }
    arm(conn, bounds().timeout)
}

/// The limits of [`harden`]. A document body may be long (the longest string), but nothing else a dossier holds
/// or asks comes near these numbers.
pub const LIMITS: &[(Limit, i32)] = &[
    (Limit::SQLITE_LIMIT_LENGTH, 256 << 20),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 1 << 20),
    (Limit::SQLITE_LIMIT_COLUMN, 1000),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 200),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 100),
    (Limit::SQLITE_LIMIT_VDBE_OP, 1_000_000),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 100),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 10_000),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 1000),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 10),
];

/// Installs the progress handler with a deadline `timeout` from now (none for `None`). Ctrl-C (through
/// [`INTERRUPTED`]) stops a statement either way.
pub fn arm(conn: &mut Connection, timeout: Option<Duration>) -> rusqlite::Result<()> {
    let deadline = timeout.map(|t| Instant::now() + t);
    conn.progress_handler(
        PROGRESS_EVERY,
        Some(move || {
            if INTERRUPTED.load(Ordering::Relaxed) {
                return true;
            }
            match deadline {
                Some(d) if Instant::now() >= d => {
                    TIMED_OUT.store(true, Ordering::Relaxed);
                    true
                }
                _ => false,
            }
        }),
    )
}

/// Turns an error from a statement stopped by a bound into one that names the bound and the flag that raises it.
/// Other errors pass unchanged.
pub fn explain(err: anyhow::Error) -> anyhow::Error {
    let code = err.chain().find_map(|c| {
        c.downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
    });
    match code {
        Some(rusqlite::ErrorCode::OperationInterrupted) if TIMED_OUT.load(Ordering::Relaxed) => {
            anyhow::anyhow!(time_limit_message(
                bounds().timeout.map_or(0, |t| t.as_secs())
            ))
        }
        Some(rusqlite::ErrorCode::OperationInterrupted) if INTERRUPTED.load(Ordering::Relaxed) => {
            anyhow::anyhow!("interrupted")
        }
        Some(rusqlite::ErrorCode::OutOfMemory) => anyhow::anyhow!(
            "stopped at the memory limit of {} MiB; pass --max-memory MIB (or set DOSSIER_MAX_MEMORY) to \
             allow more",
            bounds().max_memory >> 20
        ),
        _ => err,
    }
}

/// What a command stopped at the time bound says, here and in the read commands' watchdog.
pub fn time_limit_message(secs: u64) -> String {
    format!(
        "stopped after the time limit of {secs} s; pass --timeout SECONDS (or set DOSSIER_TIMEOUT) to allow \
         longer, or --timeout 0 for no limit"
    )
}

/// Whether a statement was stopped by Ctrl-C or SIGTERM.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}
