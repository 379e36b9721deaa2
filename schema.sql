-- dossier knowledge base schema.
--
-- This file is the one source of truth for the layout of a dossier file. `dossier build` applies it verbatim.
-- Comments inside each CREATE statement are stored in the file itself, so `sqlite3 dossier.db .schema` shows
-- them to anyone who opens the file without dossier.
--
-- Conventions a colleague needs to know:
--   * Offsets (`start`, `end`) are 0-based, end-exclusive Unicode code points into `documents.body`, so in any
--     client   substr(body, start + 1, end - start) = exact   holds.
--   * `evidence` is a view over `evidence_spans` and `documents`: the words of a span are read from its document,
--     not stored twice (except in a document of over 65,536 code points). Read and write `evidence` as a table;
--     `evidence_spans` keeps the spans and a short witness of their words.
--   * Dates are EDTF (level 0 and the qualifiers and intervals of level 1): `2025`, `2022-03`, `2025-07-03`,
--     `2025-07?`, `2025-07-03/2025-07-25`, `../2025-04`. Beside each date are the earliest and latest day it
--     can mean (`*_earliest`, `*_latest`, YYYY-MM-DD; NULL for an open or unknown end), for sorting and for
--     "as of" questions.
--   * Foreign keys say what a deletion takes with it: deleting an actor deletes its aliases, participations,
--     designations, quotes and evidence (with PRAGMA foreign_keys = ON, which `dossier sql --write` sets).
--   * Every table uses plain SQLite types with CHECK constraints (no STRICT tables), so older clients open it.
--   * PRAGMA application_id = 0x44535352 ('DSSR') marks the file; PRAGMA user_version is the schema version.

PRAGMA application_id = 1146311506;
PRAGMA user_version = 4;

CREATE TABLE meta ( -- Facts about the file itself: schema version, title, generator, seed digest. No clock time.
  key   TEXT PRIMARY KEY NOT NULL CHECK (key <> ''), -- setting name, e.g. 'schema_version', 'seed_sha256'
  value TEXT NOT NULL                                -- its value, always text
);

CREATE TABLE documents ( -- The source documents, verbatim. Every fact points into one of these bodies.
  id        INTEGER PRIMARY KEY,
  slug      TEXT NOT NULL UNIQUE CHECK (slug <> '' AND NOT slug GLOB '*[^a-z0-9-]*'), -- stable human id
  title     TEXT NOT NULL CHECK (title <> ''),        -- title as published
  author    TEXT CHECK (author <> ''),                -- byline as published
  publisher TEXT CHECK (publisher <> ''),             -- outlet, where the document names it
  published TEXT CHECK (published GLOB '[0-9][0-9][0-9][0-9]*'), -- publication date, EDTF
  published_earliest TEXT CHECK (published_earliest IS date(published_earliest, '+0 days')), -- first day it can mean
  published_latest   TEXT CHECK (published_latest IS date(published_latest, '+0 days')),     -- last day it can mean
  url       TEXT CHECK (url <> ''),                   -- where it was found, if known
  language  TEXT CHECK (language GLOB '[a-z][a-z]*'), -- BCP 47 language tag, e.g. 'en'
  body      TEXT NOT NULL,                            -- the verbatim text; offsets count its code points
  length    INTEGER NOT NULL CHECK (length = length(body)), -- body length in code points
  sha256    TEXT NOT NULL CHECK (length(sha256) = 64 AND NOT sha256 GLOB '*[^0-9a-f]*'), -- of the UTF-8 body
  CHECK (published_earliest <= published_latest)
);

CREATE TABLE actors ( -- States, bodies, organisations, groups and people who act or are acted upon.
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE CHECK (slug <> '' AND NOT slug GLOB '*[^a-z0-9-]*'), -- stable human id
  name        TEXT NOT NULL CHECK (name <> ''),       -- preferred name
  kind        TEXT NOT NULL CHECK (kind IN ('state', 'government_body', 'organization', 'armed_group',
                                            'diplomatic_mission', 'person', 'group')), -- what sort of actor
  country     TEXT CHECK (length(country) = 3 AND NOT country GLOB '*[^A-Z]*'), -- ISO 3166-1 alpha-3
  description TEXT CHECK (description <> ''),         -- who this is, in the sources' terms
  wikidata    TEXT CHECK (wikidata GLOB 'Q[1-9]*' AND NOT substr(wikidata, 2) GLOB '*[^0-9]*'), -- Q-id, confirmed only
  parent      INTEGER REFERENCES actors(id) ON DELETE SET NULL CHECK (parent <> id) -- the actor this one is part of
);
CREATE INDEX actors_parent ON actors(parent);
CREATE INDEX actors_name ON actors(name COLLATE NOCASE);

CREATE TABLE actor_aliases ( -- Other names the sources use for an actor ('Moscow', 'the Kremlin', 'Kabul regime').
  id    INTEGER PRIMARY KEY,
  actor INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE, -- who is meant
  alias TEXT NOT NULL CHECK (alias <> ''),      -- the name as the text writes it
  UNIQUE (actor, alias)
);
CREATE INDEX actor_aliases_alias ON actor_aliases(alias COLLATE NOCASE);

CREATE TABLE events ( -- Things that happened, dated in EDTF, optionally coded in CAMEO.
  id            INTEGER PRIMARY KEY,
  slug          TEXT NOT NULL UNIQUE CHECK (slug <> '' AND NOT slug GLOB '*[^a-z0-9-]*'), -- stable human id
  date          TEXT NOT NULL CHECK (date <> ''),   -- EDTF date or interval, as precise as the source
  date_earliest TEXT CHECK (date_earliest IS date(date_earliest, '+0 days')), -- first day it can mean; NULL if open
  date_latest   TEXT CHECK (date_latest IS date(date_latest, '+0 days')),     -- last day it can mean; NULL if open
  kind          TEXT NOT NULL CHECK (kind IN ('change_of_power', 'military_withdrawal', 'accreditation',
                  'assumption_of_control', 'designation', 'designation_revoked', 'diplomatic_recognition',
                  'criticism', 'statement', 'meeting', 'agreement', 'other')), -- what sort of event
  cameo         TEXT CHECK (length(cameo) BETWEEN 2 AND 4 AND NOT cameo GLOB '*[^0-9]*'), -- CAMEO event code
  summary       TEXT NOT NULL CHECK (summary <> ''), -- one sentence, in the sources' terms
  CHECK (date_earliest <= date_latest)
);
CREATE INDEX events_date ON events(date_earliest, date_latest);

CREATE TABLE event_actors ( -- Who took part in each event, and how.
  id    INTEGER PRIMARY KEY,
  event INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  actor INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
  role  TEXT NOT NULL CHECK (role IN ('actor', 'recipient', 'other')), -- actor acts; recipient is acted upon
  UNIQUE (event, actor, role)
);
CREATE INDEX event_actors_actor ON event_actors(actor, event);

CREATE TABLE designations ( -- Standing statuses one actor gives another: listings, recognitions, accreditations.
  id             INTEGER PRIMARY KEY,
  slug           TEXT NOT NULL UNIQUE CHECK (slug <> '' AND NOT slug GLOB '*[^a-z0-9-]*'), -- stable human id
  authority      INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE, -- who designates
  subject        INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE, -- who is designated
  kind           TEXT NOT NULL CHECK (kind IN ('terrorist_listing', 'diplomatic_recognition', 'accreditation',
                                               'sanction', 'other')), -- what sort of designation
  status         TEXT NOT NULL CHECK (status IN ('in_force', 'ended')), -- as of the latest source
  start          TEXT CHECK (start <> ''),          -- EDTF; NULL when the sources give no start
  start_earliest TEXT CHECK (start_earliest IS date(start_earliest, '+0 days')),
  start_latest   TEXT CHECK (start_latest IS date(start_latest, '+0 days')),
  end            TEXT CHECK (end <> ''),            -- EDTF; NULL while in force or when unknown
  end_earliest   TEXT CHECK (end_earliest IS date(end_earliest, '+0 days')),
  end_latest     TEXT CHECK (end_latest IS date(end_latest, '+0 days')),
  imposed_by     INTEGER REFERENCES events(id) ON DELETE SET NULL, -- the event that imposed it, if recorded
  ended_by       INTEGER REFERENCES events(id) ON DELETE SET NULL, -- the event that ended it, if recorded
  note           TEXT CHECK (note <> ''),           -- anything the dates and status cannot say
  CHECK (status = 'ended' OR (end IS NULL AND ended_by IS NULL)),
  CHECK (start_earliest <= end_latest)
);
CREATE INDEX designations_authority ON designations(authority);
CREATE INDEX designations_subject ON designations(subject);
CREATE INDEX designations_start ON designations(start_earliest);

CREATE TABLE quotes ( -- Words attributed to an actor, direct or paraphrased, located in their document.
  id        INTEGER PRIMARY KEY,
  slug      TEXT NOT NULL UNIQUE CHECK (slug <> '' AND NOT slug GLOB '*[^a-z0-9-]*'), -- stable human id
  speaker   INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE, -- who said it
  document  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  text      TEXT NOT NULL CHECK (text <> ''),         -- the words as they stand in the document
  kind      TEXT NOT NULL CHECK (kind IN ('direct', 'paraphrase')), -- direct: the speaker's own words
  start     INTEGER NOT NULL CHECK (start >= 0),      -- code-point offset of `text` in the body
  end       INTEGER NOT NULL CHECK (end > start),     -- end-exclusive
  addressee INTEGER REFERENCES actors(id) ON DELETE SET NULL, -- to whom it was said, where the text says
  CHECK (length(text) = end - start)
);
CREATE INDEX quotes_speaker ON quotes(speaker);
CREATE INDEX quotes_document ON quotes(document, start);

CREATE TABLE evidence_spans ( -- Where the words that support each fact stand. Read `evidence`, which adds the words.
  id          INTEGER PRIMARY KEY,
  document    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  start       INTEGER NOT NULL CHECK (start >= 0),    -- code-point offset into documents.body
  end         INTEGER NOT NULL CHECK (end > start),   -- end-exclusive
  head        TEXT NOT NULL,                          -- a witness: the span's first 8 code points, as the seed gave them
  exact       TEXT,                                   -- the words, kept only in a document of over 65,536 code points
  actor       INTEGER REFERENCES actors(id) ON DELETE CASCADE,             -- the fact supported: one of these four
  event       INTEGER REFERENCES events(id) ON DELETE CASCADE,
  designation INTEGER REFERENCES designations(id) ON DELETE CASCADE,
  quote       INTEGER REFERENCES quotes(id) ON DELETE CASCADE,
  CHECK (length(head) = min(8, end - start)),
  CHECK (exact IS NULL OR (length(exact) = end - start AND substr(exact, 1, 8) = head)),
  CHECK ((actor IS NOT NULL) + (event IS NOT NULL) + (designation IS NOT NULL) + (quote IS NOT NULL) = 1)
);
CREATE INDEX evidence_document ON evidence_spans(document, start);
CREATE INDEX evidence_actor ON evidence_spans(actor) WHERE actor IS NOT NULL;
CREATE INDEX evidence_event ON evidence_spans(event) WHERE event IS NOT NULL;
CREATE INDEX evidence_designation ON evidence_spans(designation) WHERE designation IS NOT NULL;
CREATE INDEX evidence_quote ON evidence_spans(quote) WHERE quote IS NOT NULL;

-- The words are read from the document rather than stored a second time: `exact` is the body's text at the span.
-- `evidence_spans` keeps the first 8 code points as a witness, so a span that has moved is still caught by
-- `evidence_check`. A document of over 65,536 code points is the exception: SQLite reads a body whole to take a
-- substring of it, so its spans keep their words, and a row costs the same whatever the document's size. Writes
-- through this view go to `evidence_spans` (the triggers below), and the document must hold `exact` at
-- `start`..`end`, or the write is refused.
CREATE VIEW evidence AS -- The exact words that support each fact. Exactly one of actor/event/designation/quote is set.
SELECT ev.id,
       ev.document,
       ev.start,
       ev.end,
       coalesce(ev.exact, substr(d.body, ev.start + 1, ev.end - ev.start)) AS exact, -- the words: the body's text at the span
       ev.actor,
       ev.event,
       ev.designation,
       ev.quote
  FROM evidence_spans ev
  LEFT JOIN documents d ON d.id = ev.document;

CREATE TRIGGER evidence_insert INSTEAD OF INSERT ON evidence -- Writes a new row of `evidence` to `evidence_spans`.
BEGIN
  SELECT RAISE(ABORT, 'evidence: the document does not hold exact at start..end; give the words the span picks out')
   WHERE NOT EXISTS (SELECT 1 FROM documents
                      WHERE id = NEW.document AND NEW.end <= length
                        AND substr(body, NEW.start + 1, NEW.end - NEW.start) = NEW.exact);
  INSERT INTO evidence_spans (id, document, start, end, head, exact, actor, event, designation, quote)
  VALUES (NEW.id, NEW.document, NEW.start, NEW.end, substr(NEW.exact, 1, 8),
          CASE WHEN (SELECT length FROM documents WHERE id = NEW.document) > 65536 THEN NEW.exact END,
          NEW.actor, NEW.event, NEW.designation, NEW.quote);
END;

CREATE TRIGGER evidence_update INSTEAD OF UPDATE ON evidence -- Writes a change to a row of `evidence` to `evidence_spans`.
BEGIN
  SELECT RAISE(ABORT, 'evidence: the document does not hold exact at start..end; give the words the span picks out')
   WHERE NOT EXISTS (SELECT 1 FROM documents
                      WHERE id = NEW.document AND NEW.end <= length
                        AND substr(body, NEW.start + 1, NEW.end - NEW.start) = NEW.exact);
  UPDATE evidence_spans
     SET id = NEW.id, document = NEW.document, start = NEW.start, end = NEW.end, head = substr(NEW.exact, 1, 8),
         exact = CASE WHEN (SELECT length FROM documents WHERE id = NEW.document) > 65536 THEN NEW.exact END,
         actor = NEW.actor, event = NEW.event, designation = NEW.designation, quote = NEW.quote
   WHERE id = OLD.id;
END;

CREATE TRIGGER evidence_delete INSTEAD OF DELETE ON evidence -- Deletes a row of `evidence` from `evidence_spans`.
BEGIN
  DELETE FROM evidence_spans WHERE id = OLD.id;
END;

CREATE TABLE reports ( -- Canned reports, stored in the file so that shipping the file ships them.
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (name <> '' AND NOT name GLOB '*[^a-z0-9-]*'), -- `dossier report NAME`
  title       TEXT NOT NULL CHECK (title <> ''),
  description TEXT NOT NULL CHECK (description <> ''),
  sql         TEXT NOT NULL CHECK (sql <> '')          -- one SELECT with :named parameters
);

CREATE TABLE report_params ( -- The typed parameters of each report, in order.
  id          INTEGER PRIMARY KEY,
  report      INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL CHECK (position >= 1),  -- order in listings
  name        TEXT NOT NULL CHECK (name <> '' AND NOT name GLOB '*[^a-z0-9_]*'), -- bound as :name
  type        TEXT NOT NULL CHECK (type IN ('text', 'integer', 'date', 'actor')), -- date: EDTF day, month or year; actor: slug or alias
  required    INTEGER NOT NULL CHECK (required IN (0, 1)),
  default_value TEXT,                                  -- used when not given; 'today' for a date means today
  description TEXT NOT NULL CHECK (description <> ''),
  UNIQUE (report, name),
  UNIQUE (report, position),
  CHECK (NOT (required AND default_value IS NOT NULL))
);

CREATE VIEW timeline AS -- Every event in date order with its participants; needs no dossier binary.
SELECT e.date_earliest AS sort_date,
       e.date,
       e.slug AS event,
       e.kind,
       e.cameo,
       (SELECT group_concat(x.name || ' (' || x.role || ')', '; ')
          FROM (SELECT a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor
                 WHERE ea.event = e.id ORDER BY ea.id) x) AS participants,
       e.summary
  FROM events e
 ORDER BY e.date_earliest IS NULL, e.date_earliest, e.date_latest, e.slug;

CREATE VIEW evidence_check AS -- Evidence rows whose witness (or kept words) no longer matches their document. Must be empty.
SELECT ev.id,
       d.slug AS document,
       ev.start,
       ev.end,
       coalesce(ev.exact, ev.head) AS expected,
       substr(d.body, ev.start + 1, CASE WHEN ev.exact IS NULL THEN min(8, ev.end - ev.start)
                                         ELSE ev.end - ev.start END) AS found
  FROM evidence_spans ev
  LEFT JOIN documents d ON d.id = ev.document
 WHERE d.id IS NULL
    OR ev.end > d.length
    OR substr(d.body, ev.start + 1, CASE WHEN ev.exact IS NULL THEN min(8, ev.end - ev.start)
                                         ELSE ev.end - ev.start END) IS NOT coalesce(ev.exact, ev.head)
    OR (ev.exact IS NOT NULL) <> (d.length > 65536);

CREATE VIEW facts_without_evidence AS -- Facts that no evidence row supports. Must be empty.
SELECT 'actors' AS fact_table, slug FROM actors a
 WHERE NOT EXISTS (SELECT 1 FROM evidence_spans ev WHERE ev.actor = a.id)
UNION ALL
SELECT 'events', slug FROM events e
 WHERE NOT EXISTS (SELECT 1 FROM evidence_spans ev WHERE ev.event = e.id)
UNION ALL
SELECT 'designations', slug FROM designations g
 WHERE NOT EXISTS (SELECT 1 FROM evidence_spans ev WHERE ev.designation = g.id)
UNION ALL
SELECT 'quotes', slug FROM quotes q
 WHERE NOT EXISTS (SELECT 1 FROM evidence_spans ev WHERE ev.quote = q.id);

CREATE VIEW evidence_facts AS -- Each evidence row with the table and slug of the fact it supports.
SELECT ev.id, d.slug AS document, ev.start, ev.end,
       coalesce(ev.exact, substr(d.body, ev.start + 1, ev.end - ev.start)) AS exact,
       CASE WHEN ev.actor IS NOT NULL THEN 'actors'
            WHEN ev.event IS NOT NULL THEN 'events'
            WHEN ev.designation IS NOT NULL THEN 'designations'
            ELSE 'quotes' END AS fact_table,
       coalesce((SELECT slug FROM actors WHERE id = ev.actor),
                (SELECT slug FROM events WHERE id = ev.event),
                (SELECT slug FROM designations WHERE id = ev.designation),
                (SELECT slug FROM quotes WHERE id = ev.quote)) AS fact
  FROM evidence_spans ev JOIN documents d ON d.id = ev.document;

-- The rows of the full-text index, taken from the tables. The index stores only its tokens and reads the text
-- back from here, so no text is stored twice. Each kind of row has its own range of `rowid`: an event's is its
-- id, an actor's 2^48 + id, a document's 2 * 2^48 + id, a quote's 3 * 2^48 + id. The three indexes below find a
-- row by that number.
CREATE VIEW search_rows(rowid, kind, slug, title, text) AS -- What the full-text index `search` holds, one row per event, actor, document and quote.
SELECT id, 'event', slug, date, summary FROM events
UNION ALL
SELECT 281474976710656 + a.id, 'actor', a.slug, a.name,
       coalesce(a.words || ' — ' || a.description, a.words, a.description, '')
  FROM (SELECT id, slug, name, description,
               (SELECT group_concat(alias, '; ')
                  FROM (SELECT alias FROM actor_aliases WHERE actor = actors.id ORDER BY id)) AS words
          FROM actors) a
UNION ALL
SELECT 562949953421312 + id, 'document', slug, title, body FROM documents
UNION ALL
SELECT 844424930131968 + q.id, 'quote', q.slug, s.name, q.text FROM quotes q JOIN actors s ON s.id = q.speaker;

CREATE INDEX actors_search ON actors(281474976710656 + id);
CREATE INDEX documents_search ON documents(562949953421312 + id);
CREATE INDEX quotes_search ON quotes(844424930131968 + id);

-- Full-text index over document text, quotes, event summaries, and actor names with their aliases.
-- Diacritics are folded (remove_diacritics 2), so 'charge' finds 'chargé'.
CREATE VIRTUAL TABLE search USING fts5( -- Full-text index: documents, quotes, event summaries, actor names and aliases.
  kind UNINDEXED,   -- 'document', 'quote', 'event' or 'actor'
  slug UNINDEXED,   -- the slug of that row
  title,            -- document title, speaker, event date, actor name
  text,             -- the searchable text
  content = 'search_rows', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- The best matches of the most common words, computed from the index: ranking all the rows of a word that is in
-- tens of thousands of them takes longer than reading its best rows from here. `dossier search` reads these lists
-- for a query of one plain word that has them, and scans the index otherwise; the answer is the same. dossier
-- writes them with the index (`build`, and `sql --write` after a change to a table the index reads) and refuses
-- other writes; `dossier verify` computes them again and names a word whose list differs.
CREATE TABLE search_best ( -- The best rows of each kind for every word in at least 20,000 rows of `search`, in the order `dossier search` ranks them.
  term  TEXT NOT NULL,    -- the word as the index holds it (fts5vocab's term): lower-case ASCII letters and digits
  kind  TEXT NOT NULL,    -- 'document', 'quote', 'event' or 'actor'
  place INTEGER NOT NULL, -- 1 for the best row of that kind, then 2, … up to 100
  hit   INTEGER NOT NULL, -- the rowid of the row in `search` (and `search_rows`)
  score REAL NOT NULL,    -- bm25(search, 0.0, 0.0, 2.0, 1.0), lower is better; ties are ranked by slug
  PRIMARY KEY (term, kind, place)
) WITHOUT ROWID;
