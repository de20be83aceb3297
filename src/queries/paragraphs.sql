-- name: paragraphs
-- summary: The paragraphs of a source's document, with the facts that cite each; a paragraph nothing cites is marked uncited
-- param: id text required | a source id
-- param: uncited boolean default false | only the paragraphs nothing cites
WITH found AS (
  -- The citations found in the document: the source's own, and those of the sources
  -- known through it whose quotes were found in it.
  SELECT c.id, coalesce(c.event, c.figure) AS fact, c.quote_paragraph AS para
  FROM citations c WHERE c.source = :id AND c.quote_paragraph IS NOT NULL
  UNION ALL
  SELECT c.id, coalesce(c.event, c.figure), c.quote_paragraph
  FROM citations c WHERE c.quote_document = :id AND c.quote_document <> c.source
)
SELECT
  p.number AS para,
  (SELECT count(*) FROM found f WHERE f.para = p.number) AS citations,
  coalesce(
    (SELECT group_concat(fact, ';') FROM (
       SELECT f.fact FROM found f WHERE f.para = p.number
       GROUP BY f.fact ORDER BY min(f.id))),
    'uncited') AS cited_by,
  p.text
FROM paragraphs p
WHERE p.source = :id
  AND (NOT :uncited OR NOT EXISTS (SELECT 1 FROM found f WHERE f.para = p.number))
ORDER BY p.number
