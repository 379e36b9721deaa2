-- title = "Designations"
-- description = "The full history of listings, recognitions and accreditations, with status, dates and the events that imposed and ended them."
SELECT g.slug,
       au.name AS authority,
       g.kind,
       su.name AS subject,
       g.status,
       g.start,
       g.end,
       ie.slug AS imposed_by,
       ee.slug AS ended_by,
       g.note
  FROM designations g
  JOIN actors au ON au.id = g.authority
  JOIN actors su ON su.id = g.subject
  LEFT JOIN events ie ON ie.id = g.imposed_by
  LEFT JOIN events ee ON ee.id = g.ended_by
 ORDER BY coalesce(g.start_earliest, g.end_earliest, '9999-12-31'), g.slug;
