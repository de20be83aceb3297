-- name: paragraphs
-- summary: The paragraphs of a source's document, with the facts that cite each; a paragraph nothing cites is marked uncited
-- param: id text required | a source id
-- param: uncited boolean default false | only the paragraphs nothing cites
SELECT
  p.number AS para,
  (SELECT count(*) FROM citations c
   WHERE c.quote_document = p.source AND c.quote_paragraph = p.number) AS citations,
  coalesce(
    (SELECT group_concat(fact, ';') FROM (
       SELECT coalesce(c.event, c.figure) AS fact FROM citations c
       WHERE c.quote_document = p.source AND c.quote_paragraph = p.number
       GROUP BY fact ORDER BY min(c.id))),
    'uncited') AS cited_by,
  p.text
FROM paragraphs p
WHERE p.source = :id
  AND (NOT :uncited OR NOT EXISTS (
    SELECT 1 FROM citations c WHERE c.quote_document = p.source AND c.quote_paragraph = p.number))
ORDER BY p.number
