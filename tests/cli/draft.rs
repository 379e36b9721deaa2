//! `draft`, `check` and `locate` on a document written for the test: the draft builds as written, and every
//! mention's span holds in the sqlite3 shell.

use std::process::Command;

use crate::support::{Env, stderr, stdout};

const TEXT: &str = "5 August 2025\n\nA Winter Accord in Strelsau\n\nBy a correspondent\n\n\
In December 2023 the council first met Rudolf Rassendyll in Strelsau. “We will not sign in haste,” Rassendyll \
said then.\nOn 3 July 2025 Руритания signed the accord, and the Free Council called it \"a fair bargain\". By \
July 9 Rassendyll had left Strelsau.\n";

const ACTORS: &str = r#"[[actors]]
slug = "ruritania"
name = "Ruritania"
kind = "state"
country = "RUR"
aliases = ["Strelsau", "Руритания"]

[[actors]]
slug = "rudolf-rassendyll"
name = "Rudolf Rassendyll"
kind = "person"
aliases = ["Rassendyll"]
"#;

fn sqlite3(db: &std::path::Path, sql: &str) -> String {
    let out =
        Command::new("sqlite3").arg(db).arg(sql).output().expect(
            "the sqlite3 shell is installed (apt-get install sqlite3; .ci/run installs it)",
        );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_drafted_document_builds_as_written_with_every_span_right() {
    let env = Env::new();
    let seed = env.fixture("minimal", "seed");
    std::fs::write(seed.join("actors.toml"), ACTORS).unwrap();
    // Before the draft, Rassendyll has no evidence anywhere.
    env.cmd().args(["check"]).assert().code(1);
    std::fs::write(env.path("winter accord.txt"), TEXT).unwrap();

    let out = env
        .cmd()
        .args(["draft", "winter accord.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let copied = std::fs::read(seed.join("documents/winter-accord.txt")).unwrap();
    assert_eq!(copied, TEXT.as_bytes(), "copied byte for byte");
    let toml = std::fs::read_to_string(seed.join("documents/winter-accord.toml")).unwrap();
    for want in [
        "slug = \"winter-accord\"",
        "title = \"A Winter Accord in Strelsau\"",
        "published = \"2025-08-05\"",
        "language = \"en\"",
        // Both quoted passages, curly and straight, with a guessed speaker.
        "# text = \"We will not sign in haste,\"",
        "# text = \"a fair bargain\"",
        "# speaker = \"rudolf-rassendyll\"",
        // The dates in three styles, as EDTF.
        "# date = \"2023-12\"",
        "# date = \"2025-07-03\"",
        "# date = \"2025-07-09\"    # \"July 9\"; the year is the document's",
    ] {
        assert!(toml.contains(want), "the draft lacks {want:?}:\n{toml}");
    }
    // The alias that occurs more than once is picked with a prefix or suffix.
    assert!(
        toml.contains("{ exact = \"Rassendyll\", "),
        "no selector for the repeated alias:\n{toml}"
    );
    assert!(toml.contains("\"Руритания\""), "{toml}");

    // It never overwrites.
    let again = env
        .cmd()
        .args(["draft", "winter accord.txt"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(seed.join("documents/winter-accord.toml")).unwrap(),
        toml
    );

    // check passes and build works with no edit.
    let check = env.cmd().args(["check"]).output().unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    env.cmd().args(["build"]).assert().success();

    // Every evidence row of the new document holds in the sqlite3 shell, and each actor named got its mention.
    let db = env.path("dossier.db");
    let sql = "SELECT a.slug, e.exact, substr(d.body, e.start + 1, e.end - e.start) = e.exact \
               FROM evidence e JOIN documents d ON d.id = e.document JOIN actors a ON a.id = e.actor \
               WHERE d.slug = 'winter-accord' ORDER BY e.id";
    let rows = sqlite3(&db, sql);
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(
        rows,
        [
            "ruritania|Strelsau|1",
            "ruritania|Руритания|1",
            "rudolf-rassendyll|Rudolf Rassendyll|1",
            "rudolf-rassendyll|Rassendyll|1",
            "free-council|Free Council|1",
        ]
    );
    // The repeated alias points at its first place, whose selector was drafted.
    let at = sqlite3(
        &db,
        "SELECT e.start FROM evidence e JOIN documents d ON d.id = e.document \
         WHERE d.slug = 'winter-accord' AND e.exact = 'Rassendyll'",
    );
    let first = TEXT.find("Rassendyll").unwrap();
    assert_eq!(at.trim(), TEXT[..first].chars().count().to_string());
}

#[test]
fn draft_refuses_bad_input_with_a_clear_message() {
    let env = Env::new();
    env.fixture("minimal", "seed");
    std::fs::write(env.path("latin1.txt"), b"caf\xe9\n").unwrap();
    let out = env.cmd().args(["draft", "latin1.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not UTF-8"), "{}", stderr(&out));
    std::fs::write(env.path("a.txt"), "text\n").unwrap();
    let out = env
        .cmd()
        .args(["draft", "a.txt", "--slug", "../evil"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("invalid slug"), "{}", stderr(&out));
    // The slug of an existing document is refused.
    let out = env
        .cmd()
        .args(["draft", "a.txt", "--slug", "note"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already"), "{}", stderr(&out));
    assert!(!env.path("seed/documents/latin1.toml").exists());
}

#[test]
fn locate_lists_every_place_with_a_selector_that_picks_it() {
    let env = Env::new();
    env.fixture("minimal", "seed");
    let out = env
        .cmd()
        .args(["locate", "seed/documents/note.txt", "Ruritania"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("seed/documents/note.txt:2:1: [52, 61) Ruritania’s ministry"),
        "{text}"
    );
    assert!(
        text.contains("{ exact = \"Ruritania\", suffix = \"’\" }"),
        "{text}"
    );
    assert_eq!(text.matches("{ exact = \"Ruritania\"").count(), 3, "{text}");
    let json = env
        .cmd()
        .args([
            "--format",
            "json",
            "locate",
            "seed/documents/note.txt",
            "Ruritania",
        ])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let body: Vec<char> = std::fs::read_to_string(env.path("seed/documents/note.txt"))
        .unwrap()
        .chars()
        .collect();
    for o in list.as_array().unwrap() {
        let (s, e) = (
            o["start"].as_u64().unwrap() as usize,
            o["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(body[s..e].iter().collect::<String>(), "Ruritania");
    }
    // A slug names a document of the seed.
    let by_slug = env
        .cmd()
        .args(["locate", "note", "Ruritania"])
        .output()
        .unwrap();
    assert!(
        stdout(&by_slug).starts_with("documents/note.txt:2:1: [52, 61) Ruritania’s ministry"),
        "{}",
        stdout(&by_slug)
    );
    let missing = env
        .cmd()
        .args([
            "locate",
            "seed/documents/note.txt",
            "Ruritania's",
            "ministry",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("the nearest passage is at 2:1"),
        "{}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing).contains("\"Ruritania’s ministry\""),
        "{}",
        stderr(&missing)
    );
}
