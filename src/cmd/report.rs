//! `dossier report`: one document for reading or printing: a stamp that says what it was
//! made from, the timeline, the figures, the sources cited and a note per fact with its
//! quotes; as Markdown, or as one self-contained HTML file with an SVG timeline chart.
//!
//! Every selection comes from canned queries: the timeline is the `timeline` query
//! itself, so a report shows exactly the events `dossier timeline` shows for the same
//! filters; `report-figures`, `report-citations` and `last-load` supply the rest.

mod chart;

use super::{Context, for_each_row, open_output};
use crate::cli::{EventFilter, ReportArgs, ReportFormat};
use crate::db::dates::{self, Date};
use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::{real, text_of};
use crate::queries::Registry;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{Value, ValueRef};
use std::collections::HashMap;
use std::io::{self, Write};

pub fn run(args: &ReportArgs, ctx: &Context) -> Result<()> {
    let made = made_at(args.now.as_deref())?;
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let report = gather(&archive, &registry, args, ctx, made)?;
    let mut out = open_output(args.output.as_deref())?;
    // Written as it is rendered: a report of a whole large archive runs to hundreds
    // of megabytes, which need not be held in memory as well.
    match args.format {
        ReportFormat::Markdown => {
            let mut tidy = Tidy::new(out.writer());
            markdown(&report, &mut tidy)?;
            tidy.finish()?;
        }
        ReportFormat::Html => html(&report, out.writer())?,
    }
    Ok(out.finish()?)
}

/// Passes Markdown on as it is written, with each run of three or more newlines cut to
/// two (one blank line between blocks, whatever a section holds) and the end trimmed
/// to a single newline. Whitespace is held back until text follows it.
///
/// Only ASCII whitespace counts, so the bytes of a UTF-8 character are never split.
struct Tidy<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Tidy<W> {
    fn new(inner: W) -> Self {
        Tidy {
            inner,
            pending: Vec::new(),
        }
    }

    fn release(&mut self) -> io::Result<()> {
        let mut newlines = 0;
        self.pending.retain(|b| {
            newlines = if *b == b'\n' { newlines + 1 } else { 0 };
            newlines <= 2
        });
        self.inner.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    /// Ends the text with one newline, leaving out the whitespace held back.
    fn finish(mut self) -> io::Result<()> {
        self.inner.write_all(b"\n")
    }
}

impl<W: Write> Write for Tidy<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(start) = rest.iter().position(|b| !b.is_ascii_whitespace()) {
            self.pending.extend_from_slice(&rest[..start]);
            self.release()?;
            let text = &rest[start..];
            let end = (text.iter().position(u8::is_ascii_whitespace)).unwrap_or(text.len());
            self.inner.write_all(&text[..end])?;
            rest = &text[end..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    /// Flushes what has been passed on; whitespace is still held back, since the end
    /// of the text may trim it.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// When the report is said to be made: DOSSIER_NOW (or --now) when set, so that a
/// report can be reproduced byte for byte; otherwise the clock.
fn made_at(fixed: Option<&str>) -> Result<DateTime<Utc>> {
    match fixed {
        None => Ok(Utc::now()),
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                Error::Usage(format!(
                    "DOSSIER_NOW (or --now) is not an RFC 3339 time ({e}; found {text:?}) — write for example 2024-01-31T12:00:00Z"
                ))
            }),
    }
}

/// What a report shows, gathered before anything is written.
struct Report {
    title: String,
    made: DateTime<Utc>,
    archive: String,
    load: Option<Load>,
    filters: EventFilter,
    events: Vec<Event>,
    figures: Vec<Figure>,
    sources: Vec<Source>,
    /// Actor ids to names, for every actor in the archive.
    names: HashMap<String, String>,
    /// With --changes: what the last load changed, row by row and field by field.
    changes: Option<Vec<ChangeRow>>,
}

/// A row of the `changes` query: a row added or removed, or a field changed.
struct ChangeRow {
    table: String,
    key: String,
    change: String,
    field: String,
    old: String,
    new: String,
}

impl ChangeRow {
    /// The event or figure the change is about: the row's own id, or for a row of
    /// citations.csv, the fact its key starts with.
    fn fact(&self) -> Option<&str> {
        match self.table.as_str() {
            "events" | "figures" => Some(&self.key),
            "citations" => self.key.split(" / ").next(),
            _ => None,
        }
    }
}

struct Load {
    id: String,
    finished: String,
    version: String,
    inputs: String,
    files: Vec<InputFile>,
}

struct InputFile {
    path: String,
    table: String,
    rows: String,
    bytes: String,
    sha256: String,
}

/// The `dossier timeline` command that lists the events of a report.
fn timeline_command(f: &EventFilter) -> String {
    let mut cmd = String::from("dossier timeline");
    if let Some(d) = &f.from {
        cmd.push_str(&format!(" --from {d}"));
    }
    if let Some(d) = &f.to {
        cmd.push_str(&format!(" --to {d}"));
    }
    for a in &f.actor {
        cmd.push_str(&format!(" --actor {a}"));
    }
    for t in &f.tag {
        cmd.push_str(&format!(" --tag {t}"));
    }
    if f.within {
        cmd.push_str(" --within");
    }
    cmd
}

/// The date range a filter names, for the chart's axis.
fn date_range(f: &EventFilter) -> (Option<dates::Day>, Option<dates::Day>) {
    let parse = |d: &Option<String>| d.as_deref().and_then(|d| dates::parse(d).ok());
    (
        parse(&f.from).map(|d| d.start),
        parse(&f.to).and_then(|d| d.end),
    )
}

struct Event {
    id: String,
    date: String,
    when: Option<Date>,
    title: String,
    actors: Vec<String>,
    tags: Vec<String>,
    source: String,
    notes: Option<String>,
    cites: Vec<Cite>,
}

struct Figure {
    id: String,
    measure: String,
    value: String,
    qualifier: String,
    value_norm: String,
    unit: String,
    period: String,
    source: String,
    notes: Option<String>,
    cites: Vec<Cite>,
}

/// What a fact's footnote holds: its id, every quote cited for it, and the
/// analyst's notes on it.
struct Note<'a> {
    id: &'a str,
    cites: &'a [Cite],
    notes: Option<&'a str>,
}

struct Cite {
    relation: String,
    quote: String,
    locator: String,
    source: String,
    /// Found in a document, rather than taken on trust.
    verified: bool,
}

impl Cite {
    /// How the report marks a quote: verified (found in a document) or unchecked.
    fn checked(&self) -> &'static str {
        if self.verified {
            "verified"
        } else {
            "unchecked"
        }
    }
}

struct Source {
    id: String,
    cited_as: String,
    url: Option<String>,
}

/// Runs a report query and hands each row to `each`, one at a time, so that a report
/// of a large archive holds what it shows and not also every row it was made from.
fn each_row(
    archive: &Archive,
    registry: &Registry,
    name: &str,
    given: &[(String, String)],
    mut each: impl FnMut(Row<'_>) -> Result<()>,
) -> Result<()> {
    for_each_row(archive, registry, name, given, |columns, values| {
        each(Row { columns, values })
    })?;
    Ok(())
}

/// One row of a report query, read by column name.
struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl Row<'_> {
    /// The cell as text; NULL is empty.
    fn col(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::Internal(format!("a report query has no column {name}")))
    }

    fn text(&self, name: &str) -> Result<String> {
        let i = self.col(name)?;
        Ok(self
            .values
            .get(i)
            .map(|v| text_of(ValueRef::from(v)).into_owned())
            .unwrap_or_default())
    }

    fn opt(&self, name: &str) -> Result<Option<String>> {
        let t = self.text(name)?;
        Ok((!t.is_empty()).then_some(t))
    }

    fn number(&self, name: &str) -> Result<String> {
        let i = self.col(name)?;
        Ok(match self.values.get(i) {
            Some(Value::Real(f)) => real(*f),
            Some(v) => text_of(ValueRef::from(v)).into_owned(),
            None => String::new(),
        })
    }
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split(';')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn gather(
    archive: &Archive,
    registry: &Registry,
    args: &ReportArgs,
    ctx: &Context,
    made: DateTime<Utc>,
) -> Result<Report> {
    let params = args.filter.to_params();
    let mut events = Vec::new();
    each_row(archive, registry, "timeline", &params, |row| {
        let date = row.text("date")?;
        events.push(Event {
            id: row.text("id")?,
            when: dates::parse(&date).ok(),
            date,
            title: row.text("title")?,
            actors: split_list(&row.text("actors")?),
            tags: split_list(&row.text("tags")?),
            source: row.text("source")?,
            notes: row.opt("notes")?,
            cites: Vec::new(),
        });
        Ok(())
    })?;

    let mut figure_params = params;
    figure_params.extend(events.iter().map(|e| ("event".to_string(), e.id.clone())));
    let mut figures = Vec::new();
    each_row(archive, registry, "report-figures", &figure_params, |row| {
        figures.push(Figure {
            id: row.text("id")?,
            measure: row.text("measure")?,
            value: row.text("value")?,
            qualifier: row.text("qualifier")?,
            value_norm: grouped(&row.number("value_norm")?),
            unit: row.text("unit")?,
            period: row.text("period")?,
            source: row.text("source")?,
            notes: row.opt("notes")?,
            cites: Vec::new(),
        });
        Ok(())
    })?;

    let mut cite_params: Vec<(String, String)> = events
        .iter()
        .map(|e| ("event".to_string(), e.id.clone()))
        .collect();
    cite_params.extend(figures.iter().map(|f| ("figure".to_string(), f.id.clone())));
    // Where each fact is, so that its citations go straight to it.
    let event_at: HashMap<String, usize> = (events.iter().enumerate())
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let figure_at: HashMap<String, usize> = (figures.iter().enumerate())
        .map(|(i, f)| (f.id.clone(), i))
        .collect();
    let mut sources: HashMap<String, Source> = HashMap::new();
    each_row(archive, registry, "report-citations", &cite_params, |row| {
        let source = row.text("source")?;
        if !sources.contains_key(&source) {
            let first = Source {
                id: source.clone(),
                cited_as: row.text("cited_as")?,
                url: row.opt("url")?,
            };
            sources.insert(source.clone(), first);
        }
        let fact = row.text("fact")?;
        let cites = if row.text("kind")? == "event" {
            event_at.get(&fact).map(|&i| &mut events[i].cites)
        } else {
            figure_at.get(&fact).map(|&i| &mut figures[i].cites)
        };
        if let Some(cites) = cites {
            cites.push(Cite {
                relation: row.text("relation")?,
                quote: row.text("quote")?,
                locator: row.text("locator")?,
                source,
                verified: row.text("checked")? == "verified",
            });
        }
        Ok(())
    })?;
    drop((event_at, figure_at, cite_params));
    let mut sources: Vec<Source> = sources.into_values().collect();
    sources.sort_by(|a, b| {
        a.cited_as
            .to_lowercase()
            .cmp(&b.cited_as.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });

    let mut names = HashMap::new();
    each_row(archive, registry, "actors", &[], |row| {
        names.insert(row.text("id")?, row.text("name")?);
        Ok(())
    })?;

    let changes = if args.changes {
        let mut rows = Vec::new();
        each_row(archive, registry, "changes", &[], |row| {
            rows.push(ChangeRow {
                table: row.text("table")?,
                key: row.text("key")?,
                change: row.text("change")?,
                field: row.text("field")?,
                old: row.text("old")?,
                new: row.text("new")?,
            });
            Ok(())
        })?;
        Some(rows)
    } else {
        None
    };
    // Only the facts the last load touched. The first load of an archive records no
    // changes: everything in it is new, and the report shows everything.
    if let Some(rows) = changes.as_ref().filter(|r| !r.is_empty()) {
        let touched: std::collections::HashSet<&str> = rows
            .iter()
            .filter(|c| c.change != "removed" || c.table == "citations")
            .filter_map(ChangeRow::fact)
            .collect();
        events.retain(|e| touched.contains(e.id.as_str()));
        figures.retain(|f| touched.contains(f.id.as_str()));
        let cited: std::collections::HashSet<&str> = events
            .iter()
            .flat_map(|e| e.cites.iter())
            .chain(figures.iter().flat_map(|f| f.cites.iter()))
            .map(|c| c.source.as_str())
            .collect();
        sources.retain(|s| cited.contains(s.id.as_str()));
    }

    let mut load: Option<Load> = None;
    each_row(archive, registry, "last-load", &[], |row| {
        let l = match &mut load {
            Some(l) => l,
            None => load.insert(Load {
                id: row.text("load")?,
                finished: row.text("finished")?,
                version: row.text("dossier_version")?,
                inputs: row.text("inputs")?,
                files: Vec::new(),
            }),
        };
        l.files.push(InputFile {
            path: row.text("path")?,
            table: row.text("tbl")?,
            rows: row.text("rows")?,
            bytes: row.text("bytes")?,
            sha256: row.text("sha256")?,
        });
        Ok(())
    })?;

    Ok(Report {
        title: args.title.clone(),
        made,
        archive: ctx.db.display().to_string(),
        load,
        filters: args.filter.clone(),
        events,
        figures,
        sources,
        names,
        changes,
    })
}

impl Report {
    fn made_text(&self) -> String {
        self.made.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// The number of a source in the bibliography, from 1.
    fn source_number(&self, id: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.id == id).map(|i| i + 1)
    }

    fn actor_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    /// The note number of each event, then of each figure: one sequence from 1.
    fn note_of_figure(&self, i: usize) -> usize {
        self.events.len() + i + 1
    }

    /// Each fact's footnote, in note order: the events, then the figures.
    fn notes(&self) -> Vec<Note<'_>> {
        self.events
            .iter()
            .map(|e| Note {
                id: &e.id,
                cites: &e.cites,
                notes: e.notes.as_deref(),
            })
            .chain(self.figures.iter().map(|f| Note {
                id: &f.id,
                cites: &f.cites,
                notes: f.notes.as_deref(),
            }))
            .collect()
    }

    fn quotes(&self) -> usize {
        self.events.iter().map(|e| e.cites.len()).sum::<usize>()
            + self.figures.iter().map(|f| f.cites.len()).sum::<usize>()
    }

    fn verified(&self) -> usize {
        self.notes()
            .iter()
            .map(|n| n.cites.iter().filter(|c| c.verified).count())
            .sum()
    }

    fn contents(&self) -> String {
        format!(
            "{} {}, {} {}, {} {}, {} {} ({} verified against a document)",
            self.events.len(),
            plural(self.events.len(), "event", "events"),
            self.figures.len(),
            plural(self.figures.len(), "figure", "figures"),
            self.sources.len(),
            plural(self.sources.len(), "source", "sources"),
            self.quotes(),
            plural(self.quotes(), "quote", "quotes"),
            self.verified(),
        )
    }

    fn filters_text(&self) -> String {
        let f = &self.filters;
        if f.is_empty() {
            return "none: the whole archive".into();
        }
        let mut parts = Vec::new();
        if let Some(d) = &f.from {
            parts.push(format!("from {d}"));
        }
        if let Some(d) = &f.to {
            parts.push(format!("to {d}"));
        }
        if !f.actor.is_empty() {
            let names: Vec<String> = f
                .actor
                .iter()
                .map(|a| format!("{} ({a})", self.actor_name(a)))
                .collect();
            parts.push(format!("actors {}", names.join(", ")));
        }
        if !f.tag.is_empty() {
            parts.push(format!("tags {}", f.tag.join(", ")));
        }
        if f.within {
            parts.push("only events certainly inside the dates (--within)".into());
        }
        parts.join("; ")
    }

    fn load_text(&self) -> String {
        match &self.load {
            None => format!("{}, with no load recorded", self.archive),
            Some(l) => format!(
                "{}, load {}, finished {} by dossier {} from {}",
                self.archive, l.id, l.finished, l.version, l.inputs
            ),
        }
    }

    /// What the --changes section says before its table.
    fn changes_intro(&self) -> String {
        let Some(changes) = &self.changes else {
            return String::new();
        };
        let load = self.load.as_ref().map_or("the last load".into(), |l| {
            format!("Load {} (finished {})", l.id, l.finished)
        });
        if changes.is_empty() {
            return format!(
                "{load} recorded no changes: it was this archive's first load, and every row in it is new, or it changed nothing."
            );
        }
        let count = |kind: &str| {
            let mut keys: Vec<(&str, &str)> = changes
                .iter()
                .filter(|c| c.change == kind)
                .map(|c| (c.table.as_str(), c.key.as_str()))
                .collect();
            keys.dedup();
            keys.len()
        };
        let (added, removed, changed) = (count("added"), count("removed"), count("changed"));
        format!(
            "{load} added {added} {}, removed {removed} and changed {changed}; the timeline, figures and notes below show the events and figures it added or changed, or whose citations it changed.",
            plural(added, "row", "rows")
        )
    }

    fn timeline_intro(&self) -> String {
        let n = self.events.len();
        format!(
            "{n} {}, in timeline order: the events `{}` lists.",
            plural(n, "event", "events"),
            timeline_command(&self.filters)
        )
    }

    fn figures_intro(&self) -> &'static str {
        let f = &self.filters;
        let dated = f.from.is_some() || f.to.is_some();
        if !dated && f.actor.is_empty() && f.tag.is_empty() {
            "Every figure in the archive."
        } else if !f.tag.is_empty() {
            "The figures that belong to the events above (figures have no tags)."
        } else if dated && f.within {
            "The figures that belong to the events above, and those whose period lies certainly \
             inside the dates (and, when actors are named, whose area or counterpart is one of \
             them). A figure with no period is shown only through its event."
        } else if dated {
            "The figures that belong to the events above, and those whose period overlaps the dates \
             (and, when actors are named, whose area or counterpart is one of them). A figure with \
             no period is shown only through its event."
        } else {
            "The figures that belong to the events above, and those whose area or counterpart is \
             one of the actors named."
        }
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    crate::error::plural(n, one, many)
}

/// A qualifier in words, as a reader says it.
fn qualifier_words(q: &str) -> &str {
    match q {
        "eq" => "",
        "approx" => "about",
        "gt" => "more than",
        "ge" => "at least",
        "lt" => "less than",
        "le" => "up to",
        "range" => "range",
        other => other,
    }
}

/// A number with its digits grouped in threes by narrow no-break spaces, as SI
/// writes them (5 700 000 000): long numbers are read at a glance, and no comma
/// or point can be taken for a decimal separator.
fn grouped(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.len() < 5 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_string();
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Only http and https links are written as links; anything else stays text.
pub(crate) fn is_web_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

// ---------------------------------------------------------------- Markdown

/// Text that Markdown shows as written: characters that would start emphasis, links,
/// code, HTML or a table cell are escaped, and line breaks become spaces.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A link target that Markdown keeps whole inside `<…>`.
fn md_url(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

fn markdown(r: &Report, s: &mut dyn Write) -> io::Result<()> {
    writeln!(s, "# {}\n", md(&r.title))?;
    writeln!(s, "- **Made**: {}", r.made_text())?;
    writeln!(s, "- **Archive**: {}", md(&r.load_text()))?;
    writeln!(s, "- **Filters**: {}", md(&r.filters_text()))?;
    writeln!(s, "- **Contains**: {}", r.contents())?;
    if let Some(l) = &r.load {
        writeln!(s, "\nThe files that load was built from:\n")?;
        writeln!(s, "| file | table | rows | bytes | SHA-256 |")?;
        writeln!(s, "| --- | --- | ---: | ---: | --- |")?;
        for f in &l.files {
            writeln!(
                s,
                "| {} | {} | {} | {} | `{}` |",
                md(&f.path),
                md(&f.table),
                f.rows,
                f.bytes,
                f.sha256
            )?;
        }
    }

    if let Some(changes) = &r.changes {
        writeln!(s, "\n## Changes\n")?;
        writeln!(s, "{}\n", r.changes_intro())?;
        if !changes.is_empty() {
            writeln!(s, "| table | row | change | field | before | after |")?;
            writeln!(s, "| --- | --- | --- | --- | --- | --- |")?;
            for c in changes {
                writeln!(
                    s,
                    "| {} | `{}` | {} | {} | {} | {} |",
                    md(&c.table),
                    c.key.replace('`', "'"),
                    c.change,
                    md(&c.field),
                    md(&c.old),
                    md(&c.new)
                )?;
            }
        }
    }

    writeln!(s, "\n## Timeline\n")?;
    writeln!(s, "{}\n", r.timeline_intro())?;
    if !r.events.is_empty() {
        writeln!(s, "| date | event | actors | tags | source |")?;
        writeln!(s, "| --- | --- | --- | --- | --- |")?;
        for (i, e) in r.events.iter().enumerate() {
            let actors: Vec<String> = e.actors.iter().map(|a| md(r.actor_name(a))).collect();
            writeln!(
                s,
                "| {} | {}[^{}] | {} | {} | {} |",
                md(&e.date),
                md(&e.title),
                i + 1,
                actors.join("; "),
                md(&e.tags.join(", ")),
                md_source(r, &e.source)
            )?;
        }
    }

    writeln!(s, "\n## Figures\n")?;
    let n = r.figures.len();
    writeln!(
        s,
        "{n} {}. {}\n",
        plural(n, "figure", "figures"),
        r.figures_intro()
    )?;
    if !r.figures.is_empty() {
        writeln!(
            s,
            "| measure | value | qualifier | normalised | unit | period | source |"
        )?;
        writeln!(s, "| --- | ---: | --- | ---: | --- | --- | --- |")?;
        for (i, f) in r.figures.iter().enumerate() {
            writeln!(
                s,
                "| {}[^{}] | {} | {} | {} | {} | {} | {} |",
                md(&f.measure),
                r.note_of_figure(i),
                md(&f.value),
                md(qualifier_words(&f.qualifier)),
                f.value_norm,
                md(&f.unit),
                md(&f.period),
                md_source(r, &f.source)
            )?;
        }
    }

    writeln!(s, "\n## Sources\n")?;
    if r.sources.is_empty() {
        writeln!(s, "No source is cited.")?;
    }
    for (i, src) in r.sources.iter().enumerate() {
        let link = match &src.url {
            Some(u) if is_web_link(u) => format!(" <{}>", md_url(u)),
            Some(u) => format!(" {}", md(u)),
            None => String::new(),
        };
        writeln!(s, "{}. {} (`{}`).{link}", i + 1, md(&src.cited_as), src.id)?;
    }

    let notes = r.notes();
    if !notes.is_empty() {
        writeln!(s, "\n## Notes\n")?;
    }
    for (i, note) in notes.iter().enumerate() {
        let mut lines = note.cites.iter().map(|c| md_cite(r, c));
        let first = lines.next().unwrap_or_else(|| "No quote.".into());
        writeln!(s, "[^{}]: `{}`: {first}", i + 1, note.id)?;
        for more in lines {
            writeln!(s, "\n    {more}")?;
        }
        if let Some(text) = note.notes {
            writeln!(s, "\n    *Notes:* {}", md(text))?;
        }
        s.write_all(b"\n")?;
    }
    Ok(())
}

fn md_source(r: &Report, id: &str) -> String {
    match r.source_number(id) {
        Some(n) => format!("[{n}]"),
        None => md(id),
    }
}

fn md_cite(r: &Report, c: &Cite) -> String {
    let relation = match c.relation.as_str() {
        "supports" => String::new(),
        other => format!(" ({other})"),
    };
    format!(
        "“{}” — {}, {}{relation}, {}",
        md(&c.quote),
        md(&c.locator),
        md_source(r, &c.source),
        c.checked()
    )
}

// ---------------------------------------------------------------- HTML

/// Text made safe for HTML content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 2rem auto; padding: 0 1.5rem; max-width: 78rem; color: #1b1b1b; background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.9rem; margin: 0 0 .6rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #1b1b1b; }
p { margin: .4rem 0 .8rem; max-width: 62rem; }
code { font: .88em/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; }
a { color: #1a4f9c; }
dl.stamp { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.stamp dt { font-weight: 600; }
dl.stamp dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #d9d9d9; }
th { background: #f1f2f4; border-bottom: 1px solid #9a9a9a; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
table.events td:nth-child(2) { width: 44%; }
table.figures td:first-child { width: 36%; }
ol.notes code { color: #555; }
table.files td:last-child { word-break: break-all; }
sup.ref { font-size: .72em; line-height: 0; }
sup.ref a { text-decoration: none; }
ol.sources li, ol.notes li { margin: .25rem 0; }
ol.notes blockquote { margin: .15rem 0; }
ol.notes p { margin: .15rem 0; color: #333; }
.chart { margin: .8rem 0 1.2rem; }
.chart svg { display: block; width: 100%; height: auto; }
.chart figcaption { font-size: .85rem; color: #444; margin-top: .3rem; }
svg.timeline text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
svg.timeline .mark:hover { opacity: .6; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, li, .chart { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn html(r: &Report, s: &mut dyn Write) -> io::Result<()> {
    write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"dossier {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&r.title)
    )?;
    writeln!(s, "<header>\n<h1>{}</h1>", esc(&r.title))?;
    writeln!(s, "<dl class=\"stamp\">")?;
    writeln!(
        s,
        "<dt>Made</dt><dd><time datetime=\"{0}\">{0}</time></dd>",
        r.made_text()
    )?;
    writeln!(s, "<dt>Archive</dt><dd>{}</dd>", esc(&r.load_text()))?;
    writeln!(s, "<dt>Filters</dt><dd>{}</dd>", esc(&r.filters_text()))?;
    writeln!(s, "<dt>Contains</dt><dd>{}</dd>", esc(&r.contents()))?;
    writeln!(s, "</dl>")?;
    if let Some(l) = &r.load {
        writeln!(
            s,
            "<table class=\"files\">\n<caption hidden>The files that load was built from</caption>"
        )?;
        writeln!(
            s,
            "<thead><tr><th>file</th><th>table</th><th class=\"num\">rows</th><th class=\"num\">bytes</th><th>SHA-256</th></tr></thead>\n<tbody>"
        )?;
        for f in &l.files {
            writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
                esc(&f.path),
                esc(&f.table),
                esc(&f.rows),
                esc(&f.bytes),
                esc(&f.sha256)
            )?;
        }
        writeln!(s, "</tbody>\n</table>")?;
    }
    writeln!(s, "</header>\n<main>")?;
    if let Some(changes) = &r.changes {
        writeln!(s, "<section id=\"changes\">\n<h2>Changes</h2>")?;
        writeln!(s, "<p>{}</p>", esc(&r.changes_intro()))?;
        if !changes.is_empty() {
            writeln!(
                s,
                "<table class=\"changes\">\n<thead><tr><th>table</th><th>row</th><th>change</th><th>field</th><th>before</th><th>after</th></tr></thead>\n<tbody>"
            )?;
            for c in changes {
                writeln!(
                    s,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&c.table),
                    esc(&c.key),
                    esc(&c.change),
                    esc(&c.field),
                    esc(&c.old),
                    esc(&c.new)
                )?;
            }
            writeln!(s, "</tbody>\n</table>")?;
        }
        writeln!(s, "</section>")?;
    }

    writeln!(s, "<section id=\"timeline\">\n<h2>Timeline</h2>")?;
    let intro = esc(&r.timeline_intro());
    writeln!(s, "<p>{}</p>", code_spans(&intro))?;
    let (axis_from, axis_to) = date_range(&r.filters);
    let chart_events: Vec<chart::Event<'_>> = r
        .events
        .iter()
        .map(|e| chart::Event {
            id: &e.id,
            title: &e.title,
            date: &e.date,
            when: e.when,
            actors: &e.actors,
        })
        .collect();
    let today = dates::Day {
        year: u16::try_from(chrono::Datelike::year(&r.made)).unwrap_or(9999),
        month: u8::try_from(chrono::Datelike::month(&r.made)).unwrap_or(12),
        day: u8::try_from(chrono::Datelike::day(&r.made)).unwrap_or(31),
    };
    chart::figure(s, &chart_events, &r.names, axis_from, axis_to, today)?;
    writeln!(s)?;
    if !r.events.is_empty() {
        writeln!(
            s,
            "<table class=\"events\">\n<thead><tr><th>date</th><th>event</th><th>actors</th><th>tags</th><th>source</th></tr></thead>\n<tbody>"
        )?;
        for (i, e) in r.events.iter().enumerate() {
            let actors: Vec<String> = e.actors.iter().map(|a| esc(r.actor_name(a))).collect();
            writeln!(
                s,
                "<tr id=\"event-{n}\"><td class=\"date\">{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.date),
                esc(&e.title),
                note_ref(i + 1),
                actors.join("; "),
                esc(&e.tags.join(", ")),
                html_source(r, &e.source),
                n = i + 1,
            )?;
        }
        writeln!(s, "</tbody>\n</table>")?;
    }
    writeln!(s, "</section>")?;

    writeln!(s, "<section id=\"figures\">\n<h2>Figures</h2>")?;
    let n = r.figures.len();
    writeln!(
        s,
        "<p>{n} {}. {}</p>",
        plural(n, "figure", "figures"),
        esc(r.figures_intro())
    )?;
    if !r.figures.is_empty() {
        writeln!(
            s,
            "<table class=\"figures\">\n<thead><tr><th>measure</th><th class=\"num\">value</th><th>qualifier</th><th class=\"num\">normalised</th><th>unit</th><th>period</th><th>source</th></tr></thead>\n<tbody>"
        )?;
        for (i, f) in r.figures.iter().enumerate() {
            writeln!(
                s,
                "<tr><td>{}{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"date\">{}</td><td>{}</td></tr>",
                esc(&f.measure),
                note_ref(r.note_of_figure(i)),
                esc(&f.value),
                esc(qualifier_words(&f.qualifier)),
                esc(&f.value_norm),
                esc(&f.unit),
                esc(&f.period),
                html_source(r, &f.source)
            )?;
        }
        writeln!(s, "</tbody>\n</table>")?;
    }
    writeln!(s, "</section>")?;

    writeln!(s, "<section id=\"sources\">\n<h2>Sources</h2>")?;
    if r.sources.is_empty() {
        writeln!(s, "<p>No source is cited.</p>")?;
    } else {
        writeln!(s, "<ol class=\"sources\">")?;
        for (i, src) in r.sources.iter().enumerate() {
            let link = match &src.url {
                Some(u) if is_web_link(u) => {
                    format!(" <a href=\"{0}\" rel=\"noreferrer\">{0}</a>", esc(u))
                }
                Some(u) => format!(" {}", esc(u)),
                None => String::new(),
            };
            writeln!(
                s,
                "<li id=\"source-{}\">{} (<code>{}</code>).{link}</li>",
                i + 1,
                esc(&src.cited_as),
                esc(&src.id)
            )?;
        }
        writeln!(s, "</ol>")?;
    }
    writeln!(s, "</section>")?;

    let notes = r.notes();
    if !notes.is_empty() {
        writeln!(
            s,
            "<section id=\"notes\">\n<h2>Notes</h2>\n<ol class=\"notes\">"
        )?;
        for (i, note) in notes.iter().enumerate() {
            let n = i + 1;
            let mut quotes: Vec<String> = note
                .cites
                .iter()
                .map(|c| {
                    let relation = match c.relation.as_str() {
                        "supports" => String::new(),
                        other => format!(" ({})", esc(other)),
                    };
                    format!(
                        "“{}” — {}, {}{relation}, {}",
                        esc(&c.quote),
                        esc(&c.locator),
                        html_source(r, &c.source),
                        c.checked()
                    )
                })
                .collect();
            if quotes.is_empty() {
                quotes.push("No quote.".into());
            }
            let back = format!(" <a href=\"#ref-{n}\" title=\"back to the table\">↩</a>");
            // The way back ends the footnote: after the notes when there are any.
            let notes = match note.notes {
                Some(text) => format!("<p><em>Notes:</em> {}{back}</p>", esc(text)),
                None => {
                    if let Some(last) = quotes.last_mut() {
                        last.push_str(&back);
                    }
                    String::new()
                }
            };
            writeln!(
                s,
                "<li id=\"note-{n}\"><code>{}</code><blockquote>{}</blockquote>{notes}</li>",
                esc(note.id),
                quotes.join("</blockquote><blockquote>")
            )?;
        }
        writeln!(s, "</ol>\n</section>")?;
    }
    writeln!(s, "</main>\n</body>\n</html>")
}

/// Turns the `…` spans of already-escaped text into <code> elements.
fn code_spans(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn note_ref(n: usize) -> String {
    format!("<sup class=\"ref\"><a href=\"#note-{n}\" id=\"ref-{n}\">{n}</a></sup>")
}

fn html_source(r: &Report, id: &str) -> String {
    match r.source_number(id) {
        Some(n) => format!(
            "<a href=\"#source-{n}\" title=\"{}\">[{n}]</a>",
            esc(&r.sources[n - 1].cited_as)
        ),
        None => esc(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Tidy` must write: the whole text with runs of three or more newlines cut
    /// to two and the end trimmed to one newline, however the text is split up, even
    /// inside a character.
    #[test]
    fn tidy_markdown_is_the_same_whatever_the_chunks() {
        let text = "# T\n\n\n\nintro — \u{202f}é \n\n\n| a |\n \n\n\nend \n\n\n";
        let expected = "# T\n\nintro — \u{202f}é \n\n| a |\n \n\nend\n";
        for size in 1..=text.len() {
            let mut out = Vec::new();
            let mut tidy = Tidy::new(&mut out);
            for chunk in text.as_bytes().chunks(size) {
                tidy.write_all(chunk).unwrap();
            }
            tidy.finish().unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                expected,
                "chunks of {size}"
            );
        }
    }

    /// A write that fails stops the report with that error, rather than rendering on
    /// into a writer that has stopped taking anything.
    #[test]
    fn a_failed_write_stops_the_report() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.0 < buf.len() {
                    return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let report = Report {
            title: "T".into(),
            made: made_at(Some("2024-01-31T12:00:00Z")).unwrap(),
            archive: "a.db".into(),
            load: None,
            filters: EventFilter::default(),
            events: Vec::new(),
            figures: Vec::new(),
            sources: Vec::new(),
            names: HashMap::new(),
            changes: None,
        };
        let mut whole = Vec::new();
        html(&report, &mut whole).unwrap();
        assert!(whole.ends_with(b"</html>\n"));
        for room in [0, 1, whole.len() / 2, whole.len() - 1] {
            let e = html(&report, &mut Full(room)).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{room}");
        }
        let mut whole = Vec::new();
        let mut tidy = Tidy::new(&mut whole);
        markdown(&report, &mut tidy).unwrap();
        tidy.finish().unwrap();
        assert!(whole.starts_with(b"# T\n"));
        // The final newline is written by `finish`.
        for room in [0, 1, whole.len() / 2, whole.len() - 2] {
            let mut tidy = Tidy::new(Full(room));
            let e = markdown(&report, &mut tidy).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{room}");
        }
    }

    /// With dates, `within` keeps the figures whose period lies inside them, as it keeps
    /// the events; without, it leaves the figures as they are.
    #[test]
    fn within_narrows_the_figures_to_periods_inside_the_dates() {
        let conn = crate::db::in_memory_with_file("figures");
        conn.execute_batch(
            "INSERT INTO figures (id, measure, value, value_norm, unit, qualifier, period, period_start, period_end, csv_file, csv_line) VALUES
               ('inside', 'm', '1', 1, 'count', 'eq', '2015', '2015-01-01', '2015-12-31', 1, 2),
               ('overlap', 'm', '1', 1, 'count', 'eq', '2013/2015', '2013-01-01', '2015-12-31', 1, 3),
               ('open', 'm', '1', 1, 'count', 'eq', '2015/..', '2015-01-01', NULL, 1, 4),
               ('undated', 'm', '1', 1, 'count', 'eq', NULL, NULL, NULL, 1, 5);",
        )
        .unwrap();
        let registry = Registry::load(None).unwrap();
        let query = registry.get("report-figures").unwrap();
        let ids = |f: EventFilter| -> Vec<String> {
            let b = crate::queries::bind(query, &f.to_params(), &conn).unwrap();
            let mut stmt = conn.prepare(&query.sql).unwrap();
            b.apply(&mut stmt).unwrap();
            let mut ids: Vec<String> = Vec::new();
            let mut rows = stmt.raw_query();
            while let Some(r) = rows.next().unwrap() {
                ids.push(r.get("id").unwrap());
            }
            ids.sort();
            ids
        };
        let dated = EventFilter {
            from: Some("2014".into()),
            to: Some("2016".into()),
            ..EventFilter::default()
        };
        assert_eq!(ids(dated.clone()), ["inside", "open", "overlap"]);
        assert_eq!(
            ids(EventFilter {
                within: true,
                ..dated
            }),
            ["inside"]
        );
        let from_only = EventFilter {
            from: Some("2014".into()),
            within: true,
            ..EventFilter::default()
        };
        assert_eq!(ids(from_only), ["inside"]);
        let all = ["inside", "open", "overlap", "undated"];
        assert_eq!(ids(EventFilter::default()), all);
        assert_eq!(
            ids(EventFilter {
                within: true,
                ..EventFilter::default()
            }),
            all
        );
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<b a=\"x\">'&'</b>"),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
        assert_eq!(
            md("a|b *c* [d](e) <f>\nx"),
            "a\\|b \\*c\\* \\[d\\](e) \\<f\\> x"
        );
    }

    #[test]
    fn long_numbers_are_grouped_in_threes() {
        assert_eq!(grouped("5700000000"), "5\u{202f}700\u{202f}000\u{202f}000");
        assert_eq!(grouped("-400000.5"), "-400\u{202f}000.5");
        assert_eq!(grouped("3500"), "3500");
        assert_eq!(grouped("1.3"), "1.3");
        assert_eq!(grouped("1e+20"), "1e+20");
    }

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://example.org/a"));
        assert!(is_web_link("HTTP://example.org"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("file:///etc/passwd"));
    }

    #[test]
    fn a_fixed_time_is_read_as_rfc_3339() {
        let t = made_at(Some("2024-01-31T13:00:00+01:00")).unwrap();
        assert_eq!(
            t.to_rfc3339_opts(SecondsFormat::Secs, true),
            "2024-01-31T12:00:00Z"
        );
        let e = made_at(Some("yesterday")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
