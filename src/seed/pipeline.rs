//! Validating a seed and loading it into a database, one document at a time, so that memory stays bounded by the
//! largest document rather than the whole corpus.
//!
//! The build runs in named phases: classify the files, register the slugs (pass 1: parse every file and keep only
//! what other documents may refer to), resolve the actors (with the cycle check), then, for each document
//! (pass 2), validate it into rows without touching the database and insert those rows; last, load the reports.
//! Row ids follow the order in which pass 1 met the records, so they depend on the facts alone. Every problem is
//! collected with its file, line, record and field; once there is one, nothing more is inserted, and the caller
//! discards the database. `check` runs the same phases and inserts no facts. Pass 1 is in `front.rs`.

use rusqlite::config::DbConfig;
use rusqlite::{Connection, params};

use super::ahead;
use super::document::{self, Counters};
use super::front::{Front, check_body, front, parse_project};
use super::load::{self, Sql};
use super::model::*;
use super::registers::{Actors, DocInfo, id};
use super::validate::{self, Validator, parse_report};
use super::{Problem, SeedErrors, SeedFiles};

pub use super::front::{Known, is_document_seed, known};

/// The bytes of words FTS5 gathers in memory before it writes a segment, while the build makes the index: a fixed
/// amount, whatever the corpus (BENCHMARKS.md, "Build at 100,000 documents").
const FTS_BATCH_BYTES: usize = 16 << 20;

/// What a load wrote, for the build's summary.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub documents: usize,
    pub actors: usize,
    pub events: usize,
    pub participants: usize,
    pub designations: usize,
    pub quotes: usize,
    pub evidence: usize,
    /// (report name, file, first line of its SQL), to name the file of a report whose SQL fails.
    pub reports: Vec<(String, String, usize)>,
}

fn insert_actors(tx: &Connection, actors: &Actors) -> anyhow::Result<()> {
    for (i, ((_, a, _), aliases)) in actors.list.iter().zip(&actors.aliases).enumerate() {
        load::insert_actor(tx, id(i), a, aliases)?;
    }
    for (i, p) in actors.parents.iter().enumerate() {
        if let Some(p) = p {
            tx.prepare_cached(Sql::SET_PARENT)?
                .execute(params![id(i), id(*p)])?;
        }
    }
    Ok(())
}

/// Validates `files` and loads them into `conn`, which must be empty. `progress` is called once per document.
/// With `threads` above 1, each document's rows are inserted by a second thread while the next document is
/// validated; the file is the same, byte for byte. Seed problems come back as `SeedErrors` inside the error.
pub fn load(
    conn: &mut Connection,
    files: &SeedFiles,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Summary> {
    let summary = rows(conn, files, threads, progress)?;
    load::insert_digest(conn, &load::content_digest(conn)?)?;
    Ok(summary)
}

/// As [`load`], but for two things left to the caller, which `build` does beside other work:
/// - the seed digest in `meta`, which the caller computes ([`load::content_digest`]) and stores
///   ([`load::insert_digest`]);
/// - the CHECK constraints of the schema, which are not evaluated as each row goes in
///   (`PRAGMA ignore_check_constraints`) but must then be, all at once, by `verify`'s check "CHECK constraints".
///   Every value was validated before it was inserted, so they hold unless dossier itself is wrong; evaluated
///   row by row they took about a fifth of the thread that inserts (pass 2 at 100,000 documents: 15.7 and 17.9 s
///   without, 22.4 and 21.5 s with, alternated).
pub fn load_rows(
    conn: &mut Connection,
    files: &SeedFiles,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Summary> {
    conn.pragma_update(None, "ignore_check_constraints", true)?;
    let loaded = rows(conn, files, threads, progress);
    // The load's own error, when there is one, says more than a failure to restore the setting.
    let restored = conn.pragma_update(None, "ignore_check_constraints", false);
    let summary = loaded?;
    restored?;
    Ok(summary)
}

/// Validates and inserts the rows, with whatever CHECK enforcement `conn` has.
fn rows(
    conn: &mut Connection,
    files: &SeedFiles,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Summary> {
    let insert = if threads > 1 {
        Insert::Threaded
    } else {
        Insert::Inline
    };
    let (summary, problems) = run(conn, files, progress, insert)?;
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(SeedErrors(problems).into())
    }
}

/// Runs every check `load` makes, inserting no facts: `conn` gets the schema and the reports only, so that the
/// caller can prepare the reports' SQL. Returns the summary and every problem, sorted by file and line.
pub fn check(
    conn: &mut Connection,
    files: &SeedFiles,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<(Summary, Vec<Problem>)> {
    run(conn, files, progress, Insert::Nothing)
}

/// What pass 2 does with each document's rows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Insert {
    /// Nothing: `check` inserts no facts.
    Nothing,
    /// Inserts them before validating the next document.
    Inline,
    /// Hands them to a second thread, which inserts them while the next document is validated.
    Threaded,
}

impl Insert {
    /// How many threads read and parse the seed files ahead of the one that checks them, in pass 1 (`first`) and
    /// in pass 2: none when the build was asked for one thread; in pass 1, six, as a seed the page cache no longer
    /// holds is read from disk a small file at a time and more reads in flight wait less (pass 1 of `check` at
    /// 100,000 documents, caches dropped: 34.6 s with two, 29.7-31.1 s with six); in pass 2 of a build, one, as a
    /// third thread inserts; else two.
    fn readers(self, first: bool) -> usize {
        match self {
            Insert::Inline => 0,
            _ if first => 6,
            Insert::Threaded => 1,
            Insert::Nothing => 2,
        }
    }
}

/// The phases, in order. With `Insert::Nothing` nothing but the reports is inserted.
fn run(
    conn: &mut Connection,
    files: &SeedFiles,
    progress: &mut dyn FnMut(u64),
    insert: Insert,
) -> anyhow::Result<(Summary, Vec<Problem>)> {
    let facts = insert != Insert::Nothing;
    let mut v = Validator::new(files)?;
    let mut summary = Summary::default();

    let project = parse_project(&mut v, files);
    let front = front(&mut v, files, insert.readers(true))?;
    let actors = &front.actors;

    // The secondary indexes are made once the rows are in: one sorted pass each, not one insert per row.
    let (tables, indexes) = crate::schema::schema_without_indexes();
    load::apply_schema(conn, &tables)?;
    // One transaction, begun by hand rather than held as a `Transaction`, so that pass 2 can hand the connection
    // to the thread that inserts. On an error it is rolled back when the caller drops the connection.
    // The references are not looked up as each row goes in: pass 2 resolved every one before handing the rows on,
    // and `verify`'s foreign_key_check proves them all once the load is done. The lookups were much of the work
    // of the thread that inserts, the build's slowest.
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    conn.execute_batch("BEGIN")?;
    if facts && v.problems.is_empty() {
        insert_actors(conn, actors)?;
    }
    summary.actors = actors.list.len();

    let has_evidence = pass_two(
        &mut v,
        files,
        &front,
        (insert, &mut *conn),
        &mut summary,
        progress,
    )?;
    v.take_error()?;
    for (i, (r, _, _)) in actors.list.iter().enumerate() {
        if !has_evidence[i] && !v.unparsed {
            v.at(
                "no-evidence",
                r,
                None,
                None,
                "the actor has no evidence".to_string(),
                Some("add evidence = [\"…\"] to the actor, or a [[mentions]] entry in a document's seed file"),
            );
        }
    }

    let names = actors.names();
    let reports: Vec<_> = front
        .layout
        .reports
        .iter()
        .filter_map(|p| parse_report(&mut v, p, &names))
        .collect();
    let mut problems = v.problems;
    super::sort_problems(&mut problems);
    if !problems.is_empty() && facts {
        return Ok((summary, problems));
    }
    for (i, r) in reports.iter().enumerate() {
        load::insert_report(conn, id(i), r)?;
        summary
            .reports
            .push((r.name.clone(), r.file.clone(), r.sql_line));
    }
    load::apply_schema(conn, &indexes)?;
    if facts {
        // The full-text index reads its rows from the tables, now complete, in rowid order. FTS5 gathers the words
        // in memory and writes them out as a segment each time they pass `hashsize` bytes (1 MiB by default), then
        // merges the segments; with larger batches the same index is built with fewer merges. A savepoint makes FTS5
        // write the last batch; the file ships without the setting.
        conn.execute_batch(&format!(
            "INSERT INTO search(search, rank) VALUES ('hashsize', {FTS_BATCH_BYTES});
             INSERT INTO search(search) VALUES ('rebuild');
             SAVEPOINT search_flush;
             RELEASE search_flush;"
        ))?;
        // The file is this build's own: the row of the setting is removed from the index's configuration, which
        // the defensive mode of every other connection keeps out of reach.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, false)?;
        let removed = conn.execute("DELETE FROM search_config WHERE k = 'hashsize'", []);
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        removed?;
        let project = project.expect("no problems, so the project file parsed");
        load::insert_meta(
            conn,
            &project.title.0,
            project.description.as_ref().map(|d| d.0.as_str()),
        )?;
    }
    conn.execute_batch("COMMIT")?;
    Ok((summary, problems))
}

/// One document validated into rows, with what they point into: what the inserting thread receives.
struct Loaded {
    df: DocumentFile,
    body: String,
    rows: document::Rows,
}

/// Pass 2: each document in turn, validated into rows, then inserted (as `insert` says) while the seed has no
/// problem. Returns, for each actor, whether some document gives evidence for it.
fn pass_two(
    v: &mut Validator,
    files: &SeedFiles,
    front: &Front,
    (insert, conn): (Insert, &mut Connection),
    summary: &mut Summary,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Vec<bool>> {
    let ahead = insert.readers(false);
    match insert {
        Insert::Nothing => {
            validate_all(v, (files, ahead), front, summary, progress, &mut |_| Ok(()))
        }
        Insert::Inline => {
            let mut inserts = load::Inserts::new(conn)?;
            validate_all(v, (files, ahead), front, summary, progress, &mut |l| {
                document::insert(&mut inserts, &l.df, &l.body, &l.rows)
            })
        }
        Insert::Threaded => std::thread::scope(|scope| {
            // Two documents in flight at most, so memory stays bounded by the largest documents.
            let (send, receive) = std::sync::mpsc::sync_channel::<Loaded>(2);
            let inserter = scope.spawn(move || -> anyhow::Result<()> {
                let mut inserts = load::Inserts::new(conn)?;
                for l in receive {
                    document::insert(&mut inserts, &l.df, &l.body, &l.rows)?;
                }
                Ok(())
            });
            let validated = validate_all(v, (files, ahead), front, summary, progress, &mut |l| {
                send.send(l)
                    .map_err(|_| anyhow::anyhow!("the thread that inserts rows stopped"))
            });
            drop(send);
            let inserted = inserter
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the thread that inserts rows panicked")));
            // The inserting thread's own error says more than the closed channel it leaves behind.
            inserted?;
            validated
        }),
    }
}

/// Validates every document in order, handing each one's rows to `sink` while the seed has no problem. `ahead`
/// threads read and parse the next documents.
fn validate_all(
    v: &mut Validator,
    (files, ahead): (&SeedFiles, usize),
    front: &Front,
    summary: &mut Summary,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(Loaded) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<bool>> {
    let Front {
        docs,
        registries,
        actors,
        ..
    } = front;
    let mut has_evidence = vec![false; actors.list.len()];
    let mut counters = Counters::default();
    // The document file and its body are read and parsed ahead, on threads of their own when `ahead` is above 0.
    let read = |doc: &rusqlite::Result<DocInfo>| {
        let doc = doc.as_ref().ok()?;
        let body = files.read(&doc.body_path).map(std::borrow::Cow::into_owned);
        Some((validate::read::<DocumentFile>(files, &doc.path), body))
    };
    ahead::in_order(docs.iter(), ahead, read, |d, doc, read| {
        let (doc, Some((df, body))) = (doc?, read) else {
            return Ok(());
        };
        progress(1);
        let Some((_, df)) = v.take(&doc.path, df) else {
            return Ok(());
        };
        // A body that is missing, not UTF-8 or holds a NUL is a problem, said once for the first document with
        // its slug.
        let body = match body.map(String::from_utf8) {
            Some(Ok(b)) if !b.contains('\0') => Some(b),
            unusable => {
                if doc.first {
                    let bytes =
                        unusable.map(|b| b.map_or_else(|e| e.into_bytes(), String::into_bytes));
                    let r = v.rec(doc.file, "document", &df.document.slug);
                    check_body(v, &r, &df.document.file.0, &doc.body_path, bytes.as_deref());
                }
                None
            }
        };
        let Some(body) = body else {
            // Its words cannot be looked for, so its actors are not also reported as having no evidence.
            for &i in actors.of_doc(d) {
                has_evidence[i] = true;
            }
            for m in &df.mentions {
                if let Some(i) = actors.registry.get(m.actor.as_str()) {
                    has_evidence[i] = true;
                }
            }
            return Ok(());
        };
        summary.documents += 1;
        let rows = document::validate(
            v,
            document::Context { actors, registries },
            d,
            &doc,
            &df,
            &body,
            &mut counters,
            &mut has_evidence,
        );
        summary.participants += rows.participants();
        if v.problems.is_empty() {
            sink(Loaded { df, body, rows })?;
        }
        Ok(())
    })?;
    summary.events = counters.events;
    summary.designations = counters.designations;
    summary.quotes = counters.quotes;
    summary.evidence = counters.evidence;
    Ok(has_evidence)
}
