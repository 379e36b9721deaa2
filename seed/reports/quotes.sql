-- title = "Quotes"
-- description = "Direct quotes and paraphrases, by document and position, with speaker and addressee."
--
-- [[params]]
-- name = "speaker"
-- type = "actor"
-- description = "Only quotes by this actor (slug or alias)"
SELECT q.slug,
       sp.name AS speaker,
       q.kind,
       ad.name AS addressee,
       d.slug AS document,
       q.start,
       q.end,
       q.text
  FROM quotes q
  JOIN actors sp ON sp.id = q.speaker
  LEFT JOIN actors ad ON ad.id = q.addressee
  JOIN documents d ON d.id = q.document
 -- The candidate quotes come through an index, never a scan of quotes: the speaker's, or else all of them by
 -- the speaker index.
 WHERE q.id IN (SELECT q2.id FROM quotes q2 JOIN actors a ON a.id = q2.speaker WHERE a.slug = :speaker
                UNION ALL
                SELECT id FROM quotes WHERE nullif(:speaker, '') IS NULL AND speaker > 0)
 ORDER BY d.published_earliest, d.slug, q.start, q.slug;
