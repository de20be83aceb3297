-- The sqlite3 shell's side of the load benchmark: the same CSV files imported into
-- STRICT tables with the same primary keys and indexes as dossier's, indexes built
-- after the rows. bench.py puts a CREATE TABLE for each file before these lines,
-- made from the file's header, so the shell's tables have the columns dossier
-- declares. The shell checks nothing else: no dates, references or full text.
.import --csv --skip 1 sources.csv sources
.import --csv --skip 1 actors.csv actors
.import --csv --skip 1 events.csv events
.import --csv --skip 1 figures.csv figures
.import --csv --skip 1 citations.csv citations
CREATE INDEX events_by_date ON events (date, id);
CREATE INDEX figures_by_measure ON figures (measure);
CREATE INDEX figures_by_base ON figures (base);
CREATE INDEX figures_by_event ON figures (event);
CREATE INDEX figures_by_area ON figures (area);
CREATE INDEX figures_by_counterpart ON figures (counterpart);
CREATE INDEX citations_by_event ON citations (event);
CREATE INDEX citations_by_figure ON citations (figure);
CREATE INDEX citations_by_source ON citations (source);
CREATE INDEX sources_by_via ON sources (via);
CREATE INDEX sources_by_issuer ON sources (issuer);
