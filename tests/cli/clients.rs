//! The built file in real clients: Debian's sqlite3 shell and Python's sqlite3 module.

use crate::support::Env;

const CHECKS: &str = "SELECT count(*) FROM evidence_check; \
     SELECT count(*) FROM evidence; \
     SELECT count(*) FROM evidence e JOIN documents d ON d.id = e.document \
      WHERE substr(d.body, e.start + 1, e.end - e.start) = e.exact; \
     SELECT count(*) FROM quotes q JOIN documents d ON d.id = q.document \
      WHERE substr(d.body, q.start + 1, q.end - q.start) = q.text;";

fn built() -> Env {
    let env = Env::new();
    let seed = env.real_seed();
    env.build(&seed, "dossier.db");
    env
}

/// Asserts the four counts of CHECKS: no evidence_check rows, and every evidence and quote span matching.
fn assert_counts(client: &str, out: &str) {
    let n: Vec<i64> = out
        .split_whitespace()
        .map(|x| x.parse().expect("a count"))
        .collect();
    assert_eq!(n.len(), 4, "{client}: {out}");
    assert_eq!(n[0], 0, "{client}: evidence_check is not empty");
    assert!(n[1] > 30, "{client}: too little evidence: {}", n[1]);
    assert_eq!(
        n[2], n[1],
        "{client}: substr(body, start+1, end-start) = exact fails for some rows"
    );
    assert_eq!(n[3], 5, "{client}: quote spans");
}

#[test]
fn sqlite3_shell_opens_the_file_and_every_span_matches() {
    let env = built();
    let out = crate::support::client("sqlite3")
        .arg("-readonly")
        .arg(env.path("dossier.db"))
        .arg(CHECKS)
        .output()
        .expect("the sqlite3 shell is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_counts("sqlite3", &String::from_utf8(out.stdout).unwrap());

    // The schema comments travel with the file.
    let schema = crate::support::client("sqlite3")
        .arg(env.path("dossier.db"))
        .arg(".schema actors")
        .output()
        .unwrap();
    let schema = String::from_utf8(schema.stdout).unwrap();
    assert!(schema.contains("-- ISO 3166-1 alpha-3"), "{schema}");
}

#[test]
fn python_sqlite3_opens_the_file_and_every_span_matches() {
    let env = built();
    let script = format!(
        "import sqlite3, sys\n\
         con = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n\
         for q in {CHECKS:?}.split(';'):\n\
         \x20   if q.strip():\n\
         \x20       print(con.execute(q).fetchone()[0])\n\
         body, start, end, exact = con.execute(\"SELECT d.body, e.start, e.end, e.exact FROM evidence e JOIN documents d ON d.id = e.document WHERE e.exact LIKE '%chargé%' \").fetchone()\n\
         assert body[start:end] == exact, (start, end, exact)\n"
    );
    let out = crate::support::client("python3")
        .arg("-c")
        .arg(script)
        .arg(env.path("dossier.db"))
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_counts("python", &String::from_utf8(out.stdout).unwrap());
}
