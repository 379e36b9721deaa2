//! The lists of `search_best`: what `build` writes, what `search` reads from them, and what a hostile or stale list
//! does to `search` and `verify`.

use rusqlite::Connection;

use crate::support::{Env, replay_dump};

/// The real seed is too small for any word to have lists; these rows give "moscow" one, as a sender could.
fn give_lists(env: &Env, sql: &str) {
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// The first event that "moscow" matches, with its true score.
const BEST_EVENT: &str = "SELECT rowid, bm25(search, 0.0, 0.0, 2.0, 1.0) FROM search
    WHERE search MATCH '\"moscow\"' AND rowid < 281474976710656 ORDER BY 2, rowid LIMIT 1";

fn failed_checks(env: &Env) -> (Vec<String>, String) {
    let (code, out, err) = env.run(&["verify", "--format", "json"]);
    assert!(!err.contains("panicked"), "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r["result"] == "FAILED")
        .map(|r| r["check"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(code, i32::from(!failed.is_empty()), "{out}");
    (failed, out)
}

#[test]
fn a_wrong_score_fails_verify_and_search_still_answers() {
    let env = Env::with_db();
    assert_eq!(failed_checks(&env).0, Vec::<String>::new());
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    let (hit, score): (i64, f64) = conn
        .query_row(BEST_EVENT, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    drop(conn);
    give_lists(
        &env,
        &format!(
            "INSERT INTO search_best VALUES ('moscow', 'event', 1, {hit}, {:e})",
            score - 7.0
        ),
    );
    let (failed, out) = failed_checks(&env);
    assert_eq!(failed, ["search_best in step"]);
    assert!(
        out.contains("search_best holds a list for \\\"moscow\\\", which is not a word"),
        "{out}"
    );
    // The word has a list, so search reads it: the row comes out with the score the list gives, and nothing else.
    let (code, out, err) = env.run(&["search", "Moscow", "--format", "csv", "--limit", "3"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let shown: f64 = lines[1].rsplit(',').next().unwrap().parse().unwrap();
    assert!(
        lines[1].starts_with("event,") && (shown - (7.0 - score)).abs() < 0.001,
        "{out}"
    );
    // Over the lists' length, or with two words, search ranks every match and the list is not read.
    let (code, out, _) = env.run(&["search", "Moscow", "--format", "csv", "--limit", "101"]);
    assert_eq!(code, 0);
    assert!(out.lines().count() > 2, "{out}");
}

#[test]
fn a_list_row_that_points_nowhere_is_damage_not_a_panic() {
    for (row, says) in [
        (
            "('moscow', 'event', 1, 99999, -5.0)",
            "the full-text index is damaged (the index holds row 99999, which no table has)",
        ),
        (
            "('moscow', 'quote', 1, 1, 'x')",
            "the full-text index is damaged (search_best's list for \"moscow\" holds a row that is not",
        ),
        (
            "('moscow', 'actor', 1, {other}, -5.0)",
            "which it does not match",
        ),
    ] {
        let env = Env::with_db();
        // A row of the index that "moscow" does not match.
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        let other: i64 = conn
            .query_row(
                "SELECT rowid FROM search_rows WHERE kind = 'actor'
                    AND rowid NOT IN (SELECT rowid FROM search WHERE search MATCH 'moscow') LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(conn);
        let row = row.replace("{other}", &other.to_string());
        give_lists(&env, &format!("INSERT INTO search_best VALUES {row}"));
        let (code, _, err) = env.run(&["search", "moscow"]);
        assert_eq!(code, 1, "{row}: {err}");
        assert!(err.contains(says), "{row}: {err}");
        assert!(err.contains("run `dossier verify`"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(failed_checks(&env).0, ["search_best in step"], "{row}");
        // A query the lists cannot answer still scans.
        let (code, _, err) = env.run(&["search", "moscow", "--limit", "500"]);
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn only_dossier_writes_the_lists_and_a_write_to_the_facts_computes_them_again() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["sql", "--write", "DELETE FROM search_best"]);
    assert_eq!(code, 1);
    assert!(err.contains("writing to search_best is refused"), "{err}");
    give_lists(
        &env,
        "INSERT INTO search_best VALUES ('moscow', 'event', 1, 99999, -5.0)",
    );
    assert_eq!(failed_checks(&env).0, ["search_best in step"]);
    // A change to a table the index reads rebuilds the index, and the lists with it.
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "UPDATE events SET summary = summary || ' Moscow.' WHERE id = 1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(failed_checks(&env).0, Vec::<String>::new());
    let (code, _, err) = env.run(&["search", "moscow"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_sql_dump_carries_the_lists_exactly() {
    let env = Env::with_db();
    give_lists(
        &env,
        "INSERT INTO search_best VALUES ('moscow', 'event', 1, 3, -1.2345678901234567),
                                        ('moscow', 'event', 2, 4, -0.1)",
    );
    assert_eq!(env.run(&["export", "--format", "sql", "--to", "dump"]).0, 0);
    replay_dump(&env, "dump/dossier.sql", "new.db");
    let rows = |db: &str| -> Vec<(String, String, i64, i64, u64)> {
        let conn = Connection::open(env.path(db)).unwrap();
        let mut stmt = conn
            .prepare("SELECT term, kind, place, hit, score FROM search_best ORDER BY 1, 2, 3")
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, f64>(4)?.to_bits(),
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let before = rows("dossier.db");
    assert_eq!(before.len(), 2);
    assert_eq!(rows("new.db"), before);
}

/// A corpus in which the commonest words are in more than 20,000 rows: the lists `build` writes are those
/// `verify` computes, and a query that reads them prints, byte for byte, what ranking every match prints.
#[test]
fn built_lists_answer_as_ranking_every_match_does() {
    let env = Env::new();
    let (code, _, err) = env.run(&[
        "synth",
        "--documents",
        "2500",
        "--seed",
        "1",
        "--out",
        "corpus",
    ]);
    assert_eq!(code, 0, "{err}");
    env.build(&env.path("corpus"), "dossier.db");
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    let (terms, rows): (i64, i64) = conn
        .query_row(
            "SELECT count(DISTINCT term), count(*) FROM search_best",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(terms >= 1 && rows > 100, "{terms} {rows}");
    let word: String = conn
        .query_row("SELECT min(term) FROM search_best", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    assert_eq!(failed_checks(&env).0, Vec::<String>::new());
    for kind in [
        None,
        Some("event"),
        Some("actor"),
        Some("document"),
        Some("quote"),
    ] {
        for limit in [1, 20, 100] {
            let run = |limit: &str| {
                let mut args = vec!["search", &word, "--format", "ndjson", "--limit", limit];
                if let Some(k) = kind {
                    args.extend(["--kind", k]);
                }
                let (code, out, err) = env.run(&args);
                assert_eq!(code, 0, "{err}");
                out
            };
            let listed = run(&limit.to_string());
            // Over the lists' length: every match is ranked, and the first `limit` are the same, one a line.
            let scanned: Vec<String> = run("101").lines().take(limit).map(str::to_string).collect();
            assert_eq!(scanned.len(), limit);
            assert_eq!(
                listed.lines().collect::<Vec<_>>(),
                scanned,
                "{kind:?} {limit}"
            );
        }
    }
    // A received file whose index lost the size of a row that holds a listed word: `verify` computes the lists from
    // the index's counts, and names the damage rather than taking the row for one of 0 tokens.
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    conn.execute(
        "DELETE FROM search_docsize WHERE id = (SELECT min(hit) FROM search_best WHERE term = ?1)",
        [&word],
    )
    .unwrap();
    drop(conn);
    let (failed, out) = failed_checks(&env);
    assert!(failed.contains(&"search_best in step".to_string()), "{out}");
    assert!(out.contains("no size for row"), "{out}");
}
