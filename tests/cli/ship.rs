//! Shipping the file: real clients, exports that round-trip, Datasette, diff, and the hygiene of the file itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Env, repo, sha256};

/// One Datasette line, from the venv that .ci/run makes for it (or the path in an environment variable).
struct Datasette {
    venv: &'static str,
    var: &'static str,
    version: &'static str,
    install: &'static str,
    /// Datasette 1.0 reads canned queries from its configuration, not from the metadata.
    config: bool,
}

const DATASETTE_065: Datasette = Datasette {
    venv: ".venv",
    var: "DATASETTE",
    version: "0.65.",
    install: "python3 -m venv .venv && .venv/bin/pip install 'datasette==0.65.*'",
    config: false,
};

const DATASETTE_1: Datasette = Datasette {
    venv: ".venv-datasette1",
    var: "DATASETTE1",
    version: "1.0a",
    install: "python3 -m venv .venv-datasette1 && .venv-datasette1/bin/pip install --pre 'datasette>=1.0a0'",
    config: true,
};

impl Datasette {
    /// The binary, checked to be the line this test means.
    fn bin(&self) -> PathBuf {
        let bin = std::env::var_os(self.var)
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join(self.venv).join("bin/datasette"));
        let out = Command::new(&bin)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; .ci/run installs it: {} (or set {})",
                    bin.display(),
                    self.install,
                    self.var
                )
            });
        let version = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            version.contains(&format!("version {}", self.version)),
            "{} is {version:?}, not Datasette {}*; install it with: {}",
            bin.display(),
            self.version,
            self.install
        );
        bin
    }

    fn get(&self, env: &Env, path: &str) -> serde_json::Value {
        let mut cmd = Command::new(self.bin());
        cmd.current_dir(env.dir.path())
            .args(["dossier.db", "-m", "meta/metadata.json"]);
        if self.config {
            cmd.args(["-c", "meta/datasette.json"]);
        }
        let out = cmd.args(["--get", path]).output().expect("datasette runs");
        assert!(
            out.status.success(),
            "datasette {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// The same rows through Datasette as through dossier, for three reports and their parameters. `timeline`
    /// is the name of the report and of a view: 1.0 serves the view there, so its configuration names the
    /// report `timeline-report`.
    fn serves_the_same_rows_as_dossier(&self, env: &Env) {
        let timeline = if self.config {
            "timeline-report"
        } else {
            "timeline"
        };
        assert_eq!(
            self.get(env, "/dossier/recognitions.json?_shape=array"),
            report_json(env, &["recognitions"])
        );
        let rows = report_json(env, &["timeline", "-p", "actor=russia", "-p", "from=2025"]);
        assert_eq!(rows.as_array().unwrap().len(), 3, "{rows}");
        assert_eq!(
            self.get(
                env,
                &format!("/dossier/{timeline}.json?_shape=array&actor=russia&from=2025")
            ),
            rows
        );
        assert_eq!(
            self.get(env, "/dossier/in-force.json?_shape=array&on=2024-01-01"),
            report_json(env, &["in-force", "-p", "on=2024-01-01"])
        );
    }
}

fn report_json(env: &Env, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = env.run(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn export_datasette() -> Env {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["export", "--format", "datasette", "--to", "meta"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("names the reports actors as actors-report, designations as designations-report, quotes as quotes-report, timeline as timeline-report"),
        "{err}"
    );
    env
}

#[test]
fn datasette_065_serves_the_stored_reports_with_their_parameters() {
    let env = export_datasette();
    let ds = DATASETTE_065;
    let meta = ds.get(&env, "/-/metadata.json");
    assert_eq!(meta["title"], "Russia and the Taliban");
    assert!(
        meta["source"]
            .as_str()
            .unwrap()
            .contains("How Russia Ended the Taliban’s Isolation, Giorgio Cafiero (2025-07-25)")
    );
    let queries = meta["databases"]["dossier"]["queries"].as_object().unwrap();
    assert_eq!(queries.len(), 8);
    assert_eq!(queries["timeline"]["title"], "Timeline");
    assert_eq!(
        queries["timeline"]["params"],
        serde_json::json!(["actor", "from", "to"])
    );
    ds.serves_the_same_rows_as_dossier(&env);
    // Table descriptions come from the schema's comments.
    let actors = &meta["databases"]["dossier"]["tables"]["actors"];
    assert_eq!(actors["columns"]["country"], "ISO 3166-1 alpha-3");
}

#[test]
fn datasette_1_serves_the_stored_reports_from_its_configuration() {
    let env = export_datasette();
    let ds = DATASETTE_1;
    let config = ds.get(&env, "/-/config.json");
    let queries = config["databases"]["dossier"]["queries"]
        .as_object()
        .unwrap();
    let mut names: Vec<&str> = queries.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "actor",
            "actors-report",
            "designations-report",
            "in-force",
            "quotes-report",
            "recognitions",
            "sources",
            "timeline-report"
        ]
    );
    assert_eq!(queries["timeline-report"]["title"], "Timeline");
    let db = ds.get(&env, "/dossier.json");
    assert_eq!(db["queries_count"], 8);
    // The title and description still come from the metadata.
    assert_eq!(db["metadata"]["title"], "Russia and the Taliban");
    ds.serves_the_same_rows_as_dossier(&env);
    // Under its own name, 1.0 serves the view, not the report: the reason for the new name.
    let view = ds.get(&env, "/dossier/timeline.json?_shape=array");
    assert!(view[0].get("sort_date").is_some(), "{view}");
}

const VIEWS: &[(&str, &str)] = &[
    ("timeline", "SELECT count(*) FROM timeline"),
    ("evidence_check", "SELECT count(*) FROM evidence_check"),
    (
        "facts_without_evidence",
        "SELECT count(*) FROM facts_without_evidence",
    ),
    (
        "evidence_facts",
        "SELECT count(*) FROM evidence_facts WHERE fact IS NOT NULL",
    ),
];

#[test]
fn every_view_works_in_the_sqlite3_shell_and_python() {
    let env = Env::with_db();
    let expected = [7, 0, 0, 42];
    for ((view, sql), want) in VIEWS.iter().zip(expected) {
        let shell = crate::support::client("sqlite3")
            .arg("-readonly")
            .arg(env.path("dossier.db"))
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            shell.status.success(),
            "{view}: {}",
            String::from_utf8_lossy(&shell.stderr)
        );
        assert_eq!(
            String::from_utf8(shell.stdout).unwrap().trim(),
            want.to_string(),
            "sqlite3: {view}"
        );
        let py = crate::support::client("python3")
            .args(["-c", "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute(sys.argv[2]).fetchone()[0])"])
            .arg(env.path("dossier.db"))
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            py.status.success(),
            "{view}: {}",
            String::from_utf8_lossy(&py.stderr)
        );
        assert_eq!(
            String::from_utf8(py.stdout).unwrap().trim(),
            want.to_string(),
            "python: {view}"
        );
    }
}

/// Python reads every exported file back and compares it with the table, read by Python's sqlite3.
const PY_CHECK: &str = r#"
import csv, json, sqlite3, sys, os
db, d, kind = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect('file:' + db + '?mode=ro', uri=True)
tables = ['meta', 'documents', 'actors', 'actor_aliases', 'events', 'event_actors', 'designations', 'quotes', 'evidence', 'reports', 'report_params']
for t in tables:
    cur = con.execute('SELECT * FROM %s ORDER BY %s' % (t, 'rowid' if t == 'meta' else 'id'))
    names = [c[0] for c in cur.description]
    rows = cur.fetchall()
    path = os.path.join(d, t + '.' + kind)
    if kind == 'csv':
        raw = open(path, 'rb').read()
        assert raw.count(b'\r\n') >= len(rows) + 1, (t, 'CRLF line ends')
        with open(path, newline='', encoding='utf-8') as f:
            got = list(csv.reader(f))
        assert got[0] == names, (t, got[0])
        want = [['' if v is None else str(v) for v in r] for r in rows]
        assert got[1:] == want, (t, got[1:3], want[:2])
    else:
        got = json.load(open(path, encoding='utf-8'))
        assert got == [dict(zip(names, r)) for r in rows], t
    print(t, len(rows))
"#;

#[test]
fn csv_and_json_exports_read_back_to_the_same_tables() {
    let env = Env::with_db();
    for kind in ["csv", "json"] {
        let (code, _, err) = env.run(&["export", "--format", kind, "--to", kind]);
        assert_eq!(code, 0, "{err}");
        let out = crate::support::client("python3")
            .args(["-c", PY_CHECK])
            .arg(env.path("dossier.db"))
            .arg(env.path(kind))
            .arg(kind)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 11);
    }
    // Exports never overwrite silently.
    let (code, _, err) = env.run(&["export", "--format", "csv", "--to", "csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("exists; pass --force"), "{err}");
    assert_eq!(
        env.run(&["export", "--format", "csv", "--to", "csv", "--force"])
            .0,
        0
    );
}

#[test]
fn a_failed_export_leaves_the_directory_as_it_was() {
    // Before, the files that came before the refusal stayed behind, half an export.
    let env = Env::with_db();
    std::fs::create_dir(env.path("csv")).unwrap();
    std::fs::write(env.path("csv/reports.csv"), "mine").unwrap();
    let (code, _, err) = env.run(&["export", "--format", "csv", "--to", "csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("reports.csv exists; pass --force"), "{err}");
    let left: Vec<String> = std::fs::read_dir(env.path("csv"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["reports.csv"]);
    assert_eq!(
        std::fs::read_to_string(env.path("csv/reports.csv")).unwrap(),
        "mine"
    );
    // A new directory appears whole, with no temporary folder beside it.
    let (code, _, err) = env.run(&["export", "--format", "ftm", "--to", "out/ftm"]);
    assert_eq!(code, 0, "{err}");
    let out: Vec<String> = std::fs::read_dir(env.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(out, ["ftm"]);
    assert!(env.path("out/ftm/entities.ftm.json").is_file());
    // An existing directory gets the files, and the temporary folder goes.
    let (code, _, err) = env.run(&["export", "--format", "json", "--to", "csv"]);
    assert_eq!(code, 0, "{err}");
    let mut left: Vec<String> = std::fs::read_dir(env.path("csv"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".json"))
        .collect();
    left.sort();
    assert_eq!(left, ["reports.csv"]);
}

#[test]
fn the_sql_dump_rebuilds_an_equal_database_in_sqlite3() {
    let env = Env::with_db();
    assert_eq!(env.run(&["export", "--format", "sql", "--to", "dump"]).0, 0);
    // The indexes follow the rows, so that each is made in one pass (as the sqlite3 shell's own `.dump` orders them).
    let text = std::fs::read_to_string(env.path("dump/dossier.sql")).unwrap();
    let last_row = text.rfind("\nINSERT INTO \"").expect("the dump holds rows");
    let first_index = text
        .find("\nCREATE INDEX ")
        .expect("the dump holds indexes");
    assert!(last_row < first_index, "an index comes before the rows");
    let dump = std::fs::File::open(env.path("dump/dossier.sql")).unwrap();
    let out = crate::support::client("sqlite3")
        .arg(env.path("new.db"))
        .stdin(dump)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.cmd()
        .args(["--db", "new.db", "verify"])
        .assert()
        .success();
    // Equal contents, fact by fact, and the same full-text index.
    let (code, out, _) = env.run(&["diff", "dossier.db", "new.db"]);
    assert_eq!(code, 0, "{out}");
    let rows = |db: &str, sql: &str| env.run(&["--db", db, "sql", "--format", "csv", sql]).1;
    for sql in [
        "SELECT * FROM evidence ORDER BY id",
        "SELECT * FROM event_actors ORDER BY id",
        "SELECT * FROM report_params ORDER BY id",
        "SELECT kind, slug FROM search WHERE search MATCH 'recognition' ORDER BY rank",
    ] {
        assert_eq!(rows("dossier.db", sql), rows("new.db", sql), "{sql}");
    }
}

#[test]
fn an_exported_seed_rebuilds_the_same_bytes() {
    let env = Env::with_db();
    let original = env.file_sha("dossier.db");
    assert_eq!(
        env.run(&["export", "--format", "seed", "--to", "seed-back"])
            .0,
        0
    );
    let rebuilt = env.build(&env.path("seed-back"), "rebuilt.db");
    assert_eq!(sha256(&rebuilt), original);
    // The same for a seed with repeated words that need a prefix.
    let other = Env::new();
    let seed = other.fixture("minimal", "seed");
    other.build(&seed, "dossier.db");
    let toml = std::fs::read_to_string(seed.join("documents/note.toml"))
        .unwrap()
        .replace(
            "evidence = [\"Ruritania’s ministry\"]",
            "evidence = [\"Ruritania’s ministry\", { exact = \"Ruritania\", prefix = \"” \" }]",
        );
    std::fs::write(seed.join("documents/note.toml"), toml).unwrap();
    let first = other.build(&seed, "dossier.db");
    assert_eq!(
        other.run(&["export", "--format", "seed", "--to", "back"]).0,
        0
    );
    let back = std::fs::read_to_string(other.path("back/documents/note.toml")).unwrap();
    assert!(back.contains("prefix"), "{back}");
    assert_eq!(
        sha256(&other.build(&other.path("back"), "again.db")),
        sha256(&first)
    );
}

#[test]
fn diff_shows_what_changed_field_by_field() {
    let env = Env::with_db();
    std::fs::copy(env.path("dossier.db"), env.path("new.db")).unwrap();
    assert_eq!(env.run(&["diff", "dossier.db", "new.db"]).0, 0);
    let (code, _, err) = env.run(&[
        "--db",
        "new.db",
        "sql",
        "--write",
        "UPDATE events SET date = '2025-07-04', date_earliest = '2025-07-04', date_latest = '2025-07-04' \
           WHERE slug = 'russia-recognizes-islamic-emirate'; \
         DELETE FROM quotes WHERE slug = 'kabul-hopes-for-precedent'; \
         INSERT INTO actors (slug, name, kind) VALUES ('uzbekistan', 'Uzbekistan', 'state'); \
         UPDATE reports SET title = 'When' WHERE name = 'timeline'",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.run(&["diff", "dossier.db", "new.db", "--format", "json"]);
    assert_eq!(code, 1);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let brief: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} -> {}",
                r["table"], r["slug"], r["change"], r["field"], r["old"], r["new"]
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            r#""actors" "uzbekistan" "added" null null -> null"#,
            r#""events" "russia-recognizes-islamic-emirate" "changed" "date" "2025-07-03" -> "2025-07-04""#,
            r#""quotes" "kabul-hopes-for-precedent" "removed" null null -> null"#,
            r#""reports" "timeline" "changed" "title" "Timeline" -> "When""#,
        ]
    );
    let (code, _, err) = env.run(&["diff", "dossier.db", "missing.db"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.db: no such file"), "{err}");
}

#[test]
fn no_journal_or_wal_file_is_left_beside_the_file() {
    let env = Env::with_db();
    let runs: &[&[&str]] = &[
        &["info"],
        &["verify"],
        &["report"],
        &["report", "timeline"],
        &["sql", "SELECT count(*) FROM actors"],
        &[
            "sql",
            "--write",
            "UPDATE actors SET description = 'x' WHERE slug = 'russia'",
        ],
        &["search", "Kabul"],
        &["evidence", "russia"],
        &["schema", "actors"],
        &["export", "--format", "json", "--to", "out"],
        &["diff", "dossier.db", "dossier.db"],
    ];
    for args in runs {
        let (code, _, err) = env.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        let stray: Vec<String> = env
            .entries()
            .into_iter()
            .filter(|e| e.ends_with("-journal") || e.ends_with("-wal") || e.ends_with("-shm"))
            .collect();
        assert!(stray.is_empty(), "after {args:?}: {stray:?}");
    }
    let mode: String = rusqlite::Connection::open(env.path("dossier.db"))
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn the_file_holds_no_path_user_or_host_name() {
    let env = Env::with_db();
    let bytes = std::fs::read(env.path("dossier.db")).unwrap();
    let contains = |needle: &str| {
        !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    };
    let dir = env.dir.path().to_string_lossy().into_owned();
    assert!(!contains(&dir), "the build directory's path is in the file");
    assert!(
        !contains(&repo().to_string_lossy()),
        "the repository's path is in the file"
    );
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host = host.trim();
    if host.len() >= 4 {
        assert!(!contains(host), "the host name is in the file");
    }
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    if user.len() >= 4 {
        assert!(
            !contains(&format!("/{user}")) && !contains(&format!("{user}@")),
            "the user name is in the file"
        );
    }
}

/// Runs `args` as an unprivileged user when the tests run as root, so that file permissions bite.
fn as_unprivileged(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    // A copy of the binary the other user can surely reach, wherever the checkout lives.
    let bin = env.path("bin/dossier");
    if !bin.exists() {
        std::fs::create_dir_all(env.path("bin")).unwrap();
        std::fs::copy(assert_cmd::cargo::cargo_bin!("dossier"), &bin).unwrap();
        std::fs::set_permissions(env.path("bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = crate::support::client("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir)
        .env_remove("DOSSIER_DB")
        .env("COLUMNS", "100")
        .args(args);
    cmd.output().expect("run")
}

#[test]
fn read_commands_work_on_a_read_only_file_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::with_db();
    let ro = env.path("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::copy(env.path("dossier.db"), ro.join("dossier.db")).unwrap();
    let before = env.file_sha("ro/dossier.db");
    std::fs::set_permissions(
        ro.join("dossier.db"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // The unprivileged user must be able to reach the directory.
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let runs: &[&[&str]] = &[
        &["info"],
        &["verify"],
        &["report"],
        &["report", "in-force"],
        &["sql", "SELECT count(*) FROM evidence"],
        &["search", "recognition"],
        &["evidence", "taliban"],
        &["schema"],
        &["diff", "dossier.db", "dossier.db"],
    ];
    for args in runs {
        let out = as_unprivileged(&env, &ro, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A write is refused with a clear error, and nothing changes.
    let out = as_unprivileged(&env, &ro, &["sql", "--write", "DELETE FROM actors"]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(env.file_sha("ro/dossier.db"), before);
    let names: Vec<String> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["dossier.db"]);
}
