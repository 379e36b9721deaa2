//! The fault battery: killed builds, damaged and foreign files, readers during rebuilds, and a very large
//! document.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::support::{Env, sha256};

/// A synthetic seed of `n` documents in `dir` under the test directory.
fn synth(env: &Env, n: usize, dir: &str) {
    let (code, _, err) = env.run(&[
        "synth",
        "--documents",
        &n.to_string(),
        "--seed",
        "5",
        "--out",
        dir,
    ]);
    assert_eq!(code, 0, "{err}");
}

/// A 400-document corpus built into `out`: the file's sha256, and how long a second, warm build of it took, by
/// which tests spread their interruptions over a build's run.
fn built_and_timed(env: &Env, out: &str) -> (String, Duration) {
    synth(env, 400, "corpus");
    let before = sha256(&env.build(&env.path("corpus"), out));
    let started = Instant::now();
    env.build(&env.path("corpus"), out);
    (before, started.elapsed())
}

/// The temporary files of builds in the test's directory.
fn strays(env: &Env) -> Vec<String> {
    env.entries()
        .into_iter()
        .filter(|e| e.starts_with(".dossier-build-"))
        .collect()
}

#[test]
fn a_killed_build_leaves_the_old_file_and_the_next_build_cleans_up() {
    let env = Env::new();
    // The kills below are spread over the part of a warm build's run that writes.
    let (before, took) = built_and_timed(&env, "dossier.db");
    let mut killed_mid_build = 0;
    let mut messages = String::new();
    // Each kill waits until the build has created its temporary files, then lets it run a while longer.
    for tenth in [0u32, 1, 2, 3, 5] {
        let mut child = env.start_build("corpus", "dossier.db", took * 4);
        std::thread::sleep(took * tenth / 10);
        if child.try_wait().unwrap().is_none() {
            killed_mid_build += 1;
        }
        child.kill().unwrap(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        messages.push_str(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(env.file_sha("dossier.db"), before, "killed at {tenth}/10");
        let conn = rusqlite::Connection::open_with_flags(
            env.path("dossier.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // Each build removes what the previous killed one left, so at most the last one's files remain: its two
        // temporary files, and the journal of the second while `VACUUM INTO` writes it.
        assert!(strays(&env).len() <= 3, "{:?}", env.entries());
    }
    assert!(
        killed_mid_build >= 4,
        "only {killed_mid_build} kills landed during a build"
    );
    let out = env
        .cmd()
        .args(["build", "--seed", "corpus", "--out", "dossier.db"])
        .output()
        .unwrap();
    assert!(out.status.success());
    messages.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        messages.contains("left by an interrupted build"),
        "{messages}"
    );
    assert_eq!(strays(&env), Vec::<String>::new());
    assert_eq!(env.file_sha("dossier.db"), before);
}

#[test]
fn a_build_removes_the_journals_a_killed_build_left() {
    let env = Env::new();
    synth(&env, 20, "corpus");
    // The process id of a process that has ended.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let left: Vec<String> = ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| format!(".dossier-build-{pid}-abc123.tmp{suffix}"))
        .collect();
    for name in &left {
        std::fs::write(env.path(name), b"left behind").unwrap();
    }
    // A file of the same shape that is not the build's stays.
    std::fs::write(
        env.path(&format!(".dossier-build-{pid}-abc123.tmp-notes")),
        b"mine",
    )
    .unwrap();
    let (code, _, err) = env.run(&["build", "--seed", "corpus", "--out", "kb.db"]);
    assert_eq!(code, 0, "{err}");
    let entries = env.entries();
    for name in &left {
        assert!(!entries.contains(name), "{name} remains: {entries:?}");
    }
    assert!(
        entries.contains(&format!(".dossier-build-{pid}-abc123.tmp-notes")),
        "{entries:?}"
    );
}

#[test]
fn a_build_interrupted_at_any_point_leaves_nothing_behind() {
    let env = Env::new();
    let (before, took) = built_and_timed(&env, "kb.db");
    let mut interrupted = 0;
    // Ctrl-C at each tenth of a build's run once its temporary files exist, from reading the seed to the
    // compaction.
    for tenth in 0u32..10 {
        let child = env.start_build("corpus", "kb.db", took * 4);
        std::thread::sleep(took * tenth / 10);
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(130) => {
                interrupted += 1;
                assert!(err.contains("interrupted"), "{tenth}/10: {err}");
            }
            // Too late: the build had ended.
            Some(0) => {}
            other => panic!("{tenth}/10: exit {other:?}: {err}"),
        }
        let strays = strays(&env);
        assert!(strays.is_empty(), "{tenth}/10: {strays:?}");
        assert_eq!(env.file_sha("kb.db"), before, "{tenth}/10");
    }
    assert!(
        interrupted >= 6,
        "only {interrupted} interrupts landed during a build"
    );
}

/// Ways a file can be wrong, each written into `bad.db` (or made a directory, or left missing).
fn make_case(env: &Env, case: &str, good: &[u8]) {
    let path = env.path("bad.db");
    match case {
        "truncated" => std::fs::write(&path, &good[..good.len() / 3]).unwrap(),
        "empty" => std::fs::write(&path, b"").unwrap(),
        "random" => {
            let mut x: u64 = 0x2545_F491_4F6C_DD1D;
            let bytes: Vec<u8> = (0..8192)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            std::fs::write(&path, bytes).unwrap();
        }
        "foreign" => {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
                .unwrap();
        }
        "newer" => {
            std::fs::write(&path, good).unwrap();
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute_batch("PRAGMA user_version = 99")
                .unwrap();
        }
        "directory" => std::fs::create_dir(&path).unwrap(),
        "missing" => {}
        "unreadable" => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&path, good).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        }
        _ => unreachable!(),
    }
}

const CASES: &[(&str, &str)] = &[
    ("truncated", "is truncated or damaged"),
    ("empty", "is empty (0 bytes)"),
    ("random", "is not a SQLite database"),
    ("foreign", "not a dossier file"),
    ("newer", "newer than this dossier reads"),
    ("directory", "is a directory"),
    ("missing", "no such file"),
    ("unreadable", "cannot read"),
];

const READS: &[&[&str]] = &[
    &["info"],
    &["verify"],
    &["report"],
    &["report", "timeline"],
    &["sql", "SELECT 1"],
    &["sql", "--write", "DELETE FROM actors"],
    &["search", "Kabul"],
    &["evidence", "russia"],
    &["schema"],
    &["export", "--format", "json", "--to", "out"],
];

fn snapshot(dir: &Path) -> Vec<(String, Option<String>)> {
    let mut all: Vec<(String, Option<String>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = if e.path().is_file() {
                std::fs::read(e.path()).ok().map(|b| sha256(&b))
            } else {
                None
            };
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    all.sort();
    all
}

#[test]
fn every_read_command_refuses_every_damaged_file_clearly() {
    let good = {
        let env = Env::with_db();
        std::fs::read(env.path("dossier.db")).unwrap()
    };
    let mut tried = 0;
    for (case, message) in CASES {
        let env = Env::new();
        make_case(&env, case, &good);
        // Root reads anything; the unreadable case runs as an unprivileged user.
        let as_nobody = *case == "unreadable"
            && Command::new("id")
                .arg("-u")
                .output()
                .map(|o| o.stdout == b"0\n")
                .unwrap_or(false);
        if as_nobody {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o777))
                .unwrap();
        }
        let before = snapshot(env.dir.path());
        for args in READS {
            let mut full = vec!["--db", "bad.db"];
            full.extend_from_slice(args);
            let out = if as_nobody {
                let bin = env.path("dossier-bin");
                if !bin.exists() {
                    std::fs::copy(assert_cmd::cargo::cargo_bin!("dossier"), &bin).unwrap();
                }
                crate::support::client("setpriv")
                    .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                    .arg(&bin)
                    .args(&full)
                    .current_dir(env.dir.path())
                    .output()
                    .unwrap()
            } else {
                env.cmd().args(&full).output().unwrap()
            };
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{case} {args:?}: {err}");
            assert!(
                err.starts_with("dossier: error: ") && err.contains(message),
                "{case} {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{case} {args:?}: {err}");
            let after: Vec<_> = snapshot(env.dir.path())
                .into_iter()
                .filter(|(n, _)| n != "dossier-bin")
                .collect();
            let before: Vec<_> = before
                .iter()
                .filter(|(n, _)| n != "dossier-bin")
                .cloned()
                .collect();
            assert_eq!(after, before, "{case} {args:?} changed the directory");
            tried += 1;
        }
        // diff, which exits 2 when it cannot read a file.
        if !as_nobody {
            let out = env
                .cmd()
                .args(["diff", "bad.db", "bad.db"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{case} diff");
        }
    }
    assert_eq!(tried, CASES.len() * READS.len());
}

#[test]
fn readers_never_see_a_partial_file_while_builds_replace_it() {
    let env = Env::with_db();
    let expected = env.run(&["report", "timeline", "--format", "csv"]);
    assert_eq!(expected.0, 0);
    let dir = env.dir.path().to_path_buf();
    let builder = {
        let mut cmd = env.std_cmd();
        cmd.args(["build", "--seed", "seed", "--out", "dossier.db"]);
        std::thread::spawn(move || {
            let mut builds = 0;
            let until = Instant::now() + Duration::from_secs(4);
            while Instant::now() < until {
                let out = cmd.output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                builds += 1;
            }
            builds
        })
    };
    let mut reads = 0;
    while !builder.is_finished() {
        let got = env.run(&["report", "timeline", "--format", "csv"]);
        assert_eq!(got, expected, "read {reads}");
        reads += 1;
    }
    let builds = builder.join().unwrap();
    assert!(builds >= 3 && reads >= 10, "{builds} builds, {reads} reads");
    assert!(
        std::fs::read_dir(dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

#[test]
fn a_50_megabyte_document_with_100000_evidence_spans_builds() {
    let env = Env::new();
    let seed = env.fixture("minimal", "big");
    // 100,000 unique marked sentences with non-ASCII text around them, padded to 50 MB.
    let mut body = String::with_capacity(52 << 20);
    let mut evidence = String::from("[[mentions]]\nactor = \"ruritania\"\nevidence = [\n");
    let filler =
        "Pädagogik — “quoted” words, 漢字 and emoji 😀 fill the line until the next marker. ";
    for i in 0..100_000 {
        let marker = format!("marker {i:06} of Ruritania");
        body.push_str(&marker);
        body.push_str(". ");
        while body.len() < (i + 1) * 524 {
            body.push_str(filler);
        }
        body.push('\n');
        evidence.push_str(&format!("  \"{marker}\",\n"));
    }
    evidence.push_str("]\n");
    assert!(body.len() >= 50_000_000, "{}", body.len());
    let original = std::fs::read_to_string(seed.join("documents/note.txt")).unwrap();
    std::fs::write(seed.join("documents/big.txt"), format!("{original}{body}")).unwrap();
    let mut toml = std::fs::File::create(seed.join("documents/big.toml")).unwrap();
    write!(
        toml,
        "[document]\nslug = \"big\"\nfile = \"big.txt\"\ntitle = \"Big\"\n\n{evidence}"
    )
    .unwrap();
    drop(toml);
    let out = env
        .cmd()
        .args(["build", "--seed", "big", "--out", "big.db"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, out, _) = env.run(&["--db", "big.db", "sql", "--format", "csv", "SELECT count(*) AS n FROM evidence WHERE document = (SELECT id FROM documents WHERE slug = 'big')"]);
    assert_eq!((code, out.as_str()), (0, "n\n100000\n"));
    // A long body keeps its spans' words, so reading them does not read the 50 MB body once a row (which took
    // hours); a short one keeps only the witness.
    let kept = "SELECT d.slug, count(s.exact) AS kept FROM documents d \
                LEFT JOIN evidence_spans s ON s.document = d.id GROUP BY d.id ORDER BY d.slug";
    let (code, out, _) = env.run(&["--db", "big.db", "sql", "--format", "csv", kept]);
    assert_eq!((code, out.as_str()), (0, "slug,kept\nbig,100000\nnote,0\n"));
    let words = "SELECT count(*) AS n FROM evidence WHERE document = (SELECT id FROM documents WHERE slug = 'big') \
                 AND exact GLOB 'marker [0-9][0-9][0-9][0-9][0-9][0-9] of Ruritania'";
    let (code, out, _) = env.run(&["--db", "big.db", "sql", "--format", "csv", words]);
    assert_eq!((code, out.as_str()), (0, "n\n100000\n"));
    let (code, _, err) = env.run(&["--db", "big.db", "verify"]);
    assert_eq!(code, 0, "{err}");
    // A file whose long document keeps no words would read the body once a row: verify says so.
    Connection::open(env.path("big.db"))
        .unwrap()
        .execute(
            "UPDATE evidence_spans SET exact = NULL WHERE id = (SELECT max(id) FROM evidence_spans \
                 WHERE document = (SELECT id FROM documents WHERE slug = 'big'))",
            [],
        )
        .unwrap();
    let (code, out, _) = env.run(&["--db", "big.db", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("keeps none of its words, in document \"big\""),
        "{out}"
    );
}
