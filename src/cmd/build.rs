//! `dossier build`: seed directory in, verified dossier file out, atomically.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::ctx::Ctx;
use crate::db::search_best;
use crate::seed::{Problem, SeedErrors, SeedFiles, Summary, load, pipeline};
use crate::{db, verify};

const EXAMPLES: &str = "\
The build validates the whole seed first and reports every problem with file:line, record and field. It then
loads the rows into a temporary file beside the target, runs every `verify` check, compacts the file and renames
it over the target. On any error the target is left exactly as it was and no temporary file remains. The same
seed always gives a byte-identical file.

EXAMPLES:
  dossier build                                 ./seed -> ./dossier.db
  dossier build --seed ~/work/seed --out kb.db  another seed, another file
  dossier build --threads 1                     one thread: slower, the very same file
  DOSSIER_DB=kb.db dossier build                builds kb.db, the file later commands read";

/// Build a verified dossier file from a seed directory
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The seed directory
    #[arg(long, default_value = "seed", value_name = "DIR")]
    pub seed: PathBuf,
    /// The file to write [default: --db or $DOSSIER_DB, else ./dossier.db]
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace --out even when it is not a dossier file
    #[arg(long)]
    pub force: bool,
    /// Threads for the load: 1 reads, validates and inserts each document in turn; with 2 or more, six threads
    /// read and parse the seed files for pass 1 and one for pass 2, one validates, one inserts the rows, the
    /// lists of the common words are computed on two connections while the checks run, and the seed digest is
    /// read while the file is compacted. Any number above 1 works the same way. The file is the same, byte for
    /// byte, whatever the number [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

pub fn run(_ctx: &Ctx, db_flag: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let out = args
        .out
        .or_else(|| db_flag.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("dossier.db"));
    check_target(&out, args.force)?;
    stop_on_signals()?;
    let mut phase = Phases::new();
    let files = SeedFiles::read_dir(&args.seed)?;
    phase.done("list seed files");
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let (sha, seed) = build_file(&files, &out, threads, &mut phase)?;
    crate::notice!(
        "dossier: built {} from {}: {} documents, {} actors, {} events, {} designations, {} quotes, {} evidence, {} reports (sha256 {})",
        out.display(),
        args.seed.display(),
        seed.documents,
        seed.actors,
        seed.events,
        seed.designations,
        seed.quotes,
        seed.evidence,
        seed.reports.len(),
        &sha[..16],
    );
    Ok(ExitCode::SUCCESS)
}

/// `build` replaces only a dossier file or nothing: never a link (it would replace the link, not what it points
/// at, which surprises either way), and never another file unless forced.
fn check_target(out: &Path, force: bool) -> anyhow::Result<()> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    if meta.file_type().is_symlink() {
        bail!(
            "{} is a symbolic link; build writes a new file and will not replace a link. Pass the path of the \
             file itself with --out",
            out.display()
        );
    }
    if meta.is_dir() {
        bail!(
            "{} is a directory; pass a file path with --out",
            out.display()
        );
    }
    if force || is_dossier_file(out) {
        return Ok(());
    }
    bail!(
        "{} exists and is not a dossier file; build replaces only a dossier file. Pass --force to replace it, or \
         choose another --out",
        out.display()
    )
}

/// Whether `path` starts with the SQLite header and dossier's application id (bytes 68..72, big-endian).
fn is_dossier_file(path: &Path) -> bool {
    db::Header::read(path).is_some_and(|h| h.application_id == db::APPLICATION_ID)
}

/// SIGINT and SIGTERM stop the running statement (through the progress handler), so the build fails like any other
/// error: its temporary files are removed and the old file stays. A second signal ends the process at once.
fn stop_on_signals() -> anyhow::Result<()> {
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler only loads and stores an atomic and calls _exit, all async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                use std::sync::atomic::Ordering;
                if db::harden::INTERRUPTED.swap(true, Ordering::SeqCst) {
                    signal_hook::low_level::exit(128 + signal);
                }
            })
        }
        .context("cannot install the signal handler")?;
    }
    Ok(())
}

/// rw-r--r--: the file is for sharing.
#[cfg(unix)]
fn new_file_permissions(_: &fs::File) -> std::io::Result<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(fs::Permissions::from_mode(0o644))
}

/// Elsewhere the system's default for a new file.
#[cfg(not(unix))]
fn new_file_permissions(file: &fs::File) -> std::io::Result<fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

/// The build's phases: progress on stderr when it is a terminal (counts and rate while loading, a spinner
/// otherwise), and each phase's time when `DOSSIER_TIMINGS` is set, for profiling.
pub struct Phases {
    timings: bool,
    last: std::time::Instant,
    bar: Option<indicatif::ProgressBar>,
    terminal: bool,
}

impl Phases {
    pub fn new() -> Phases {
        use std::io::IsTerminal;
        Phases {
            timings: std::env::var_os("DOSSIER_TIMINGS").is_some(),
            last: std::time::Instant::now(),
            bar: None,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Ends the current phase.
    pub fn done(&mut self, what: &str) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if self.timings {
            // The peak resident memory so far, where the system tells it (Linux).
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .map(|l| l[6..].trim().to_string())
                })
                .unwrap_or_default();
            crate::notice!(
                "dossier: {:>8.3} s  {what} (peak memory so far {peak})",
                self.last.elapsed().as_secs_f64()
            );
        }
        self.last = std::time::Instant::now();
    }

    /// Shows a spinner with `what` until the phase is done.
    pub fn spin(&mut self, what: &str) {
        if self.terminal {
            let b = indicatif::ProgressBar::new_spinner().with_message(what.to_string());
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            self.bar = Some(b);
        }
    }

    /// Shows a bar of `total` rows with the rate, and returns it for the caller to advance.
    pub fn bar(&mut self, total: u64, what: &str) -> Option<indicatif::ProgressBar> {
        if !self.terminal {
            return None;
        }
        let b = indicatif::ProgressBar::new(total).with_message(what.to_string());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {human_pos}/{human_len}, {rate}, {eta} left",
        ) {
            b.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            ));
        }
        self.bar = Some(b.clone());
        Some(b)
    }
}

impl Default for Phases {
    fn default() -> Self {
        Phases::new()
    }
}

const TMP_PREFIX: &str = ".dossier-build-";
/// The page size of the file `build` writes, in bytes.
const SHIPPED_PAGE_SIZE: u32 = 2048;

/// What SQLite adds to a database's name for the files beside it: the rollback journal (the compacted copy has
/// one while `VACUUM INTO` writes it), and the WAL and its index.
const JOURNAL_SUFFIXES: [&str; 3] = ["-journal", "-wal", "-shm"];

/// Removes the temporary files of builds that were killed (their process is gone), and the journals beside them,
/// so that an interrupted build leaves nothing behind for long. Files of builds still running are left alone.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(TMP_PREFIX)
            .filter(|_| {
                let base = JOURNAL_SUFFIXES
                    .iter()
                    .find_map(|s| name.strip_suffix(s))
                    .unwrap_or(&name);
                base.ends_with(".tmp")
            })
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists();
        if !alive && Path::new("/proc").is_dir() && fs::remove_file(entry.path()).is_ok() {
            crate::notice!(
                "dossier: removed {}, left by an interrupted build",
                entry.path().display()
            );
        }
    }
}

/// A connection of its own that reads the file this build is loading, beside the build's own connection.
fn reader(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// The lists of `search_best` for the file just loaded at `path`, computed while `alongside` runs (the checks):
/// with `threads` above 1, on two connections of their own, each taking every other word, as the lists cost about
/// as much as the checks; with one thread, after it.
fn lists_beside<T>(
    conn: &rusqlite::Connection,
    path: &Path,
    threads: usize,
    alongside: impl FnOnce() -> T,
) -> anyhow::Result<(T, Vec<Vec<search_best::WordLists>>)> {
    let words = search_best::words(conn, search_best::LISTS)?;
    let length = search_best::LISTS.length;
    if words.is_empty() {
        return Ok((alongside(), Vec::new()));
    }
    // Each row's size, read once for every connection.
    let scorer = search_best::Scorer::new(conn)?;
    if threads <= 1 {
        let done = alongside();
        return Ok((
            done,
            vec![search_best::lists_of(conn, &scorer, &words, length)?],
        ));
    }
    const WORKERS: usize = 2;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let mine: Vec<(String, i64)> =
                    words.iter().skip(w).step_by(WORKERS).cloned().collect();
                let scorer = &scorer;
                scope.spawn(move || -> anyhow::Result<Vec<search_best::WordLists>> {
                    Ok(search_best::lists_of(
                        &reader(path)?,
                        scorer,
                        &mine,
                        length,
                    )?)
                })
            })
            .collect();
        let done = alongside();
        // Each worker's part is stored as it is: one list of them all would hold every entry twice for a while.
        let mut lists = Vec::new();
        for w in workers {
            lists.push(w.join().unwrap_or_else(|_| {
                Err(anyhow::anyhow!("a thread computing search_best panicked"))
            })?);
        }
        Ok((done, lists))
    })
}

/// Runs `a` and `b`: side by side, `a` on a thread of its own, when `threads` is above 1; else one after the other.
fn side_by_side<A: Send, B>(
    threads: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    if threads <= 1 {
        let a = a();
        return (a, b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        (a.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), b)
    })
}

/// Compacts the loaded file `work` (open as `conn`) into `into_path`, with its pages of the shipped size, and
/// stores the seed digest there.
fn compact(
    conn: &rusqlite::Connection,
    work: &Path,
    into_path: &Path,
    threads: usize,
) -> anyhow::Result<()> {
    // VACUUM INTO writes the compacted copy once; a VACUUM in place would write it twice.
    let into = into_path
        .to_str()
        .context("the output directory's path is not UTF-8")?;
    // The shipped file has pages of 2 KiB: a body of a few KiB then fills its pages with its overflow, where
    // at 4 KiB each such row left a third of its page empty (170 -> 161 MB at 10,000 synthetic documents), and
    // the reports read no more pages for it (BENCHMARKS.md, "File size").
    conn.execute_batch(&format!("PRAGMA page_size = {SHIPPED_PAGE_SIZE}"))?;
    // The seed digest reads every content row, as the compaction does, and both only read: the digest is read
    // on a connection of its own beside it, then stored in the compacted file, where it is the last row of
    // `meta` as it would have been in the loaded one.
    let (digest, vacuumed) = side_by_side(
        threads,
        || load::content_digest(&reader(work)?),
        || conn.execute("VACUUM INTO ?1", [into]),
    );
    vacuumed.context("cannot compact the new file")?;
    let digest = digest.context("cannot read the seed digest")?;
    store_digest(into_path, &digest).context("cannot store the seed digest")?;
    Ok(())
}

/// Stores the seed digest in the compacted file at `path`, which is this build's own and not yet shipped: with no
/// journal, as a failure deletes the file, and no sync, as the caller syncs it whole.
fn store_digest(path: &Path, digest: &str) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    load::insert_digest(&conn, digest)?;
    conn.close().map_err(|(_, e)| e)
}

/// Loads, verifies and compacts `seed` into a temporary file beside `out`, then renames it over `out`.
/// Returns the new file's sha256.
pub fn build_file(
    files: &SeedFiles,
    out: &Path,
    threads: usize,
    phase: &mut Phases,
) -> anyhow::Result<(String, Summary)> {
    if out.is_dir() {
        bail!(
            "{} is a directory; pass a file path with --out",
            out.display()
        );
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    remove_stale_temporaries(&dir);
    // The temporary file is deleted when `tmp` is dropped, on every error path. Its name carries the process id,
    // so that a later build can tell the leftovers of a killed build from the file of one still running.
    let prefix = format!("{TMP_PREFIX}{}-", std::process::id());
    let temporary = || {
        tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
    };
    // The rows are loaded and verified in `work`, then compacted into `tmp`, which is renamed into place.
    let work = temporary()?;
    let tmp = temporary()?;
    let seed;
    {
        let mut conn = db::create(work.path())?;
        let documents = files
            .paths()
            .filter(|n| n.as_ref().is_ok_and(|n| pipeline::is_document_seed(n)))
            .count();
        let bar = phase.bar(documents as u64, "validating and loading documents");
        seed = pipeline::load_rows(&mut conn, files, threads, &mut |n| {
            if let Some(b) = &bar {
                b.inc(n);
            }
        })?;
        phase.done("parse, validate, locate evidence, load rows and full-text index");
        phase.spin("verifying");
        let report_problems = report_sql_problems(&conn, &seed)?;
        if !report_problems.is_empty() {
            return Err(SeedErrors(report_problems).into());
        }
        let (checks, lists) = lists_beside(&conn, work.path(), threads, || {
            verify::run_checks(&conn, phase.timings, verify::ONLY_FOR_RECEIVED_FILES)
        })?;
        conn.execute_batch("BEGIN")?;
        search_best::store(
            &conn,
            lists
                .iter()
                .flatten()
                .flat_map(search_best::WordLists::entries),
        )?;
        conn.execute_batch("COMMIT")?;
        phase.done("verify, and the best rows of the common words (search_best)");
        let failed: Vec<String> = checks
            .into_iter()
            .filter(|c| !c.passed())
            .map(|c| format!("{}: {}", c.name, c.problems.join("; ")))
            .collect();
        if !failed.is_empty() {
            bail!(
                "the built file fails verification, so it was not written:\n  {}",
                failed.join("\n  ")
            );
        }
        phase.spin("compacting");
        compact(&conn, work.path(), tmp.path(), threads)?;
        conn.close().map_err(|(_, e)| e)?;
        phase.done("seed digest and vacuum");
    }
    drop(work);
    let file = tmp.as_file();
    // The file's sha256 is read from the page cache while its pages go to the disk.
    let (sha, synced) = side_by_side(
        threads,
        || crate::seed::sha256_file(tmp.path()),
        || file.sync_all(),
    );
    synced?;
    let sha = sha?;
    // A new file is readable by colleagues; a rebuilt one keeps the permissions it had.
    let perms = match fs::metadata(out) {
        Ok(m) => m.permissions(),
        Err(_) => new_file_permissions(file)?,
    };
    file.set_permissions(perms)?;
    tmp.persist(out)
        .with_context(|| format!("cannot rename the new file over {}", out.display()))?;
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok((sha, seed))
}

/// The problems of the reports' SQL, prepared against the schema in `conn`, named by file and line like any seed
/// problem. Report SQL can only be checked against the loaded schema.
pub fn report_sql_problems(
    conn: &rusqlite::Connection,
    seed: &Summary,
) -> anyhow::Result<Vec<Problem>> {
    Ok(verify::report_problems(conn)?
        .into_iter()
        .map(|(name, message)| {
            let (_, file, line) = seed
                .reports
                .iter()
                .find(|r| r.0 == name)
                .expect("stored from the seed");
            Problem {
                code: "report-sql",
                file: file.clone(),
                line: Some(*line),
                record: Some(format!("report \"{name}\"")),
                field: Some("sql".to_string()),
                message,
                hint: Some("fix the SQL, or the [[params]] in the header".to_string()),
                ..Problem::default()
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::seed::{SeedFiles, pipeline};
    use crate::verify;

    /// `load_rows` inserts without evaluating the CHECK constraints, enforces them again once the rows are in,
    /// and the checks `build` runs catch a row that breaks one, as a bug in validation would leave it.
    #[test]
    fn the_checks_of_a_build_catch_a_row_that_breaks_a_check_constraint() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        pipeline::load_rows(&mut conn, &SeedFiles::minimal_fixture(), 2, &mut |_| {}).unwrap();
        let passing = verify::run_checks(&conn, false, verify::ONLY_FOR_RECEIVED_FILES);
        assert!(passing.iter().all(verify::Check::passed));
        let refused = conn.execute("UPDATE events SET date_latest = '1900-01-01'", []);
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("CHECK constraint failed")
        );

        conn.pragma_update(None, "ignore_check_constraints", true)
            .unwrap();
        conn.execute("UPDATE events SET date_latest = '1900-01-01'", [])
            .unwrap();
        let checks = verify::run_checks(&conn, false, verify::ONLY_FOR_RECEIVED_FILES);
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| !c.passed())
            .map(|c| c.name)
            .collect();
        assert_eq!(failed, ["CHECK constraints"]);
    }
}
