-- title = "Recognitions"
-- description = "Who recognised whom and when, in order, and how many had recognised the same subject by then."
--
-- [[params]]
-- name = "subject"
-- type = "actor"
-- description = "Only recognitions of this actor (slug or alias)"
SELECT g.start AS since,
       au.name AS recognizer,
       su.name AS recognized,
       g.status,
       g.end AS until,
       (SELECT count(*)
          FROM designations o
         WHERE o.kind = 'diplomatic_recognition' AND o.subject = g.subject
           AND o.start_earliest <= g.start_earliest) AS nth,
       e.summary AS event
  FROM designations g
  JOIN actors au ON au.id = g.authority
  JOIN actors su ON su.id = g.subject
  LEFT JOIN events e ON e.id = g.imposed_by
 WHERE g.kind = 'diplomatic_recognition'
   AND (nullif(:subject, '') IS NULL OR su.slug = :subject)
 ORDER BY g.start_earliest IS NULL, g.start_earliest, au.name;
