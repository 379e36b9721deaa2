//! `dossier sql`, `search`, `evidence` and `schema`, and the renderer they share.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::Env;

/// Queries whose csv must equal the sqlite3 shell's byte for byte.
const BATTERY: &[&str] = &[
    "SELECT NULL AS a, '' AS b, 1 AS c",
    "SELECT 0 AS zero, -1 AS neg, 9223372036854775807 AS max, -9223372036854775808 AS min",
    "SELECT 0.1 AS tenth, 1e300 AS big, -0.0 AS negzero, 0.0 * -1 AS negzero2, 1.0 / 3 AS third, 100.0 AS hundred, \
     1.5e-7 AS small, 123456789012345678.0 AS long, 1e15 AS e15, 1e16 AS e16, 0.00001 AS tiny, 1e308 * 10 AS inf",
    "SELECT '“curly” ‘quotes’' AS curly, 'تالبان' AS dari, 'د افغانستان اسلامي امارت' AS pashto, \
     'e' || char(769) AS combining, '😀👍🏽' AS emoji, '漢字テスト' AS cjk",
    "SELECT 'a,b' AS comma, 'a\"b' AS quote, 'l1' || char(10) || 'l2' AS newline, ' lead' AS lead, \
     'trail ' AS trail, 'tab' || char(9) || 'x' AS tab, 'it''s' AS apostrophe, char(127) AS del",
    "SELECT slug, name, kind, country, wikidata, parent FROM actors ORDER BY id",
    "SELECT id, document, start, end, exact FROM evidence ORDER BY id",
    "SELECT slug, title, author, published, length(body) AS n, sha256 FROM documents",
    "SELECT * FROM timeline",
    "SELECT count(*) AS n, sum(end - start) AS covered, avg(end - start) AS mean FROM evidence",
];

#[test]
fn csv_equals_the_sqlite3_shell_byte_for_byte() {
    let env = Env::with_db();
    for q in BATTERY {
        let (code, ours, err) = env.run(&["sql", "--format", "csv", q]);
        assert_eq!(code, 0, "{q}: {err}");
        let theirs = crate::support::client("sqlite3")
            .args(["-csv", "-header", "-readonly"])
            .arg(env.path("dossier.db"))
            .arg(q)
            .output()
            .expect("sqlite3 runs");
        assert!(theirs.status.success());
        assert_eq!(
            ours,
            String::from_utf8(theirs.stdout).unwrap(),
            "query: {q}"
        );
    }
}

#[test]
fn blobs_are_hex_in_csv_and_json_and_named_in_tables() {
    // The one documented difference from the sqlite3 shell, which writes a blob's raw bytes.
    let env = Env::with_db();
    let q = "SELECT x'00ff10' AS b, x'' AS empty";
    assert_eq!(
        env.run(&["sql", "--format", "csv", q]).1,
        "b,empty\n00ff10,\"\"\n"
    );
    assert_eq!(
        env.run(&["sql", "--format", "json", q]).1,
        "[\n  {\"b\":\"00ff10\",\"empty\":\"\"}\n]\n"
    );
    let table = env.run(&["sql", q]).1;
    assert!(
        table.contains("<blob 3 bytes>") && table.contains("<blob 0 bytes>"),
        "{table}"
    );
}

#[test]
fn json_parses_back_to_the_same_values() {
    let env = Env::with_db();
    let conn = rusqlite::Connection::open(env.path("dossier.db")).unwrap();
    for q in BATTERY.iter().filter(|q| !q.contains("1e308")) {
        let (code, out, _) = env.run(&["sql", "--format", "json", q]);
        assert_eq!(code, 0);
        let parsed: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&out).unwrap();
        let mut stmt = conn.prepare(q).unwrap();
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut rows = stmt.query([]).unwrap();
        let mut i = 0;
        while let Some(row) = rows.next().unwrap() {
            for (c, name) in names.iter().enumerate() {
                let got = &parsed[i][name];
                match row.get::<_, rusqlite::types::Value>(c).unwrap() {
                    rusqlite::types::Value::Null => assert!(got.is_null(), "{q} {name}"),
                    rusqlite::types::Value::Integer(n) => {
                        assert_eq!(got.as_i64(), Some(n), "{q} {name}")
                    }
                    rusqlite::types::Value::Real(x) => {
                        assert_eq!(got.as_f64(), Some(x), "{q} {name}")
                    }
                    rusqlite::types::Value::Text(s) => {
                        assert_eq!(got.as_str(), Some(s.as_str()), "{q} {name}")
                    }
                    rusqlite::types::Value::Blob(_) => unreachable!("no blobs in the battery"),
                }
            }
            i += 1;
        }
        assert_eq!(i, parsed.len(), "{q}");
        // ndjson carries the same rows, one per line.
        let (_, nd, _) = env.run(&["sql", "--format", "ndjson", q]);
        let lines: Vec<serde_json::Value> = nd
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            parsed
                .into_iter()
                .map(serde_json::Value::Object)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn tables_show_null_apart_from_empty_text_and_fit_the_width() {
    let env = Env::with_db();
    let (_, out, _) = env.run(&["sql", "SELECT NULL AS a, '' AS b"]);
    assert!(out.contains("NULL"), "{out}");
    let out = env
        .cmd()
        .env("COLUMNS", "60")
        .args(["sql", "SELECT summary, date FROM events"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
    assert!(
        text.contains("Moscow’s"),
        "long text is wrapped, not cut: {text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn markdown_and_tsv_are_well_formed() {
    let env = Env::with_db();
    let (_, md, _) = env.run(&[
        "sql",
        "--format",
        "markdown",
        "SELECT 'a|b' AS x, NULL AS y",
    ]);
    assert_eq!(md, "| x | y |\n| --- | --- |\n| a\\|b | NULL |\n");
    let (_, tsv, _) = env.run(&[
        "sql",
        "--format",
        "tsv",
        "SELECT 'a' || char(9) || 'b' AS x, 2 AS y",
    ]);
    assert_eq!(tsv, "x\ty\na\\tb\t2\n");
}

#[test]
fn a_write_is_refused_without_write_and_done_with_it() {
    let env = Env::with_db();
    let before = env.file_sha("dossier.db");
    let (code, _, err) = env.run(&["sql", "DELETE FROM actors"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("writing to actors is refused") && err.contains("pass --write"),
        "{err}"
    );
    assert_eq!(env.file_sha("dossier.db"), before);

    let (code, _, err) = env.run(&["sql", "--write", "DELETE FROM actors"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("12 rows changed, "), "{err}");
    // The rows that depended on the actors went with them, so the file stays consistent.
    env.cmd().arg("verify").assert().success();
    let (_, out, _) = env.run(&["sql", "--format", "csv", "SELECT count(*) AS n FROM actors"]);
    assert_eq!(out, "n\n0\n");
    assert!(!env.path("dossier.db-journal").exists() && !env.path("dossier.db-wal").exists());
}

#[test]
fn a_failed_write_rolls_back_every_statement() {
    let env = Env::with_db();
    let before = env.file_sha("dossier.db");
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "DELETE FROM quotes; SELECT * FROM nowhere",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(env.file_sha("dossier.db"), before);
}

#[test]
fn dangerous_statements_are_refused_with_a_reason() {
    let env = Env::with_db();
    let before = env.file_sha("dossier.db");
    let cases = [
        ("ATTACH 'other.db' AS o", "ATTACH is refused"),
        ("SELECT load_extension('x')", "load_extension is refused"),
        (
            "PRAGMA writable_schema = 1",
            "PRAGMA writable_schema is refused",
        ),
        ("VACUUM INTO 'copy.db'", "VACUUM is refused"),
        (
            "UPDATE events SET summary = 'x'",
            "updating events is refused",
        ),
        ("DROP TABLE quotes", "changing the schema is refused"),
        ("CREATE TABLE t (x)", "changing the schema is refused"),
        ("PRAGMA user_version = 7", "pass --write"),
    ];
    for (sql, message) in cases {
        let (code, _, err) = env.run(&["sql", sql]);
        assert_eq!(code, 1, "{sql}");
        assert!(err.contains(message), "{sql}: {err}");
    }
    assert_eq!(env.file_sha("dossier.db"), before);
    assert_eq!(env.entries(), ["dossier.db", "seed"], "nothing was created");
    // Temporary tables live only in the connection, so they are allowed.
    let (code, out, err) = env.run(&[
        "sql",
        "--format",
        "csv",
        "CREATE TEMP TABLE t(x); INSERT INTO t VALUES (1); SELECT x FROM t",
    ]);
    assert_eq!((code, out.as_str()), (0, "x\n1\n"), "{err}");
}

#[test]
fn several_statements_each_print_their_rows() {
    let env = Env::with_db();
    let (code, out, _) = env.run(&[
        "sql",
        "--format",
        "csv",
        "SELECT 1 AS a; SELECT 2 AS b, 3 AS c",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "a\n1\nb,c\n2,3\n");
}

#[test]
fn sql_comes_from_a_file_or_stdin_and_takes_parameters() {
    let env = Env::with_db();
    std::fs::write(
        env.path("q.sql"),
        "SELECT slug FROM actors WHERE kind = :kind ORDER BY slug LIMIT :n",
    )
    .unwrap();
    let (code, out, err) = env.run(&[
        "sql",
        "-f",
        "q.sql",
        "-p",
        "kind=state",
        "-p",
        "n=2",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "slug\nafghanistan\nrussia\n");
    let out = env
        .cmd()
        .args(["sql", "-", "--format", "csv"])
        .write_stdin("SELECT count(*) AS n FROM designations")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "n\n3\n");
    let (code, _, err) = env.run(&["sql", "SELECT :missing"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the SQL uses :missing, but no value was given: pass -p missing=VALUE"),
        "{err}"
    );
}

#[test]
fn an_sql_error_points_at_its_position() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["sql", "SELECT slug\nFROM actors\nWHER kind = 'state'"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "near \"kind\": syntax error\n  line 3, column 6:\n  WHER kind = 'state'\n       ^"
        ),
        "{err}"
    );
    let (_, _, err) = env.run(&["sql", "SELECT 1;\nSELECT * FROM actorz"]);
    assert!(
        err.contains(
            "no such table: actorz\n  line 2, column 15:\n  SELECT * FROM actorz\n                ^"
        ),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::with_db();
    let mut child = env
        .std_cmd()
        .args(["sql", "--format", "csv", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) SELECT i FROM n"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "i\n");
    // The reader is gone; dossier must notice and exit 0 without a message.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn search_folds_diacritics_and_marks_the_match() {
    let env = Env::with_db();
    let (code, out, err) = env.run(&["search", "charge", "d'affaires", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[chargé] [d’affaires]"), "{out}");
    let first = out.lines().nth(1).unwrap();
    assert!(
        first.starts_with("actor,jamal-nasir-gharwal,"),
        "ranked by bm25: {out}"
    );
    let (_, kinds, _) = env.run(&["search", "Kremlin", "--kind", "quote", "--format", "csv"]);
    assert!(
        kinds.lines().skip(1).all(|l| l.starts_with("quote,")),
        "{kinds}"
    );
    assert_eq!(kinds.lines().count(), 2, "{kinds}");
}

#[test]
fn a_search_syntax_error_is_plain() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["search", "\"unterminated"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is not valid FTS5 syntax (unterminated string)"),
        "{err}"
    );
    let (code, out, err) = env.run(&["search", "zzzzqqq"]);
    assert_eq!(code, 0);
    assert!(err.contains("no matches"));
    assert!(out.contains("kind"));
}

#[test]
fn evidence_marks_the_span_in_its_sentence() {
    let env = Env::with_db();
    let (code, out, err) = env.run(&[
        "evidence",
        "gharwal-takes-control-of-embassy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["fact"], "event:gharwal-takes-control-of-embassy");
    assert_eq!(
        r["exact"],
        "with Gharwal formally assuming control of the mission the following month"
    );
    assert!(
        r["context"].as_str().unwrap().ends_with(
            "[with Gharwal formally assuming control of the mission the following month]."
        )
    );
    // The offsets are code points: substr in SQLite gives the same words.
    let (_, check, _) = env.run(&[
        "sql",
        "--format",
        "csv",
        "SELECT substr(body, :s + 1, :e - :s) AS w FROM documents",
        "-p",
        &format!("s={}", r["start"]),
        "-p",
        &format!("e={}", r["end"]),
    ]);
    assert_eq!(check, format!("w\n\"{}\"\n", r["exact"].as_str().unwrap()));
}

#[test]
fn evidence_needs_a_known_and_unambiguous_slug() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["evidence", "russa"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "no actor, event, designation or quote has the slug \"russa\"; did you mean \"russia\""
        ),
        "{err}"
    );
    let (code, out, _) = env.run(&["evidence", "actor:russia", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 4, "{out}");
}

#[test]
fn schema_shows_tables_columns_and_comments() {
    let env = Env::with_db();
    let (code, out, _) = env.run(&["schema", "--format", "csv"]);
    assert_eq!(code, 0);
    for name in [
        "documents",
        "actors",
        "evidence",
        "timeline",
        "evidence_check",
        "search",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{name},"))),
            "{name} missing: {out}"
        );
    }
    assert!(
        !out.contains("search_data"),
        "FTS shadow tables are hidden: {out}"
    );
    let (code, out, _) = env.run(&["schema", "actors", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let country = rows.iter().find(|r| r["column"] == "country").unwrap();
    assert_eq!(country["comment"], "ISO 3166-1 alpha-3");
    assert_eq!(country["type"], "TEXT");
    let parent = rows.iter().find(|r| r["column"] == "parent").unwrap();
    assert_eq!(parent["references"], "actors(id)");
    let kind = rows.iter().find(|r| r["column"] == "kind").unwrap();
    assert!(
        kind["constraints"]
            .as_str()
            .unwrap()
            .contains("'diplomatic_mission', 'person', 'group'"),
        "{kind}"
    );
    // The view `evidence` describes the columns it shares with `evidence_spans` as the table does, and its own.
    let (code, out, _) = env.run(&["schema", "evidence", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let column = |name: &str| rows.iter().find(|r| r["column"] == name).unwrap().clone();
    assert_eq!(column("document")["references"], "documents(id)");
    assert_eq!(column("document")["not_null"], 1);
    assert_eq!(
        column("start")["comment"],
        "code-point offset into documents.body"
    );
    assert_eq!(
        column("exact")["comment"],
        "the words: the body's text at the span"
    );
    assert!(rows.iter().all(|r| r["column"] != "head"), "{out}");
    let (code, _, err) = env.run(&["schema", "actor"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean \"actors\""), "{err}");
}

#[test]
fn unreadable_inputs_and_unknown_prefixes_are_named() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["sql", "-f", "missing.sql"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read missing.sql"), "{err}");
    let (code, _, err) = env.run(&["evidence", "person:russia"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown table \"person\""), "{err}");
    let (code, _, err) = env.run(&["search", "   "]);
    assert_eq!(code, 1);
    assert!(err.contains("the search query is empty"), "{err}");
}
