-- name: citations
-- summary: Every citation of an event or figure, or every citation a source makes, with the source's via chain and whether the quote was found in a document
-- param: id text required | an event, figure or source id
SELECT
  c.fact,
  c.relation,
  c.source,
  c.quote,
  c.locator,
  CASE
    WHEN c.quote_document IS NULL THEN 'unchecked: no document'
    WHEN c.quote_document = c.source THEN 'verified'
    ELSE 'verified in ' || c.quote_document
  END AS checked,
  s.cited_as,
  c.in_context
FROM citations_full c
JOIN sources_full s ON s.id = c.source
WHERE c.fact = :id OR c.source = :id
ORDER BY c.id
