-- The dossier archive: the single definition of the database.
--
-- Every table is STRICT and every connection dossier opens enforces foreign keys.
-- Columns that hold what the CSV files hold keep the CSV column's name; the loader
-- adds derived columns beside them (date bounds, precision, normalised numbers) and
-- records on every row the CSV file and line it came from.
--
-- The file is read in two parts. Everything above the marker line "dossier: after rows"
-- is applied to an empty database before any row is inserted; everything below it
-- (indexes) is applied once all rows are in, because building an index in one pass
-- is much faster than maintaining it row by row.
--
-- Dates are stored as the EDTF text the analyst wrote plus derived columns:
--   *_start / *_end  earliest and latest possible day (YYYY-MM-DD); *_end is NULL
--                    for an open (..) or unknown (empty) end;
--   *_precision      day, month, year or decade (of the start side);
--   *_kind           point, span (lasted from start to end) or between (one
--                    moment somewhere in the range);
--   *_uncertain      1 when marked ? or %; *_approx 1 when marked ~ or %.

PRAGMA application_id = 1685025651;  -- 'doss': marks the file as a dossier archive
PRAGMA user_version = 4;             -- schema version: 2 added load_files.encoding; 3 documents, paragraphs and where each quote stands; 4 made load_files one row per file, with load_inputs, load_changes and load_rows

-- Vocabularies. CHECK constraints cannot hold subqueries, so controlled lists live
-- in lookup tables reached by foreign keys. The short lists that stay in CHECK
-- constraints are written as OR chains rather than IN lists: SQLite builds a
-- temporary table for an IN list of three or more values on every row it checks,
-- which made such CHECKs the most expensive part of inserting a row.

-- table source_kinds: the kinds a source may be (sources.kind): article, statement, report, …
CREATE TABLE source_kinds (
  code TEXT PRIMARY KEY,         -- the value written in sources.csv's kind column
  description TEXT NOT NULL      -- what sort of source this is
) STRICT;

INSERT INTO source_kinds (code, description) VALUES
  ('article', 'a news or magazine article'),
  ('statement', 'an official statement or declaration, as issued'),
  ('report', 'a report or analysis by an organisation or analysts'),
  ('dataset', 'a published data set'),
  ('book', 'a book or a chapter of one'),
  ('broadcast', 'a radio or television broadcast'),
  ('interview', 'an interview'),
  ('speech', 'a speech or remarks'),
  ('document', 'a treaty, law, minutes or other document'),
  ('web', 'a web page not otherwise classed');

-- table actor_kinds: the kinds an actor may be (actors.kind): state, organization, person, …
CREATE TABLE actor_kinds (
  code TEXT PRIMARY KEY,         -- the value written in actors.csv's kind column
  description TEXT NOT NULL      -- what sort of actor this is
) STRICT;

INSERT INTO actor_kinds (code, description) VALUES
  ('state', 'a sovereign state, past or present (ISO 3166 alpha-3 id)'),
  ('organization', 'an international or non-governmental organisation'),
  ('government', 'a government, ministry or head of state''s office'),
  ('legislature', 'a parliament or one of its chambers'),
  ('military', 'an armed force or one of its commands'),
  ('agency', 'a state agency, including state news agencies'),
  ('media', 'a newspaper, magazine, broadcaster or other outlet'),
  ('party', 'a political party'),
  ('company', 'a company or think tank run as one'),
  ('person', 'a person'),
  ('group', 'an informal group of people');

-- table units: the units a figure may be in (figures.unit): ISO 4217 currencies, and physical units with their conversion to a base unit
CREATE TABLE units (
  code TEXT PRIMARY KEY,         -- the value written in figures.csv's unit column: ISO 4217 for money
  name TEXT NOT NULL,            -- what the code stands for
  dimension TEXT NOT NULL,       -- what it measures: currency, ratio, count, mass, length, area, volume, energy, power, time
  to_base REAL,                  -- how many base units one of this unit is (NULL for money: no fixed rate)
  base TEXT                      -- the base unit that to_base converts to
) STRICT;

INSERT INTO units (code, name, dimension, to_base, base) VALUES
  ('percent', 'per cent', 'ratio', 0.01, '1'),
  ('count', 'a count of things or people', 'count', 1, '1'),
  ('t', 'tonne (metric ton)', 'mass', 1000, 'kg'),
  ('kg', 'kilogram', 'mass', 1, 'kg'),
  ('short_ton', 'short ton (US ton)', 'mass', 907.18474, 'kg'),
  ('km', 'kilometre', 'length', 1000, 'm'),
  ('m', 'metre', 'length', 1, 'm'),
  ('km2', 'square kilometre', 'area', 1000000, 'm2'),
  ('ha', 'hectare', 'area', 10000, 'm2'),
  ('m3', 'cubic metre', 'volume', 1, 'm3'),
  ('barrel', 'barrel of oil (42 US gallons)', 'volume', 0.158987294928, 'm3'),
  ('kWh', 'kilowatt-hour', 'energy', 3600000, 'J'),
  ('MW', 'megawatt', 'power', 1000000, 'W'),
  ('day', 'day (a duration)', 'time', 86400, 's'),
  ('month', 'month (a duration)', 'time', 2629746, 's'),
  ('year', 'year (a duration)', 'time', 31556952, 's'),
  ('SUR', 'Soviet rouble (historic, before 1992)', 'currency', NULL, NULL),
  ('AED', 'UAE Dirham', 'currency', NULL, NULL),
  ('AFN', 'Afghani', 'currency', NULL, NULL),
  ('ALL', 'Lek', 'currency', NULL, NULL),
  ('AMD', 'Armenian Dram', 'currency', NULL, NULL),
  ('ANG', 'Netherlands Antillean Guilder', 'currency', NULL, NULL),
  ('AOA', 'Kwanza', 'currency', NULL, NULL),
  ('ARS', 'Argentine Peso', 'currency', NULL, NULL),
  ('AUD', 'Australian Dollar', 'currency', NULL, NULL),
  ('AWG', 'Aruban Florin', 'currency', NULL, NULL),
  ('AZN', 'Azerbaijan Manat', 'currency', NULL, NULL),
  ('BAM', 'Convertible Mark', 'currency', NULL, NULL),
  ('BBD', 'Barbados Dollar', 'currency', NULL, NULL),
  ('BDT', 'Taka', 'currency', NULL, NULL),
  ('BGN', 'Bulgarian Lev', 'currency', NULL, NULL),
  ('BHD', 'Bahraini Dinar', 'currency', NULL, NULL),
  ('BIF', 'Burundi Franc', 'currency', NULL, NULL),
  ('BMD', 'Bermudian Dollar', 'currency', NULL, NULL),
  ('BND', 'Brunei Dollar', 'currency', NULL, NULL),
  ('BOB', 'Boliviano', 'currency', NULL, NULL),
  ('BOV', 'Mvdol', 'currency', NULL, NULL),
  ('BRL', 'Brazilian Real', 'currency', NULL, NULL),
  ('BSD', 'Bahamian Dollar', 'currency', NULL, NULL),
  ('BTN', 'Ngultrum', 'currency', NULL, NULL),
  ('BWP', 'Pula', 'currency', NULL, NULL),
  ('BYN', 'Belarusian Ruble', 'currency', NULL, NULL),
  ('BZD', 'Belize Dollar', 'currency', NULL, NULL),
  ('CAD', 'Canadian Dollar', 'currency', NULL, NULL),
  ('CDF', 'Congolese Franc', 'currency', NULL, NULL),
  ('CHE', 'WIR Euro', 'currency', NULL, NULL),
  ('CHF', 'Swiss Franc', 'currency', NULL, NULL),
  ('CHW', 'WIR Franc', 'currency', NULL, NULL),
  ('CLF', 'Unidad de Fomento', 'currency', NULL, NULL),
  ('CLP', 'Chilean Peso', 'currency', NULL, NULL),
  ('CNY', 'Yuan Renminbi', 'currency', NULL, NULL),
  ('COP', 'Colombian Peso', 'currency', NULL, NULL),
  ('COU', 'Unidad de Valor Real', 'currency', NULL, NULL),
  ('CRC', 'Costa Rican Colon', 'currency', NULL, NULL),
  ('CUC', 'Peso Convertible', 'currency', NULL, NULL),
  ('CUP', 'Cuban Peso', 'currency', NULL, NULL),
  ('CVE', 'Cabo Verde Escudo', 'currency', NULL, NULL),
  ('CZK', 'Czech Koruna', 'currency', NULL, NULL),
  ('DJF', 'Djibouti Franc', 'currency', NULL, NULL),
  ('DKK', 'Danish Krone', 'currency', NULL, NULL),
  ('DOP', 'Dominican Peso', 'currency', NULL, NULL),
  ('DZD', 'Algerian Dinar', 'currency', NULL, NULL),
  ('EGP', 'Egyptian Pound', 'currency', NULL, NULL),
  ('ERN', 'Nakfa', 'currency', NULL, NULL),
  ('ETB', 'Ethiopian Birr', 'currency', NULL, NULL),
  ('EUR', 'Euro', 'currency', NULL, NULL),
  ('FJD', 'Fiji Dollar', 'currency', NULL, NULL),
  ('FKP', 'Falkland Islands Pound', 'currency', NULL, NULL),
  ('GBP', 'Pound Sterling', 'currency', NULL, NULL),
  ('GEL', 'Lari', 'currency', NULL, NULL),
  ('GHS', 'Ghana Cedi', 'currency', NULL, NULL),
  ('GIP', 'Gibraltar Pound', 'currency', NULL, NULL),
  ('GMD', 'Dalasi', 'currency', NULL, NULL),
  ('GNF', 'Guinean Franc', 'currency', NULL, NULL),
  ('GTQ', 'Quetzal', 'currency', NULL, NULL),
  ('GYD', 'Guyana Dollar', 'currency', NULL, NULL),
  ('HKD', 'Hong Kong Dollar', 'currency', NULL, NULL),
  ('HNL', 'Lempira', 'currency', NULL, NULL),
  ('HRK', 'Kuna', 'currency', NULL, NULL),
  ('HTG', 'Gourde', 'currency', NULL, NULL),
  ('HUF', 'Forint', 'currency', NULL, NULL),
  ('IDR', 'Rupiah', 'currency', NULL, NULL),
  ('ILS', 'New Israeli Sheqel', 'currency', NULL, NULL),
  ('INR', 'Indian Rupee', 'currency', NULL, NULL),
  ('IQD', 'Iraqi Dinar', 'currency', NULL, NULL),
  ('IRR', 'Iranian Rial', 'currency', NULL, NULL),
  ('ISK', 'Iceland Krona', 'currency', NULL, NULL),
  ('JMD', 'Jamaican Dollar', 'currency', NULL, NULL),
  ('JOD', 'Jordanian Dinar', 'currency', NULL, NULL),
  ('JPY', 'Yen', 'currency', NULL, NULL),
  ('KES', 'Kenyan Shilling', 'currency', NULL, NULL),
  ('KGS', 'Som', 'currency', NULL, NULL),
  ('KHR', 'Riel', 'currency', NULL, NULL),
  ('KMF', 'Comorian Franc', 'currency', NULL, NULL),
  ('KPW', 'North Korean Won', 'currency', NULL, NULL),
  ('KRW', 'Won', 'currency', NULL, NULL),
  ('KWD', 'Kuwaiti Dinar', 'currency', NULL, NULL),
  ('KYD', 'Cayman Islands Dollar', 'currency', NULL, NULL),
  ('KZT', 'Tenge', 'currency', NULL, NULL),
  ('LAK', 'Lao Kip', 'currency', NULL, NULL),
  ('LBP', 'Lebanese Pound', 'currency', NULL, NULL),
  ('LKR', 'Sri Lanka Rupee', 'currency', NULL, NULL),
  ('LRD', 'Liberian Dollar', 'currency', NULL, NULL),
  ('LSL', 'Loti', 'currency', NULL, NULL),
  ('LYD', 'Libyan Dinar', 'currency', NULL, NULL),
  ('MAD', 'Moroccan Dirham', 'currency', NULL, NULL),
  ('MDL', 'Moldovan Leu', 'currency', NULL, NULL),
  ('MGA', 'Malagasy Ariary', 'currency', NULL, NULL),
  ('MKD', 'Denar', 'currency', NULL, NULL),
  ('MMK', 'Kyat', 'currency', NULL, NULL),
  ('MNT', 'Tugrik', 'currency', NULL, NULL),
  ('MOP', 'Pataca', 'currency', NULL, NULL),
  ('MRU', 'Ouguiya', 'currency', NULL, NULL),
  ('MUR', 'Mauritius Rupee', 'currency', NULL, NULL),
  ('MVR', 'Rufiyaa', 'currency', NULL, NULL),
  ('MWK', 'Malawi Kwacha', 'currency', NULL, NULL),
  ('MXN', 'Mexican Peso', 'currency', NULL, NULL),
  ('MXV', 'Mexican Unidad de Inversion (UDI)', 'currency', NULL, NULL),
  ('MYR', 'Malaysian Ringgit', 'currency', NULL, NULL),
  ('MZN', 'Mozambique Metical', 'currency', NULL, NULL),
  ('NAD', 'Namibia Dollar', 'currency', NULL, NULL),
  ('NGN', 'Naira', 'currency', NULL, NULL),
  ('NIO', 'Cordoba Oro', 'currency', NULL, NULL),
  ('NOK', 'Norwegian Krone', 'currency', NULL, NULL),
  ('NPR', 'Nepalese Rupee', 'currency', NULL, NULL),
  ('NZD', 'New Zealand Dollar', 'currency', NULL, NULL),
  ('OMR', 'Rial Omani', 'currency', NULL, NULL),
  ('PAB', 'Balboa', 'currency', NULL, NULL),
  ('PEN', 'Sol', 'currency', NULL, NULL),
  ('PGK', 'Kina', 'currency', NULL, NULL),
  ('PHP', 'Philippine Peso', 'currency', NULL, NULL),
  ('PKR', 'Pakistan Rupee', 'currency', NULL, NULL),
  ('PLN', 'Zloty', 'currency', NULL, NULL),
  ('PYG', 'Guarani', 'currency', NULL, NULL),
  ('QAR', 'Qatari Rial', 'currency', NULL, NULL),
  ('RON', 'Romanian Leu', 'currency', NULL, NULL),
  ('RSD', 'Serbian Dinar', 'currency', NULL, NULL),
  ('RUB', 'Russian Ruble', 'currency', NULL, NULL),
  ('RWF', 'Rwanda Franc', 'currency', NULL, NULL),
  ('SAR', 'Saudi Riyal', 'currency', NULL, NULL),
  ('SBD', 'Solomon Islands Dollar', 'currency', NULL, NULL),
  ('SCR', 'Seychelles Rupee', 'currency', NULL, NULL),
  ('SDG', 'Sudanese Pound', 'currency', NULL, NULL),
  ('SEK', 'Swedish Krona', 'currency', NULL, NULL),
  ('SGD', 'Singapore Dollar', 'currency', NULL, NULL),
  ('SHP', 'Saint Helena Pound', 'currency', NULL, NULL),
  ('SLE', 'Leone', 'currency', NULL, NULL),
  ('SLL', 'Leone', 'currency', NULL, NULL),
  ('SOS', 'Somali Shilling', 'currency', NULL, NULL),
  ('SRD', 'Surinam Dollar', 'currency', NULL, NULL),
  ('SSP', 'South Sudanese Pound', 'currency', NULL, NULL),
  ('STN', 'Dobra', 'currency', NULL, NULL),
  ('SVC', 'El Salvador Colon', 'currency', NULL, NULL),
  ('SYP', 'Syrian Pound', 'currency', NULL, NULL),
  ('SZL', 'Lilangeni', 'currency', NULL, NULL),
  ('THB', 'Baht', 'currency', NULL, NULL),
  ('TJS', 'Somoni', 'currency', NULL, NULL),
  ('TMT', 'Turkmenistan New Manat', 'currency', NULL, NULL),
  ('TND', 'Tunisian Dinar', 'currency', NULL, NULL),
  ('TOP', 'Pa’anga', 'currency', NULL, NULL),
  ('TRY', 'Turkish Lira', 'currency', NULL, NULL),
  ('TTD', 'Trinidad and Tobago Dollar', 'currency', NULL, NULL),
  ('TWD', 'New Taiwan Dollar', 'currency', NULL, NULL),
  ('TZS', 'Tanzanian Shilling', 'currency', NULL, NULL),
  ('UAH', 'Hryvnia', 'currency', NULL, NULL),
  ('UGX', 'Uganda Shilling', 'currency', NULL, NULL),
  ('USD', 'US Dollar', 'currency', NULL, NULL),
  ('USN', 'US Dollar (Next day)', 'currency', NULL, NULL),
  ('UYI', 'Uruguay Peso en Unidades Indexadas (UI)', 'currency', NULL, NULL),
  ('UYU', 'Peso Uruguayo', 'currency', NULL, NULL),
  ('UYW', 'Unidad Previsional', 'currency', NULL, NULL),
  ('UZS', 'Uzbekistan Sum', 'currency', NULL, NULL),
  ('VED', 'Bolívar Soberano', 'currency', NULL, NULL),
  ('VES', 'Bolívar Soberano', 'currency', NULL, NULL),
  ('VND', 'Dong', 'currency', NULL, NULL),
  ('VUV', 'Vatu', 'currency', NULL, NULL),
  ('WST', 'Tala', 'currency', NULL, NULL),
  ('XAF', 'CFA Franc BEAC', 'currency', NULL, NULL),
  ('XAG', 'Silver', 'currency', NULL, NULL),
  ('XAU', 'Gold', 'currency', NULL, NULL),
  ('XBA', 'Bond Markets Unit European Composite Unit (EURCO)', 'currency', NULL, NULL),
  ('XBB', 'Bond Markets Unit European Monetary Unit (E.M.U.-6)', 'currency', NULL, NULL),
  ('XBC', 'Bond Markets Unit European Unit of Account 9 (E.U.A.-9)', 'currency', NULL, NULL),
  ('XBD', 'Bond Markets Unit European Unit of Account 17 (E.U.A.-17)', 'currency', NULL, NULL),
  ('XCD', 'East Caribbean Dollar', 'currency', NULL, NULL),
  ('XDR', 'SDR (Special Drawing Right)', 'currency', NULL, NULL),
  ('XOF', 'CFA Franc BCEAO', 'currency', NULL, NULL),
  ('XPD', 'Palladium', 'currency', NULL, NULL),
  ('XPF', 'CFP Franc', 'currency', NULL, NULL),
  ('XPT', 'Platinum', 'currency', NULL, NULL),
  ('XSU', 'Sucre', 'currency', NULL, NULL),
  ('XTS', 'Codes specifically reserved for testing purposes', 'currency', NULL, NULL),
  ('XUA', 'ADB Unit of Account', 'currency', NULL, NULL),
  ('XXX', 'The codes assigned for transactions where no currency is involved', 'currency', NULL, NULL),
  ('YER', 'Yemeni Rial', 'currency', NULL, NULL),
  ('ZAR', 'Rand', 'currency', NULL, NULL),
  ('ZMW', 'Zambian Kwacha', 'currency', NULL, NULL),
  ('ZWL', 'Zimbabwe Dollar', 'currency', NULL, NULL);

-- Load history: which files built the archive, when, and what each load changed.

-- table load_runs: one row per load that built this archive: when it ran, with which dossier, from which inputs, and how
CREATE TABLE load_runs (
  id INTEGER PRIMARY KEY,        -- one row per successful load, oldest first
  started TEXT NOT NULL,         -- when the load began (UTC, RFC 3339)
  finished TEXT NOT NULL,        -- when every row was in and checked (UTC, RFC 3339)
  dossier_version TEXT NOT NULL, -- the version of dossier that ran the load
  schema_sha256 TEXT CHECK (length(schema_sha256) = 64),  -- SHA-256 of the schema that dossier creates archives with (NULL for a load recorded before dossier kept it): a load updates an archive in place only when its own version and schema are the same
  inputs TEXT NOT NULL,          -- the folders or files named on the command line ("built-in seed" for the bundled one)
  mode TEXT NOT NULL CHECK (mode = 'full' OR mode = 'incremental')  -- full: every file was read and the archive built anew; incremental: only the files that had changed were read, and only the rows that had changed were written
) STRICT;

-- table load_files: every file this archive has been loaded from, CSV files and documents, once each; csv_file on every row points here
CREATE TABLE load_files (
  id INTEGER PRIMARY KEY,        -- referenced by csv_file on every loaded row; a file keeps its number from load to load
  path TEXT NOT NULL UNIQUE,     -- the file as it was named to the loader
  tbl TEXT NOT NULL              -- the table its rows go to: sources, actors, events, figures or citations; documents for a source's document
) STRICT;

-- table load_inputs: the files each load was built from, with each one's SHA-256, size, row count and encoding at that load
CREATE TABLE load_inputs (
  run INTEGER NOT NULL REFERENCES load_runs(id),  -- the load
  file INTEGER NOT NULL REFERENCES load_files(id),  -- one of its input files
  position INTEGER NOT NULL,     -- the file's place in the load, from 1: files load table by table, in the order they were named; a document shares the place of the sources file that names it
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),  -- SHA-256 of the file's bytes, in hex
  bytes INTEGER NOT NULL,        -- the file's size in bytes
  rows INTEGER NOT NULL,         -- how many data rows it held; for a document, how many paragraphs
  encoding TEXT NOT NULL,        -- the encoding its bytes were read in: utf-8, or as named with load --encoding (windows-1252, latin-1, utf-16le, utf-16be)
  read INTEGER NOT NULL CHECK (read IN (0, 1)),  -- 1 when the load read and checked the file; 0 when the file had not changed since the load before and its rows were kept as they were
  PRIMARY KEY (run, file)
) STRICT, WITHOUT ROWID;

-- table load_changes: what each load added, removed and changed, row by row, and field by field for a changed row
CREATE TABLE load_changes (
  run INTEGER NOT NULL REFERENCES load_runs(id),  -- the load
  tbl TEXT NOT NULL,             -- the table: sources, actors, events, figures or citations
  key TEXT NOT NULL,             -- the row's id; for a row of citations.csv, its fact, source and quote, joined by " / "
  change TEXT NOT NULL CHECK (change = 'added' OR change = 'removed' OR change = 'changed'),  -- what happened to the row
  field TEXT,                    -- for a changed row, the CSV column that changed (one row of this table each); NULL for an added or removed row
  old TEXT,                      -- the field's value before the load, as written in the CSV file; NULL when the cell was empty
  new TEXT                       -- the field's value after the load; NULL when the cell is empty
) STRICT;

-- table load_rows: a fingerprint of every CSV row in the archive, which the next load compares with the files to find the rows that changed
CREATE TABLE load_rows (
  row INTEGER PRIMARY KEY,       -- the row's rowid in its table (for a row of citations.csv, its id)
  line INTEGER NOT NULL,         -- the line of its file on which the row starts (its csv_line)
  hash INTEGER NOT NULL          -- the first 8 bytes of the SHA-256 of the row's cells, read as a signed integer
) STRICT;

-- The facts.

-- table sources: who said it and where: articles, statements, reports…, each with the source it is known through (via)
CREATE TABLE sources (
  id TEXT PRIMARY KEY,           -- the analyst's id for the source
  kind TEXT NOT NULL REFERENCES source_kinds(code),  -- article, statement, report, dataset, …
  title TEXT NOT NULL,           -- its title, or a description for an untitled statement
  author TEXT,                   -- the person or people who wrote it
  issuer TEXT REFERENCES actors(id),  -- whose words these are (the actor who issued them)
  outlet TEXT,                   -- who published or carried them (a newspaper, a news agency)
  published TEXT,                -- publication date as written (EDTF)
  published_start TEXT CHECK (published_start GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),  -- earliest possible publication day
  published_end TEXT CHECK (published_end >= published_start),  -- latest possible publication day; NULL if open or unknown
  published_precision TEXT CHECK (published_precision = 'day' OR published_precision = 'month' OR published_precision = 'year' OR published_precision = 'decade'),  -- precision of published
  published_kind TEXT CHECK (published_kind = 'point' OR published_kind = 'span' OR published_kind = 'between'),  -- point, span or between
  published_uncertain INTEGER CHECK (published_uncertain IN (0, 1)),  -- 1 when published is marked ? or %
  published_approx INTEGER CHECK (published_approx IN (0, 1)),  -- 1 when published is marked ~ or %
  url TEXT,                      -- where it can be read (http or https)
  accessed TEXT CHECK (accessed GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),  -- the day the url was read
  language TEXT,                 -- its language (BCP 47: en, ko, ru)
  via TEXT REFERENCES sources(id) CHECK (via <> id),  -- the source through which this one is known ("as reported by")
  notes TEXT,                    -- anything else worth knowing about it
  document TEXT,                 -- its text, as a path relative to the folder of its sources.csv (documents/article.txt); the text itself is in documents
  csv_file INTEGER NOT NULL REFERENCES load_files(id),  -- the CSV file this row was loaded from
  csv_line INTEGER NOT NULL      -- the line of that file on which the row starts
) STRICT;

-- table documents: the text of each source that has one, as read at load, for checking quotes against
CREATE TABLE documents (
  source TEXT PRIMARY KEY REFERENCES sources(id),  -- the source whose text this is
  file INTEGER NOT NULL REFERENCES load_files(id),  -- the file it was read from (its SHA-256, size and paragraph count at each load are in load_inputs)
  text TEXT NOT NULL             -- the text as read (without a byte-order mark); offsets count its characters from 0
) STRICT;

-- table paragraphs: each document's paragraphs, numbered as para N locators count them, with where each stands in the text
CREATE TABLE paragraphs (
  source TEXT NOT NULL REFERENCES sources(id),  -- the source whose document holds it
  number INTEGER NOT NULL CHECK (number >= 1),  -- its number, from 1: what a locator para N names
  start INTEGER NOT NULL,        -- the offset of its first character in the document's text, from 0
  end INTEGER NOT NULL CHECK (end > start),  -- the offset just past its last character
  text TEXT NOT NULL,            -- its text, as the document has it (line breaks kept)
  PRIMARY KEY (source, number)
) STRICT;

-- table actors: the states, organisations and people that events involve and figures concern
CREATE TABLE actors (
  id TEXT PRIMARY KEY,           -- ISO 3166-1 alpha-3 for states (SUN for the USSR), a short slug otherwise
  name TEXT NOT NULL,            -- the name to show
  kind TEXT REFERENCES actor_kinds(code),  -- state, organization, person, …
  csv_file INTEGER NOT NULL REFERENCES load_files(id),  -- the CSV file this row was loaded from
  csv_line INTEGER NOT NULL      -- the line of that file on which the row starts
) STRICT;

-- table actor_aliases: other names of the actors, from the aliases column of actors.csv
CREATE TABLE actor_aliases (
  actor TEXT NOT NULL REFERENCES actors(id),  -- the actor
  alias TEXT NOT NULL,           -- another name for it (from actors.csv's aliases column)
  position INTEGER NOT NULL,     -- its place in the aliases cell, from 1
  PRIMARY KEY (actor, alias)
) STRICT, WITHOUT ROWID;

-- table events: what happened and when, with the bounds of its date
CREATE TABLE events (
  id TEXT PRIMARY KEY,           -- the analyst's id for the event
  date TEXT NOT NULL,            -- when it happened, as written (EDTF)
  date_start TEXT NOT NULL CHECK (date_start GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),  -- earliest possible day
  date_end TEXT CHECK (date_end >= date_start),  -- latest possible day; NULL if the end is open or unknown
  date_precision TEXT NOT NULL CHECK (date_precision = 'day' OR date_precision = 'month' OR date_precision = 'year' OR date_precision = 'decade'),  -- precision of date
  date_kind TEXT NOT NULL CHECK (date_kind = 'point' OR date_kind = 'span' OR date_kind = 'between'),  -- point, span or between
  date_uncertain INTEGER NOT NULL CHECK (date_uncertain IN (0, 1)),  -- 1 when date is marked ? or %
  date_approx INTEGER NOT NULL CHECK (date_approx IN (0, 1)),  -- 1 when date is marked ~ or %
  title TEXT NOT NULL,           -- a one-line headline
  display_date TEXT,             -- the date in words, as the source puts it ("early 2014")
  notes TEXT,                    -- a longer description
  location TEXT,                 -- where it happened
  csv_file INTEGER NOT NULL REFERENCES load_files(id),  -- the CSV file this row was loaded from
  csv_line INTEGER NOT NULL      -- the line of that file on which the row starts
) STRICT;

-- table event_actors: the actors each event involves, in the order written
CREATE TABLE event_actors (
  event TEXT NOT NULL REFERENCES events(id),  -- the event
  actor TEXT NOT NULL REFERENCES actors(id),  -- an actor taking part in it
  position INTEGER NOT NULL,     -- its place in the actors cell, from 1
  PRIMARY KEY (event, actor)
) STRICT, WITHOUT ROWID;

-- table event_tags: the tags given to each event, in the order written
CREATE TABLE event_tags (
  event TEXT NOT NULL REFERENCES events(id),  -- the event
  tag TEXT NOT NULL,             -- a tag given to it
  position INTEGER NOT NULL,     -- its place in the tags cell, from 1
  PRIMARY KEY (event, tag)
) STRICT, WITHOUT ROWID;

-- table figures: numbers with units, as written and normalised, with how exact they are, their period, area and base
CREATE TABLE figures (
  id TEXT PRIMARY KEY,           -- the analyst's id for the figure
  measure TEXT NOT NULL,         -- what is measured ("total trade", "debt written off")
  value TEXT NOT NULL,           -- the number as written in the CSV ("5.7 billion")
  value_norm REAL NOT NULL,      -- the number with its scale word applied (5700000000)
  unit TEXT NOT NULL REFERENCES units(code),  -- USD, percent, t, km, count, …
  qualifier TEXT NOT NULL CHECK (qualifier = 'eq' OR qualifier = 'approx' OR qualifier = 'gt' OR qualifier = 'ge' OR qualifier = 'lt' OR qualifier = 'le' OR qualifier = 'range'),  -- how exact the source is: eq unless it says about, more than, at least, …
  lower TEXT,                    -- for a range (or an approximate figure), the lower bound as written
  lower_norm REAL,               -- lower with its scale word applied
  upper TEXT,                    -- for a range (or an approximate figure), the upper bound as written
  upper_norm REAL,               -- upper with its scale word applied
  area TEXT REFERENCES actors(id),  -- whose figure it is (the reporter)
  counterpart TEXT REFERENCES actors(id),  -- the partner, for figures between two actors
  period TEXT,                   -- the date or span the figure refers to, as written (EDTF)
  period_start TEXT CHECK (period_start GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),  -- earliest day of period
  period_end TEXT CHECK (period_end >= period_start),  -- latest day of period; NULL if open or unknown
  period_precision TEXT CHECK (period_precision = 'day' OR period_precision = 'month' OR period_precision = 'year' OR period_precision = 'decade'),  -- precision of period
  period_kind TEXT CHECK (period_kind = 'point' OR period_kind = 'span' OR period_kind = 'between'),  -- point, span or between
  period_uncertain INTEGER CHECK (period_uncertain IN (0, 1)),  -- 1 when period is marked ? or %
  period_approx INTEGER CHECK (period_approx IN (0, 1)),  -- 1 when period is marked ~ or %
  base TEXT REFERENCES figures(id) CHECK (base <> id),  -- for a share, the figure it is a share of
  event TEXT REFERENCES events(id),  -- the event the figure belongs to
  notes TEXT,                    -- assumptions and ambiguities ("tons: metric assumed")
  csv_file INTEGER NOT NULL REFERENCES load_files(id),  -- the CSV file this row was loaded from
  csv_line INTEGER NOT NULL,     -- the line of that file on which the row starts
  CHECK (lower_norm IS NULL OR upper_norm IS NULL OR lower_norm <= upper_norm),
  CHECK (qualifier <> 'range' OR (lower_norm IS NOT NULL AND upper_norm IS NOT NULL)),
  CHECK (qualifier IN ('range', 'approx') OR (lower IS NULL AND upper IS NULL))
) STRICT;

-- table citations: the quotes that tie each event and figure to a source, with where they stand in it
CREATE TABLE citations (
  id INTEGER PRIMARY KEY,        -- internal; a citation is identified by its content
  source TEXT NOT NULL REFERENCES sources(id),  -- the source cited
  event TEXT REFERENCES events(id),  -- the event it supports (or disputes, or mentions)
  figure TEXT REFERENCES figures(id),  -- the figure it supports (or disputes, or mentions)
  quote TEXT NOT NULL CHECK (trim(quote) <> ''),  -- the source's words, verbatim
  quote_document TEXT REFERENCES sources(id),  -- the source whose document the quote was checked against and found in: the cited source, or the nearest up its via chain with a document; NULL when none has one (unchecked)
  quote_paragraph INTEGER,       -- the paragraph of that document that holds the quote (para N); NULL for a quote from its title block or a heading
  quote_start INTEGER,           -- the offset of the quote's first character in the document's text, from 0 (W3C TextPositionSelector)
  quote_end INTEGER,             -- the offset just past its last character (from the first part's start to the last part's end when words are left out)
  quote_prefix TEXT,             -- the few words before it in its paragraph (or heading), as the document has them (W3C TextQuoteSelector)
  quote_suffix TEXT,             -- the few words after it in its paragraph (or heading), as the document has them
  locator TEXT NOT NULL,         -- where in the source the quote stands ("para 3", "p. 4"); when left empty, where the document has it: para N, title or heading
  locator_computed INTEGER NOT NULL CHECK (locator_computed IN (0, 1)),  -- 1 when the locator was left empty and filled in from the document
  relation TEXT NOT NULL CHECK (relation = 'supports' OR relation = 'disputes' OR relation = 'mentions'),  -- how the quote bears on the fact
  csv_file INTEGER NOT NULL REFERENCES load_files(id),  -- the CSV file this row was loaded from (events.csv or figures.csv for the inline citation)
  csv_line INTEGER NOT NULL,     -- the line of that file on which the row starts
  CHECK ((event IS NULL) <> (figure IS NULL)),
  CHECK ((quote_document IS NULL) = (quote_start IS NULL)),
  CHECK (quote_end IS NULL OR quote_end > quote_start)
) STRICT;

-- Views for ad-hoc SQL: one row per fact with what is usually wanted beside it.

-- view events_full: one row per event, with its actors, tags, first citation and its source's title
CREATE VIEW events_full AS
SELECT
  e.id,                          -- the event's id
  e.date,                        -- when it happened, as written (EDTF)
  e.date_start,                  -- earliest possible day
  e.date_end,                    -- latest possible day; NULL if open or unknown
  e.display_date,                -- the date in words
  e.title,                       -- the headline
  (SELECT group_concat(actor, ';') FROM (SELECT actor FROM event_actors WHERE event = e.id ORDER BY position)) AS actors,  -- actor ids, ;-separated in the order written
  (SELECT group_concat(tag, ';') FROM (SELECT tag FROM event_tags WHERE event = e.id ORDER BY position)) AS tags,  -- tags, ;-separated in the order written
  c.source,                      -- the source of the event's first citation
  s.title AS source_title,       -- that source's title
  c.quote,                       -- the first citation's quote
  c.locator,                     -- where that quote stands in the source
  (SELECT count(*) FROM citations x WHERE x.event = e.id) AS citations,  -- how many citations the event has
  e.location,                    -- where it happened
  e.notes                        -- the longer description
FROM events e
JOIN citations c ON c.id = (SELECT min(id) FROM citations x WHERE x.event = e.id)
JOIN sources s ON s.id = c.source;

-- view figures_full: one row per figure, with its base figure, a share as an amount, and its first citation
CREATE VIEW figures_full AS
SELECT
  f.id,                          -- the figure's id
  f.measure,                     -- what is measured
  f.value,                       -- the number as written
  f.qualifier,                   -- eq, approx, gt, ge, lt, le or range
  f.value_norm,                  -- the number with its scale word applied
  f.unit,                        -- the unit code
  f.lower_norm,                  -- lower bound, normalised (ranges and approximate figures)
  f.upper_norm,                  -- upper bound, normalised
  f.area,                        -- whose figure it is
  f.counterpart,                 -- the partner
  f.period,                      -- the date or span it refers to, as written
  f.period_start,                -- earliest day of period
  f.period_end,                  -- latest day of period
  f.base,                        -- for a share, the figure it is a share of
  b.value AS base_value,         -- that figure's value as written
  b.unit AS base_unit,           -- that figure's unit
  b.measure AS base_measure,     -- that figure's measure
  CASE WHEN f.unit = 'percent' AND b.id IS NOT NULL THEN f.value_norm * b.value_norm / 100 END AS share_amount,  -- a percentage share as an amount in the base's unit (derived, not reported)
  f.event,                       -- the event the figure belongs to
  c.source,                      -- the source of the figure's first citation
  s.title AS source_title,       -- that source's title
  c.quote,                       -- the first citation's quote
  c.locator,                     -- where that quote stands
  f.notes                        -- assumptions and ambiguities
FROM figures f
LEFT JOIN figures b ON b.id = f.base
JOIN citations c ON c.id = (SELECT min(id) FROM citations x WHERE x.figure = f.id)
JOIN sources s ON s.id = c.source;

-- view figure_bounds: one row per figure, with the least and most it can be given its qualifier
CREATE VIEW figure_bounds AS
SELECT
  f.id,                          -- the figure's id
  f.measure,                     -- what is measured
  f.unit,                        -- the unit code
  f.qualifier,                   -- how exact the source is
  CASE WHEN f.qualifier IN ('eq', 'gt', 'ge') THEN f.value_norm WHEN f.qualifier IN ('approx', 'range') THEN f.lower_norm END AS lo,  -- the least the figure can be; NULL if unbounded or not stated (lt/le: 0 for quantities that cannot be negative)
  CASE WHEN f.qualifier IN ('eq', 'lt', 'le') THEN f.value_norm WHEN f.qualifier IN ('approx', 'range') THEN f.upper_norm END AS hi  -- the most it can be; NULL if unbounded or not stated
FROM figures f;

-- view sources_full: one row per source, with its via chain written out (cited_as) and counts of what cites it
CREATE VIEW sources_full AS
WITH RECURSIVE chain(id, next, hops, cited_as) AS (
  SELECT id, via, 0,
         CASE WHEN via IS NULL THEN coalesce(outlet || ', ', '') || '''' || title || '''' || coalesce(', ' || published, '')
              ELSE title END
  FROM sources
  UNION ALL
  SELECT c.id, s.via, c.hops + 1,
         c.cited_as || ', as reported by ' || coalesce(s.outlet || ', ', '') || '''' || s.title || '''' || coalesce(', ' || s.published, '')
  FROM chain c JOIN sources s ON s.id = c.next
  WHERE c.hops < 20
)
SELECT
  s.id,                          -- the source's id
  s.kind,                        -- article, statement, report, …
  s.title,                       -- its title
  s.author,                      -- who wrote it
  s.issuer,                      -- whose words these are (actor id)
  s.outlet,                      -- who carried them
  s.published,                   -- publication date as written
  s.via,                         -- the source through which this one is known
  ch.cited_as,                   -- the source with its via chain written out ("…, as reported by …")
  ch.hops,                       -- how many sources stand between this one and the analyst
  (SELECT count(DISTINCT x.event) FROM citations x WHERE x.source = s.id AND x.event IS NOT NULL) AS events,  -- events it is cited for
  (SELECT count(DISTINCT x.figure) FROM citations x WHERE x.source = s.id AND x.figure IS NOT NULL) AS figures,  -- figures it is cited for
  s.url,                         -- where it can be read
  s.language,                    -- its language
  s.document,                    -- its text, as a path relative to its sources.csv; NULL when it has none
  (SELECT count(*) FROM paragraphs p WHERE p.source = s.id) AS paragraphs,  -- how many paragraphs its document has
  s.notes                        -- anything else about it
FROM sources s
JOIN chain ch ON ch.id = s.id AND ch.next IS NULL;

-- view citations_full: one row per citation, with the fact's kind and title, the source's title, and the quote in its document's context
CREATE VIEW citations_full AS
SELECT
  c.id,                          -- the citation's id
  CASE WHEN c.event IS NOT NULL THEN 'event' ELSE 'figure' END AS fact_kind,  -- event or figure
  coalesce(c.event, c.figure) AS fact,  -- the id of the event or figure cited for
  coalesce(e.title, f.measure) AS fact_title,  -- its title (events) or measure (figures)
  c.relation,                    -- supports, disputes or mentions
  c.source,                      -- the source cited
  s.title AS source_title,       -- its title
  c.quote,                       -- the source's words, verbatim
  c.locator,                     -- where the quote stands
  CASE WHEN c.quote_document IS NULL THEN 'unchecked' ELSE 'verified' END AS checked,  -- verified (found in a document) or unchecked (no document to check it against)
  c.quote_document,              -- the source whose document has the quote: the cited source, or the one it is known through
  c.quote_paragraph,             -- the paragraph of that document that holds it
  CASE WHEN c.quote_document IS NOT NULL THEN
    CASE WHEN c.quote_start - length(c.quote_prefix) > p.start THEN '…' ELSE '' END
    || replace(replace(replace(c.quote_prefix || '**' || c.quote || '**' || c.quote_suffix, char(13, 10), ' '), char(10), ' '), char(13), ' ')
    || CASE WHEN c.quote_end + length(c.quote_suffix) < p.end THEN '…' ELSE '' END
  END AS in_context              -- the quote in bold between the words around it in its paragraph: …before **quote** after…
FROM citations c
JOIN sources s ON s.id = c.source
LEFT JOIN events e ON e.id = c.event
LEFT JOIN figures f ON f.id = c.figure
LEFT JOIN paragraphs p ON p.source = c.quote_document AND p.number = c.quote_paragraph;

-- view search_source: the text the full-text index reads: one row per event, figure, source, citation and paragraph of a document
-- The loader numbers the rows of events, figures, sources, citations and paragraphs
-- from one counter, so a rowid names one row of one of the five, and a lookup by rowid
-- through this view stays an indexed one.
CREATE VIEW search_source AS
SELECT
  rowid,                         -- the row's rowid in its own table
  'event' AS kind,               -- event, figure, source, quote or paragraph
  id,                            -- the fact's id; for a quote, the event or figure it supports; for a paragraph, the source whose document it is in
  date,                          -- the fact's date as written; for a paragraph, its source's publication date
  NULL AS locator,               -- for a quote, its locator; for a paragraph, para N
  title,                         -- the text searched first: a title or measure
  notes AS body                  -- the text searched second: notes, a quote or a paragraph
FROM events
UNION ALL SELECT rowid, 'figure', id, period, NULL, measure, notes FROM figures
UNION ALL SELECT rowid, 'source', id, published, NULL, title, NULL FROM sources
UNION ALL SELECT c.id, 'quote', coalesce(c.event, c.figure), coalesce(e.date, f.period), c.locator, NULL, c.quote
  FROM citations c LEFT JOIN events e ON e.id = c.event LEFT JOIN figures f ON f.id = c.figure
UNION ALL SELECT p.rowid, 'paragraph', p.source, s.published, 'para ' || p.number, NULL, p.text
  FROM paragraphs p JOIN sources s ON s.id = p.source;

-- dossier: after rows

CREATE INDEX events_by_date ON events (date_start, date_end, id);
CREATE INDEX event_actors_by_actor ON event_actors (actor, event);
CREATE INDEX event_tags_by_tag ON event_tags (tag, event);
CREATE INDEX figures_by_measure ON figures (measure);
CREATE INDEX figures_by_base ON figures (base) WHERE base IS NOT NULL;
CREATE INDEX figures_by_event ON figures (event) WHERE event IS NOT NULL;
CREATE INDEX figures_by_area ON figures (area) WHERE area IS NOT NULL;
CREATE INDEX figures_by_counterpart ON figures (counterpart) WHERE counterpart IS NOT NULL;
CREATE INDEX citations_by_event ON citations (event) WHERE event IS NOT NULL;
CREATE INDEX citations_by_figure ON citations (figure) WHERE figure IS NOT NULL;
-- Which citations hold a paragraph of a document: the quotes of a source with a
-- document are found in its own (quote_document = source), so the index by source
-- carries the paragraph too, and only the quotes found in the document of a source up
-- the via chain need an index of their own. Indexing every quote by its document
-- instead cost a load with documents a second sort of all its citations.
CREATE INDEX citations_by_source ON citations (source, quote_paragraph);
CREATE INDEX citations_by_document ON citations (quote_document, quote_paragraph) WHERE quote_document <> source;
CREATE INDEX sources_by_via ON sources (via) WHERE via IS NOT NULL;
CREATE INDEX sources_by_issuer ON sources (issuer) WHERE issuer IS NOT NULL;
CREATE INDEX load_changes_by_run ON load_changes (run);
CREATE UNIQUE INDEX actor_aliases_unique ON actor_aliases (alias COLLATE NOCASE);

-- table search: full-text index (SQLite FTS5) of event titles and notes, figure measures and notes, quotes, source titles and the paragraphs of documents
-- Full-text search over event titles and notes, figure measures and notes, quotes,
-- source titles and documents' paragraphs, queried with MATCH and ranked with bm25
-- (dossier search). The
-- index keeps no copy of the text: it reads it through search_source. The loader fills
-- it while the rows are inserted; INSERT INTO search(search) VALUES ('rebuild')
-- rebuilds it from search_source.
-- column search.kind: event, figure, quote, source or paragraph
-- column search.id: the fact's id; for a quote, the event or figure it supports; for a paragraph, the source whose document it is in
-- column search.date: the fact's date as written (a figure's period, a source's publication date)
-- column search.locator: for a quote, its locator; for a paragraph, para N
-- column search.title: an event's title, a figure's measure or a source's title (searched)
-- column search.body: an event's or figure's notes, a quote or a paragraph (searched)
CREATE VIRTUAL TABLE search USING fts5(
  kind UNINDEXED, id UNINDEXED, date UNINDEXED, locator UNINDEXED, title, body,
  content = 'search_source', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
