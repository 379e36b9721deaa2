-- title = "In force on a date"
-- description = "The designations in force on a day. A designation whose end is known only to the month or year is shown while that day may still precede its end, and says so."
--
-- [[params]]
-- name = "on"
-- type = "date"
-- default = "today"
-- description = "The day (YYYY-MM-DD); a month or a year means its first day"
WITH p(day) AS (
  SELECT CASE length(d) WHEN 4 THEN d || '-01-01' WHEN 7 THEN d || '-01' ELSE d END
    FROM (SELECT coalesce(nullif(:on, ''), date('now')) AS d)
)
SELECT g.slug,
       au.name AS authority,
       g.kind,
       su.name AS subject,
       g.start,
       CASE
         WHEN g.end IS NOT NULL AND g.end_earliest <= p.day THEN 'may have ended: ended ' || g.end
         WHEN g.status = 'ended' AND g.end IS NULL THEN 'ended at a date the sources do not give'
         ELSE 'in force'
       END AS standing,
       p.day AS on_day
  FROM designations g
  JOIN p
  JOIN actors au ON au.id = g.authority
  JOIN actors su ON su.id = g.subject
 WHERE (g.start_earliest IS NULL OR g.start_earliest <= p.day)
   AND (g.end_latest IS NULL OR g.end_latest >= p.day)
 ORDER BY g.start_earliest IS NULL, g.start_earliest, g.slug;
