-- title = "Actors"
-- description = "Every actor with kind, country, parent, aliases, and how many events, designations and quotes involve it."
--
-- [[params]]
-- name = "kind"
-- type = "text"
-- description = "Only actors of this kind (state, government_body, organization, armed_group, diplomatic_mission, person, group)"
SELECT a.slug,
       a.name,
       a.kind,
       a.country,
       p.slug AS parent,
       (SELECT group_concat(x.alias, '; ')
          FROM (SELECT alias FROM actor_aliases WHERE actor = a.id ORDER BY alias) x) AS aliases,
       (SELECT count(DISTINCT event) FROM event_actors WHERE actor = a.id) AS events,
       (SELECT count(*) FROM designations WHERE authority = a.id OR subject = a.id) AS designations,
       (SELECT count(*) FROM quotes WHERE speaker = a.id) AS quotes
  FROM actors a
  LEFT JOIN actors p ON p.id = a.parent
 WHERE nullif(:kind, '') IS NULL OR a.kind = :kind
 ORDER BY a.kind, a.name, a.slug;
