//! Every integrity check of a dossier file. `build` runs them before it renames the file into place, and
//! `dossier verify` runs them on demand.

use rusqlite::Connection;

use crate::db::{APPLICATION_ID, SCHEMA_VERSION, contract, search_best, search_index};
use crate::seed::sha256_hex;

/// The outcome of one check: `problems` is empty when it passed.
#[derive(Debug)]
pub struct Check {
    pub name: &'static str,
    pub problems: Vec<String>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How many problems one check lists before summarising the rest.
const SHOWN: usize = 20;

/// Runs every check. An error means a check could not run at all (for example, a table is missing), which
/// is itself reported as a failed check.
/// A check's body: the problems it finds, or the error that kept it from running.
type CheckFn = fn(&Connection) -> rusqlite::Result<Vec<String>>;

pub fn run(conn: &Connection) -> Vec<Check> {
    run_timed(conn, false)
}

/// [`run`], printing each check's time on stderr when `timings` is set (`DOSSIER_TIMINGS`, read by the caller).
pub fn run_timed(conn: &Connection, timings: bool) -> Vec<Check> {
    run_checks(conn, timings, &[])
}

/// The checks only a file from elsewhere can fail, which `build` leaves out: a file it has just written has
/// dossier's schema, and its full-text index was written from its rows. (`build` does run "CHECK constraints":
/// it loads its rows without evaluating them, see `pipeline::load_rows`.)
///
/// `integrity_check` is among them. It proves the file's pages, records and indexes sound, and a file from
/// elsewhere may have been changed by anything, so `verify` runs it whole rather than `quick_check`: what the full
/// check adds is that every index holds exactly its table's rows, and an index that disagrees with its table makes
/// one query answer differently by the plan SQLite picks (19.1 s against 2.3 s for `quick_check` at 100,000
/// documents). `build` runs its checks on the file it loaded, which `VACUUM INTO` then writes afresh into the file
/// it ships, so a check of pages there proves nothing of the shipped file; it cost 2.1 s of a 10,000-document build
/// as `integrity_check` and 1.0 s as `quick_check`. `build` has also just written the lists of `search_best` from
/// the index, so computing them again would only repeat that work.
pub const ONLY_FOR_RECEIVED_FILES: &[&str] = &[
    "schema is dossier's",
    "integrity_check",
    "full-text index in step",
    "search_best in step",
];

/// Every check in the order it is shown, with the seconds it took on a file of 100,000 documents, by which the
/// checks are handed out longest first when two connections share them.
const CHECKS: [(&str, CheckFn, u32); 13] = [
    ("application_id", application_id, 0),
    ("user_version", user_version, 0),
    ("schema is dossier's", schema_matches, 0),
    ("integrity_check", integrity, 19),
    ("CHECK constraints", check_constraints, 4),
    ("foreign_key_check", foreign_keys, 3),
    ("full-text index in step", search_index::stale, 18),
    ("search_best in step", search_best::stale, 21),
    ("document sha256", document_digests, 1),
    ("evidence spans (code points)", evidence_spans, 5),
    ("quote spans (code points)", quote_spans, 1),
    ("every fact has evidence", facts_have_evidence, 1),
    ("report SQL prepares", reports_prepare, 0),
];

/// The checks but those named in `skip`, on `conn`.
pub fn run_checks(conn: &Connection, timings: bool, skip: &[&str]) -> Vec<Check> {
    run_shared(conn, None, timings, skip)
}

/// The checks but those named in `skip`, shared between `conn` and, when given, `second`, a connection to the
/// same file (and the same snapshot of it) on a thread of its own: each check runs whole on one of them, the
/// longest first, and the results come in the order of [`CHECKS`] (`verify` at 100,000 documents: 79 s on one
/// connection, about the longest pair of checks on two).
pub fn run_shared(
    conn: &Connection,
    second: Option<Connection>,
    timings: bool,
    skip: &[&str],
) -> Vec<Check> {
    let mut queue: Vec<usize> = (0..CHECKS.len())
        .filter(|&i| !skip.contains(&CHECKS[i].0))
        .collect();
    queue.sort_by_key(|&i| std::cmp::Reverse(CHECKS[i].2));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |conn: &Connection| -> Vec<(usize, Check)> {
        let mut done = Vec::new();
        while let Some(&i) = queue.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            done.push((i, one(conn, CHECKS[i].0, CHECKS[i].1, timings)));
        }
        done
    };
    let mut done = match second {
        None => work(conn),
        Some(second) => std::thread::scope(|scope| {
            let work = &work;
            let other = scope.spawn(move || work(&second));
            let mut done = work(conn);
            match other.join() {
                Ok(theirs) => done.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            done
        }),
    };
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, c)| c).collect()
}

/// Runs one check, its problems cut to [`SHOWN`], its time on stderr when `timings` is set.
fn one(conn: &Connection, name: &'static str, f: CheckFn, timings: bool) -> Check {
    let started = std::time::Instant::now();
    let mut problems = f(conn).unwrap_or_else(|e| {
        let e = crate::db::harden::explain(e.into());
        vec![format!("the check could not run: {e}")]
    });
    if problems.len() > SHOWN {
        let more = problems.len() - SHOWN;
        problems.truncate(SHOWN);
        problems.push(format!("… and {more} more"));
    }
    if timings {
        crate::notice!(
            "dossier: {:>8.3} s    check {name}",
            started.elapsed().as_secs_f64()
        );
    }
    Check { name, problems }
}

fn strings(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// The lines of an integrity pragma but its single "ok".
fn not_ok(conn: &Connection, pragma: &str) -> rusqlite::Result<Vec<String>> {
    let rows = strings(conn, pragma)?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

fn integrity(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    not_ok(conn, "PRAGMA integrity_check")
}

/// Differences that stop dossier from trusting the file fail; a user's own tables, views and indexes are named
/// on stderr and pass.
fn schema_matches(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let (blocking, additions): (Vec<_>, Vec<_>) = contract::differences(conn)?
        .into_iter()
        .partition(contract::Difference::blocks);
    if !additions.is_empty() {
        let names: Vec<String> = additions.iter().map(ToString::to_string).collect();
        crate::notice!(
            "dossier: the file also holds additions of its own, which dossier's SQL does not use: {}",
            names.join(", ")
        );
    }
    Ok(blocking.iter().map(ToString::to_string).collect())
}

/// Every CHECK constraint of schema.sql, evaluated here: `integrity_check` skips them on a read-only connection,
/// and a file written with `PRAGMA ignore_check_constraints` may break them. One pass over each table.
fn check_constraints(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut problems = Vec::new();
    for t in contract::checks() {
        let failing: Vec<String> = t.checks.iter().map(|c| format!("NOT ({c})")).collect();
        let sql = format!(
            "SELECT rowid, {} FROM \"{}\" WHERE {} LIMIT {}",
            failing.join(", "),
            t.table,
            failing.join(" OR "),
            SHOWN + 1
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let rowid: i64 = r.get(0)?;
            for (i, c) in t.checks.iter().enumerate() {
                if r.get::<_, Option<bool>>(i + 1)? == Some(true) {
                    problems.push(format!("{} row {rowid} fails CHECK ({c})", t.table));
                }
            }
        }
    }
    Ok(problems)
}

fn foreign_keys(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "{} row {} points to a missing {} row",
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?
                .map_or("?".into(), |i| i.to_string()),
            r.get::<_, String>(2)?
        ))
    })?;
    rows.collect()
}

fn application_id(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    Ok(if id == APPLICATION_ID {
        vec![]
    } else {
        vec![format!(
            "application_id is {id:#x}, expected {APPLICATION_ID:#x}"
        )]
    })
}

fn user_version(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let v: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(if v == SCHEMA_VERSION {
        vec![]
    } else {
        vec![format!("user_version is {v}, expected {SCHEMA_VERSION}")]
    })
}

fn document_digests(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT slug, body, sha256 FROM documents ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    while let Some(r) = rows.next()? {
        let (slug, body, stored): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let actual = sha256_hex(body.as_bytes());
        if actual != stored {
            problems.push(format!(
                "document \"{slug}\": body sha256 is {actual}, stored {stored}"
            ));
        }
    }
    Ok(problems)
}

/// Compares each span with the document's code points, computed here rather than by SQLite's substr, so the
/// check does not share a possible bug with the evidence_check view. Rows come sorted by document and start, and
/// a cursor walks each body once, so a large document costs one pass and no copy.
/// `sql` gives (document, id, start, end, words, witness); `label_sql` names a row by its id, and runs only for rows
/// at fault. Where `witness` is true the words are only the span's first code points (`evidence_spans.head`), and
/// the span must still lie in the document.
fn span_problems(
    conn: &Connection,
    sql: &str,
    label_sql: &str,
    what: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    let mut doc_id: Option<i64> = None;
    let mut body = String::new();
    // The cursor: a byte position in `body` and the code point it starts.
    let (mut at_byte, mut at_cp) = (0usize, 0usize);
    while let Some(r) = rows.next()? {
        let (doc, id, start, end, witness): (i64, i64, i64, i64, bool) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(5)?);
        // Borrowed from the row, as the span's words are below: the check copies no text but the bodies.
        let exact = r.get_ref(4)?.as_str()?;
        if doc_id != Some(doc) {
            body = conn.query_row("SELECT body FROM documents WHERE id = ?1", [doc], |r| {
                r.get(0)
            })?;
            doc_id = Some(doc);
            (at_byte, at_cp) = (0, 0);
        }
        let found = match (usize::try_from(start), usize::try_from(end)) {
            (Ok(s), Ok(e)) if s <= e => {
                if s < at_cp {
                    (at_byte, at_cp) = (0, 0);
                }
                match body[at_byte..].char_indices().nth(s - at_cp) {
                    Some((offset, _)) => {
                        (at_byte, at_cp) = (at_byte + offset, s);
                        // The span's words, where the body holds all `e - s` of its code points: the end of the
                        // last one is the (e - s)-th of the boundaries, the body's end among them.
                        let rest = &body[at_byte..];
                        rest.char_indices()
                            .map(|(i, _)| i)
                            .chain([rest.len()])
                            .nth(e - s)
                            .map(|end| &rest[..end])
                    }
                    None => None,
                }
            }
            _ => None,
        };
        let found = match found {
            Some(f) if witness => Some(crate::schema::head(f)),
            f => f,
        };
        if found != Some(exact) {
            let found = found.map_or("(outside the document)".to_string(), |f| format!("“{f}”"));
            let label: String = conn
                .query_row(label_sql, [id], |r| r.get(0))
                .unwrap_or_default();
            problems.push(format!(
                "{what} {id} ({label}) at {start}..{end}: expected “{exact}”, found {found}"
            ));
        }
    }
    Ok(problems)
}

fn evidence_spans(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    // Reading a span's words through the view reads its document's body once a row, unless the row keeps them; a
    // long document whose rows keep none (or a short one whose rows keep some) is not what `build` writes.
    let mut stmt = conn.prepare(
        "SELECT s.id, d.slug, d.length FROM evidence_spans s JOIN documents d ON d.id = s.document \
         WHERE (s.exact IS NOT NULL) <> (d.length > ?1) ORDER BY s.id",
    )?;
    let mut problems: Vec<String> = stmt
        .query_map([crate::schema::LONG_DOCUMENT as i64], |r| {
            let (id, slug, length): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (has, should) = if length > crate::schema::LONG_DOCUMENT as i64 {
                ("keeps none of its words", "keeps them")
            } else {
                ("keeps its words", "keeps only the witness")
            };
            Ok(format!(
                "evidence {id} {has}, in document \"{slug}\" of {length} code points, where a row {should} \
                 (over {} code points a row keeps its words); rebuild the file",
                crate::schema::LONG_DOCUMENT
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    problems.extend(span_problems(
        conn,
        "SELECT document, id, start, end, coalesce(exact, head), exact IS NULL FROM evidence_spans \
         ORDER BY document, start, id",
        "SELECT fact_table || '/' || fact FROM evidence_facts WHERE id = ?1",
        "evidence",
    )?);
    Ok(problems)
}

fn quote_spans(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    span_problems(
        conn,
        "SELECT document, id, start, end, text, 0 FROM quotes ORDER BY document, start, id",
        "SELECT slug FROM quotes WHERE id = ?1",
        "quote",
    )
}

fn facts_have_evidence(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT fact_table, slug FROM facts_without_evidence ORDER BY 1, 2")?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "{}/{} has no evidence",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?
        ))
    })?;
    rows.collect()
}

fn reports_prepare(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    Ok(report_problems(conn)?
        .into_iter()
        .map(|(name, problem)| format!("report \"{name}\": {problem}"))
        .collect())
}

/// Each stored report whose SQL does not prepare, writes, or whose named parameters differ from those declared,
/// as (report name, problem).
pub fn report_problems(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT id, name, sql FROM reports ORDER BY name")?;
    let reports: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for (id, name, sql) in reports {
        // Some pragmas act as they are prepared: never prepare stored SQL that is not a query.
        if let Some(why) = crate::db::not_a_query(&sql) {
            problems.push((name.clone(), why));
            continue;
        }
        let declared: Vec<String> = {
            let mut p =
                conn.prepare("SELECT name FROM report_params WHERE report = ?1 ORDER BY position")?;
            p.query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        match conn.prepare(&sql) {
            Err(e) => problems.push((name.clone(), e.to_string())),
            Ok(s) => {
                if s.column_count() == 0 {
                    problems.push((
                        name.clone(),
                        "the SQL returns no rows; a report is one SELECT".to_string(),
                    ));
                }
                if !s.readonly() {
                    problems.push((name.clone(), crate::db::STORED_SQL_WRITES.to_string()));
                }
                let used: Vec<String> = (1..=s.parameter_count())
                    .filter_map(|i| s.parameter_name(i))
                    .map(|n| crate::params::key(n).to_string())
                    .collect();
                for u in &used {
                    if !declared.contains(u) {
                        problems.push((
                            name.clone(),
                            format!("the SQL uses :{u}, which the header does not declare"),
                        ));
                    }
                }
                for d in &declared {
                    if !used.contains(d) {
                        problems.push((
                            name.clone(),
                            format!("parameter \"{d}\" is declared but the SQL never uses :{d}"),
                        ));
                    }
                }
                if s.parameter_count() > used.len() {
                    problems.push((
                        name.clone(),
                        "the SQL has unnamed parameters (?); use :name".to_string(),
                    ));
                }
            }
        }
    }
    Ok(problems)
}
