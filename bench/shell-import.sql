-- The sqlite3 shell's side of the load benchmark: the same CSV files imported into
-- typed tables with the same primary keys and indexes as dossier's, indexes built
-- after the rows. The shell checks nothing else: no dates, references or full text.
CREATE TABLE sources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, author TEXT, issuer TEXT, outlet TEXT, published TEXT, url TEXT, accessed TEXT, language TEXT, via TEXT, notes TEXT) STRICT;
CREATE TABLE actors (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT, aliases TEXT) STRICT;
CREATE TABLE events (id TEXT PRIMARY KEY, date TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL, quote TEXT NOT NULL, locator TEXT NOT NULL, display_date TEXT, notes TEXT, location TEXT, actors TEXT, tags TEXT) STRICT;
CREATE TABLE figures (id TEXT PRIMARY KEY, measure TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL, source TEXT NOT NULL, quote TEXT NOT NULL, locator TEXT NOT NULL, qualifier TEXT, lower TEXT, upper TEXT, area TEXT, counterpart TEXT, period TEXT, base TEXT, event TEXT, notes TEXT) STRICT;
CREATE TABLE citations (source TEXT NOT NULL, event TEXT, figure TEXT, quote TEXT NOT NULL, locator TEXT NOT NULL, relation TEXT) STRICT;
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
