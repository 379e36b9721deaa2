-- title = "Sources"
-- description = "The documents, with their length in characters and how many facts each one supports."
SELECT d.slug,
       d.title,
       d.author,
       d.published,
       d.length AS characters,
       (SELECT count(*) FROM evidence WHERE document = d.id) AS evidence,
       (SELECT count(DISTINCT actor) FROM evidence WHERE document = d.id AND actor IS NOT NULL) AS actors,
       (SELECT count(DISTINCT event) FROM evidence WHERE document = d.id AND event IS NOT NULL) AS events,
       (SELECT count(DISTINCT designation) FROM evidence WHERE document = d.id AND designation IS NOT NULL) AS designations,
       (SELECT count(*) FROM quotes WHERE document = d.id) AS quotes
  FROM documents d
 ORDER BY d.published_earliest, d.slug;
