//! `dossier report`: every stored report pinned as table and json, and every way its parameters can be wrong.

use crate::support::Env;

/// The stored reports, with parameters that make each one show something.
const RUNS: &[(&str, &[&str])] = &[
    ("actor", &["-p", "actor=russia"]),
    ("actors", &[]),
    ("designations", &[]),
    ("in-force", &["-p", "on=2025-07-25"]),
    ("quotes", &[]),
    ("recognitions", &[]),
    ("sources", &[]),
    ("timeline", &[]),
];

#[test]
fn every_report_is_pinned_as_table_and_json() {
    let env = Env::with_db();
    let (code, listing, _) = env.run(&["report", "--format", "json"]);
    assert_eq!(code, 0);
    let listing: Vec<serde_json::Value> = serde_json::from_str(&listing).unwrap();
    let names: Vec<&str> = listing
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let pinned: Vec<&str> = RUNS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, pinned, "a stored report has no snapshot");
    for (name, params) in RUNS {
        for format in ["table", "json"] {
            let mut args = vec!["report", name, "--format", format];
            args.extend_from_slice(params);
            let (code, out, err) = env.run(&args);
            assert_eq!(code, 0, "{name}: {err}");
            assert!(err.is_empty(), "{name}: {err}");
            if format == "json" {
                let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("valid json");
                assert!(!rows.is_empty(), "{name} returned no rows");
            }
            insta::assert_snapshot!(format!("report-{name}-{format}"), out);
        }
    }
}

#[test]
fn the_report_listing_is_pinned() {
    let env = Env::with_db();
    let (code, out, _) = env.run(&["report"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("report-list", out);
}

#[test]
fn timeline_filters_by_actor_alias_and_dates() {
    let env = Env::with_db();
    let by_alias = env.run(&[
        "report",
        "timeline",
        "-p",
        "actor=the kremlin",
        "--format",
        "csv",
    ]);
    let by_slug = env.run(&[
        "report",
        "timeline",
        "-p",
        "actor=russia",
        "--format",
        "csv",
    ]);
    assert_eq!(by_alias, by_slug);
    // A slug in another case is the same actor.
    let by_upper = env.run(&[
        "report",
        "timeline",
        "-p",
        "actor=RUSSIA",
        "--format",
        "csv",
    ]);
    assert_eq!(by_upper, by_slug);
    let events: Vec<&str> = by_slug
        .1
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "russia-revokes-taliban-terrorist-designation",
            "russia-recognizes-islamic-emirate",
            "dissidents-criticize-recognition"
        ]
    );
    // A month bound includes the whole month; a year bound the whole year.
    let (_, out, _) = env.run(&[
        "report",
        "timeline",
        "-p",
        "from=2022-03",
        "-p",
        "to=2022",
        "--format",
        "csv",
    ]);
    let events: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        events,
        ["gharwal-accredited", "gharwal-takes-control-of-embassy"]
    );
}

#[test]
fn in_force_defaults_to_today() {
    let env = Env::with_db();
    let today: String = rusqlite::Connection::open_in_memory()
        .unwrap()
        .query_row("SELECT date('now', 'localtime')", [], |r| r.get(0))
        .unwrap();
    let (code, out, _) = env.run(&["report", "in-force", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["on_day"] == today.as_str()), "{out}");
    // Before the revocation, the terrorist listing was in force, and the recognition was not yet.
    let (_, out, _) = env.run(&[
        "report",
        "in-force",
        "-p",
        "on=2024-01-01",
        "--format",
        "csv",
    ]);
    assert!(out.contains("russia-lists-taliban-as-terrorist"), "{out}");
    assert!(
        !out.contains("russia-recognizes-taliban-government"),
        "{out}"
    );
}

#[test]
fn a_missing_required_parameter_names_it_and_lists_them() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["report", "actor"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("missing required parameter \"actor\""),
        "{err}"
    );
    assert!(
        err.contains("-p actor=…  actor (actor, required): The actor (slug or alias)"),
        "{err}"
    );
}

#[test]
fn an_unknown_parameter_is_named() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["report", "timeline", "-p", "since=2020"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown parameter \"since\""), "{err}");
    assert!(err.contains("-p from=…"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_is_refused() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["report", "timeline", "-p", "from=July 2025"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("parameter \"from\": invalid date \"July 2025\""),
        "{err}"
    );
    let (code, _, err) = env.run(&["report", "in-force", "-p", "on=2025-02-30"]);
    assert_eq!(code, 1);
    assert!(err.contains("February 2025 has 28 days"), "{err}");
    let (code, _, err) = env.run(&["report", "actor", "-p", "actor=Moskow"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no actor has the slug, name or alias \"Moskow\"; did you mean \"Moscow\"?"),
        "{err}"
    );
}

#[test]
fn an_unknown_report_suggests_the_nearest() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["report", "timelines"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no report named \"timelines\"; did you mean \"timeline\"?"),
        "{err}"
    );
}

#[test]
fn a_parameter_is_data_never_sql() {
    let env = Env::with_db();
    let before = env.file_sha("dossier.db");
    let evil = "x'); DROP TABLE actors; --";
    // As text: no rows match, nothing is dropped.
    let (code, out, err) = env.run(&[
        "report",
        "actors",
        "-p",
        &format!("kind={evil}"),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "only the header: {out}");
    // As an actor: it names no actor.
    let (code, _, err) = env.run(&["report", "actor", "-p", &format!("actor={evil}")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no actor has the slug, name or alias"),
        "{err}"
    );
    // Through ad hoc SQL: bound, and returned as the very same text.
    let (code, out, _) = env.run(&[
        "sql",
        "SELECT :v AS v, (SELECT count(*) FROM actors) AS n",
        "-p",
        &format!("v={evil}"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["v"], evil);
    assert_eq!(rows[0]["n"], 12);
    assert_eq!(env.file_sha("dossier.db"), before);
}

#[test]
fn report_sql_prints_the_stored_sql() {
    let env = Env::with_db();
    let (code, out, _) = env.run(&["report", "quotes", "--sql"]);
    assert_eq!(code, 0);
    let stored: String = rusqlite::Connection::open(env.path("dossier.db"))
        .unwrap()
        .query_row("SELECT sql FROM reports WHERE name = 'quotes'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(out, format!("{stored}\n"));
}

#[test]
fn every_report_runs_in_the_sqlite3_shell_too() {
    // The reports travel in the file; a colleague without dossier runs them in sqlite3 3.40.
    let env = Env::with_db();
    let conn = rusqlite::Connection::open(env.path("dossier.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, sql FROM reports ORDER BY name")
        .unwrap();
    let reports: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, sql) in reports {
        let params = "SELECT name FROM report_params WHERE report = (SELECT id FROM reports WHERE name = ?1)";
        let names: Vec<String> = conn
            .prepare(params)
            .unwrap()
            .query_map([&name], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut script = String::new();
        for p in &names {
            let value = if p == "actor" { "russia" } else { "" };
            script.push_str(&format!(".parameter set :{p} '{value}'\n"));
        }
        script.push_str(&sql);
        script.push('\n');
        let out = crate::support::client("sqlite3")
            .arg("-readonly")
            .arg(env.path("dossier.db"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(script.as_bytes())?;
                child.wait_with_output()
            })
            .expect("sqlite3 runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && err.is_empty(),
            "report {name} fails in sqlite3: {err}"
        );
        assert!(
            !out.stdout.is_empty(),
            "report {name} returns nothing in sqlite3"
        );
    }
}

#[test]
fn filtered_reports_never_scan_events_evidence_or_quotes() {
    let env = Env::with_db();
    let conn = rusqlite::Connection::open(env.path("dossier.db")).unwrap();
    let reports: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, name, sql FROM reports ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let scan = regex_free_scan;
    for (id, name, sql) in reports {
        let params: Vec<(String, String)> = conn
            .prepare("SELECT name, type FROM report_params WHERE report = ?1")
            .unwrap()
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.trim_end_matches(';')))
            .unwrap();
        for (pname, ptype) in &params {
            let value = match ptype.as_str() {
                "actor" => "russia",
                "date" => "2025",
                _ => "state",
            };
            let i = stmt.parameter_index(&format!(":{pname}")).unwrap().unwrap();
            stmt.raw_bind_parameter(i, value).unwrap();
        }
        let mut rows = stmt.raw_query();
        while let Some(r) = rows.next().unwrap() {
            let detail: String = r.get(3).unwrap();
            assert!(
                !scan(&detail),
                "report {name} with its filters set: {detail}"
            );
        }
    }
}

/// Whether a query-plan line is a full scan of events, evidence or quotes (under the aliases the reports use).
fn regex_free_scan(detail: &str) -> bool {
    let Some(rest) = detail.strip_prefix("SCAN ") else {
        return false;
    };
    let table = rest.split_whitespace().next().unwrap_or("");
    ["events", "evidence", "quotes", "e", "ev", "q", "q2"].contains(&table)
}
