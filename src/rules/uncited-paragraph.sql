-- name: uncited-paragraph
-- summary: Paragraphs of a source's document that no fact cites
-- level: warn
--
-- A document read for an archive is read to find its facts. A paragraph that no
-- event or figure cites is one whose facts were not recorded, or one that holds
-- none: an introduction, a conclusion, the author's biography. The rule lists
-- them, so that nothing is skipped unseen.
--
-- A paragraph counts as cited when a citation's quote was found in it when the
-- archive was loaded (citations.quote_document and quote_paragraph), whichever
-- source the citation names: a statement known through an article is cited in the
-- article's words. The quotes of a source that has a document are found in its own,
-- so they are looked up by source; only those of a source known through it name it
-- as their quote_document alone.
SELECT 'sources:' || p.source AS rows,
       printf('paragraph %d of the document of %s (%s) is cited by no event or figure: “%s”',
              p.number, p.source, f.path,
              CASE WHEN length(p.text) > 120 THEN rtrim(substr(p.text, 1, 119)) || '…' ELSE p.text END) AS message,
       'If it states a fact worth keeping, record the fact in events.csv or figures.csv and cite these words. If it holds none, leave it; dossier check --allow uncited-paragraph leaves out the rule.' AS fix
FROM paragraphs p
JOIN documents d ON d.source = p.source
JOIN load_files f ON f.id = d.file
JOIN sources s ON s.id = p.source
WHERE NOT EXISTS (
  SELECT 1 FROM citations c WHERE c.source = p.source AND c.quote_paragraph = p.number
) AND NOT EXISTS (
  SELECT 1 FROM citations c
  WHERE c.quote_document = p.source AND c.quote_paragraph = p.number AND c.quote_document <> c.source
)
ORDER BY s.csv_file, s.csv_line, p.number
