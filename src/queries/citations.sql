-- name: citations
-- summary: Every citation of an event or figure, or every citation a source makes, with the source's via chain
-- param: id text required | an event, figure or source id
SELECT
  c.fact,
  c.relation,
  c.source,
  c.quote,
  c.locator,
  s.cited_as
FROM citations_full c
JOIN sources_full s ON s.id = c.source
WHERE c.fact = :id OR c.source = :id
ORDER BY c.id
