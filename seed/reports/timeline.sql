-- title = "Timeline"
-- description = "Events in date order with their participants, optionally for one actor and between two dates."
--
-- [[params]]
-- name = "actor"
-- type = "actor"
-- description = "Only events in which this actor takes part (slug or alias)"
--
-- [[params]]
-- name = "from"
-- type = "date"
-- description = "Only events that may fall on or after this date (YYYY, YYYY-MM or YYYY-MM-DD)"
--
-- [[params]]
-- name = "to"
-- type = "date"
-- description = "Only events that may fall on or before this date (YYYY, YYYY-MM or YYYY-MM-DD)"
SELECT e.date,
       e.slug AS event,
       e.kind,
       e.cameo,
       (SELECT group_concat(x.name || ' (' || x.role || ')', '; ')
          FROM (SELECT a.name, ea.role
                  FROM event_actors ea JOIN actors a ON a.id = ea.actor
                 WHERE ea.event = e.id
                 ORDER BY ea.id) x) AS participants,
       e.summary
  FROM events e
 -- The candidate events come through an index, never a scan of events: an actor's events through
 -- event_actors, or else the events that may fall before the end of :to through the date index.
 WHERE e.id IN (SELECT ea.event FROM event_actors ea JOIN actors a ON a.id = ea.actor WHERE a.slug = :actor
                UNION ALL
                SELECT id FROM events
                 WHERE nullif(:actor, '') IS NULL AND date_earliest < coalesce(nullif(:to, ''), '9999') || '~'
                UNION ALL
                SELECT id FROM events WHERE nullif(:actor, '') IS NULL AND date_earliest IS NULL)
   AND (nullif(:from, '') IS NULL OR coalesce(e.date_latest, '9999-12-31') >= :from)
   AND (nullif(:to, '') IS NULL OR substr(coalesce(e.date_earliest, '0000-01-01'), 1, length(:to)) <= :to)
 ORDER BY e.date_earliest IS NULL, e.date_earliest, e.date_latest, e.slug;
