//! The pictures and the offline page, read by their real consumers: headless chromium opens the page (and runs
//! Mermaid), an XML parser reads the SVG, Graphviz reads the DOT.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use dossier::export::html::thousands;
use serde_json::Value;

use crate::support::{Env, repo};

/// Debian's chromium, or $CHROMIUM.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "{} is missing: apt-get install chromium (.ci/run installs it)",
        path.display()
    );
    path
}

/// Mermaid's browser bundle from the npm package that .ci/run installs into .mermaid/, or $MERMAID_JS.
fn mermaid_js() -> PathBuf {
    let path = std::env::var_os("MERMAID_JS").map_or_else(
        || repo().join(".mermaid/node_modules/mermaid/dist/mermaid.min.js"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: npm install --prefix .mermaid mermaid@11 (.ci/run does it)",
        path.display()
    );
    path
}

/// Opens `dir/page` in headless chromium with a fresh profile, lets its script run, and returns the JSON the
/// script wrote into `<pre id="out">`, and the requests the page made (from chromium's net log).
fn browse(dir: &Path, page: &str) -> (Value, Vec<String>) {
    let profile = dir.join("profile");
    let netlog = dir.join("netlog.json");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The harness reads the page in its iframe; file:// pages are otherwise each their own origin.
            "--allow-file-access-from-files",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("file://{}", dir.join(page).display()))
        .output()
        .expect("chromium runs: apt-get install chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"out\">").unwrap_or_else(|| {
        panic!(
            "no result from the harness; chromium said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "<pre id=\"out\">".len();
    let text = &dom[start..start + dom[start..].find("</pre>").expect("</pre>")];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    let result: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: the harness wrote {text}"));
    (result, page_requests(&netlog))
}

/// Every URL chromium fetched on behalf of a page (its initiator is a page's origin). Chromium's own
/// background requests, which no page can cause, have the initiator "not an origin" and are left out.
fn page_requests(netlog: &Path) -> Vec<String> {
    let log: Value =
        serde_json::from_slice(&std::fs::read(netlog).expect("chromium wrote its net log"))
            .expect("the net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == start_job)
        .filter(|e| e["params"]["initiator"] != "not an origin")
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .collect()
}

/// The harness: loads index.html in an iframe, follows every link from a fact to its words and back, and
/// reports what it found.
const PAGE_HARNESS: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="f" src="index.html" width="1280" height="800"></iframe><pre id="out">pending</pre>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const d = f.contentDocument, all = (s) => Array.from(d.querySelectorAll(s));
  const r = {
    title: d.title,
    csp: (d.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
    scripts: all('script').length,
    elements: all('body *').map((e) => e.localName),
    marks: all('#timeline svg .event-mark').map((e) => e.dataset.slug),
    bars: all('#designations svg .bar').map((e) => e.dataset.slug),
    nodes: all('#network svg .node').length,
    edges: all('#network svg .edge').length,
    resources: f.contentWindow.performance.getEntriesByType('resource').map((e) => e.name),
    // Any attribute that names a URL with a scheme: a page that loads nothing names none.
    urls: all('*').flatMap((e) => Array.from(e.attributes))
      .filter((a) => ['src', 'href', 'action', 'xlink:href', 'srcset', 'poster', 'data'].includes(a.name))
      .map((a) => a.value).filter((v) => /^\s*[a-z][a-z0-9+.-]*:/i.test(v)),
    dangling: all('svg a').map((a) => a.getAttribute('href')).filter((h) => !d.getElementById(h.slice(1))),
    text: d.body.innerText,
  };
  // Each link is resolved as the browser resolves it (its parsed URL's fragment, looked up in the DOM); the first
  // 90 of each kind are also clicked, and :target read: chromium ignores navigations beyond 200 in ten seconds.
  const follow = (a, i) => {
    const t = d.getElementById(decodeURIComponent(a.hash.slice(1)));
    let clicked = null;
    if (i < 90) { a.click(); const c = d.querySelector(':target'); clicked = c ? c.id : ''; }
    return [t && t.id, t && t.textContent, clicked];
  };
  r.links = all('a.ev-link').map((a, i) => [a.dataset.evidence, ...follow(a, i)]);
  r.backs = all('a.back').map((a, i) => [a.getAttribute('href'), ...follow(a, i)]);
  document.getElementById('out').textContent = JSON.stringify(r);
});
</script></body></html>"#;

/// Checks that every link from a fact reaches the element holding exactly its evidence's words, and every
/// link back reaches its fact; returns the evidence ids reached.
fn check_links(r: &Value, exact: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let clicked = |link: &Value| {
        if !link[3].is_null() {
            assert_eq!(
                link[3], link[1],
                "clicking the link reaches the same element: {link}"
            );
        }
    };
    for link in r["links"].as_array().unwrap() {
        let id = link[0].as_str().unwrap();
        assert_eq!(link[1], format!("ev-{id}"), "{link}");
        assert_eq!(
            link[2].as_str().unwrap(),
            exact[id],
            "the words of evidence {id}"
        );
        clicked(link);
        reached.insert(id.to_string());
    }
    for back in r["backs"].as_array().unwrap() {
        assert_eq!(
            back[0].as_str().unwrap()[1..],
            *back[1].as_str().expect("the fact is on the page")
        );
        clicked(back);
    }
    let clicks = r["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l[3].is_null())
        .count();
    assert_eq!(clicks, r["links"].as_array().unwrap().len().min(90));
    reached
}

/// Every evidence row's words by id.
fn evidence_words(env: &Env, db: &str) -> BTreeMap<String, String> {
    column(env, db, "SELECT id || char(31) || exact FROM evidence")
        .into_iter()
        .map(|s| {
            let (id, words) = s.split_once('\u{1f}').unwrap();
            (id.to_string(), words.to_string())
        })
        .collect()
}

/// Exports the page of `db` into `page/` with the harness beside it, and opens it.
fn open_page(env: &Env, db: &str) -> (Value, Vec<String>) {
    let (code, _, err) = env.run(&["--db", db, "export", "--format", "html", "--to", "page"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(env.path("page/check.html"), PAGE_HARNESS).unwrap();
    browse(&env.path("page"), "check.html")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn column(env: &Env, db: &str, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        env.path(db),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_page_of_the_seed_opens_offline_with_a_mark_per_fact_and_links_to_the_words() {
    let env = Env::with_db();
    let (r, requests) = open_page(&env, "dossier.db");

    assert_eq!(r["title"], "Russia and the Taliban");
    // The file's identity from `meta`.
    let text = r["text"].as_str().unwrap();
    let identity = column(
        &env,
        "dossier.db",
        "SELECT value FROM meta WHERE key IN ('seed_sha256', 'generator', 'description')",
    );
    assert_eq!(identity.len(), 3);
    for value in identity {
        assert!(text.contains(&value), "the page does not show {value}");
    }
    // One mark per event and one bar per designation, each naming its fact.
    let sorted = |v: Vec<String>| v.into_iter().collect::<BTreeSet<_>>();
    let marks = strings(&r["marks"]);
    assert_eq!(marks.len(), 7);
    assert_eq!(
        sorted(marks),
        sorted(column(&env, "dossier.db", "SELECT slug FROM events"))
    );
    let bars = strings(&r["bars"]);
    assert_eq!(bars.len(), 3);
    assert_eq!(
        sorted(bars),
        sorted(column(&env, "dossier.db", "SELECT slug FROM designations"))
    );
    assert_eq!(r["nodes"], 8, "the actors who acted on one another");
    assert_eq!(r["edges"], 6, "the pairs of actor and recipient");
    assert_eq!(
        r["dangling"],
        Value::Array(vec![]),
        "every mark links to its fact's entry"
    );

    // Following a fact's link reaches the element whose text is exactly that evidence's words, every evidence
    // row of the seed is reached from its fact, and the words link back to their fact.
    let exact = evidence_words(&env, "dossier.db");
    let reached = check_links(&r, &exact);
    assert_eq!(
        reached.len(),
        exact.len(),
        "every evidence row is linked from its fact"
    );
    assert_eq!(r["backs"].as_array().unwrap().len(), exact.len());

    // Offline: a policy that forbids every load, nothing loaded, no URL named, no request made.
    let csp = r["csp"]
        .as_str()
        .expect("a Content-Security-Policy meta tag");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("http"), "{csp}");
    assert_eq!(r["scripts"], 0);
    assert_eq!(r["resources"], Value::Array(vec![]));
    assert_eq!(r["urls"], Value::Array(vec![]));
    assert_eq!(requests, Vec::<String>::new());
}

#[test]
fn a_large_file_gets_a_capped_page_that_says_so() {
    let env = Env::new();
    let (code, _, err) = env.run(&[
        "synth",
        "--documents",
        "150",
        "--seed",
        "7",
        "--out",
        "corpus",
    ]);
    assert_eq!(code, 0, "{err}");
    env.build(&env.path("corpus"), "big.db");
    let events = column(&env, "big.db", "SELECT count(*) || '' FROM events")[0]
        .parse::<usize>()
        .unwrap();
    let designations = column(&env, "big.db", "SELECT count(*) || '' FROM designations")[0]
        .parse::<usize>()
        .unwrap();
    assert!(
        events > 1_000 && designations > 300,
        "the corpus exceeds the caps: {events}, {designations}"
    );
    let (r, requests) = open_page(&env, "big.db");
    assert_eq!(strings(&r["marks"]).len(), 1_000);
    assert_eq!(strings(&r["bars"]).len(), 300);
    let text = r["text"].as_str().unwrap();
    for note in [
        format!("This page shows 1,000 of {} events", thousands(events)),
        format!(
            "This page shows 300 of {} designations",
            thousands(designations)
        ),
        "documents in full".to_string(),
    ] {
        assert!(text.contains(&note), "the page does not say {note:?}");
    }
    // Thousands of spans, nested where they overlap: each link still reaches exactly its words.
    let reached = check_links(&r, &evidence_words(&env, "big.db"));
    assert!(reached.len() > 1_000, "{}", reached.len());
    assert_eq!(r["dangling"], Value::Array(vec![]));
    assert_eq!(requests, Vec::<String>::new());
}

// The check above trusts chromium's net log to show a page's requests: this shows that it does.
#[test]
fn the_network_check_sees_a_page_that_calls_home() {
    let env = Env::new();
    std::fs::create_dir(env.path("page")).unwrap();
    std::fs::write(
        env.path("page/index.html"),
        "<!DOCTYPE html><p>x</p><img src=\"http://127.0.0.1:9/probe.png\">",
    )
    .unwrap();
    std::fs::write(env.path("page/check.html"), PAGE_HARNESS).unwrap();
    let (r, requests) = browse(&env.path("page"), "check.html");
    assert_eq!(requests, vec!["http://127.0.0.1:9/probe.png".to_string()]);
    assert_eq!(
        r["urls"],
        serde_json::json!(["http://127.0.0.1:9/probe.png"])
    );
}

/// A seed whose title, names, summary and text carry markup, quotes and ampersands.
fn hostile(env: &Env) -> &'static str {
    let seed = env.fixture("minimal", "hostile");
    let edit = |rel: &str, from: &str, to: &str| {
        let path = seed.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} holds {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "dossier.toml",
        "title = \"Minimal\"",
        "title = \"<script>document.title='pwned'</script> & co\"\ndescription = \"<b>bold</b> \\\"quoted\\\" 'single'\"",
    );
    edit(
        "documents/note.toml",
        "summary = \"The Free Council meets in Strelsau.\"",
        "summary = \"<script>alert('summary')</script> \\\"quoted\\\" & <img src=x onerror=alert(1)>\"",
    );
    edit(
        "documents/note.toml",
        "name = \"Free Council\"",
        "name = \"Free <i>Council</i> & \\\"sons\\\" :;#%\"",
    );
    let body = seed.join("documents/note.txt");
    let mut text = std::fs::read_to_string(&body).unwrap();
    text.push_str(
        "\n<script>document.title='pwned'</script><img src=\"http://127.0.0.1:9/x.png\"> & more\n",
    );
    std::fs::write(&body, text).unwrap();
    env.build(&seed, "hostile.db");
    "hostile.db"
}

#[test]
fn markup_in_the_file_shows_as_text_on_the_page() {
    let env = Env::new();
    let db = hostile(&env);
    let (r, requests) = open_page(&env, db);
    assert_eq!(r["scripts"], 0, "no script element came from the file");
    assert_eq!(
        r["title"], "<script>document.title='pwned'</script> & co",
        "the title is text, and no script ran"
    );
    let elements = strings(&r["elements"]);
    for tag in ["img", "b", "i", "script"] {
        assert!(
            !elements.contains(&tag.to_string()),
            "a <{tag}> element came from the file"
        );
    }
    let text = r["text"].as_str().unwrap();
    for shown in [
        "<script>alert('summary')</script> \"quoted\" & <img src=x onerror=alert(1)>",
        "Free <i>Council</i> & \"sons\" :;#%",
        "<script>document.title='pwned'</script><img src=\"http://127.0.0.1:9/x.png\"> & more",
        "<b>bold</b> \"quoted\" 'single'",
    ] {
        assert!(
            text.contains(shown),
            "the page does not show {shown:?} as text"
        );
    }
    assert_eq!(r["resources"], Value::Array(vec![]));
    assert_eq!(r["urls"], Value::Array(vec![]));
    assert_eq!(requests, Vec::<String>::new());
}

fn chart(env: &Env, db: &str, args: &[&str]) -> String {
    let mut all = vec!["--db", db, "chart"];
    all.extend_from_slice(args);
    let (code, out, err) = env.run(&all);
    assert_eq!(code, 0, "chart {args:?}: {err}");
    out
}

/// The `class` values of an SVG's elements, counted, after checking that it parses as XML.
fn svg_classes(svg: &str) -> BTreeMap<String, usize> {
    // Graphviz writes a DOCTYPE; dossier writes none.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, options)
        .unwrap_or_else(|e| panic!("the SVG is not XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let mut counts = BTreeMap::new();
    for n in doc.descendants() {
        if let Some(c) = n.attribute("class") {
            *counts.entry(c.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

fn report_rows(env: &Env, db: &str, args: &[&str]) -> usize {
    let mut all = vec!["--db", db, "--format", "json", "report"];
    all.extend_from_slice(args);
    let (code, out, err) = env.run(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn chart_svg_parses_as_xml_with_one_mark_per_fact() {
    let env = Env::with_db();
    let db = "dossier.db";
    assert_eq!(
        svg_classes(&chart(&env, db, &["timeline"]))["event-mark"],
        7
    );
    let d = svg_classes(&chart(&env, db, &["designations"]));
    assert_eq!(d["bar"], 3);
    assert_eq!(
        d["imposed"], 2,
        "two designations record the event that imposed them"
    );
    assert_eq!(d["ended"], 1);
    assert_eq!(d["open-end"], 2, "two are in force");
    let n = svg_classes(&chart(&env, db, &["network"]));
    assert_eq!((n["node"], n["edge"]), (8, 6));

    // Filtered as the reports filter: the same events as `report timeline` with the same parameters.
    for params in [
        vec!["-p", "actor=Moscow", "-p", "from=2022"],
        vec!["-p", "from=2025-07"],
        vec!["-p", "to=2021"],
        vec!["-p", "actor=Kabul regime"],
    ] {
        let marks = svg_classes(&chart(&env, db, &[&["timeline"][..], &params].concat()))
            .get("event-mark")
            .copied()
            .unwrap_or(0);
        let rows = report_rows(&env, db, &[&["timeline"][..], &params].concat());
        assert_eq!(marks, rows, "{params:?}");
        assert!(rows > 0, "{params:?} keeps something");
    }
    let d = svg_classes(&chart(
        &env,
        db,
        &["designations", "-p", "actor=russia", "-p", "to=2024"],
    ));
    assert_eq!(
        d["bar"], 1,
        "only the listing of 2025-04 and earlier: the recognition starts later"
    );
}

#[test]
fn chart_dot_is_accepted_by_graphviz() {
    let env = Env::new();
    let db = hostile(&env);
    let seed = Env::with_db();
    for (env, db, events) in [(&seed, "dossier.db", 7), (&env, db, 2)] {
        for what in ["timeline", "designations", "network"] {
            let text = chart(env, db, &[what, "--format", "dot"]);
            std::fs::write(env.path("chart.dot"), &text).unwrap();
            let out = Command::new("dot")
                .arg("-Tsvg")
                .arg(env.path("chart.dot"))
                .output()
                .expect("dot runs: apt-get install graphviz (.ci/run installs it)");
            assert!(
                out.status.success(),
                "dot refused {what}:\n{}\n{text}",
                String::from_utf8_lossy(&out.stderr)
            );
            let svg = String::from_utf8(out.stdout).unwrap();
            let classes = svg_classes(&svg);
            if what == "timeline" {
                assert_eq!(classes["node"], events, "one node per event");
            }
            if db == "hostile.db" && what == "network" {
                assert!(
                    svg.contains("Free &lt;i&gt;Council&lt;/i&gt; &amp; &quot;sons&quot; :;#%"),
                    "{svg}"
                );
            }
        }
    }
}

/// Mermaid's own parser and renderer, in chromium: the diagram type of each text, and the text of its drawing.
fn mermaid(env: &Env, texts: &[String]) -> Vec<Value> {
    let harness = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="out">pending</pre>
<script src="file://{}"></script>
<script id="in" type="application/json">{}</script>
<script>
(async () => {{
  const texts = JSON.parse(document.getElementById('in').textContent);
  mermaid.initialize({{ startOnLoad: false, securityLevel: 'strict' }});
  const res = [];
  for (const [i, t] of texts.entries()) {{
    try {{
      const p = await mermaid.parse(t);
      const div = document.createElement('div');
      div.innerHTML = (await mermaid.render('m' + i, t)).svg;
      div.querySelectorAll('style').forEach((s) => s.remove());
      res.push({{ type: p.diagramType, text: div.textContent, scripts: div.querySelectorAll('script').length }});
    }} catch (e) {{ res.push({{ error: String((e && e.message) || e) }}); }}
  }}
  document.getElementById('out').textContent = JSON.stringify(res);
}})();
</script></body></html>"#,
        mermaid_js().display(),
        serde_json::to_string(texts).unwrap().replace("</", "<\\/")
    );
    std::fs::create_dir_all(env.path("mermaid")).unwrap();
    std::fs::write(env.path("mermaid/check.html"), harness).unwrap();
    let (r, _) = browse(&env.path("mermaid"), "check.html");
    r.as_array().unwrap().clone()
}

#[test]
fn chart_mermaid_is_parsed_and_drawn_by_mermaid() {
    let env = Env::new();
    let db = hostile(&env);
    let seed = Env::with_db();
    let mut texts = Vec::new();
    for (env, db) in [(&seed, "dossier.db"), (&env, db)] {
        for what in ["timeline", "designations", "network"] {
            texts.push(chart(env, db, &[what, "--format", "mermaid"]));
        }
    }
    // A broken text, to show that the check can fail.
    texts.push("graph LR\n  a[\"unterminated\n".to_string());
    let results = mermaid(&env, &texts);
    assert_eq!(results.len(), 7);
    for (i, r) in results.iter().take(6).enumerate() {
        let want = if i % 3 == 2 { "flowchart-v2" } else { "gantt" };
        assert_eq!(r["type"], want, "{}\n{r}", texts[i]);
        assert_eq!(r["scripts"], 0);
    }
    assert!(
        results[6]["error"]
            .as_str()
            .unwrap()
            .contains("Parse error"),
        "{}",
        results[6]
    );
    // The labels come out as the file wrote them, entity codes and all decoded.
    let text = |i: usize| results[i]["text"].as_str().unwrap().to_string();
    assert!(text(0).contains(
        "2025-07-03 Russia becomes the first country to formally recognize the Islamic Emirate."
    ));
    assert!(text(1).contains("Russia → Taliban, unknown start to 2025-04"));
    assert!(
        text(2).contains("Ministry of Foreign Affairs of Russia") && text(2).contains("2 events")
    );
    assert!(
        text(3).contains(
            "<script>alert('summary')</script> \"quoted\" & <img src=x onerror=alert(1)>"
        ),
        "{}",
        text(3)
    );
    assert!(
        text(5).contains("Free <i>Council</i> & \"sons\" :;#%"),
        "{}",
        text(5)
    );
}

#[test]
fn chart_refuses_what_it_cannot_do() {
    let env = Env::with_db();
    let (code, _, err) = env.run(&["chart", "timeline", "-p", "colour=red"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown parameter \"colour\"") && err.contains("actor="),
        "{err}"
    );
    let (code, _, err) = env.run(&["chart", "timeline", "-p", "from=2025-13"]);
    assert_eq!(code, 1);
    assert!(err.contains("parameter \"from\""), "{err}");
    let (code, _, err) = env.run(&["chart", "network", "-p", "actor=Nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("no actor"), "{err}");
    assert_eq!(env.run(&["chart", "pie"]).0, 2);
    assert_eq!(env.run(&["--format", "csv", "chart", "timeline"]).0, 2);
    assert_eq!(env.run(&["--format", "svg", "report", "timeline"]).0, 2);
    assert_eq!(
        env.run(&["--format", "mermaid", "export", "--to", "x"]).0,
        2
    );
    assert_eq!(env.entries(), vec!["dossier.db", "seed"], "nothing written");

    // --to writes the file, and overwrites it only when told.
    let (code, out, _) = env.run(&["chart", "network", "--format", "dot", "--to", "n.dot"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        std::fs::read_to_string(env.path("n.dot"))
            .unwrap()
            .starts_with("digraph network {")
    );
    let (code, _, err) = env.run(&["chart", "network", "--to", "n.dot"]);
    assert_eq!(code, 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        env.run(&["chart", "network", "--to", "n.dot", "--force"]).0,
        0
    );
    assert!(
        std::fs::read_to_string(env.path("n.dot"))
            .unwrap()
            .starts_with("<svg")
    );
}
