-- title = "Actor profile"
-- description = "One actor: who it is, its aliases, its events, its designations as authority and as subject, and its quotes."
--
-- [[params]]
-- name = "actor"
-- type = "actor"
-- required = true
-- description = "The actor (slug or alias)"
WITH me AS (SELECT * FROM actors WHERE slug = :actor)
SELECT section, item, date, detail
  FROM (
        SELECT 1 AS ord, 'actor' AS section, me.slug AS item, NULL AS date, NULL AS sort,
               me.name || ' — ' || me.kind || coalesce(', ' || me.country, '')
                 || coalesce(', part of ' || (SELECT name FROM actors WHERE id = me.parent), '')
                 || coalesce('. ' || me.description, '') AS detail
          FROM me
        UNION ALL
        SELECT 2, 'alias', al.alias, NULL, al.alias, NULL
          FROM actor_aliases al JOIN me ON al.actor = me.id
        UNION ALL
        SELECT 3, 'event (' || ea.role || ')', e.slug, e.date, e.date_earliest, e.summary
          FROM event_actors ea JOIN me ON ea.actor = me.id JOIN events e ON e.id = ea.event
        UNION ALL
        SELECT 4, 'designation (authority)', g.slug,
               coalesce(g.start, '..') || '/' || coalesce(g.end, CASE g.status WHEN 'in_force' THEN '..' ELSE '' END),
               g.start_earliest,
               g.kind || ' of ' || (SELECT name FROM actors WHERE id = g.subject) || ' — ' || g.status
          FROM designations g JOIN me ON g.authority = me.id
        UNION ALL
        SELECT 5, 'designation (subject)', g.slug,
               coalesce(g.start, '..') || '/' || coalesce(g.end, CASE g.status WHEN 'in_force' THEN '..' ELSE '' END),
               g.start_earliest,
               g.kind || ' by ' || (SELECT name FROM actors WHERE id = g.authority) || ' — ' || g.status
          FROM designations g JOIN me ON g.subject = me.id
        UNION ALL
        SELECT 6, 'quote (' || q.kind || ')', q.slug, NULL, printf('%08d', q.start), q.text
          FROM quotes q JOIN me ON q.speaker = me.id
       )
 ORDER BY ord, sort, item;
