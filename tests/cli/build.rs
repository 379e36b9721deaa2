//! `dossier build`: the real seed, determinism, and one fixture per way a seed can be wrong.

use crate::support::{Env, repo, sha256, stderr, stdout};

#[test]
fn real_seed_builds_and_verifies() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    env.cmd().arg("verify").assert().success();
}

#[test]
fn two_builds_give_the_same_bytes() {
    let env = Env::new();
    let seed = env.real_seed();
    let first = env.build(&seed, "one.db");
    // A second build in another directory, from another copy of the seed.
    let other = Env::new();
    let seed2 = other.real_seed();
    let second = other.build(&seed2, "two.db");
    assert_eq!(sha256(&first), sha256(&second));
    assert!(first.len() > 4096);
}

#[test]
fn the_seed_is_the_first_document_byte_for_byte() {
    let seed =
        std::fs::read(repo().join("seed/documents/how-russia-ended-the-talibans-isolation.txt"))
            .unwrap();
    let text = std::str::from_utf8(&seed).unwrap();
    assert_eq!(seed.len(), 2102);
    assert_eq!(text.chars().count(), 2069);
    if let Ok(shared) = std::fs::read(
        repo().join("../shared/source-documents/how-russia-ended-the-talibans-isolation.txt"),
    ) {
        assert_eq!(seed, shared);
    }
}

#[test]
fn embedded_seed_matches_the_seed_directory() {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "built.db");
    let digest = |args: &[&str]| {
        let out = env
            .cmd()
            .args(args)
            .args(["info", "--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("seed_sha256,"))
            .expect("seed digest row")
            .to_string()
    };
    let embedded = env
        .cmd()
        .args(["info", "--format", "csv"])
        .env("DOSSIER_DB", "")
        .output()
        .unwrap();
    // With no dossier.db in the directory, `info` uses the embedded seed and says so on stderr.
    std::fs::rename(env.path("built.db"), env.path("elsewhere.db")).unwrap();
    let out = env
        .cmd()
        .args(["info", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("using the seed compiled into this binary"));
    let embedded_digest = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("seed_sha256,"))
        .unwrap()
        .to_string();
    assert_eq!(embedded_digest, digest(&["--db", "elsewhere.db"]));
    drop(embedded);
    assert!(
        !env.path("dossier.db").exists(),
        "a read command created a file"
    );
}

#[test]
fn a_json_document_seed_builds_like_toml() {
    let env = Env::new();
    let toml = env.fixture("minimal", "a");
    let json = env.fixture("json-seed", "b");
    env.build(&toml, "a.db");
    env.build(&json, "b.db");
    for db in ["a.db", "b.db"] {
        env.cmd().args(["--db", db, "verify"]).assert().success();
    }
}

/// Builds the minimal fixture into `out.db`, then the broken `case` over it: the build must fail with every line
/// of the case's expected.txt in its message, leave out.db byte-identical, and leave no temporary file.
fn fails_cleanly(case: &str) {
    let env = Env::new();
    let good = env.fixture("minimal", "good");
    let before = env.build(&good, "out.db");
    let bad = env.fixture(case, "bad");
    let entries_before = env.entries();

    let out = env
        .cmd()
        .args(["build", "--seed", "bad", "--out", "out.db"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{case}: exit code; stderr:\n{err}"
    );
    let expected = std::fs::read_to_string(
        repo()
            .join("tests/fixtures")
            .join(case)
            .join("expected.txt"),
    )
    .unwrap();
    for line in expected.lines().filter(|l| !l.is_empty()) {
        assert!(
            err.contains(line),
            "{case}: stderr lacks {line:?}; stderr was:\n{err}"
        );
    }
    assert!(err.contains("nothing was written"), "{case}: {err}");
    // `check` runs the same checks and prints the same messages, and writes nothing.
    let check = env.cmd().args(["check", "--seed", "bad"]).output().unwrap();
    let report = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{case}: check's exit code");
    for line in expected.lines().filter(|l| !l.is_empty()) {
        assert!(
            report.contains(line),
            "{case}: check lacks {line:?}; it printed:\n{report}"
        );
    }
    assert_eq!(
        sha256(&std::fs::read(env.path("out.db")).unwrap()),
        sha256(&before),
        "{case}: target changed"
    );
    assert_eq!(env.entries(), entries_before, "{case}: stray files");
    assert!(bad.exists());
}

macro_rules! bad_seed_cases {
    ($($name:ident => $case:literal,)+) => {
        $(
            #[test]
            fn $name() {
                fails_cleanly($case);
            }
        )+

        /// Every fixture directory has a test above.
        #[test]
        fn every_fixture_has_a_test() {
            let listed = [$($case),+];
            for entry in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if name == "minimal" || name == "json-seed" {
                    continue;
                }
                assert!(listed.contains(&name.as_str()), "fixture {name} has no test");
            }
        }
    };
}

bad_seed_cases! {
    unknown_field => "unknown-field",
    unknown_actor_reference => "unknown-actor-reference",
    unknown_event_reference => "unknown-event-reference",
    unknown_document_file => "unknown-document-file",
    duplicate_slug => "duplicate-slug",
    // Pass 2 checks the bodies: only the first document with a slug, as a later one is already a problem.
    duplicate_document_missing_body => "duplicate-document-missing-body",
    malformed_date => "malformed-date",
    impossible_date => "impossible-date",
    interval_out_of_order => "interval-out-of-order",
    designation_ends_before_start => "designation-ends-before-start",
    evidence_not_found => "evidence-not-found",
    evidence_straight_quotes => "evidence-straight-quotes",
    evidence_ambiguous => "evidence-ambiguous",
    evidence_prefix_matches_none => "evidence-prefix-matches-none",
    empty_required_field => "empty-required-field",
    missing_required_field => "missing-required-field",
    unknown_enum_value => "unknown-enum-value",
    document_not_utf8 => "document-not-utf8",
    toml_syntax_error => "toml-syntax-error",
    missing_project_file => "missing-project-file",
    status_in_force_with_end => "status-in-force-with-end",
    no_evidence => "no-evidence",
    actor_without_evidence => "actor-without-evidence",
    evidence_in_shared_actors_file => "evidence-in-shared-actors-file",
    parent_cycle => "parent-cycle",
    invalid_slug => "invalid-slug",
    report_unknown_parameter => "report-unknown-parameter",
    report_bad_sql => "report-bad-sql",
    report_bad_header => "report-bad-header",
    json_unknown_field => "json-unknown-field",
    // A NUL in a body made the insert fail on SQLite's length() CHECK (found by the body property test).
    document_with_nul => "document-with-nul",
    check_many_build => "check-many",
}

#[test]
fn a_missing_seed_directory_is_an_error_that_names_it() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["build", "--seed", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read the seed directory nope"));
    assert!(env.entries().is_empty());
}

#[test]
fn one_two_and_four_threads_build_the_same_bytes() {
    let env = Env::new();
    let (code, _, err) = env.run(&[
        "synth",
        "--documents",
        "40",
        "--seed",
        "3",
        "--out",
        "corpus",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut digests = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = format!("t{threads}.db");
        let (code, _, err) = env.run(&[
            "build",
            "--seed",
            "corpus",
            "--out",
            &out,
            "--threads",
            threads,
        ]);
        assert_eq!(code, 0, "{err}");
        digests.push(sha256(&std::fs::read(env.path(&out)).unwrap()));
    }
    assert_eq!(digests[0], digests[1], "1 and 2 threads");
    assert_eq!(digests[0], digests[2], "1 and 4 threads");
    // A bad seed fails the same way with a second thread: the problems are found before anything is inserted.
    std::fs::write(
        env.path("corpus/documents/doc-00001.toml"),
        std::fs::read_to_string(env.path("corpus/documents/doc-00001.toml"))
            .unwrap()
            .replacen(
                "evidence = [\"",
                "evidence = [\"words that are not there ",
                1,
            ),
    )
    .unwrap();
    let mut errors = Vec::new();
    for threads in ["1", "2"] {
        let (code, _, err) = env.run(&[
            "build",
            "--seed",
            "corpus",
            "--out",
            "bad.db",
            "--threads",
            threads,
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("doc-00001.toml"), "{err}");
        errors.push(err);
    }
    assert_eq!(errors[0], errors[1]);
    assert!(!env.path("bad.db").exists());
    let (code, _, err) = env.run(&["build", "--seed", "corpus", "--threads", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_synthetic_corpus_builds_verifies_and_repeats() {
    let env = Env::new();
    for (dir, seed) in [("a", "9"), ("b", "9"), ("c", "10")] {
        let (code, _, err) = env.run(&["synth", "--documents", "30", "--seed", seed, "--out", dir]);
        assert_eq!(code, 0, "{err}");
    }
    let digest = |dir: &str| {
        let mut all = Vec::new();
        let mut paths: Vec<_> = walk(&env.path(dir));
        paths.sort();
        for p in paths {
            all.extend_from_slice(
                p.strip_prefix(env.path(dir))
                    .unwrap()
                    .to_string_lossy()
                    .as_bytes(),
            );
            all.extend(std::fs::read(&p).unwrap());
        }
        sha256(&all)
    };
    assert_eq!(
        digest("a"),
        digest("b"),
        "the same seed gives the same corpus"
    );
    assert_ne!(digest("a"), digest("c"));
    env.build(&env.path("a"), "a.db");
    let (code, out, err) = env.run(&["--db", "a.db", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, n, _) = env.run(&[
        "--db",
        "a.db",
        "sql",
        "--format",
        "csv",
        "SELECT count(*) FROM events",
    ]);
    assert_eq!(n.lines().nth(1), Some("420"));
    // synth never writes over a seed.
    let (code, _, err) = env.run(&["synth", "--documents", "3", "--out", "a"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not empty"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `check` reports a bad date, a bad country code, words that occur twice and words that are not in the text, all
/// in one run, with exit 1; the repeated words come with a selector for each place, the missing ones with the
/// nearest passage; the json parses, with a position on every diagnostic; nothing is written.
#[test]
fn check_reports_every_problem_at_once() {
    let env = Env::new();
    env.fixture("check-many", "seed");
    let entries = env.entries();
    let out = env.cmd().args(["check"]).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    for want in [
        "actors.toml:5:11: invalid country \"KG\"",
        "documents/note.toml:17:13: actor \"critics\": field `evidence[0]`: the words are not in the document",
        "nearest passage: documents/note.txt:3:1: Critics said:",
        "documents/note.toml:21:13: mention of actor \"ruritania\": field `evidence[0]`: the words occur 3 times",
        "documents/note.txt:2:1: Ruritania’s ministry",
        "paste: { exact = \"Ruritania\", suffix = \"’\" }",
        "documents/note.txt:3:36: ",
        "paste: { exact = \"Ruritania\", prefix = \"” \" }",
        "documents/note.txt:3:57: ",
        "paste: { exact = \"Ruritania\", prefix = \". \" }",
        "documents/note.toml:25:8: invalid date \"March 2024\"",
    ] {
        assert!(text.contains(want), "lacks {want:?}:\n{text}");
    }
    assert!(stderr(&out).contains("has 4 problems"), "{}", stderr(&out));
    // Grouped by file, sorted by line.
    let firsts: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .collect();
    let mut sorted = firsts.clone();
    sorted.sort_by_key(|l| {
        let mut parts = l.splitn(3, ':');
        (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().parse::<usize>().unwrap(),
        )
    });
    assert_eq!(firsts, sorted);
    assert_eq!(env.entries(), entries, "check wrote a file");

    let json = env
        .cmd()
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let ambiguous = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "evidence-ambiguous")
        .expect("the repeated words");
    let notes: Vec<&str> = ambiguous["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("paste: { exact = \"Ruritania\""))
            .count(),
        3,
        "{notes:?}"
    );
    assert_eq!(
        (ambiguous["line"].as_u64(), ambiguous["column"].as_u64()),
        (Some(21), Some(13))
    );
    assert_eq!(
        ambiguous["end_column"].as_u64(),
        Some(13 + "\"Ruritania".chars().count() as u64)
    );
    let missing = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "evidence-not-found")
        .unwrap();
    assert!(
        missing["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("nearest passage: documents/note.txt:3:1:")
    );

    // Each pasted selector makes the evidence unique: the fixed seed has only the three other problems.
    let note = env.path("seed/documents/note.toml");
    let fixed = std::fs::read_to_string(&note).unwrap().replace(
        "evidence = [\"Ruritania\"]",
        "evidence = [{ exact = \"Ruritania\", prefix = \". \" }]",
    );
    std::fs::write(&note, fixed).unwrap();
    let out = env.cmd().args(["check"]).output().unwrap();
    assert!(stderr(&out).contains("has 3 problems"), "{}", stdout(&out));

    let out = env
        .cmd()
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 3);
    for d in list {
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(d[key].as_u64().is_some_and(|n| n >= 1), "{key} in {d}");
        }
        assert_eq!(d["severity"], "error");
        assert!(!d["code"].as_str().unwrap().is_empty());
    }
    let codes: Vec<&str> = list.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["invalid-value", "evidence-not-found", "invalid-value"]
    );
}

/// A clean seed checks clean, with exit 0, and `build` reports the same problems `check` does.
#[test]
fn check_passes_a_clean_seed_and_build_agrees_with_it() {
    let env = Env::new();
    env.real_seed();
    env.cmd().args(["check"]).assert().success();
    env.fixture("check-many", "bad");
    let check = env.cmd().args(["check", "--seed", "bad"]).output().unwrap();
    let build = env
        .cmd()
        .args(["build", "--seed", "bad", "--out", "x.db"])
        .output()
        .unwrap();
    assert_eq!(build.status.code(), Some(1));
    assert!(stderr(&build).contains(stdout(&check).lines().next().unwrap()));
    assert!(stderr(&build).contains("the seed has 4 problems; nothing was written"));
}

/// A syntax error in the shared actors file is the one problem reported: the references to its actors, which
/// cannot be checked, do not bury it under "unknown actor" errors.
#[test]
fn a_file_that_does_not_read_is_one_problem_not_a_cascade() {
    let env = Env::new();
    let seed = env.fixture("minimal", "seed");
    std::fs::write(
        seed.join("actors.toml"),
        "[[actors]]\nslug = \"ruritania\nname = \"Ruritania\"\n",
    )
    .unwrap();
    let out = env.cmd().args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("actors.toml:2:"), "{text}");
    assert!(
        text.contains("hint: references to what this file defines are not checked until it reads"),
        "{text}"
    );
    assert!(stderr(&out).contains("has 1 problem"), "{text}");
}

#[test]
fn a_seed_file_whose_name_is_not_utf8_is_still_read() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let seed = env.real_seed();
    let docs = seed.join("documents");
    // The seed file keeps its own path in the file list, as the root and a lossy name would not find it again.
    std::fs::rename(
        docs.join("how-russia-ended-the-talibans-isolation.toml"),
        docs.join(std::ffi::OsStr::from_bytes(b"how-russia-\xff.toml")),
    )
    .unwrap();
    let (code, _, err) = env.run(&["build", "--seed", "seed", "--out", "kb.db"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = env.run(&[
        "--db",
        "kb.db",
        "sql",
        "--format",
        "csv",
        "SELECT count(*) FROM events",
    ]);
    assert_eq!(out.lines().nth(1), Some("7"), "{out}");
}

/// Pass 2 reads each body once and checks it for the first document with its slug only: a later document with the
/// same slug is a problem already, and its missing body is not a second one.
#[test]
fn a_duplicate_document_is_one_problem_and_its_missing_body_none() {
    let env = Env::new();
    env.fixture("duplicate-document-missing-body", "bad");
    let check = env.cmd().args(["check", "--seed", "bad"]).output().unwrap();
    let report = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(
        report.contains("duplicate document slug \"note\""),
        "{report}"
    );
    assert!(!report.contains("gone.txt"), "{report}");
    assert!(
        stderr(&check).contains("has 1 problem"),
        "{}",
        stderr(&check)
    );
}

/// The build makes its full-text index with a larger batch of words than FTS5's default; that setting stays with
/// the build, and the shipped file's index configuration is FTS5's own.
#[test]
fn the_built_file_keeps_no_setting_of_the_build_in_its_index() {
    let env = Env::new();
    let good = env.fixture("minimal", "good");
    env.build(&good, "out.db");
    let conn = rusqlite::Connection::open_with_flags(
        env.path("out.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let keys: Vec<String> = conn
        .prepare("SELECT k FROM search_config ORDER BY k")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, ["version"]);
}
