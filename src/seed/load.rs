//! Writing a validated seed into an empty database: schema.sql, then every row, in one transaction.

use anyhow::Context;
use rusqlite::{Connection, params};

use super::validate::{Fact, Seed};
use crate::db;

const INSERT_META: &str = "INSERT INTO meta (key, value) VALUES (?1, ?2)";
const INSERT_DOCUMENT: &str = "INSERT INTO documents (id, slug, title, author, publisher, published, \
     published_earliest, published_latest, url, language, body, length, sha256) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
const INSERT_ACTOR: &str = "INSERT INTO actors (id, slug, name, kind, country, description, wikidata, parent) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_ALIAS: &str = "INSERT INTO actor_aliases (actor, alias) VALUES (?1, ?2)";
const INSERT_EVENT: &str = "INSERT INTO events (id, slug, date, date_earliest, date_latest, kind, cameo, summary) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_PARTICIPANT: &str =
    "INSERT INTO event_actors (event, actor, role) VALUES (?1, ?2, ?3)";
const INSERT_DESIGNATION: &str = "INSERT INTO designations (id, slug, authority, subject, kind, status, \
     start, start_earliest, start_latest, end, end_earliest, end_latest, imposed_by, ended_by, note) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
const INSERT_QUOTE: &str = "INSERT INTO quotes (id, slug, speaker, document, text, kind, start, end, addressee) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const INSERT_EVIDENCE: &str = "INSERT INTO evidence (document, start, end, exact, actor, event, designation, quote) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_REPORT: &str =
    "INSERT INTO reports (id, name, title, description, sql) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_PARAM: &str = "INSERT INTO report_params (report, position, name, type, required, default_value, \
     description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const INSERT_SEARCH: &str = "INSERT INTO search (kind, slug, title, text) VALUES (?1, ?2, ?3, ?4)";

/// Row id of the element at `index`.
fn id(index: usize) -> i64 {
    index as i64 + 1
}

/// Applies the schema and loads every row of `seed` into `conn`, which must be empty.
pub fn load(conn: &mut Connection, seed: &Seed) -> anyhow::Result<()> {
    load_with_progress(conn, seed, &mut |_| {})
}

/// The number of rows `load` inserts, for a progress bar.
pub fn row_count(seed: &Seed) -> u64 {
    let participants: usize = seed.events.iter().map(|e| e.participants.len()).sum();
    (seed.documents.len()
        + seed.actors.len()
        + seed.events.len()
        + participants
        + seed.designations.len()
        + seed.quotes.len()
        + seed.evidence.len()) as u64
}

/// As `load`, calling `progress` with the number of rows inserted since its last call, every few thousand rows.
pub fn load_with_progress(
    conn: &mut Connection,
    seed: &Seed,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<()> {
    let mut rows = 0u64;
    let mut tick = |n: u64| {
        rows += n;
        if rows >= 4096 {
            progress(rows);
            rows = 0;
        }
    };
    conn.execute_batch(db::SCHEMA)
        .context("cannot apply schema.sql")?;
    let tx = conn.transaction()?;
    {
        let mut meta = tx.prepare_cached(INSERT_META)?;
        let schema_version = db::SCHEMA_VERSION.to_string();
        let generator = format!("dossier {}", env!("CARGO_PKG_VERSION"));
        let mut pairs: Vec<(&str, &str)> = vec![
            ("format", "dossier"),
            ("schema_version", &schema_version),
            ("title", &seed.title),
            ("generator", &generator),
        ];
        if let Some(d) = &seed.description {
            pairs.push(("description", d));
        }
        for (k, v) in pairs {
            meta.execute(params![k, v])?;
        }

        let mut doc = tx.prepare_cached(INSERT_DOCUMENT)?;
        let mut search = tx.prepare_cached(INSERT_SEARCH)?;
        for (i, d) in seed.documents.iter().enumerate() {
            let published = d.published.as_ref();
            doc.execute(params![
                id(i),
                d.slug,
                d.title,
                d.author,
                d.publisher,
                published.map(|p| p.as_str()),
                published.and_then(|p| p.earliest()).map(|x| x.to_string()),
                published.and_then(|p| p.latest()).map(|x| x.to_string()),
                d.url,
                d.language,
                d.body,
                d.length as i64,
                d.sha256,
            ])
            .with_context(|| format!("cannot insert document \"{}\"", d.slug))?;
            search.execute(params!["document", d.slug, d.title, d.body])?;
            tick(1);
        }

        let mut actor = tx.prepare_cached(INSERT_ACTOR)?;
        let mut alias = tx.prepare_cached(INSERT_ALIAS)?;
        // Parents may come later in the list, so actors go in without them first.
        for (i, a) in seed.actors.iter().enumerate() {
            actor
                .execute(params![
                    id(i),
                    a.slug,
                    a.name,
                    a.kind.as_str(),
                    a.country,
                    a.description,
                    a.wikidata,
                    Option::<i64>::None,
                ])
                .with_context(|| format!("cannot insert actor \"{}\"", a.slug))?;
            for x in &a.aliases {
                alias.execute(params![id(i), x])?;
            }
            let mut text = a.aliases.join("; ");
            if let Some(d) = &a.description {
                if !text.is_empty() {
                    text.push_str(" — ");
                }
                text.push_str(d);
            }
            search.execute(params!["actor", a.slug, a.name, text])?;
            tick(1);
        }
        let mut parent = tx.prepare_cached("UPDATE actors SET parent = ?2 WHERE id = ?1")?;
        for (i, a) in seed.actors.iter().enumerate() {
            if let Some(p) = a.parent {
                parent.execute(params![id(i), id(p)])?;
            }
        }

        let mut event = tx.prepare_cached(INSERT_EVENT)?;
        let mut participant = tx.prepare_cached(INSERT_PARTICIPANT)?;
        for (i, e) in seed.events.iter().enumerate() {
            event
                .execute(params![
                    id(i),
                    e.slug,
                    e.date.as_str(),
                    e.date.earliest().map(|x| x.to_string()),
                    e.date.latest().map(|x| x.to_string()),
                    e.kind.as_str(),
                    e.cameo,
                    e.summary,
                ])
                .with_context(|| format!("cannot insert event \"{}\"", e.slug))?;
            for (a, role) in &e.participants {
                participant.execute(params![id(i), id(*a), role])?;
            }
            search.execute(params!["event", e.slug, e.date.as_str(), e.summary])?;
            tick(1 + e.participants.len() as u64);
        }

        let mut designation = tx.prepare_cached(INSERT_DESIGNATION)?;
        for (i, g) in seed.designations.iter().enumerate() {
            let (start, end) = (g.start.as_ref(), g.end.as_ref());
            designation
                .execute(params![
                    id(i),
                    g.slug,
                    id(g.authority),
                    id(g.subject),
                    g.kind.as_str(),
                    g.status.as_str(),
                    start.map(|d| d.as_str()),
                    start.and_then(|d| d.earliest()).map(|x| x.to_string()),
                    start.and_then(|d| d.latest()).map(|x| x.to_string()),
                    end.map(|d| d.as_str()),
                    end.and_then(|d| d.earliest()).map(|x| x.to_string()),
                    end.and_then(|d| d.latest()).map(|x| x.to_string()),
                    g.imposed_by.map(id),
                    g.ended_by.map(id),
                    g.note,
                ])
                .with_context(|| format!("cannot insert designation \"{}\"", g.slug))?;
            tick(1);
        }

        let mut quote = tx.prepare_cached(INSERT_QUOTE)?;
        for (i, q) in seed.quotes.iter().enumerate() {
            quote
                .execute(params![
                    id(i),
                    q.slug,
                    id(q.speaker),
                    id(q.document),
                    q.text,
                    q.kind.as_str(),
                    q.span.start as i64,
                    q.span.end as i64,
                    q.addressee.map(id),
                ])
                .with_context(|| format!("cannot insert quote \"{}\"", q.slug))?;
            search.execute(params![
                "quote",
                q.slug,
                seed.actors[q.speaker].name,
                q.text
            ])?;
        }

        let mut evidence = tx.prepare_cached(INSERT_EVIDENCE)?;
        for e in &seed.evidence {
            let (mut a, mut ev, mut g, mut q) = (None, None, None, None);
            match e.fact {
                Fact::Actor(i) => a = Some(id(i)),
                Fact::Event(i) => ev = Some(id(i)),
                Fact::Designation(i) => g = Some(id(i)),
                Fact::Quote(i) => q = Some(id(i)),
            }
            evidence.execute(params![
                id(e.document),
                e.span.start as i64,
                e.span.end as i64,
                e.exact,
                a,
                ev,
                g,
                q
            ])?;
            tick(1);
        }

        let mut report = tx.prepare_cached(INSERT_REPORT)?;
        let mut param = tx.prepare_cached(INSERT_PARAM)?;
        for (i, r) in seed.reports.iter().enumerate() {
            report.execute(params![id(i), r.name, r.title, r.description, r.sql])?;
            for (pos, p) in r.params.iter().enumerate() {
                param.execute(params![
                    id(i),
                    pos as i64 + 1,
                    p.name,
                    p.kind.as_str(),
                    p.required,
                    p.default,
                    p.description
                ])?;
            }
        }
        let digest = content_digest(&tx)?;
        meta.execute(params!["seed_sha256", digest])?;
    }
    tx.commit()?;
    Ok(())
}

/// The tables whose rows make up the content of a dossier, in a fixed order.
pub const CONTENT_TABLES: &[&str] = &[
    "documents",
    "actors",
    "actor_aliases",
    "events",
    "event_actors",
    "designations",
    "quotes",
    "evidence",
    "reports",
    "report_params",
];

/// sha256 over every row of the content tables, in id order: the seed's digest, stored in `meta`. It depends on the
/// facts alone, not on how the seed files are laid out or commented, so a seed written back by `export` has the
/// same digest as the one it came from.
pub fn content_digest(conn: &Connection) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for table in CONTENT_TABLES {
        h.update(table.as_bytes());
        h.update([0]);
        // Table names come from the fixed list above.
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY id"))?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for i in 0..n {
                match row.get_ref(i)? {
                    ValueRef::Null => h.update([0]),
                    ValueRef::Integer(v) => {
                        h.update([1]);
                        h.update(v.to_le_bytes());
                    }
                    ValueRef::Real(v) => {
                        h.update([2]);
                        h.update(v.to_le_bytes());
                    }
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        h.update([3]);
                        h.update((t.len() as u64).to_le_bytes());
                        h.update(t);
                    }
                }
            }
        }
    }
    Ok(super::hex(&h.finalize()))
}
