//! FollowTheMoney: the export read back by the real `ftm` tool (validate, export-gexf) and checked against the
//! file it came from.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Env, repo};

const INSTALL: &str =
    "python3 -m venv .venv-ftm && .venv-ftm/bin/pip install 'followthemoney==4.11.*'";

/// A program from the venv that .ci/run makes for followthemoney.
fn venv(program: &str) -> PathBuf {
    let bin = repo().join(".venv-ftm/bin").join(program);
    assert!(
        bin.exists(),
        "{} is missing; .ci/run installs it: {INSTALL}",
        bin.display()
    );
    bin
}

/// Runs `cmd`, which must succeed; returns its stdout.
fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}; .ci/run installs it: {INSTALL}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn ftm(env: &Env, args: &[&str]) {
    run_ok(
        Command::new(venv("ftm"))
            .current_dir(env.dir.path())
            .args(args),
    );
}

fn entities(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("entities file")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Exports the file, runs `ftm validate` over it, and returns the entities before and after.
fn export_and_validate(env: &Env) -> (Vec<Value>, Vec<Value>) {
    let (code, _, err) = env.run(&["export", "--format", "ftm", "--to", "ftm"]);
    assert_eq!(code, 0, "{err}");
    ftm(
        env,
        &[
            "validate",
            "-i",
            "ftm/entities.ftm.json",
            "-o",
            "validated.ftm.json",
        ],
    );
    (
        entities(&env.path("ftm/entities.ftm.json")),
        entities(&env.path("validated.ftm.json")),
    )
}

/// How many values each property of each entity has.
fn counts(entities: &[Value]) -> BTreeMap<String, (String, BTreeMap<String, usize>)> {
    entities
        .iter()
        .map(|e| {
            let props = e["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_array().unwrap().len()))
                .collect();
            (
                e["id"].as_str().unwrap().to_string(),
                (e["schema"].as_str().unwrap().to_string(), props),
            )
        })
        .collect()
}

fn values<'a>(e: &'a Value, prop: &str) -> Vec<&'a str> {
    e["properties"][prop]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Rows of the built file, read with rusqlite, in column order.
fn rows(env: &Env, sql: &str) -> Vec<Vec<Value>> {
    use rusqlite::types::ValueRef;
    let conn = rusqlite::Connection::open_with_flags(
        env.path("dossier.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    ValueRef::Integer(v) => Value::from(v),
                    ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Null => Value::Null,
                    other => panic!("{sql}: unexpected {other:?}"),
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn ftm_validate_keeps_every_entity_and_value_and_every_fact_appears() {
    let env = Env::with_db();
    let (before, after) = export_and_validate(&env);
    // Nothing dropped: the same entities, with as many values for each property.
    assert_eq!(before.len(), 73);
    assert_eq!(counts(&before), counts(&after));
    let by_id: HashMap<&str, &Value> = after.iter().map(|e| (s(&e["id"]), e)).collect();
    assert_eq!(by_id.len(), after.len(), "ids are unique");
    let get = |id: &str| -> &Value { by_id.get(id).unwrap_or_else(|| panic!("no entity {id}")) };

    // Every row of every fact table appears.
    for r in rows(&env, "SELECT slug, title, published FROM documents") {
        let e = get(&format!("dossier.document.{}", s(&r[0])));
        assert_eq!(e["schema"], "Article");
        assert_eq!(values(e, "title"), [s(&r[1])]);
        assert_eq!(values(e, "publishedAt"), [s(&r[2])]);
    }
    let kinds = [
        ("state", "PublicBody"),
        ("government_body", "PublicBody"),
        ("organization", "Organization"),
        ("diplomatic_mission", "PublicBody"),
        ("person", "Person"),
        ("group", "LegalEntity"),
    ];
    for r in rows(
        &env,
        "SELECT slug, name, kind, country, wikidata FROM actors",
    ) {
        let e = get(&format!("dossier.actor.{}", s(&r[0])));
        assert_eq!(values(e, "name"), [s(&r[1])]);
        let schema = kinds.iter().find(|(k, _)| *k == s(&r[2])).unwrap().1;
        assert_eq!(e["schema"], schema, "{}", r[0]);
        // ISO 3166-1 alpha-3 in the file, FtM's own code in the export.
        match r[3].as_str() {
            None => assert!(values(e, "country").is_empty()),
            Some(code) => {
                let ftm = [("RUS", "ru"), ("AFG", "af"), ("USA", "us")]
                    .iter()
                    .find(|(a3, _)| *a3 == code)
                    .unwrap_or_else(|| panic!("a new country {code}"))
                    .1;
                assert_eq!(values(e, "country"), [ftm]);
            }
        }
        if let Some(q) = r[4].as_str() {
            assert_eq!(values(e, "wikidataId"), [q]);
        }
    }
    for r in rows(
        &env,
        "SELECT a.slug, al.alias FROM actor_aliases al JOIN actors a ON a.id = al.actor",
    ) {
        let e = get(&format!("dossier.actor.{}", s(&r[0])));
        assert!(values(e, "alias").contains(&s(&r[1])), "{r:?}");
    }
    for r in rows(
        &env,
        "SELECT a.slug, p.slug FROM actors a JOIN actors p ON p.id = a.parent",
    ) {
        let e = get(&format!("dossier.part-of.{}", s(&r[0])));
        assert_eq!(e["schema"], "Membership");
        assert_eq!(values(e, "member"), [format!("dossier.actor.{}", s(&r[0]))]);
        assert_eq!(
            values(e, "organization"),
            [format!("dossier.actor.{}", s(&r[1]))]
        );
    }
    for r in rows(&env, "SELECT slug, summary FROM events") {
        let e = get(&format!("dossier.event.{}", s(&r[0])));
        assert_eq!(e["schema"], "Event");
        assert_eq!(values(e, "summary"), [s(&r[1])]);
    }
    for r in rows(
        &env,
        "SELECT e.slug, a.slug, ea.role FROM event_actors ea JOIN events e ON e.id = ea.event \
           JOIN actors a ON a.id = ea.actor",
    ) {
        let e = get(&format!("dossier.event.{}", s(&r[0])));
        let actor = format!("dossier.actor.{}", s(&r[1]));
        assert!(values(e, "involved").contains(&actor.as_str()), "{r:?}");
        assert_eq!(
            values(e, "organizer").contains(&actor.as_str()),
            s(&r[2]) == "actor",
            "{r:?}"
        );
    }
    for r in rows(
        &env,
        "SELECT g.slug, g.kind, au.slug, au.name, su.slug FROM designations g \
           JOIN actors au ON au.id = g.authority JOIN actors su ON su.id = g.subject",
    ) {
        let e = get(&format!("dossier.designation.{}", s(&r[0])));
        let subject = format!("dossier.actor.{}", s(&r[4]));
        if s(&r[1]) == "terrorist_listing" {
            assert_eq!(e["schema"], "Sanction");
            assert_eq!(values(e, "entity"), [subject.as_str()]);
            assert_eq!(values(e, "authority"), [s(&r[3])]);
        } else {
            assert_eq!(e["schema"], "UnknownLink");
            assert_eq!(
                values(e, "subject"),
                [format!("dossier.actor.{}", s(&r[2]))]
            );
            assert_eq!(values(e, "object"), [subject.as_str()]);
        }
    }
    for r in rows(
        &env,
        "SELECT q.slug, q.text, a.slug FROM quotes q JOIN actors a ON a.id = q.speaker",
    ) {
        let e = get(&format!("dossier.quote.{}", s(&r[0])));
        assert_eq!(values(e, "summary"), [s(&r[1])]);
        assert_eq!(
            values(e, "organizer"),
            [format!("dossier.actor.{}", s(&r[2]))]
        );
    }

    // Every evidence row is a Documentation with the exact words, and its offsets pick those words out of the
    // article's text.
    let evidence = rows(
        &env,
        "SELECT document, start, end, exact, fact_table, fact FROM evidence_facts",
    );
    assert_eq!(evidence.len(), 42);
    let documentation: Vec<&Value> = after
        .iter()
        .filter(|e| e["schema"] == "Documentation")
        .collect();
    assert_eq!(documentation.len(), evidence.len());
    for r in &evidence {
        let (start, end) = (r[1].as_u64().unwrap(), r[2].as_u64().unwrap());
        let fact = format!("dossier.{}.{}", s(&r[4]).trim_end_matches('s'), s(&r[5]));
        let doc = format!("dossier.document.{}", s(&r[0]));
        let e = documentation
            .iter()
            .find(|e| {
                values(e, "entity") == [fact.as_str()]
                    && values(e, "description")
                        .iter()
                        .any(|d| d.starts_with(&format!("offsets: {start}-{end} of {doc} ")))
            })
            .unwrap_or_else(|| panic!("no Documentation for {r:?}"));
        assert_eq!(values(e, "summary"), [s(&r[3])]);
        assert_eq!(values(e, "document"), [doc.as_str()]);
        let body = values(get(&doc), "bodyText")[0];
        let words: String = body
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        assert_eq!(words, s(&r[3]));
        // And the fact names the article as its proof.
        assert!(
            values(get(&fact), "proof").contains(&doc.as_str()),
            "{fact}"
        );
    }

    // Every entity reference resolves, the involved of each event above all.
    for e in &after {
        for prop in [
            "involved",
            "organizer",
            "proof",
            "entity",
            "document",
            "subject",
            "object",
            "member",
            "organization",
        ] {
            for id in values(e, prop) {
                assert!(by_id.contains_key(id), "{}: {prop} {id}", e["id"]);
            }
        }
    }

    // Dates in FtM's prefix form: a month stays a month, an interval gives its two ends.
    let accreditation = get("dossier.designation.gharwal-accreditation");
    assert_eq!(values(accreditation, "startDate"), ["2022-03"]);
    let criticism = get("dossier.event.dissidents-criticize-recognition");
    assert_eq!(values(criticism, "startDate"), ["2025-07-03"]);
    assert_eq!(values(criticism, "endDate"), ["2025-07-25"]);
}

#[test]
fn uncertain_and_open_dates_keep_their_edtf_in_a_note() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "UPDATE events SET date = '2025-07?' WHERE slug = 'russia-recognizes-islamic-emirate'; \
         UPDATE events SET date = '../2021-08', date_earliest = NULL WHERE slug = 'taliban-return-to-power'; \
         UPDATE actors SET name = 'Quote \" back\\slash' || char(10) || 'line' || char(9) || 'end' \
           WHERE slug = 'taliban'",
    ]);
    assert_eq!(code, 0, "{err}");
    let (before, after) = export_and_validate(&env);
    assert_eq!(counts(&before), counts(&after));
    let get = |id: &str| after.iter().find(|e| e["id"] == id).unwrap();
    let recognition = get("dossier.event.russia-recognizes-islamic-emirate");
    assert_eq!(values(recognition, "date"), ["2025-07"]);
    assert!(values(recognition, "description").contains(&"date (EDTF): 2025-07?"));
    let open = get("dossier.event.taliban-return-to-power");
    assert_eq!(values(open, "endDate"), ["2021-08"]);
    assert!(values(open, "startDate").is_empty() && values(open, "date").is_empty());
    assert!(values(open, "description").contains(&"date (EDTF): ../2021-08"));
    // A name with quotes, a backslash and line breaks stays one JSON line and comes back exactly.
    let taliban = before
        .iter()
        .find(|e| e["id"] == "dossier.actor.taliban")
        .unwrap();
    assert_eq!(values(taliban, "name"), ["Quote \" back\\slash\nline\tend"]);
}

#[test]
fn ftm_export_gexf_draws_one_node_per_actor() {
    let env = Env::with_db();
    export_and_validate(&env);
    ftm(
        &env,
        &[
            "export-gexf",
            "-i",
            "validated.ftm.json",
            "-o",
            "dossier.gexf",
        ],
    );
    // Python's XML parser reads the graph Gephi would open.
    let out = run_ok(
        Command::new("python3")
            .args([
                "-c",
                "import json, sys, xml.etree.ElementTree as ET\n\
                 ns = {'g': 'http://www.gexf.net/1.2draft'}\n\
                 nodes = ET.parse(sys.argv[1]).getroot().findall('.//g:node', ns)\n\
                 print(json.dumps([[n.get('id'), n.get('label')] for n in nodes]))",
            ])
            .arg(env.path("dossier.gexf")),
    );
    let nodes: Vec<(String, String)> = serde_json::from_slice(&out).unwrap();
    let mut actor_nodes: Vec<(String, String)> = nodes
        .into_iter()
        .filter_map(|(id, label)| {
            id.strip_prefix("entity:dossier.actor.")
                .map(|slug| (slug.to_string(), label))
        })
        .collect();
    actor_nodes.sort();
    let mut actors: Vec<(String, String)> = rows(&env, "SELECT slug, name FROM actors")
        .into_iter()
        .map(|r| (s(&r[0]).to_string(), s(&r[1]).to_string()))
        .collect();
    actors.sort();
    assert_eq!(actors.len(), 12);
    assert_eq!(actor_nodes, actors);
}

#[test]
fn the_country_and_language_codes_are_those_of_the_installed_followthemoney() {
    // codes.rs is generated from followthemoney; a release that changes a code shows up here.
    let out = run_ok(Command::new(venv("python")).arg(repo().join("src/export/ftm/gen_codes.py")));
    let committed = std::fs::read_to_string(repo().join("src/export/ftm/codes.rs")).unwrap();
    let generated = String::from_utf8(out).unwrap();
    // The version line may differ; every code must not.
    let codes = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("//!"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        codes(&generated),
        codes(&committed),
        "regenerate: .venv-ftm/bin/python src/export/ftm/gen_codes.py > src/export/ftm/codes.rs"
    );
}

#[test]
fn a_date_that_is_not_edtf_names_its_record_and_writes_nothing() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&[
        "sql",
        "--write",
        "UPDATE events SET date = 'last spring' WHERE slug = 'gharwal-accredited'",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = env.run(&["export", "--format", "ftm", "--to", "ftm"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(r#"events "gharwal-accredited": date: not an EDTF date"#)
            && err.contains("\"last spring\""),
        "{err}"
    );
    assert!(!env.path("ftm").exists());
    assert!(
        !env.entries()
            .iter()
            .any(|e| e.starts_with(".dossier-export-")),
        "{:?}",
        env.entries()
    );
}
