//! bm25 of one word in every row that holds it, computed as FTS5's `bm25()` computes it but from the index's own
//! counts: the positions `fts5vocab` lists, each row's size from `search_docsize`, and the totals FTS5 keeps.
//! FTS5's function looks up each row's size with a statement of its own, about 1 µs a match; reading the sizes
//! once and the positions in order costs a fraction of that, which is what makes `search_best` affordable to
//! compute for every common word (see `search_best::compute`).
//!
//! The arithmetic is FTS5's own (fts5_aux.c, `fts5Bm25Function`), in the same order, so that the scores are the
//! same numbers bit for bit: `search` compares them with the scores of its scan. A test holds the two equal.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use crate::schema::{SEARCH_KINDS, kind_of_rowid, rowids_of};

/// Every match's rowid and bm25 (lower is better), of one range of rowids: how `search` ranks when a word has no
/// lists. Nothing here reads the text, so the cost per match is FTS5's own. [`Scorer`] gives the same numbers, bit
/// for bit.
pub const RANK: &str = "\
SELECT rowid, bm25(search, 0.0, 0.0, 2.0, 1.0)
  FROM search
 WHERE search MATCH ?1 AND rowid BETWEEN ?2 AND ?3";

/// An error that says the index (or its lists) departs from the tables, which `search` reports as damage.
pub fn damaged(message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some(message),
    )
}

/// FTS5's constants.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The weight `search` gives each column of the index, by name: kind and slug count for nothing, a title twice.
/// The same numbers as [`RANK`]'s `bm25(search, 0.0, 0.0, 2.0, 1.0)`.
fn weight(column: &[u8]) -> f64 {
    match column {
        b"title" => 2.0,
        b"text" => 1.0,
        _ => 0.0,
    }
}

/// What bm25 reads of the whole index, once.
pub struct Scorer {
    /// Rows in the index, and the mean of their sizes in tokens (FTS5's `avgdl`).
    rows: i64,
    avgdl: f64,
    /// Each row's size in tokens, by kind, at its id (rowid less the kind's first rowid): 1.9 MB for the 1.8 M
    /// rows of 100,000 documents. A size of [`LOOK_UP`] tokens or more, and ids beyond `DENSE` times the kind's rows
    /// read so far (only in a file made by hand), are looked up one by one.
    sizes: [Sizes; 4],
}

/// One kind's row sizes at their ids, in one byte each while every size is below 255 (events, actors and quotes
/// are short), in two once one is not (documents).
#[derive(Debug)]
enum Sizes {
    Narrow(Vec<u8>),
    Wide(Vec<u16>),
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes::Narrow(Vec::new())
    }
}

impl Sizes {
    /// The size at `at`, or [`LOOK_UP`] where the list has none.
    fn get(&self, at: usize) -> u16 {
        match self {
            Sizes::Narrow(v) => v.get(at).map_or(LOOK_UP, |&b| widen(b)),
            Sizes::Wide(v) => v.get(at).copied().unwrap_or(LOOK_UP),
        }
    }

    /// Sets the size at `at` ([`LOOK_UP`] for one too large to keep), widening the list when a size needs it.
    fn set(&mut self, at: usize, size: u32) {
        let size = u16::try_from(size).unwrap_or(LOOK_UP);
        let narrow = u8::try_from(size).ok().filter(|&b| b != u8::MAX);
        if let Sizes::Narrow(v) = self
            && narrow.is_none()
            && size != LOOK_UP
        {
            *self = Sizes::Wide(v.iter().map(|&b| widen(b)).collect());
        }
        match self {
            Sizes::Narrow(v) => {
                if v.len() <= at {
                    v.resize(at + 1, u8::MAX);
                }
                v[at] = narrow.unwrap_or(u8::MAX);
            }
            Sizes::Wide(v) => {
                if v.len() <= at {
                    v.resize(at + 1, LOOK_UP);
                }
                v[at] = size;
            }
        }
    }
}

/// A narrow size as a wide one: the narrow list's mark for "look it up" is its largest value.
fn widen(b: u8) -> u16 {
    if b == u8::MAX { LOOK_UP } else { u16::from(b) }
}

/// How sparse a kind's ids may be before its sizes are looked up row by row rather than kept in a list.
const DENSE: usize = 4;
/// In the list of sizes, a size too large for two bytes, or an id with no row of its own (a gap in the ids): looked
/// up, which gives the size or names the damage.
const LOOK_UP: u16 = u16::MAX;
/// A size no row can have: more tokens than FTS5 counts.
const ABSENT: u32 = u32::MAX;

impl Scorer {
    pub fn new(conn: &Connection) -> rusqlite::Result<Scorer> {
        // The averages record (rowid 1 of search_data): the number of rows, then each column's total of tokens.
        let averages: Vec<u8> = conn
            .query_row("SELECT block FROM search_data WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| damaged("the full-text index has no totals".into()))?;
        // The file may come from anyone: wrapping arithmetic, as FTS5's own C, never panics on its counts.
        let values = varints(&averages);
        let rows = values.first().copied().unwrap_or(0) as i64;
        let tokens = values
            .iter()
            .skip(1)
            .fold(0i64, |t, &v| t.wrapping_add(v as i64));
        let avgdl = tokens as f64 / rows as f64;
        // The rows come in rowid order, so a kind's ids are dense when each is near the number of its rows read
        // so far; a sparser id (only in a file made by hand) is looked up when needed.
        let mut sizes: [Sizes; 4] = Default::default();
        let mut read = [0usize; 4];
        let mut stmt = conn.prepare("SELECT id, sz FROM search_docsize ORDER BY id")?;
        let mut all = stmt.query([])?;
        while let Some(r) = all.next()? {
            let rowid: i64 = r.get(0)?;
            let (k, at) = place(rowid);
            read[k] += 1;
            if at < DENSE * read[k] + 1024 {
                sizes[k].set(at, row_size(r.get_ref(1)?, rowid)?);
            }
        }
        Ok(Scorer { rows, avgdl, sizes })
    }

    /// A row's size in tokens: from the list, or looked up.
    fn size(&self, conn: &Connection, rowid: i64) -> rusqlite::Result<u32> {
        let (k, at) = place(rowid);
        let s = self.sizes[k].get(at);
        if s != LOOK_UP {
            return Ok(u32::from(s));
        }
        let mut stmt = conn.prepare_cached("SELECT sz FROM search_docsize WHERE id = ?1")?;
        stmt.query_row([rowid], |r| row_size(r.get_ref(0)?, rowid))
            .optional()?
            .ok_or_else(|| damaged(format!("the full-text index has no size for row {rowid}")))
    }

    /// Calls `each(rowid, score)` for every row that holds `term`, in rowid order, with the score FTS5's
    /// `bm25(search, 0.0, 0.0, 2.0, 1.0)` gives the row for the query `"term"`. `rows_with` is the number of rows
    /// holding the term (`fts5vocab`'s `doc`).
    pub fn each(
        &self,
        conn: &Connection,
        term: &str,
        rows_with: i64,
        mut each: impl FnMut(i64, f64),
    ) -> rusqlite::Result<()> {
        let idf = {
            let idf = (self.rows.wrapping_sub(rows_with) as f64 + 0.5) / (rows_with as f64 + 0.5);
            let idf = idf.ln();
            if idf <= 0.0 { 1e-6 } else { idf }
        };
        let score = |freq: f64, size: u32| {
            let d = f64::from(size);
            // fts5_aux.c: score = 0.0; score += idf * (...); result -1.0 * score.
            let score =
                0.0 + idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1.0 - B + B * d / self.avgdl)));
            -score
        };
        let mut stmt =
            conn.prepare_cached("SELECT doc, col FROM temp.search_positions WHERE term = ?1")?;
        let mut rows = stmt.query([term])?;
        // The positions come by row, then column, then offset; a row's frequency is the sum of its columns'
        // weights, one per position.
        let mut current: Option<(i64, f64)> = None;
        while let Some(r) = rows.next()? {
            let rowid: i64 = r.get(0)?;
            let w = match r.get_ref(1)? {
                ValueRef::Text(c) => weight(c),
                _ => 0.0,
            };
            match &mut current {
                Some((at, freq)) if *at == rowid => *freq += w,
                Some((at, freq)) if *at < rowid => {
                    each(*at, score(*freq, self.size(conn, *at)?));
                    current = Some((rowid, w));
                }
                Some(_) => {
                    return Err(damaged(format!(
                        "the full-text index lists the positions of \"{term}\" out of row order"
                    )));
                }
                None => current = Some((rowid, w)),
            }
        }
        if let Some((at, freq)) = current {
            each(at, score(freq, self.size(conn, at)?));
        }
        Ok(())
    }
}

/// The positions of every word, as `Scorer::each` reads them: made on the connection before, dropped after.
pub const POSITIONS: &str = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_positions USING fts5vocab(main, search, instance)";
pub const NO_POSITIONS: &str = "DROP TABLE IF EXISTS temp.search_positions";

/// A rowid's kind (as an index into `SEARCH_KINDS`) and its offset in that kind's range.
fn place(rowid: i64) -> (usize, usize) {
    let kind = kind_of_rowid(rowid);
    let k = SEARCH_KINDS.iter().position(|x| *x == kind).unwrap_or(0);
    let (low, _) = rowids_of(kind);
    let at = if k == 0 {
        // Events start at the smallest rowid; their ids from 1 up are their offsets.
        usize::try_from(rowid).unwrap_or(usize::MAX)
    } else {
        usize::try_from(rowid - low).unwrap_or(usize::MAX)
    };
    (k, at)
}

/// The size in tokens of a row of `search_docsize`: the sum of its columns' sizes (FTS5's `xColumnSize(-1)`).
fn row_size(blob: ValueRef<'_>, rowid: i64) -> rusqlite::Result<u32> {
    match blob {
        ValueRef::Blob(b) => {
            let total = varints(b).iter().try_fold(0u64, |t, &v| t.checked_add(v));
            total
                .and_then(|t| u32::try_from(t).ok())
                .filter(|&t| t != ABSENT)
                .ok_or_else(|| {
                    damaged(format!(
                        "the full-text index gives row {rowid} more tokens than a row can hold"
                    ))
                })
        }
        _ => Err(damaged(format!(
            "the full-text index's size of row {rowid} is not a blob"
        ))),
    }
}

/// SQLite's variable-length integers, one after another: seven bits a byte, high bit set for more, the ninth
/// byte whole.
fn varints(mut b: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let mut v: u64 = 0;
        let mut used = 0;
        for (i, &byte) in b.iter().enumerate().take(9) {
            used = i + 1;
            if i == 8 {
                v = (v << 8) | u64::from(byte);
                break;
            }
            v = (v << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                break;
            }
        }
        out.push(v);
        b = &b[used..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{LOOK_UP, NO_POSITIONS, POSITIONS, Scorer, Sizes, varints};
    use crate::db::fixture;
    use proptest::prelude::*;
    use rusqlite::Connection;

    const WORDS: &[&str] = &["a", "b", "c", "d", "e"];

    proptest! {
        /// A kind's list of sizes gives back every size it was given (a size too large for it as "look it up"),
        /// and "look it up" where it was given none, whether it stayed narrow or was widened on the way.
        #[test]
        fn sizes_give_back_what_they_were_given(
            given in proptest::collection::vec((0usize..300, prop_oneof![0u32..300, 60_000u32..70_000]), 0..200),
        ) {
            let mut sizes = Sizes::default();
            let mut want = std::collections::BTreeMap::new();
            for &(at, size) in &given {
                sizes.set(at, size);
                want.insert(at, u16::try_from(size).unwrap_or(LOOK_UP));
            }
            let narrow = given.iter().all(|&(_, s)| s < 255 || s >= u32::from(LOOK_UP));
            prop_assert_eq!(matches!(sizes, Sizes::Narrow(_)), narrow);
            for at in 0..310 {
                prop_assert_eq!(sizes.get(at), want.get(&at).copied().unwrap_or(LOOK_UP), "at {}", at);
            }
        }
    }

    fn row() -> impl Strategy<Value = (u8, Vec<u8>, Vec<u8>)> {
        (
            0u8..4,
            proptest::collection::vec(0u8..5, 0..6),
            proptest::collection::vec(0u8..5, 0..30),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every row that holds a word, with FTS5's own bm25 for it, to the bit.
        #[test]
        fn scores_are_fts5s_bm25_bit_for_bit(rows in proptest::collection::vec(row(), 1..60)) {
            let conn = fixture::file(WORDS, &rows);
            for word in WORDS {
                let want = fts5_scores(&conn, word);
                prop_assert_eq!(scores(&conn, word, want.len() as i64).unwrap(), want, "{}", word);
            }
            conn.execute_batch(NO_POSITIONS).unwrap();
        }
    }

    /// FTS5's scores, bit for bit, of every row holding `word`.
    fn fts5_scores(conn: &Connection, word: &str) -> Vec<(i64, u64)> {
        conn.prepare(super::RANK)
            .unwrap()
            .query_map(
                rusqlite::params![format!("\"{word}\""), i64::MIN, i64::MAX],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?.to_bits())),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The scorer's scores of every row holding `word`, read as FTS5's are.
    fn scores(conn: &Connection, word: &str, rows_with: i64) -> rusqlite::Result<Vec<(i64, u64)>> {
        conn.execute_batch(POSITIONS).unwrap();
        let mut got = Vec::new();
        let scorer = Scorer::new(conn)?;
        scorer.each(conn, word, rows_with, |rowid, score| {
            got.push((rowid, score.to_bits()))
        })?;
        Ok(got)
    }

    #[test]
    fn an_id_far_beyond_the_others_is_looked_up_and_scored_the_same() {
        let conn = fixture::file(WORDS, &[(0, vec![0], vec![0, 1]), (0, vec![], vec![0])]);
        conn.execute_batch(
            "INSERT INTO events (id, slug, date, kind, summary) VALUES (1000000000000, 'far', 'ax', 'other', 'a a b');
             INSERT INTO search(search) VALUES ('rebuild');",
        )
        .unwrap();
        let want = fts5_scores(&conn, "a");
        assert!(
            want.iter().any(|(r, _)| *r == 1_000_000_000_000),
            "{want:?}"
        );
        assert_eq!(scores(&conn, "a", want.len() as i64).unwrap(), want);
    }

    #[test]
    fn a_row_too_long_for_two_bytes_is_looked_up_and_scored_the_same() {
        // 70,000 tokens in one row: more than a size in the list can hold.
        let long = [0u8, 1].repeat(35_000);
        let conn = fixture::file(WORDS, &[(2, vec![0], long), (0, vec![], vec![0, 2])]);
        let want = fts5_scores(&conn, "a");
        assert_eq!(want.len(), 2, "{want:?}");
        assert_eq!(scores(&conn, "a", want.len() as i64).unwrap(), want);
    }

    #[test]
    fn a_row_without_a_size_or_an_index_without_totals_is_damage() {
        let conn = fixture::file(
            WORDS,
            &[
                (0, vec![], vec![0]),
                (0, vec![], vec![0]),
                (0, vec![], vec![0]),
            ],
        );
        // The middle row's size goes: a gap in the list of sizes, which must not read as 0 tokens.
        conn.execute_batch("DELETE FROM search_docsize WHERE id = 3")
            .unwrap();
        let err = scores(&conn, "a", 3).unwrap_err().to_string();
        assert!(err.contains("no size for row 3"), "{err}");
        conn.execute_batch("DELETE FROM search_data WHERE id = 1")
            .unwrap();
        let err = Scorer::new(&conn).err().unwrap().to_string();
        assert!(err.contains("has no totals"), "{err}");
    }

    #[test]
    fn varints_read_as_sqlite_writes_them() {
        assert_eq!(varints(&[0x00, 0x7f]), [0, 127]);
        assert_eq!(varints(&[0x81, 0x00]), [128]);
        assert_eq!(varints(&[0x82, 0x80, 0x01, 0x05]), [(2 << 14) + 1, 5]);
        assert_eq!(varints(&[0xff; 9]), [u64::MAX]);
    }
}
