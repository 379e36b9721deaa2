//! Files from others: each case crafts a hostile .db or seed from a normal build (through rusqlite, with
//! `ignore_check_constraints` and `writable_schema` where the case needs them) and asserts that dossier refuses it
//! with a message naming the cause, writes nothing anywhere, and leaves the file's bytes as they were.

use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::Connection;

use crate::support::{Env, replay_dump, sha256};

/// Changes the file as a hostile sender would.
fn craft(env: &Env, sql: &str) {
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    conn.execute_batch("PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
}

/// Every file under `dir`, with its sha256, to show that nothing appeared or changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else {
                let sha = if meta.is_file() {
                    sha256(&std::fs::read(&p).unwrap())
                } else {
                    "link".into()
                };
                out.push((p, sha));
            }
        }
    }
    out.sort();
    out
}

/// Runs dossier and asserts exit 1 with every `needles` in stderr, and that nothing in the test's folder changed.
fn refused(env: &Env, args: &[&str], needles: &[&str]) -> String {
    let before = snapshot(env.dir.path());
    let (code, _, err) = env.run(args);
    assert_eq!(code, 1, "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        snapshot(env.dir.path()),
        before,
        "{args:?} changed the folder"
    );
    err
}

#[test]
fn a_report_that_writes_a_file_is_refused_before_it_runs() {
    let env = Env::with_db();
    let target = env.path("planted.db");
    craft(
        &env,
        &format!(
            "INSERT INTO meta VALUES ('x', 'sender''s line'); \
             UPDATE reports SET sql = 'VACUUM INTO ''{}''' WHERE name = 'timeline';",
            target.display()
        ),
    );
    refused(
        &env,
        &["report", "timeline"],
        &["report \"timeline\" is refused", "not a query"],
    );
    assert!(!target.exists());
    // ATTACH in a report: not a query either.
    craft(
        &env,
        "UPDATE reports SET sql = 'ATTACH ''elsewhere.db'' AS e' WHERE name = 'actors';",
    );
    refused(
        &env,
        &["report", "actors"],
        &["report \"actors\" is refused", "not a query"],
    );
    // A write behind WITH is a query by its first word, and still refused before it runs.
    craft(
        &env,
        "UPDATE reports SET sql = 'WITH c AS (SELECT 1) DELETE FROM quotes' WHERE name = 'quotes';",
    );
    let sha = env.file_sha("dossier.db");
    refused(
        &env,
        &["report", "quotes"],
        &[
            "report \"quotes\" is refused",
            "writing to quotes is refused",
        ],
    );
    assert_eq!(env.file_sha("dossier.db"), sha);
    // verify names all three.
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            r#"report \"timeline\": the SQL starts with \"VACUUM\", so it is not a query"#
        ),
        "{out}"
    );
    assert!(
        out.contains(r#"report \"actors\": the SQL starts with \"ATTACH\""#),
        "{out}"
    );
    assert!(
        out.contains(r#"report \"quotes\": the SQL writes"#),
        "{out}"
    );
}

#[test]
fn a_runaway_report_stops_at_the_time_limit_and_says_which() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE reports SET sql = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
         SELECT count(*) FROM c' WHERE name = 'actors';",
    );
    let err = refused(
        &env,
        &["--timeout", "1", "report", "actors"],
        &["time limit of 1 s"],
    );
    assert!(err.contains("--timeout SECONDS"), "{err}");
    // The variable works too.
    let out = env
        .cmd()
        .env("DOSSIER_TIMEOUT", "1")
        .args(["report", "actors"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("time limit of 1 s"));
}

#[test]
fn memory_and_length_have_caps_that_name_themselves() {
    let env = Env::with_db();
    refused(
        &env,
        &[
            "--max-memory",
            "64",
            "sql",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000) \
             SELECT length(group_concat(hex(zeroblob(1000)))) FROM c",
        ],
        &["memory limit of 64 MiB", "--max-memory"],
    );
    refused(
        &env,
        &["sql", "SELECT length(zeroblob(2000000000))"],
        &["too big"],
    );
}

#[test]
fn an_endless_view_in_place_of_a_table_is_refused_before_dossier_runs_its_sql() {
    let env = Env::with_db();
    let sha = env.file_sha("dossier.db");
    craft(
        &env,
        "ALTER TABLE events RENAME TO events_real; \
         CREATE VIEW events AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
           SELECT x AS id, 'e' AS slug, '2020' AS date, NULL AS date_earliest, NULL AS date_latest, \
                  'other' AS kind, NULL AS cameo, 's' AS summary FROM c;",
    );
    assert_ne!(env.file_sha("dossier.db"), sha);
    for args in [
        vec!["info"],
        vec!["evidence", "russia"],
        vec!["report", "timeline"],
        vec!["search", "Moscow"],
        vec!["export", "--format", "csv", "--to", "out"],
    ] {
        refused(
            &env,
            &args,
            &["does not have dossier's schema", "no table \"events\""],
        );
    }
    env.build(&env.real_seed(), "good.db");
    // diff follows diff(1): 2 when a file cannot be read.
    let (code, _, err) = env.run(&["diff", "good.db", "dossier.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not have dossier's schema"), "{err}");
    // verify reports the differences and finishes within its bound.
    let (code, out, err) = env.run(&["--timeout", "2", "verify", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains(r#"no table \"events\""#), "{out}");
    assert!(err.contains("an extra view \"events\""), "{err}");
    // The sha256 can still be had, without dossier: the bytes are the bytes.
    let (code, out, err) = env.run(&["--timeout", "1", "sql", "SELECT count(*) FROM events"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("time limit"), "{err}");
}

#[test]
fn sql_write_refuses_a_file_with_a_hidden_trigger() {
    let env = Env::with_db();
    craft(
        &env,
        "CREATE TRIGGER keep_quiet AFTER UPDATE ON actors BEGIN DELETE FROM quotes; END;",
    );
    let sha = env.file_sha("dossier.db");
    refused(
        &env,
        &[
            "sql",
            "--write",
            "UPDATE actors SET description = 'x' WHERE slug = 'russia'",
        ],
        &["an extra trigger \"keep_quiet\" on actors"],
    );
    assert_eq!(env.file_sha("dossier.db"), sha);
    let (code, out, _) = env.run(&["verify"]);
    assert_eq!(code, 1);
    assert!(out.contains("keep_quiet"), "{out}");
}

#[test]
fn writes_keep_the_full_text_index_in_step_and_its_shadow_tables_are_closed() {
    let env = Env::with_db();
    let sha = env.file_sha("dossier.db");
    refused(
        &env,
        &["sql", "--write", "DELETE FROM search_data"],
        &["search_data may not be modified", "full-text index"],
    );
    refused(
        &env,
        &["sql", "--write", "DELETE FROM search"],
        &["search is refused"],
    );
    assert_eq!(env.file_sha("dossier.db"), sha);
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "UPDATE actors SET description = 'Zanzibarian envoy' WHERE slug = 'russia'; \
         INSERT INTO actor_aliases (actor, alias) SELECT id, 'Quuxland' FROM actors WHERE slug = 'russia'",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 rows changed"), "{err}");
    for word in ["Zanzibarian", "Quuxland"] {
        let (code, out, err) = env.run(&["search", word, "--format", "csv"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("actor,russia"), "{word}: {out}");
    }
    // A deletion that cascades to quotes takes their index rows too.
    let (code, _, err) = env.run(&["sql", "--write", "DELETE FROM actors WHERE slug = 'russia'"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 0, "the file stays whole, its index in step: {out}");
    let (_, out, _) = env.run(&["search", "Zanzibarian", "--format", "csv"]);
    assert!(!out.contains("russia"), "{out}");
}

#[test]
fn a_stale_index_and_broken_check_constraints_fail_verify() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE actors SET slug = '../../elsewhere/name' WHERE slug = 'russia'; \
         UPDATE documents SET slug = '../escape' WHERE id = 1; \
         UPDATE events SET summary = 'words the index never saw' WHERE id = 1;",
    );
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("actors row") && out.contains("fails CHECK"),
        "{out}"
    );
    assert!(out.contains("documents row 1 fails CHECK"), "{out}");
    // The index keeps no text: the summary changed behind its back is found by indexing the text again.
    assert!(
        out.contains("the index's event") && out.contains("is stale"),
        "{out}"
    );
    assert!(out.contains("counts the word"), "{out}");
}

#[test]
fn export_seed_writes_nothing_outside_to_and_nothing_at_all_when_it_fails() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE documents SET slug = '../../elsewhere' WHERE id = 1; \
         UPDATE reports SET name = '../../../tmp/planted' WHERE name = 'actors';",
    );
    refused(
        &env,
        &["export", "--format", "seed", "--to", "copy/inner"],
        &["cannot be a file name", "../../elsewhere"],
    );
    assert!(!env.path("copy").exists());
    assert!(!env.path("elsewhere").exists());
    // Offsets past the end of a body: an error, not a panic.
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE evidence_spans SET start = 99990, end = 99999 WHERE id = 1;",
    );
    refused(
        &env,
        &["export", "--format", "seed", "--to", "copy"],
        &["lies outside document"],
    );
    assert!(!env.path("copy").exists());
}

/// The seed export checks every value by the rule the build reads it with, so what it writes builds again.
#[test]
fn export_seed_refuses_a_value_no_seed_can_hold() {
    for (sql, needles) in [
        (
            "UPDATE actors SET kind = 'wizard' WHERE id = 1;",
            &["kind", "\"wizard\" is not one of", "run `dossier verify`"][..],
        ),
        (
            "UPDATE actors SET slug = 'Not A Slug' WHERE id = 2;",
            &["slug", "invalid slug \"Not A Slug\""][..],
        ),
        (
            "UPDATE events SET date = '2025-13' WHERE id = 1;",
            &["date", "invalid date \"2025-13\""][..],
        ),
    ] {
        let env = Env::with_db();
        craft(&env, sql);
        refused(
            &env,
            &["export", "--format", "seed", "--to", "copy"],
            needles,
        );
        assert!(!env.path("copy").exists());
    }
}

#[test]
fn the_dump_replays_in_sqlite3_and_runs_nothing_but_its_own_statements() {
    let env = Env::with_db();
    let planted = env.path("PLANTED");
    let evil = format!(
        "a\n.shell touch {0}\n.system touch {0}\n",
        planted.display()
    );
    {
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        conn.execute("UPDATE documents SET title = ?1 WHERE id = 1", [&evil])
            .unwrap();
        conn.execute("UPDATE meta SET value = ?1 WHERE key = 'title'", [&evil])
            .unwrap();
    }
    let (code, _, err) = env.run(&["export", "--format", "sql", "--to", "dump"]);
    assert_eq!(code, 0, "{err}");
    let dump = std::fs::read_to_string(env.path("dump/dossier.sql")).unwrap();
    assert!(
        !dump.lines().any(|l| l.trim_start().starts_with('.')),
        "a dump line starts a dot-command"
    );
    replay_dump(&env, "dump/dossier.sql", "replayed.db");
    assert!(!planted.exists(), "the replay ran a shell command");
    let conn = Connection::open(env.path("replayed.db")).unwrap();
    let title: String = conn
        .query_row("SELECT title FROM documents WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(title, evil, "the text comes back exactly");
    // A column whose name would break out of its quotes needs a changed table: refused before anything is written.
    craft(
        &env,
        &format!(
            "ALTER TABLE meta ADD COLUMN \"a\"\");\n.shell touch {}\n--\" TEXT;",
            planted.display()
        ),
    );
    refused(
        &env,
        &["export", "--format", "sql", "--to", "dump2"],
        &["does not have dossier's schema"],
    );
    assert!(!planted.exists());
}

/// Runs `args` under a pseudo-terminal (util-linux's `script`) and returns what the terminal received.
fn on_a_terminal(env: &Env, args: &[&str]) -> Vec<u8> {
    let bin = assert_cmd::cargo::cargo_bin!("dossier");
    let mut line = shell_quote(&bin.to_string_lossy());
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let out = crate::support::client("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(env.dir.path())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .env_remove("DOSSIER_DB")
        .output()
        .expect("script runs: .ci/run installs util-linux (apt-get install util-linux bsdutils)");
    out.stdout
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn control_sequences_never_reach_a_terminal() {
    let env = Env::with_db();
    let osc_title = "\u{1b}]0;pwned\u{7}";
    let osc_clip = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}";
    let hostile = format!("Mos{osc_title}cow{osc_clip}\u{8}\u{9b}31m\u{202e}gnp.exe");
    {
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        conn.execute(
            "UPDATE actors SET name = ?1 WHERE slug = 'russia'",
            [&hostile],
        )
        .unwrap();
        conn.execute(
            "UPDATE reports SET title = ?1 WHERE name = 'actors'",
            [&hostile],
        )
        .unwrap();
    }
    let raw = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.contains(['\u{1b}', '\u{7}', '\u{8}', '\u{9b}', '\u{202e}'])
    };
    for format in ["table", "markdown", "csv", "tsv", "json", "ndjson"] {
        let seen = on_a_terminal(
            &env,
            &[
                "--format",
                format,
                "sql",
                "SELECT name FROM actors WHERE slug = 'russia'",
            ],
        );
        assert!(
            !raw(&seen),
            "{format}: {:?}",
            String::from_utf8_lossy(&seen)
        );
        assert!(
            String::from_utf8_lossy(&seen).contains("\\u{1b}]0;pwned"),
            "{format}: the escape is shown: {:?}",
            String::from_utf8_lossy(&seen)
        );
    }
    for args in [
        vec!["report"],
        vec!["report", "timeline", "-p", "actor=russia"],
        vec!["search", "Mos"],
        vec!["schema", "actors"],
        vec!["report", "actor", "-p", &hostile],
    ] {
        let seen = on_a_terminal(&env, &args);
        assert!(
            !raw(&seen),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&seen)
        );
    }
    // Through a pipe, csv keeps the exact bytes.
    let (_, out, _) = env.run(&[
        "--format",
        "csv",
        "sql",
        "SELECT name FROM actors WHERE slug = 'russia'",
    ]);
    assert!(out.contains(&hostile));
}

#[test]
fn build_replaces_only_a_dossier_file_and_never_a_link() {
    let env = Env::new();
    env.real_seed();
    std::fs::write(env.path("notes.txt"), "my notes\n").unwrap();
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "notes.txt"],
        &["notes.txt exists and is not a dossier file", "--force"],
    );
    // Another program's SQLite database is not a dossier file either.
    Connection::open(env.path("theirs.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    refused(
        &env,
        &["build", "--out", "theirs.db"],
        &["not a dossier file"],
    );
    std::os::unix::fs::symlink(env.path("elsewhere.db"), env.path("link.db")).unwrap();
    refused(
        &env,
        &["build", "--out", "link.db", "--force"],
        &["symbolic link"],
    );
    assert!(!env.path("elsewhere.db").exists());
    let (code, _, err) = env.run(&["build", "--seed", "seed", "--out", "notes.txt", "--force"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn seed_links_to_outside_files_and_folders_are_refused() {
    let env = Env::new();
    let seed = env.real_seed();
    std::fs::write(env.path("secret.txt"), "the receiver's private notes").unwrap();
    std::os::unix::fs::symlink(env.path("secret.txt"), seed.join("documents/x.txt")).unwrap();
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "kb.db"],
        &["documents/x.txt is a symbolic link", "outside the seed"],
    );
    std::fs::remove_file(seed.join("documents/x.txt")).unwrap();
    std::os::unix::fs::symlink("/", seed.join("root")).unwrap();
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "kb.db"],
        &["root is a symbolic link"],
    );
    // A link to a file inside the seed is fine.
    std::fs::remove_file(seed.join("root")).unwrap();
    std::os::unix::fs::symlink("dossier.toml", seed.join("same.toml.link")).unwrap();
    let (code, _, err) = env.run(&["build", "--seed", "seed", "--out", "kb.db"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn wal_files_and_hot_journals_are_read_without_writing_or_named() {
    let env = Env::with_db();
    Connection::open(env.path("dossier.db"))
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL;")
        .unwrap();
    let before = snapshot(env.dir.path());
    let (code, out, err) = env.run(&["report", "timeline", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() > 5);
    assert_eq!(snapshot(env.dir.path()), before, "no -wal or -shm appears");
    // Changes still in the -wal file: named, not read half.
    let writer = Connection::open(env.path("dossier.db")).unwrap();
    writer
        .execute_batch(
            "PRAGMA wal_autocheckpoint = 0; UPDATE meta SET value = 'x' WHERE key = 'title';",
        )
        .unwrap();
    std::fs::copy(env.path("dossier.db"), env.path("copy.db")).unwrap();
    std::fs::copy(env.path("dossier.db-wal"), env.path("copy.db-wal")).unwrap();
    drop(writer);
    refused(
        &env,
        &["--db", "copy.db", "info"],
        &["copy.db-wal holds changes"],
    );
    // A hot journal beside a rollback-mode file.
    let env = Env::with_db();
    std::fs::write(env.path("dossier.db-journal"), vec![1u8; 512]).unwrap();
    refused(&env, &["info"], &["dossier.db-journal", "interrupted"]);
}

#[test]
fn smaller_faults_give_messages_not_panics() {
    let env = Env::with_db();
    refused(
        &env,
        &["sql", "SELECT :a", "-p", "a=1", "-p", "a=2"],
        &["parameter \"a\" is given twice"],
    );
    refused(&env, &["sql", "VACUUM"], &["pass --write"]);
    let (code, _, err) = env.run(&["sql", "--write", "VACUUM"]);
    assert_eq!(code, 0, "{err}");
    // Text that is not UTF-8 names its column.
    craft(
        &env,
        "UPDATE actors SET name = CAST(X'4D6FFF' AS TEXT) WHERE slug = 'russia';",
    );
    let err = refused(
        &env,
        &[
            "--format",
            "json",
            "sql",
            "SELECT slug, name FROM actors ORDER BY id",
        ],
        &["column \"name\" (actors.name)", "not valid UTF-8"],
    );
    assert!(err.contains("row "), "{err}");
    // A closed stderr pipe ends the build quietly.
    let env = Env::new();
    env.real_seed();
    let bin = assert_cmd::cargo::cargo_bin!("dossier");
    let out = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; {} build --timeout 0 2>&1 | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
                shell_quote(&bin.to_string_lossy())
            ),
        ])
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status.trim(),
        "0",
        "the build must end quietly when stderr's reader is gone (101 is a panic)"
    );
}

#[test]
fn sigint_and_sigterm_during_a_build_leave_no_temporary_files() {
    let env = Env::new();
    env.cmd()
        .args([
            "synth",
            "--documents",
            "300",
            "--seed",
            "7",
            "--out",
            "corpus",
        ])
        .assert()
        .success();
    for signal in ["INT", "TERM"] {
        let child = env.start_build("corpus", "kb.db", std::time::Duration::from_secs(60));
        Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{signal}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(
            !env.entries()
                .iter()
                .any(|e| e.starts_with(".dossier-build-")),
            "{signal}: {:?}",
            env.entries()
        );
    }
}

#[test]
fn a_damaged_full_text_index_is_named_by_search_and_verify() {
    let env = Env::with_db();
    {
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        conn.execute_batch("PRAGMA writable_schema = ON;").unwrap();
        conn.execute(
            "UPDATE search_data SET block = zeroblob(length(block)) WHERE id > 10",
            [],
        )
        .unwrap();
    }
    refused(
        &env,
        &["search", "Moscow"],
        &["full-text index", "is damaged"],
    );
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("fts5: corruption"), "{out}");
}

#[test]
fn csv_for_a_spreadsheet_neutralises_formulas_only_when_asked() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE actors SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE slug = 'russia';",
    );
    let (code, _, err) = env.run(&["export", "--format", "csv", "--to", "plain"]);
    assert_eq!(code, 0, "{err}");
    let plain = std::fs::read_to_string(env.path("plain/actors.csv")).unwrap();
    assert!(
        plain.contains(",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","),
        "{plain}"
    );
    let (code, _, err) = env.run(&[
        "export",
        "--format",
        "csv",
        "--to",
        "safe",
        "--spreadsheet-safe",
    ]);
    assert_eq!(code, 0, "{err}");
    let safe = std::fs::read_to_string(env.path("safe/actors.csv")).unwrap();
    assert!(safe.contains(",\"'=HYPERLINK("), "{safe}");
    assert!(
        !safe
            .lines()
            .any(|l| l.split(',').any(|c| c.starts_with('='))),
        "{safe}"
    );
}

#[test]
fn a_users_own_view_and_index_are_named_but_do_not_block_reading() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "CREATE VIEW my_states AS SELECT slug FROM actors WHERE kind = 'state'; \
         CREATE INDEX my_actor_kind ON actors(kind);",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = env.run(&["report", "actors", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("russia"));
    let (code, _, err) = env.run(&["verify"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("an extra view \"my_states\"")
            && err.contains("an extra index \"my_actor_kind\""),
        "{err}"
    );
    let (code, out, _) = env.run(&["sql", "--format", "csv", "SELECT count(*) FROM my_states"]);
    assert_eq!(code, 0);
    assert!(out.lines().nth(1).is_some_and(|n| n != "0"), "{out}");
}

/// Writes a schema entry straight into sqlite_schema, as a sender with writable_schema can.
fn plant(env: &Env, kind: &str, name: &str, table: &str, sql: &str) {
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    edit_schema(
        &conn,
        "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES (?1, ?2, ?3, 0, ?4)",
        &[kind, name, table, sql],
    );
}

/// Runs one statement on sqlite_schema itself, and bumps the schema version so that SQLite reads it anew.
fn edit_schema(conn: &Connection, sql: &str, params: &[&str]) {
    conn.execute_batch("PRAGMA writable_schema = ON;").unwrap();
    conn.execute(sql, rusqlite::params_from_iter(params))
        .unwrap();
    let v: i64 = conn
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!("PRAGMA schema_version = {};", v + 1))
        .unwrap();
}

#[test]
fn a_trigger_with_an_internal_name_is_still_a_foreign_trigger() {
    for name in ["sqlite_stat9", "sqlite_autoindex_x", "sqlite_sequence"] {
        let env = Env::with_db();
        plant(
            &env,
            "trigger",
            name,
            "actors",
            &format!("CREATE TRIGGER {name} AFTER UPDATE ON actors BEGIN DELETE FROM quotes; END"),
        );
        let sha = env.file_sha("dossier.db");
        refused(
            &env,
            &[
                "sql",
                "--write",
                "UPDATE actors SET description = 'x' WHERE slug = 'russia'",
            ],
            &[&format!("an extra trigger \"{name}\" on actors")],
        );
        assert_eq!(env.file_sha("dossier.db"), sha);
        let (code, _, _) = env.run(&["verify"]);
        assert_eq!(code, 1, "{name}");
    }
}

#[test]
fn a_users_view_never_reaches_the_dump() {
    let env = Env::with_db();
    let planted = env.path("PWNED.db");
    // sqlite3 reads a line that is only "/" as the end of a statement: stored as one view, replayed as two.
    {
        let conn = Connection::open(env.path("dossier.db")).unwrap();
        conn.execute_batch("CREATE VIEW extra_v AS SELECT 1 AS a;")
            .unwrap();
        edit_schema(
            &conn,
            "UPDATE sqlite_schema SET sql = ?1 WHERE name = 'extra_v'",
            &[&format!(
                "CREATE VIEW extra_v AS SELECT 1\n/\nATTACH +'{}' AS p",
                planted.display()
            )],
        );
    }
    let (code, _, err) = env.run(&["export", "--format", "sql", "--to", "dump"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("leaves out") && err.contains("view \"extra_v\""),
        "{err}"
    );
    let dump = std::fs::read_to_string(env.path("dump/dossier.sql")).unwrap();
    assert!(!dump.contains("extra_v"));
    replay_dump(&env, "dump/dossier.sql", "replayed.db");
    assert!(!planted.exists());
}

#[test]
fn a_pipe_beside_the_database_is_named_not_waited_on() {
    let env = Env::with_db();
    mkfifo(&env.path("dossier.db-journal"));
    for args in [
        vec!["info"],
        vec!["report", "timeline"],
        vec!["sql", "--write", "SELECT 1"],
    ] {
        refused(&env, &args, &["dossier.db-journal", "not a regular file"]);
    }
}

#[test]
fn one_long_function_call_still_ends_at_the_time_limit() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE reports SET sql = 'SELECT printf(''%.*c'', 200000000, ''a'') LIKE \
         (''%'' || printf(''%.*c'', 9990, ''a'') || ''b'') AS m' WHERE name = 'actors';",
    );
    let started = std::time::Instant::now();
    refused(
        &env,
        &["--timeout", "1", "report", "actors"],
        &["time limit of 1 s"],
    );
    // The bound and its grace period, with room for a slow machine; without the watchdog this runs for minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn stored_sql_cannot_undo_the_hardening() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE reports SET sql = 'PRAGMA trusted_schema = 1' WHERE name = 'actors';",
    );
    refused(&env, &["report", "actors"], &["not a query"]);
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("so it is not a query"), "{out}");
    for pragma in [
        "trusted_schema = 1",
        "mmap_size = 1000000",
        "cell_size_check = 0",
    ] {
        refused(
            &env,
            &["sql", &format!("PRAGMA {pragma}")],
            &["is refused: dossier sets it for every file"],
        );
    }
}

#[test]
fn notices_that_quote_the_file_show_its_control_characters() {
    let env = Env::with_db();
    let n = "x\u{1b}]0;pwned\u{7}";
    craft(
        &env,
        &format!("UPDATE reports SET name = '{n}' WHERE name = 'designations';"),
    );
    let seen = on_a_terminal(&env, &["export", "--format", "datasette", "--to", "meta"]);
    let text = String::from_utf8_lossy(&seen);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}

#[test]
fn a_huge_sparse_seed_file_is_refused_before_it_is_read() {
    let env = Env::new();
    let seed = env.real_seed();
    let body = std::fs::read_dir(seed.join("documents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "txt"))
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&body)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "kb.db"],
        &["larger than the 256 MiB a seed file may be"],
    );
}

#[test]
fn sql_write_refuses_a_wal_file_by_name() {
    let env = Env::with_db();
    Connection::open(env.path("dossier.db"))
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL;")
        .unwrap();
    let sha = env.file_sha("dossier.db");
    refused(
        &env,
        &[
            "sql",
            "--write",
            "UPDATE actors SET description = 'x' WHERE slug = 'russia'",
        ],
        &["is in WAL mode", "rollback-journal mode"],
    );
    assert_eq!(env.file_sha("dossier.db"), sha);
}

#[test]
fn export_into_a_file_or_through_a_link_is_refused() {
    let env = Env::with_db();
    std::fs::write(env.path("notes.txt"), "mine\n").unwrap();
    refused(
        &env,
        &["export", "--format", "csv", "--to", "notes.txt"],
        &["notes.txt exists and is not a directory"],
    );
    std::fs::create_dir(env.path("real")).unwrap();
    std::os::unix::fs::symlink(env.path("real"), env.path("linked")).unwrap();
    refused(
        &env,
        &["export", "--format", "csv", "--to", "linked"],
        &["linked is a symbolic link"],
    );
}

#[test]
fn a_seed_with_a_pipe_or_a_dangling_link_is_refused_by_name() {
    let env = Env::new();
    let seed = env.real_seed();
    mkfifo(&seed.join("documents/pipe.txt"));
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "kb.db"],
        &["pipe.txt is not a regular file"],
    );
    std::fs::remove_file(seed.join("documents/pipe.txt")).unwrap();
    std::os::unix::fs::symlink(seed.join("gone.txt"), seed.join("documents/dangling.txt")).unwrap();
    refused(
        &env,
        &["build", "--seed", "seed", "--out", "kb.db"],
        &["dangling.txt is a symbolic link to nothing"],
    );
}

#[test]
fn a_reports_sql_and_names_from_the_file_reach_no_terminal_raw() {
    let env = Env::with_db();
    craft(
        &env,
        "UPDATE reports SET sql = 'SELECT 1 AS one -- ' || char(27) || ']0;pwned' || char(7) WHERE name = 'actors'; \
         CREATE TABLE \"t\u{1b}]0;x\u{7}\" (a);",
    );
    let raw = |bytes: &[u8]| String::from_utf8_lossy(bytes).contains(['\u{1b}', '\u{7}']);
    let seen = on_a_terminal(&env, &["report", "actors", "--sql"]);
    assert!(!raw(&seen), "{:?}", String::from_utf8_lossy(&seen));
    assert!(String::from_utf8_lossy(&seen).contains("\\u{1b}]0;pwned"));
    // The shell's completion lists names from the file; one with a control character is left out.
    let (code, out, err) = env.run(&["shell", "--complete", "SELECT * FROM t"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn a_huge_cell_is_cut_in_a_table_and_whole_in_csv() {
    let env = Env::with_db();
    let sql = "SELECT printf('%.*c', 200000, 'x') AS big";
    let (code, out, _) = env.run(&["sql", sql]);
    assert_eq!(code, 0);
    assert!(out.len() < 100_000, "{} bytes", out.len());
    assert!(
        out.contains("more bytes; --format csv or json shows them all"),
        "{}",
        &out[out.len() - 300..]
    );
    let (code, out, _) = env.run(&["--format", "csv", "sql", sql]);
    assert_eq!(code, 0);
    assert_eq!(out.trim_end().len(), "big\n".len() + 200_000);
}

/// A named pipe at `path`, as a sender can leave in a seed or beside a database.
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn an_id_outside_its_kinds_range_of_rowids_fails_verify_and_search_says_so() {
    let env = Env::with_db();
    // 2^48 + 1: the event's rowid in the index becomes the first actor's.
    let id = (1i64 << 48) + 1;
    craft(
        &env,
        &format!(
            "UPDATE events SET id = {id} WHERE id = 1; \
             UPDATE event_actors SET event = {id} WHERE event = 1; \
             UPDATE evidence SET event = {id} WHERE event = 1; \
             UPDATE designations SET imposed_by = {id} WHERE imposed_by = 1; \
             UPDATE designations SET ended_by = {id} WHERE ended_by = 1; \
             INSERT INTO search(search) VALUES ('rebuild');"
        ),
    );
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("event \\\"taliban-return-to-power\\\" takes rowid 281474976710657")
            && out.contains("outside the range of its kind"),
        "{out}"
    );
    // Two rows share the rowid: FTS5 finds that the words it reads back are not the ones it indexed, and search
    // says so rather than show one row's snippet under the other's name.
    let (code, _, err) = env.run(&["search", "Taliban power", "--format", "csv"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the full-text index is damaged") && err.contains("run `dossier verify`"),
        "{err}"
    );
}

#[test]
fn a_row_deleted_behind_the_indexs_back_is_named_by_search_and_verify() {
    let env = Env::with_db();
    let conn = Connection::open(env.path("dossier.db")).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; DELETE FROM events WHERE slug = 'taliban-return-to-power';",
    )
    .unwrap();
    drop(conn);
    let (code, _, err) = env.run(&["search", "Taliban power"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the full-text index is damaged (the index holds row 1, which no table has)"),
        "{err}"
    );
    let (code, out, _) = env.run(&["verify", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the index holds row 1, which no table has"),
        "{out}"
    );
}
