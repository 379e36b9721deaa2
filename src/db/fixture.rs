//! A small file for tests of the full-text index: rows of every kind whose texts are drawn from a few words.

use rusqlite::Connection;

/// A file of rows of every kind, `(kind, title words, text words)` with words picked from `words` by index, so that
/// many rows tie; slugs do not follow rowids, so that ties are broken by something the rowid does not tell.
pub fn file(words: &[&str], rows: &[(u8, Vec<u8>, Vec<u8>)]) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(crate::schema::SCHEMA).unwrap();
    conn.execute_batch(
        "PRAGMA ignore_check_constraints = ON;
         INSERT INTO actors (id, slug, name, kind) VALUES (1, 'speaker', 'zz', 'state');
         INSERT INTO documents (id, slug, title, body, length, sha256) VALUES (1, 'source', 'zz', 'zz', 2, '');",
    )
    .unwrap();
    let text = |w: &[u8]| -> String {
        let picked: Vec<&str> = w.iter().map(|i| words[*i as usize % words.len()]).collect();
        picked.join(" ")
    };
    for (i, (kind, title, body)) in rows.iter().enumerate() {
        let id = i as i64 + 2;
        let slug = format!("s{}", (id * 7919) % 1000);
        let (title, body) = (text(title), text(body));
        let sql = match kind % 4 {
            0 => {
                "INSERT INTO events (id, slug, date, kind, summary) VALUES (?1, ?2, ?3 || 'x', 'other', ?4)"
            }
            1 => {
                "INSERT INTO actors (id, slug, name, description, kind) VALUES (?1, ?2, ?3 || 'x', ?4, 'state')"
            }
            2 => {
                "INSERT INTO documents (id, slug, title, body, length, sha256) VALUES (?1, ?2, ?3 || 'x', ?4, 0, '')"
            }
            _ => {
                "INSERT INTO quotes (id, slug, speaker, document, text, kind, start, end)
                      VALUES (?1, ?2, 1, 1, ?3 || ' ' || ?4, 'direct', 0, 1)"
            }
        };
        conn.execute(sql, rusqlite::params![id, slug, title, body])
            .unwrap();
    }
    conn.execute_batch("INSERT INTO search(search) VALUES ('rebuild')")
        .unwrap();
    conn
}
