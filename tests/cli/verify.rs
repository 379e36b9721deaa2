//! `dossier verify` and `dossier info` against good and damaged files.

use dossier::schema::SCHEMA_VERSION;
use rusqlite::Connection;

use crate::support::{Env, stderr, stdout};

#[test]
fn a_corrupted_offset_fails_verify_and_names_the_row() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    let id: i64 = {
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        let id = conn
            .query_row(
                "SELECT id FROM evidence WHERE exact = 'Moscow’s move'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // The stored span moves, as an offset bug or a hostile sender would move it; the view `evidence` would
        // refuse the move, since the words at the new span are not the row's.
        conn.execute(
            "UPDATE evidence_spans SET start = start + 1, end = end + 1 WHERE id = ?1",
            [id],
        )
        .unwrap();
        id
    };
    let out = env
        .cmd()
        .args(["verify", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r["result"] == "FAILED")
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["evidence spans (code points)"]);
    // The checks share two connections, longest first, and still come out in their own order.
    let names: Vec<&str> = rows.iter().map(|r| r["check"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "application_id",
            "user_version",
            "schema is dossier's",
            "integrity_check",
            "CHECK constraints",
            "foreign_key_check",
            "full-text index in step",
            "search_best in step",
            "document sha256",
            "evidence spans (code points)",
            "quote spans (code points)",
            "every fact has evidence",
            "report SQL prepares",
        ]
    );
    assert!(
        text.contains(&format!("evidence {id} (actors/russia)"))
            && text.contains("expected “Moscow’s”, found “oscow’s ”"),
        "{text}"
    );
    assert!(stderr(&out).contains("1 of 13 checks failed"));
    // The view that needs no dossier binary sees it too.
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    let bad: i64 = conn
        .query_row("SELECT count(*) FROM evidence_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bad, 1);
}

#[test]
fn a_changed_body_fails_the_digest_check() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    conn.execute(
        "UPDATE documents SET body = replace(body, 'July 3', 'July 4')",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env
        .cmd()
        .args(["verify", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("document \\\"how-russia-ended-the-talibans-isolation\\\": body sha256 is"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn info_counts_every_table_and_hashes_the_file() {
    let env = Env::new();
    let seed = env.real_seed();
    let bytes = env.build(&seed, "dossier.db");
    let out = env
        .cmd()
        .args(["info", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let get = |k: &str| {
        rows.iter()
            .find(|r| r["key"] == k)
            .map(|r| r["value"].clone())
            .unwrap()
    };
    assert_eq!(get("sha256"), crate::support::sha256(&bytes));
    assert_eq!(get("size_bytes"), bytes.len());
    assert_eq!(get("schema_version"), SCHEMA_VERSION.to_string());
    assert_eq!(get("documents"), 1);
    assert_eq!(get("reports"), 8);
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    for table in ["actors", "events", "designations", "quotes", "evidence"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(get(table), n, "{table}");
        assert!(n > 0);
    }
}

#[test]
fn a_newer_schema_is_refused_clearly() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    Connection::open(env.path("dossier.db"))
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let out = env.cmd().arg("info").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!(
        "has schema version 99, newer than this dossier reads ({SCHEMA_VERSION}); upgrade dossier"
    )));
}

#[test]
fn an_older_schema_is_refused_clearly_and_sql_still_reads_it() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    Connection::open(env.path("dossier.db"))
        .unwrap()
        .execute_batch("PRAGMA user_version = 1")
        .unwrap();
    let out = env.cmd().args(["report", "timeline"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "was made by an older dossier (schema version 1; this dossier makes version {SCHEMA_VERSION})"
        )),
        "{}",
        stderr(&out)
    );
    let out = env
        .cmd()
        .args(["sql", "--format", "csv", "SELECT count(*) FROM documents"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_foreign_sqlite_file_is_refused() {
    let env = Env::new();
    Connection::open(env.path("other.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let out = env
        .cmd()
        .args(["--db", "other.db", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("other.db is a SQLite database but not a dossier file"));
}

#[test]
fn a_missing_path_is_an_error_and_nothing_is_created() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["--db", "missing.db", "info"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot open missing.db: no such file"),
        "{}",
        stderr(&out)
    );
    assert!(env.entries().is_empty());
}

#[test]
fn evidence_is_written_through_its_view_only_with_the_words_its_span_holds() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    let id: i64 = Connection::open(env.path("dossier.db"))
        .unwrap()
        .query_row(
            "SELECT id FROM evidence WHERE exact = 'Moscow’s move'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Moving the span without saying which words it now holds is refused, and nothing changes.
    let before = std::fs::read(env.path("dossier.db")).unwrap();
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        &format!("UPDATE evidence SET start = start + 1, end = end + 1 WHERE id = {id}"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the document does not hold exact at start..end"),
        "{err}"
    );
    assert_eq!(std::fs::read(env.path("dossier.db")).unwrap(), before);
    // Words that are not the document's are refused on insert too.
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        &format!(
            "INSERT INTO evidence (document, start, end, exact, actor) \
             SELECT document, start, end, 'Moscow’s mood', actor FROM evidence WHERE id = {id}"
        ),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not hold exact"), "{err}");
    // A span and the words it holds are accepted, stored as a span with its witness, and read back as words.
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        &format!(
            "UPDATE evidence SET end = end - 5, exact = 'Moscow’s' WHERE id = {id}; \
             INSERT INTO evidence (document, start, end, exact, actor) \
             SELECT document, start + 9, end + 5, 'move', actor FROM evidence WHERE id = {id}"
        ),
    ]);
    assert_eq!(code, 0, "{err}");
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    // A short document: the words are not stored, only the witness.
    let rows: Vec<(String, String, bool)> = conn
        .prepare(
            "SELECT ev.exact, s.head, s.exact IS NULL FROM evidence ev JOIN evidence_spans s USING (id) \
             WHERE ev.actor = (SELECT actor FROM evidence WHERE id = ?1) \
               AND ev.id >= ?1 AND ev.exact IN ('Moscow’s', 'move') ORDER BY ev.id",
        )
        .unwrap()
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("Moscow’s".to_string(), "Moscow’s".to_string(), true),
            ("move".to_string(), "move".to_string(), true)
        ]
    );
    drop(conn);
    let (code, out, err) = env.run(&["verify"]);
    assert_eq!(code, 0, "{out}{err}");
    // And a row deleted through the view leaves the stored spans.
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "DELETE FROM evidence WHERE exact = 'move'",
    ]);
    assert_eq!(code, 0, "{err}");
    let left: i64 = Connection::open(env.path("dossier.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM evidence_spans WHERE head = 'move'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn kept_words_that_differ_from_the_body_fail_verify() {
    // The view prefers words kept in `evidence_spans.exact`, so a file that keeps other words than its body holds
    // (for a short document, where dossier keeps none) must be caught.
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    let id: i64 = conn
        .query_row(
            "SELECT id FROM evidence WHERE exact = 'Moscow’s move'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE evidence_spans SET exact = 'Moscow’s mood' WHERE id = ?1",
        [id],
    )
    .unwrap();
    let bad: i64 = conn
        .query_row("SELECT count(*) FROM evidence_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bad, 1);
    drop(conn);
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("evidence {id} (actors/russia)"))
            && out.contains("expected “Moscow’s mood”, found “Moscow’s move”"),
        "{out}"
    );
}
