//! The table `search_best`: for each word in many rows of the full-text index, its best rows of each kind, in the
//! order `dossier search` ranks them. Ranking every match of a common word costs about 0.66 µs a match (0.5 s for
//! the 840,000 rows of "a" at 100,000 documents); reading its best rows from here costs a few lookups. The lists
//! are a function of the index, like the index of the tables: written with it, checked by computing them again.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};

use super::bm25;
pub use super::bm25::Scorer;
pub use super::bm25::{RANK, damaged};
use crate::schema::{SEARCH_KINDS, kind_of_rowid};

/// Which words get lists, and how long they are.
#[derive(Clone, Copy, Debug)]
pub struct Lists {
    /// A word in at least this many rows of the index gets lists. Below it, ranking all its matches takes at most
    /// about 13 ms.
    pub min_rows: i64,
    /// Each kind's list holds this many rows (fewer when the kind has fewer matches): `search --limit` up to this
    /// reads the lists.
    pub length: usize,
}

/// The lists `build` and `sql --write` write, and `verify` expects. schema.sql's comment on `search_best` says the
/// same numbers.
pub const LISTS: Lists = Lists {
    min_rows: 20_000,
    length: 100,
};

/// The best `limit` of the (score, rowid) pairs, lower scores first, keeping every pair that ties with the last
/// one kept: its place is decided by kind and slug, which are read only for the pairs kept. Memory stays within a
/// few times `limit`, whatever the number of matches, but for ties: those are kept all, or with
/// [`TopK::capped`], up to a number, beyond which they are dropped and the score they share is named, so that
/// the caller can read them again.
#[derive(Debug)]
pub struct TopK {
    limit: usize,
    kept: Vec<(f64, i64)>,
    /// The length at which to prune next: twice what the last pruning kept, so that many ties cost no more than
    /// a constant factor.
    next_prune: usize,
    /// How many pairs may tie with the bound before they are dropped.
    ties: usize,
    /// The score whose ties were dropped, while it is still the bound.
    dropped: Option<f64>,
}

/// What a [`TopK`] kept: the pairs, and the score of the ties it dropped, if any. With a score dropped, the pairs
/// are exactly those with a better score (fewer than `limit`), and the best of the dropped ties fill the rest.
pub struct Kept {
    pub pairs: Vec<(f64, i64)>,
    pub dropped: Option<f64>,
}

impl TopK {
    pub fn new(limit: usize) -> Self {
        Self::capped(limit, usize::MAX)
    }

    /// A top-k that keeps at most `ties` pairs tying with the bound (see [`Kept`]).
    pub fn capped(limit: usize, ties: usize) -> Self {
        TopK {
            limit,
            kept: Vec::new(),
            next_prune: Self::floor(limit),
            ties,
            dropped: None,
        }
    }

    fn floor(limit: usize) -> usize {
        4 * limit.max(16)
    }

    pub fn push(&mut self, score: f64, rowid: i64) {
        if self.dropped.is_some_and(|d| score.total_cmp(&d).is_ge()) {
            return;
        }
        self.kept.push((score, rowid));
        if self.kept.len() >= self.next_prune {
            self.prune();
            self.next_prune = Self::floor(self.limit).max(2 * self.kept.len());
        }
    }

    /// Keeps the `limit` best and whatever ties with the worst of them, or drops those ties when they are more
    /// than `ties`.
    fn prune(&mut self) {
        if self.limit == 0 {
            self.kept.clear();
            return;
        }
        if self.kept.len() < self.limit {
            return;
        }
        let by_score = |a: &(f64, i64), b: &(f64, i64)| a.0.total_cmp(&b.0);
        let (_, nth, _) = self.kept.select_nth_unstable_by(self.limit - 1, by_score);
        let bound = nth.0;
        // `limit` pairs score at most `bound`, so a score dropped before, if worse, no longer counts.
        self.dropped = None;
        self.kept.retain(|&(s, _)| s.total_cmp(&bound).is_le());
        let tied = self
            .kept
            .iter()
            .filter(|&&(s, _)| s.total_cmp(&bound).is_eq())
            .count();
        if tied > self.ties {
            self.kept.retain(|&(s, _)| s.total_cmp(&bound).is_lt());
            self.dropped = Some(bound);
        }
    }

    pub fn into_kept(mut self) -> Kept {
        self.prune();
        Kept {
            pairs: self.kept,
            dropped: self.dropped,
        }
    }
}

/// A row of `search`, ranked: (score, kind, slug, rowid).
pub type Ranked = (f64, String, String, i64);

/// The order `search` shows: the (score, rowid) pairs with their kind and slug, read from `search_rows`, only those
/// of `kind` where one is given, sorted by score, kind and slug, at most `limit`. A rowid that no table has is an
/// error that names the damage.
pub fn in_order(
    conn: &Connection,
    pairs: Vec<(f64, i64)>,
    kind: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<Ranked>> {
    let mut key = conn.prepare_cached("SELECT kind, slug FROM search_rows WHERE rowid = ?1")?;
    let mut keyed: Vec<Ranked> = Vec::new();
    for (score, rowid) in pairs {
        let Some((row_kind, slug)) = key
            .query_row([rowid], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
        else {
            // The index holds a row the tables no longer do: it was changed behind dossier's back.
            return Err(damaged(format!(
                "the index holds row {rowid}, which no table has"
            )));
        };
        if kind.is_none_or(|k| k == row_kind) {
            keyed.push((score, row_kind, slug, rowid));
        }
    }
    order(&mut keyed, limit);
    Ok(keyed)
}

/// Sorts rows as `search` shows them, by score, kind and slug, and keeps the first `limit`.
fn order(keyed: &mut Vec<Ranked>, limit: usize) {
    keyed.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    keyed.truncate(limit);
}

/// One word's lists, as compactly as the build holds them until it stores them: for each kind, in the order of
/// [`SEARCH_KINDS`], the (hit, score) of places 1, 2, … At 100,000 documents the lists hold 53,000 entries of 247
/// words: 16 bytes an entry, where a row of `search_best` spelt out in memory takes 56.
#[derive(Clone, Debug)]
pub struct WordLists {
    pub term: Box<str>,
    pub kinds: [Box<[(i64, f64)]>; SEARCH_KINDS.len()],
}

/// One row of `search_best`.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub term: &'a str,
    pub kind: &'static str,
    pub place: i64,
    pub hit: i64,
    pub score: f64,
}

impl WordLists {
    /// The word's rows of `search_best`, kind by kind in the order of [`SEARCH_KINDS`], place by place.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        SEARCH_KINDS
            .iter()
            .zip(&self.kinds)
            .flat_map(move |(kind, list)| {
                list.iter()
                    .zip(1..)
                    .map(move |(&(hit, score), place)| Entry {
                        term: &self.term,
                        kind,
                        place,
                        hit,
                        score,
                    })
            })
    }
}

/// The lists as they should be, word by word (in byte order), each word's kinds in the order of
/// [`SEARCH_KINDS`]. Only words of ASCII letters and digits get lists: they are the words a query names with
/// certainty (see `search`).
pub fn compute(conn: &Connection, lists: Lists) -> rusqlite::Result<Vec<WordLists>> {
    let words = words(conn, lists)?;
    if words.is_empty() {
        return Ok(Vec::new());
    }
    lists_of(conn, &Scorer::new(conn)?, &words, lists.length)
}

/// The words that get lists, with the number of rows each is in, in byte order.
pub fn words(conn: &Connection, lists: Lists) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.search_best_words;
         CREATE VIRTUAL TABLE temp.search_best_words USING fts5vocab(main, search, row);",
    )?;
    let words: rusqlite::Result<Vec<(String, i64)>> = conn
        .prepare(
            "SELECT term, doc FROM temp.search_best_words
              WHERE doc >= ?1 AND term <> '' AND term NOT GLOB '*[^a-z0-9]*' ORDER BY term",
        )
        .and_then(|mut stmt| {
            stmt.query_map([lists.min_rows], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        });
    conn.execute_batch("DROP TABLE temp.search_best_words")?;
    words
}

/// The lists of `words` (from [`words`]), in their order, each `length` long at most. `scorer` may have been read
/// on another connection to the same file.
pub fn lists_of(
    conn: &Connection,
    scorer: &Scorer,
    words: &[(String, i64)],
    length: usize,
) -> rusqlite::Result<Vec<WordLists>> {
    conn.execute_batch(bm25::POSITIONS)?;
    let done: rusqlite::Result<Vec<WordLists>> = words
        .iter()
        .map(|(term, rows_with)| best_of(conn, scorer, (term, *rows_with), length))
        .collect();
    conn.execute_batch(bm25::NO_POSITIONS)?;
    done
}

/// How many matches of one kind that tie for the last place of its list are kept in memory while a word is
/// scored. Beyond it they are read again (see [`tied_best`]), so that memory does not grow with the corpus.
const TIES: usize = 4096;

/// One word's lists: every match scored once, kept per kind, then put in `search`'s order.
fn best_of(
    conn: &Connection,
    scorer: &Scorer,
    (term, rows_with): (&str, i64),
    length: usize,
) -> rusqlite::Result<WordLists> {
    let mut tops: Vec<TopK> = SEARCH_KINDS
        .iter()
        .map(|_| TopK::capped(length, TIES))
        .collect();
    scorer.each(conn, term, rows_with, |rowid, score| {
        if let Some(top) = kind_index(rowid).and_then(|i| tops.get_mut(i)) {
            top.push(score, rowid);
        }
    })?;
    let kept: Vec<Kept> = tops.into_iter().map(TopK::into_kept).collect();
    let dropped: Vec<Option<f64>> = kept.iter().map(|k| k.dropped).collect();
    let mut ranked = Vec::new();
    for (kind, k) in SEARCH_KINDS.iter().zip(kept) {
        ranked.push(in_order(conn, k.pairs, Some(kind), length)?);
    }
    if dropped.iter().any(Option::is_some) {
        tied_best(
            conn,
            scorer,
            (term, rows_with),
            &dropped,
            &mut ranked,
            length,
        )?;
    }
    let mut ranked = ranked.into_iter().map(|list| {
        list.into_iter()
            .map(|(score, _, _, hit)| (hit, score))
            .collect()
    });
    Ok(WordLists {
        term: term.into(),
        kinds: std::array::from_fn(|_| ranked.next().unwrap_or_default()),
    })
}

/// The place in [`SEARCH_KINDS`] of a rowid's kind.
fn kind_index(rowid: i64) -> Option<usize> {
    let kind = kind_of_rowid(rowid);
    SEARCH_KINDS.iter().position(|k| *k == kind)
}

/// The second reading of a word's matches, for the kinds whose ties for the last place were too many to keep
/// (`dropped`, by kind): each kind's list, which holds the matches that score better, gets the best of the ties
/// by slug, read [`TIES`] at a time.
fn tied_best(
    conn: &Connection,
    scorer: &Scorer,
    word: (&str, i64),
    dropped: &[Option<f64>],
    ranked: &mut [Vec<Ranked>],
    length: usize,
) -> rusqlite::Result<()> {
    let mut waiting: Vec<Vec<(f64, i64)>> = dropped.iter().map(|_| Vec::new()).collect();
    let mut failed = None;
    let take = |i: usize, pairs: &mut Vec<(f64, i64)>, ranked: &mut [Vec<Ranked>]| {
        let more = in_order(conn, std::mem::take(pairs), Some(SEARCH_KINDS[i]), length)?;
        ranked[i].extend(more);
        order(&mut ranked[i], length);
        Ok::<(), rusqlite::Error>(())
    };
    scorer.each(conn, word.0, word.1, |rowid, score| {
        let Some(i) = kind_index(rowid) else { return };
        if failed.is_some() || !dropped[i].is_some_and(|d| d.total_cmp(&score).is_eq()) {
            return;
        }
        waiting[i].push((score, rowid));
        if waiting[i].len() >= TIES
            && let Err(e) = take(i, &mut waiting[i], ranked)
        {
            failed = Some(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (i, pairs) in waiting.iter_mut().enumerate() {
        take(i, pairs, ranked)?;
    }
    Ok(())
}

/// Replaces the lists with those computed from the index as it is now.
pub fn write(conn: &Connection, lists: Lists) -> rusqlite::Result<()> {
    store(
        conn,
        compute(conn, lists)?.iter().flat_map(WordLists::entries),
    )
}

/// Replaces the lists with `entries`.
pub fn store<'a>(
    conn: &Connection,
    entries: impl IntoIterator<Item = Entry<'a>>,
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM search_best", [])?;
    let mut insert = conn.prepare(
        "INSERT INTO search_best (term, kind, place, hit, score) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in entries {
        insert.execute(params![e.term, e.kind, e.place, e.hit, e.score])?;
    }
    Ok(())
}

/// The (score, rowid) pairs of `term`'s lists, the first `limit` of each kind (or of `kind` alone), or None when the
/// word has no lists. The file may come from anyone: at most `limit` rows are read per kind, and a row that is not
/// a rowid and a score is an error that names the damage.
pub fn listed(
    conn: &Connection,
    term: &str,
    kind: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Option<Vec<(f64, i64)>>> {
    let has: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM search_best WHERE term = ?1 LIMIT 1",
            [term],
            |r| r.get(0),
        )
        .optional()?;
    if has.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare(
        "SELECT hit, score FROM search_best WHERE term = ?1 AND kind = ?2 ORDER BY place LIMIT ?3",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    for k in SEARCH_KINDS
        .iter()
        .filter(|k| kind.is_none_or(|w| w == **k))
    {
        let mut rows = stmt.query(params![term, k, limit])?;
        while let Some(r) = rows.next()? {
            match (r.get_ref(0)?, r.get_ref(1)?) {
                (ValueRef::Integer(hit), ValueRef::Real(score)) => out.push((score, hit)),
                _ => {
                    return Err(damaged(format!(
                        "search_best's list for \"{term}\" holds a row that is not a rowid and a score"
                    )));
                }
            }
        }
    }
    Ok(Some(out))
}

/// A stored value, for a message.
fn shown(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(x) => format!("{x:e}"),
        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("<blob {} bytes>", b.len()),
    }
}

/// Where `search_best` departs from the lists computed from the index, as messages naming the word: a list that
/// differs (its first difference), a list missing, and a list for a word that should have none.
pub fn stale(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let want = compute(conn, LISTS)?;
    let mut problems = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT kind, place, hit, score FROM search_best WHERE term = ?1 ORDER BY kind, place LIMIT ?2",
    )?;
    for word in &want {
        let term = &word.term;
        // The order SQLite reads them back in: kind and place, as text and number.
        let mut group: Vec<Entry> = word.entries().collect();
        group.sort_by(|a, b| (a.kind, a.place).cmp(&(b.kind, b.place)));
        let mut rows = stmt.query(params![term, group.len() as i64 + 1])?;
        let mut expected = group.iter();
        let problem = loop {
            match (rows.next()?, expected.next()) {
                (None, None) => break None,
                (None, Some(e)) => {
                    break Some(format!(
                        "search_best's list for the word \"{term}\" lacks the {} row {} at place {} (score {:e})",
                        e.kind, e.hit, e.place, e.score
                    ));
                }
                (Some(r), None) => {
                    break Some(format!(
                        "search_best's list for the word \"{term}\" holds more rows than the index gives: {} \
                         place {}",
                        shown(r.get_ref(0)?),
                        shown(r.get_ref(1)?)
                    ));
                }
                (Some(r), Some(e)) => {
                    let same = r.get_ref(0)? == ValueRef::Text(e.kind.as_bytes())
                        && r.get_ref(1)? == ValueRef::Integer(e.place)
                        && r.get_ref(2)? == ValueRef::Integer(e.hit)
                        && matches!(r.get_ref(3)?, ValueRef::Real(s) if s.to_bits() == e.score.to_bits());
                    if !same {
                        break Some(format!(
                            "search_best's list for the word \"{term}\" is out of step with the index: it holds \
                             {} place {}: row {} with score {}, where the index gives {} place {}: row {} with \
                             score {:e}",
                            shown(r.get_ref(0)?),
                            shown(r.get_ref(1)?),
                            shown(r.get_ref(2)?),
                            shown(r.get_ref(3)?),
                            e.kind,
                            e.place,
                            e.hit,
                            e.score
                        ));
                    }
                }
            }
        };
        problems.extend(problem);
    }
    problems.extend(extra_words(conn, &want)?);
    Ok(problems)
}

/// The words `search_best` has lists for that should have none, as messages (at most 21).
fn extra_words(conn: &Connection, want: &[WordLists]) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT term FROM search_best ORDER BY term")?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    while let Some(r) = rows.next()?
        && problems.len() <= 20
    {
        let term = r.get_ref(0)?;
        let known = match term {
            ValueRef::Text(t) => want.iter().any(|w| w.term.as_bytes() == t),
            _ => false,
        };
        if !known {
            problems.push(format!(
                "search_best holds a list for {}, which is not a word of letters and digits in {} or more rows \
                 of the index",
                shown(term),
                LISTS.min_rows
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::TopK;
    use proptest::prelude::*;

    proptest! {
        /// The kept pairs are exactly those whose score is at most the limit-th best score.
        #[test]
        fn keeps_the_best_and_every_tie_with_the_last(scores in proptest::collection::vec(0u8..20, 0..400), limit in 0usize..30) {
            let mut top = TopK::new(limit);
            for (i, s) in scores.iter().enumerate() {
                top.push(f64::from(*s), i as i64);
            }
            let mut kept: Vec<i64> = top.into_kept().pairs.into_iter().map(|(_, r)| r).collect();
            kept.sort();
            let mut sorted: Vec<u8> = scores.clone();
            sorted.sort();
            let want: Vec<i64> = match (limit, sorted.get(limit.saturating_sub(1))) {
                (0, _) => Vec::new(),
                (_, None) => (0..scores.len() as i64).collect(),
                (_, Some(bound)) => scores.iter().enumerate().filter(|(_, s)| *s <= bound).map(|(i, _)| i as i64).collect(),
            };
            prop_assert_eq!(kept, want);
        }

        /// With its ties capped, what is kept and the ties read again give the same best pairs as keeping all,
        /// and what is kept with a score dropped is fewer than `limit`, all better than it.
        #[test]
        fn capped_ties_read_again_give_the_same_best(scores in proptest::collection::vec(0u8..6, 0..400), limit in 0usize..30, ties in 0usize..8) {
            let mut top = TopK::capped(limit, ties);
            for (i, s) in scores.iter().enumerate() {
                top.push(f64::from(*s), i as i64);
            }
            let kept = top.into_kept();
            let mut got: Vec<(f64, i64)> = kept.pairs.clone();
            if let Some(d) = kept.dropped {
                prop_assert!(kept.pairs.len() < limit);
                prop_assert!(kept.pairs.iter().all(|p| p.0 < d));
                got.extend(scores.iter().enumerate().filter(|(_, s)| f64::from(**s) == d).map(|(i, s)| (f64::from(*s), i as i64)));
            }
            let best = |mut v: Vec<(f64, i64)>| {
                v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                v.truncate(limit);
                v
            };
            let all: Vec<(f64, i64)> = scores.iter().enumerate().map(|(i, s)| (f64::from(*s), i as i64)).collect();
            prop_assert_eq!(best(got), best(all));
        }
    }

    #[test]
    fn the_schema_says_the_numbers_of_the_lists() {
        let line = crate::schema::SCHEMA
            .lines()
            .find(|l| l.starts_with("CREATE TABLE search_best"))
            .unwrap();
        assert!(line.contains("at least 20,000 rows"), "{line}");
        assert_eq!(super::LISTS.min_rows, 20_000);
        let place = crate::schema::SCHEMA
            .lines()
            .find(|l| l.trim_start().starts_with("place INTEGER"))
            .unwrap();
        assert!(
            place.contains(&format!("up to {}", super::LISTS.length)),
            "{place}"
        );
    }
}
