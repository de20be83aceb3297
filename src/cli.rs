//! The command line: every subcommand, flag and help text, as clap definitions.

use crate::db::encoding::Encoding;
use crate::output::Format;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 a data or runtime error (bad input rows, a failed or refused query),
2 a usage error (an unknown flag, a missing or mistyped parameter).

Examples:
  dossier load                                build ./dossier.db from the bundled seed
  dossier timeline --from 2014 --to 2016      events that may fall in 2014-2016
  dossier figures --measure trade             figures whose measure mentions trade
  dossier show ev-1961-friendship-treaty      one event with its citations
  dossier search '\"crossed the line\"'         full-text search
  dossier sql 'SELECT * FROM events_full'     ad-hoc, read-only SQL
  dossier sql                                 the interactive SQL shell
  dossier export events --excel -o events.csv a CSV that opens safely in a spreadsheet
  dossier export --all --format xlsx -o a.xlsx the whole archive as one workbook
  dossier report --from 2014 --format html -o report.html
                                              a self-contained report with a timeline chart
  dossier datasette -o metadata.json          for: datasette dossier.db -m metadata.json";

/// An archive of events, figures and sources for analysts: strict, atomic CSV loads
/// into SQLite, with every fact tied to the words that support it.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The archive file
    #[arg(
        long,
        global = true,
        env = "DOSSIER_DB",
        default_value = "dossier.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,

    /// A folder of your own canned queries (*.sql files with a header), added to the built-in ones
    #[arg(long, global = true, env = "DOSSIER_QUERIES", value_name = "DIR")]
    pub queries: Option<PathBuf>,

    /// A folder of your own check rules (*.sql files with a header), added to the built-in ones
    #[arg(long, global = true, env = "DOSSIER_RULES", value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Print nothing but errors and the rows asked for: no progress, summaries or warnings
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the archive from folders of CSV files (the bundled seed if none is named)
    #[command(long_about = LOAD_ABOUT)]
    Load(LoadArgs),
    /// Events in timeline order, filtered by date, actor and tag
    Timeline(TimelineArgs),
    /// Figures with their values, units, periods and sources
    Figures(FiguresArgs),
    /// Sources, with how many events and figures cite each
    Sources(PlainArgs),
    /// Actors, with how many events involve each
    Actors(PlainArgs),
    /// One event, figure, source or actor, with its citations, via chain and links
    Show(ShowArgs),
    /// Full-text search of titles, notes, measures, quotes and source titles
    #[command(long_about = SEARCH_ABOUT)]
    Search(SearchArgs),
    /// What the archive holds: counts, dates, top sources, actors and tags, last load
    Summary(SummaryArgs),
    /// The tables and views, their columns, and what each column holds
    Schema(SchemaArgs),
    /// Run read-only SQL on the archive
    #[command(long_about = SQL_ABOUT)]
    Sql(SqlArgs),
    /// List the canned queries (built-in and your own), or describe one
    Queries(QueriesArgs),
    /// Run a canned query with typed parameters
    Run(RunArgs),
    /// Write a table, view or query as CSV (or another format, or a workbook), or the whole archive
    #[command(long_about = EXPORT_ABOUT)]
    Export(ExportArgs),
    /// Print a completion script for a shell (bash, zsh, fish, powershell, elvish)
    #[command(long_about = COMPLETIONS_ABOUT)]
    Completions(CompletionsArgs),
    /// Print dossier's manual page, in roff for man
    #[command(long_about = MAN_ABOUT)]
    Man(ManArgs),
    /// A report for reading or printing: stamp, timeline, figures, sources, quotes
    #[command(long_about = REPORT_ABOUT)]
    Report(ReportArgs),
    /// Write Datasette metadata (descriptions, search, canned queries) for this archive
    #[command(long_about = DATASETTE_ABOUT)]
    Datasette(DatasetteArgs),
    /// Find what does not add up: dates after their sources, sums that fail, duplicates
    #[command(long_about = CHECK_ABOUT)]
    Check(CheckArgs),
    /// What loading folders would change in the archive, or how two archives differ
    #[command(long_about = DIFF_ABOUT)]
    Diff(DiffArgs),
}

const DIFF_ABOUT: &str = "\
What loading folders of CSV files would change in the archive, or how two archives
differ, row by row and field by field.

  dossier diff                      the bundled seed against the archive
  dossier diff my-archive/          what dossier load my-archive/ would change
  dossier diff old.db new.db        two archives
  dossier diff --stat               rows added, removed and changed per table
  dossier diff --exit-code          exit 1 when anything would change, as git does

Facts are matched by id, and rows of citations.csv by their fact, source and quote;
fields are compared as the CSV files hold them. Folders are checked as dossier load
checks them, so a diff of bad input lists its problems instead.

The table format marks added rows and new values with +, removed rows and old
values with -, changed rows with ~, coloured as git colours a diff when the output
is a terminal (and NO_COLOR is not set). csv, tsv, json and ndjson are for scripts;
markdown puts each table's changes in a diff block, for a pull-request comment.";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Folders (or CSV files) to compare with the archive (the bundled seed if none), or two archives: OLD NEW
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Only count the rows added, removed and changed in each table
    #[arg(long)]
    pub stat: bool,

    /// Exit with 1 when there are differences and 0 when there are none, as git diff --exit-code does
    #[arg(long)]
    pub exit_code: bool,

    /// The encoding of the folders' files, when they are not UTF-8 (as for load)
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<Encoding>,

    #[command(flatten)]
    pub out: OutputArgs,
}

const LOAD_ABOUT: &str = "\
Build the archive from folders of CSV files (the bundled seed if none is named).

Each folder holds any of sources.csv, actors.csv, events.csv, figures.csv and
citations.csv. Every row of every file is checked; if anything is wrong, every
problem is listed as file:line:column and the archive is left exactly as it was.

When the archive was built by this version of dossier, only the files whose
SHA-256 changed are read again, and only the rows that changed are written, in one
transaction: the result is the archive a full rebuild gives. Otherwise, or with
--full, a new archive is built beside the old one and replaces it in a single
rename. The summary says what the load added, removed and changed in each table
(events +3 −0 ~1); dossier run changes lists it row by row.";

const SEARCH_ABOUT: &str = "\
Full-text search of event titles and notes, figure measures and notes, quotes and
source titles, best matches first. Words are matched whatever their ending
(sanction finds sanctions). The query uses SQLite FTS5 syntax:

  coal                   a word
  \"crossed the line\"     a phrase
  nucl*                  a prefix
  coal AND China         both;  coal OR wheat  either;  coal NOT China  the first without the second";

const SQL_ABOUT: &str = "\
Run read-only SQL on the archive. The archive is opened read-only: statements
that would write, ATTACH, change settings or load extensions are refused.
Parameters are named (:name) and given with -p name=value; values are bound as
text, never pasted into the SQL.

With no SQL and a terminal on standard input, sql opens an interactive shell:
statements end with ; and may span lines, Tab completes table, view and column
names, Ctrl-C stops the running query, Ctrl-D leaves, and .help lists the dot
commands (.tables, .schema, .format, .quit). The history is kept in --history.

The views events_full, figures_full, sources_full, citations_full and
figure_bounds put on one row what is usually wanted together; dossier schema
describes every column.";

const EXPORT_ABOUT: &str = "\
Write a table, view or query as CSV (or another format, or an Excel workbook), or
the whole archive as CSV files or as one workbook.

  dossier export events                     a table or view, to standard output
  dossier export --query 'SELECT …'         any read-only query
  dossier export --run timeline -p from=2014
  dossier export --dir backup/              the five CSV files load reads back
  dossier export events --format xlsx -o events.xlsx
  dossier export --all --format xlsx -o archive.xlsx
  dossier export events --format parquet -o events.parquet
  dossier export --all --format parquet --dir parquet/
  dossier export --run timeline -p from=2014 --format timelinejs -o timeline.json
  dossier export sources --format csl-json -o sources.json

--dir also writes datapackage.json, a Frictionless Data Package that describes
every column (types, vocabularies, patterns, keys), for validators and portals.

--format parquet writes typed columns: integers, doubles, text, booleans for the
_uncertain and _approx flags, and dates for the _start and _end days. --all with
--dir writes one file per table, vocabularies included.

--format timelinejs writes the JSON of Knight Lab's TimelineJS from the timeline
query: each event at its date's precision, spans with their end, the title as
headline, the quote with its source, the first actor as the row's group.

--format csl-json writes the sources as CSL-JSON, the citation format of Zotero
and pandoc (--citeproc): type, title, author, container, dates at the archive's
precision, address, and the source through which one is known.

--format xlsx writes a workbook: the header row bold and frozen, text (ids, codes,
dates) as text cells that the spreadsheet never converts, numbers as numbers, NULL
as an empty cell. It needs -o FILE. --all puts every table of the archive on a
sheet of its own; the vocabularies that come with dossier are left out.

Plain CSV is exact: what the archive holds, RFC 4180, UTF-8, LF line ends. Use
--excel when the file is for a spreadsheet: it adds a byte-order mark (so Excel
reads UTF-8), uses CRLF line ends, and puts a ' before any text cell that starts
with = + - @ or a tab, so a spreadsheet shows it as text instead of running it as
a formula. Numbers stay numbers. --excel changes cells, so --dir refuses it.";

const COMPLETIONS_ABOUT: &str = "\
Print a completion script for a shell on standard output. Install it where the
shell looks for completions, for example:

  dossier completions bash > ~/.local/share/bash-completion/completions/dossier
  dossier completions zsh > ~/.zfunc/_dossier     (with fpath+=~/.zfunc in .zshrc)
  dossier completions fish > ~/.config/fish/completions/dossier.fish";

const MAN_ABOUT: &str = "\
Print dossier's manual page (roff) on standard output, for example:

  dossier man > ~/.local/share/man/man1/dossier.1     then: man dossier
  dossier man export > ~/.local/share/man/man1/dossier-export.1";
const REPORT_ABOUT: &str = "\
A report for reading or printing, as Markdown (the default) or as one
self-contained HTML file with a timeline chart.

The report has a stamp (when it was made, the archive's last load and the SHA-256
of its input files, the filters), the timeline (the events dossier timeline shows
for the same filters), the figures (those of the events shown, and those whose own
period, area or counterpart match the filters; every figure when there is no
filter), the sources cited with their via chains, and a note for each event and
figure with its quotes.

With --changes, the report is of what the last load changed: each row it added,
removed or changed (with the old and new value of each field that changed), and of
the events and figures it added or changed, or whose citations it changed.

Set DOSSIER_NOW (RFC 3339) to stamp the report with a fixed time, so that the same
archive always gives the same bytes.";

const DATASETTE_ABOUT: &str = "\
Write Datasette metadata for this archive, so that

  dossier datasette -o metadata.json
  datasette dossier.db -m metadata.json

serves it with a description of every table, view and column, full-text search on
the search table, and every canned query (built-in and yours, from --queries).

Datasette binds every parameter as text, so each query's SQL is rewritten to turn
the text into what dossier would bind: an empty field is a missing value, defaults
are filled in, a date gives its first and last day, and a list is written as
comma-separated values (RUS,PRK) or a JSON array. Datasette does not check values:
a malformed date or an unknown actor gives no rows rather than an error.";

const CHECK_ABOUT: &str = "\
Find what does not add up in the archive: what a load cannot see, because each row
is well-formed but the facts do not agree. Each rule has an id and a level:

  allow  the rule does not run
  warn   its findings are reported (the default for most rules)
  deny   its findings are reported, and dossier check exits with code 1

Each finding gives the rule, its level, the rows involved with the file and line
each came from, what is wrong with the numbers or dates worked out, and a fix.

  dossier check                        every rule at its level
  dossier check --list                 the rules and their levels
  dossier check --explain share-amount what a rule checks and why, and its SQL
  dossier check --deny all             for CI: exit 1 on any finding
  dossier check --rule unused --format json

A rule is named on its own with --allow, --warn or --deny, or as all; a rule named
on its own outranks all. Rules are SQL files with a header like a canned query's;
add your own in a folder named with --rules DIR (or DOSSIER_RULES).";

/// Where row output goes and how it looks.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Leave out the header row
    #[arg(long)]
    pub no_header: bool,

    /// Write to FILE instead of standard output (the file appears only when complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Folders (or single CSV files) to load, together, into one archive
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Check everything and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// The encoding of the files, when they are not UTF-8 (it applies to every file named)
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<Encoding>,

    /// Read every file and build the archive anew, even where only some files changed
    #[arg(long)]
    pub full: bool,
}

/// `--encoding` takes the names the load history records.
impl ValueEnum for Encoding {
    fn value_variants<'a>() -> &'a [Self] {
        &Encoding::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Encoding::Utf8 => "UTF-8, the default (a byte-order mark is allowed)",
            Encoding::Windows1252 => "Windows' Western code page, which Excel's plain CSV uses",
            Encoding::Latin1 => "ISO-8859-1, read as windows-1252 as web browsers do",
            Encoding::Utf16Le => {
                "UTF-16 little-endian (Excel's Unicode Text), with or without a byte-order mark"
            }
            Encoding::Utf16Be => "UTF-16 big-endian, with or without a byte-order mark",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

#[derive(Debug, Args)]
pub struct PlainArgs {
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Which events to keep, for `timeline` and `report`: the parameters of the `timeline`
/// canned query, offered as flags. Each flag's help is the query's own, read from its
/// header (src/queries/timeline.sql), so that `dossier timeline --help` and
/// `dossier queries timeline` cannot drift apart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
pub struct EventFilter {
    #[arg(long, value_name = "DATE", help = timeline_help("from"))]
    pub from: Option<String>,

    #[arg(long, value_name = "DATE", help = timeline_help("to"))]
    pub to: Option<String>,

    #[arg(long, value_name = "ID", help = timeline_help("actor"))]
    pub actor: Vec<String>,

    #[arg(long, value_name = "TAG", help = timeline_help("tag"))]
    pub tag: Vec<String>,

    #[arg(long, help = timeline_help("within"))]
    pub within: bool,
}

impl EventFilter {
    /// The filters as the `timeline` query's parameters, `name=value` pairs with a
    /// pair for each value of a list; what was not given is left out.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let pair = |name: &str, value: &String| (name.to_string(), value.clone());
        let mut params = Vec::new();
        params.extend(self.from.iter().map(|d| pair("from", d)));
        params.extend(self.to.iter().map(|d| pair("to", d)));
        params.extend(self.actor.iter().map(|a| pair("actor", a)));
        params.extend(self.tag.iter().map(|t| pair("tag", t)));
        params.push(("within".into(), self.within.to_string()));
        params
    }

    /// Whether the filter keeps every event.
    pub fn is_empty(&self) -> bool {
        *self == EventFilter::default()
    }
}

/// The help of a parameter of the `timeline` query, as a flag's help.
fn timeline_help(param: &str) -> String {
    crate::queries::flag_help("timeline", param)
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub filter: EventFilter,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// Keep figures whose measure contains this text (case is ignored)
    #[arg(long, value_name = "TEXT")]
    pub measure: Option<String>,

    /// Keep figures in this unit (USD, percent, t, …)
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,

    /// Keep figures whose area is this actor
    #[arg(long, value_name = "ID")]
    pub area: Option<String>,

    /// Keep figures whose period may fall on or after this date
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Keep figures whose period may fall on or before this date
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The id of an event, figure, source or actor
    pub id: String,

    /// For a source with a document: only the paragraphs that nothing cites, which are
    /// what is left to capture
    #[arg(long)]
    pub uncited: bool,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for (SQLite FTS5 syntax; see --help)
    pub query: String,

    /// Show at most this many matches
    #[arg(long, default_value_t = 20)]
    pub limit: u32,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// How many sources, actors and tags to list
    #[arg(long, default_value_t = 5)]
    pub top: u32,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Only this table or view
    pub name: Option<String>,

    #[command(flatten)]
    pub out: OutputArgs,
}

/// Parameters and the time limit, for SQL a user writes or names.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A parameter, name=value (repeat for several; repeat a list parameter for each value)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Stop a query that runs longer than this many seconds (0: no limit)
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// Stop a query that needs more than this many MiB of memory in SQLite (0: no limit)
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    pub memory_limit: u64,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL to run, or - to read it from standard input (none, at a terminal: the interactive shell)
    #[arg(value_name = "SQL", conflicts_with = "file")]
    pub sql: Option<String>,

    /// Read the SQL from this file
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The interactive shell's history file [default: $XDG_DATA_HOME/dossier/history or ~/.local/share/dossier/history]
    #[arg(long, env = "DOSSIER_HISTORY", value_name = "FILE")]
    pub history: Option<PathBuf>,

    #[command(flatten)]
    pub query: QueryArgs,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct QueriesArgs {
    /// Describe this query: its parameters and its SQL
    pub name: Option<String>,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The canned query to run (dossier queries lists them)
    pub name: String,

    #[command(flatten)]
    pub query: QueryArgs,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The table or view to export
    #[arg(value_name = "TABLE_OR_VIEW", conflicts_with_all = ["query", "run", "dir", "all"])]
    pub name: Option<String>,

    /// Export the rows of this read-only SQL query
    #[arg(long, value_name = "SQL", conflicts_with_all = ["run", "dir", "all"])]
    pub query: Option<String>,

    /// Export the rows of this canned query (parameters with -p)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["dir", "all"])]
    pub run: Option<String>,

    /// Write the whole archive into this folder as the CSV files load reads, with a datapackage.json
    /// (with --all --format parquet: one Parquet file per table)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The whole archive: with --format xlsx as one workbook, a sheet per table; with
    /// --format parquet --dir DIR as one file per table
    #[arg(long)]
    pub all: bool,

    /// A parameter of --query or --run, name=value
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Make the CSV safe and readable in a spreadsheet: byte-order mark, CRLF, formulas shown as text
    #[arg(long)]
    pub excel: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Rows(Format::Csv))]
    pub format: ExportFormat,

    /// Leave out the header row
    #[arg(long)]
    pub no_header: bool,

    /// Write to FILE instead of standard output (the file appears only when complete)
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "dir"
    )]
    pub output: Option<PathBuf>,
}

/// What `export` writes: any of the row formats every command has, or one of the
/// forms other tools read. These are export's alone: each is a file for a tool
/// (a workbook, a Parquet file, a timeline, a bibliography), not a stream of rows
/// for a terminal, so they have no place among the formats of other commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Rows(Format),
    Xlsx,
    Parquet,
    TimelineJs,
    CslJson,
}

impl ValueEnum for ExportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ExportFormat::Rows(Format::Table),
            ExportFormat::Rows(Format::Csv),
            ExportFormat::Rows(Format::Tsv),
            ExportFormat::Rows(Format::Json),
            ExportFormat::Rows(Format::Ndjson),
            ExportFormat::Rows(Format::Markdown),
            ExportFormat::Xlsx,
            ExportFormat::Parquet,
            ExportFormat::TimelineJs,
            ExportFormat::CslJson,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        match self {
            ExportFormat::Rows(f) => f.to_possible_value(),
            ExportFormat::Xlsx => Some(PossibleValue::new("xlsx").help(
                "An Excel workbook: bold frozen header, ids, codes and dates as text (needs -o FILE)",
            )),
            ExportFormat::Parquet => Some(PossibleValue::new("parquet").help(
                "Apache Parquet, typed columns for DuckDB, pandas, Spark… (needs -o FILE, or --all --dir DIR)",
            )),
            ExportFormat::TimelineJs => Some(PossibleValue::new("timelinejs").help(
                "The JSON of Knight Lab's TimelineJS, from --run timeline and its filters",
            )),
            ExportFormat::CslJson => Some(PossibleValue::new("csl-json").help(
                "CSL-JSON citations of the sources table, for Zotero and pandoc --citeproc",
            )),
        }
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand (dossier-NAME) instead of dossier's
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

/// The forms a report takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// GitHub-flavoured Markdown, with footnotes
    Markdown,
    /// One self-contained HTML file with an inline SVG timeline chart
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub filter: EventFilter,

    /// The report's form
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,

    /// The report's title
    #[arg(long, default_value = "Dossier report", value_name = "TEXT")]
    pub title: String,

    /// Only what the last load added, removed and changed: a list of the changes, and
    /// the facts added or changed (with their quotes)
    #[arg(long)]
    pub changes: bool,

    /// Stamp the report as made at this time (RFC 3339) instead of now
    #[arg(long, env = "DOSSIER_NOW", value_name = "TIME")]
    pub now: Option<String>,

    /// Write to FILE instead of standard output (the file appears only when complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Run only this rule (repeat for several)
    #[arg(long = "rule", value_name = "RULE")]
    pub only: Vec<String>,

    /// Do not run this rule (repeat for several; all for every rule)
    #[arg(long, value_name = "RULE")]
    pub allow: Vec<String>,

    /// Report this rule's findings as warnings (repeat for several; all for every rule)
    #[arg(long, value_name = "RULE")]
    pub warn: Vec<String>,

    /// Report this rule's findings as errors, and exit with code 1 if there are any (repeat; all for every rule)
    #[arg(long, value_name = "RULE")]
    pub deny: Vec<String>,

    /// Say what a rule checks and why, and show how
    #[arg(long, value_name = "RULE", conflicts_with = "list")]
    pub explain: Option<String>,

    /// List the rules, with the level each would run at
    #[arg(long)]
    pub list: bool,

    #[command(flatten)]
    pub out: OutputArgs,
}

impl CheckArgs {
    /// Which rules run, and at which level, as the rules engine takes it.
    pub fn choice(&self) -> crate::rules::Choice {
        crate::rules::Choice {
            only: self.only.clone(),
            allow: self.allow.clone(),
            warn: self.warn.clone(),
            deny: self.deny.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct DatasetteArgs {
    /// The title Datasette shows on every page
    #[arg(long, default_value = "dossier archive", value_name = "TEXT")]
    pub title: String,

    /// The description on the index page (default: what the archive holds and its last load)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Where the data comes from (default: the sources the archive's facts were read in first-hand)
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,

    /// A link for --source (default: the first-hand source's url, when there is exactly one)
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,

    /// The license under which the data may be used (left out unless given)
    #[arg(long, value_name = "TEXT")]
    pub license: Option<String>,

    /// A link to the license's text
    #[arg(long, value_name = "URL")]
    pub license_url: Option<String>,

    /// Write to FILE instead of standard output (the file appears only when complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::owned_pairs as pairs;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn an_event_filter_gives_the_timeline_query_its_parameters() {
        assert_eq!(
            EventFilter::default().to_params(),
            pairs(&[("within", "false")])
        );
        assert!(EventFilter::default().is_empty());
        let f = EventFilter {
            from: Some("2014".into()),
            to: Some("2016-06".into()),
            actor: vec!["RUS".into(), "PRK".into()],
            tag: vec!["trade".into()],
            within: true,
        };
        assert!(!f.is_empty());
        assert_eq!(
            f.to_params(),
            pairs(&[
                ("from", "2014"),
                ("to", "2016-06"),
                ("actor", "RUS"),
                ("actor", "PRK"),
                ("tag", "trade"),
                ("within", "true"),
            ])
        );
        for one in [
            EventFilter {
                to: Some("2016".into()),
                ..EventFilter::default()
            },
            EventFilter {
                within: true,
                ..EventFilter::default()
            },
        ] {
            assert!(!one.is_empty(), "{one:?}");
        }
    }

    /// `timeline` and `report` take the same flags into the same filter.
    #[test]
    fn timeline_and_report_share_their_filter_flags() {
        let flags = [
            "--from", "2014", "--to", "2016", "--actor", "RUS", "--actor", "PRK", "--tag", "trade",
            "--within",
        ];
        let filter = |command: &str| {
            let cli = Cli::try_parse_from(["dossier", command].into_iter().chain(flags)).unwrap();
            match cli.command {
                Command::Timeline(a) => a.filter,
                Command::Report(a) => a.filter,
                other => panic!("{other:?}"),
            }
        };
        let timeline = filter("timeline");
        assert_eq!(timeline, filter("report"));
        assert_eq!(
            timeline.to_params(),
            pairs(&[
                ("from", "2014"),
                ("to", "2016"),
                ("actor", "RUS"),
                ("actor", "PRK"),
                ("tag", "trade"),
                ("within", "true"),
            ])
        );
    }

    /// Every parameter of the `timeline` query is a flag of the filter and the other
    /// way round, each taking values as the parameter does, with the parameter's help.
    #[test]
    fn the_filter_flags_are_the_timeline_query_parameters() {
        use crate::queries::{Registry, Type};
        let registry = Registry::load(None).unwrap();
        let query = registry.get("timeline").unwrap();
        let command = EventFilter::augment_args(clap::Command::new("filter"));
        let flags: Vec<&clap::Arg> = command.get_arguments().collect();
        assert_eq!(flags.len(), query.params.len());
        for p in &query.params {
            let flag = flags
                .iter()
                .find(|a| a.get_long() == Some(p.name.as_str()))
                .unwrap_or_else(|| panic!("no flag --{}", p.name));
            let help = flag.get_help().map(|h| h.to_string()).unwrap_or_default();
            let mut expected = p.help.clone();
            expected[..1].make_ascii_uppercase();
            assert_eq!(help, expected, "--{}", p.name);
            let action = flag.get_action();
            match (p.ty, p.list) {
                (Type::Boolean, false) => {
                    assert!(matches!(action, clap::ArgAction::SetTrue), "--{}", p.name)
                }
                (_, true) => assert!(matches!(action, clap::ArgAction::Append), "--{}", p.name),
                (_, false) => assert!(matches!(action, clap::ArgAction::Set), "--{}", p.name),
            }
        }
        // And the parameters bind: names, types and values.
        let conn = crate::db::in_memory().unwrap();
        let f = EventFilter {
            from: Some("2014".into()),
            to: Some("2016".into()),
            tag: vec!["trade".into()],
            within: true,
            ..EventFilter::default()
        };
        for name in ["timeline", "report-figures"] {
            let query = registry.get(name).unwrap();
            crate::queries::bind(query, &f.to_params(), &conn)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn a_flag_help_is_its_parameter_help_capitalised() {
        assert_eq!(
            crate::queries::flag_help("timeline", "from"),
            "Keep events that may have happened on or after this date (2014, 2014-06, 2014-06-23)"
        );
        assert_eq!(crate::queries::flag_help("timeline", "nosuch"), "");
        assert_eq!(crate::queries::flag_help("nosuch", "from"), "");
    }

    #[test]
    fn export_offers_every_row_format_and_the_file_formats() {
        for f in Format::value_variants() {
            assert!(
                ExportFormat::value_variants().contains(&ExportFormat::Rows(*f)),
                "{f:?}"
            );
        }
        let names: Vec<String> = ExportFormat::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "table",
                "csv",
                "tsv",
                "json",
                "ndjson",
                "markdown",
                "xlsx",
                "parquet",
                "timelinejs",
                "csl-json"
            ]
        );
    }
}
