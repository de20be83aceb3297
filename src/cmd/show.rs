//! `dossier show ID`: one event, figure, source or actor as a document: its fields,
//! every citation with the source's via chain written out and each quote in its
//! document's context, what links to it, and for a source with a document, its
//! paragraphs with the facts that cite each.

use super::{Context, collect, open_output, style};
use crate::cli::ShowArgs;
use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::Document;
use crate::queries::Registry;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

const KINDS: [(&str, &str); 4] = [
    ("event", "Event"),
    ("figure", "Figure"),
    ("source", "Source"),
    ("actor", "Actor"),
];

pub fn run(args: &ShowArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let doc = if args.uncited {
        uncited(&archive, &registry, &args.id)?
    } else {
        document(&archive, &registry, &args.id)?
    };
    let mut out = open_output(args.out.output.as_deref())?;
    doc.write(&mut out, style(&args.out))?;
    Ok(out.finish()?)
}

fn document(archive: &Archive, registry: &Registry, id: &str) -> Result<Document> {
    let given = vec![("id".to_string(), id.to_string())];
    let mut doc = Document::default();
    for (kind, title) in KINDS {
        let (columns, rows) = collect(archive, registry, kind, &given)?;
        let Some(row) = rows.into_iter().next() else {
            continue;
        };
        doc.fields(
            kind,
            &format!("{title} {id}"),
            columns.into_iter().zip(row).collect(),
        );
        if kind == "source" {
            let (columns, rows) = collect(archive, registry, "via", &given)?;
            doc.table(
                "via",
                "Known via (hop 0 is the source itself)",
                columns,
                rows,
            );
        }
        if kind != "actor" {
            citations(archive, registry, kind, &given, &mut doc)?;
        }
        if kind == "source" {
            paragraphs(archive, registry, id, false, &mut doc)?;
        }
        let (columns, rows) = collect(archive, registry, "linked", &given)?;
        doc.table("linked", &format!("Linked ({})", rows.len()), columns, rows);
    }
    if doc.sections.is_empty() {
        return Err(not_found(archive, id));
    }
    Ok(doc)
}

/// The citations as a table, and for an event or figure each quote in its
/// document's context, as fields that are shown whole rather than cut to a column.
fn citations(
    archive: &Archive,
    registry: &Registry,
    kind: &str,
    given: &[(String, String)],
    doc: &mut Document,
) -> Result<()> {
    let (mut columns, mut rows) = collect(archive, registry, "citations", given)?;
    let title = if kind == "source" {
        format!("Citations of this source ({})", rows.len())
    } else {
        format!("Citations ({})", rows.len())
    };
    let Some(at) = columns.iter().position(|c| c == "in_context") else {
        doc.table("citations", &title, columns, rows);
        return Ok(());
    };
    columns.remove(at);
    let cell = |columns: &[String], row: &[Value], name: &str| -> String {
        match columns.iter().position(|c| c == name).map(|i| &row[i]) {
            Some(Value::Text(t)) => t.clone(),
            _ => String::new(),
        }
    };
    let mut context = Vec::new();
    for (n, row) in rows.iter_mut().enumerate() {
        let shown = match row.remove(at) {
            Value::Null => Value::Text("unchecked: no document to show it in".into()),
            v => v,
        };
        let label = format!(
            "{}. {}, {}",
            n + 1,
            cell(&columns, row, "source"),
            cell(&columns, row, "locator")
        );
        context.push((label, shown));
    }
    doc.table("citations", &title, columns, rows);
    if kind != "source" && !context.is_empty() {
        doc.fields("in_context", "Quotes in context", context);
    }
    Ok(())
}

/// A source's paragraphs with the facts that cite each (or only those nothing
/// cites), when it has a document. Returns how many the document has.
fn paragraphs(
    archive: &Archive,
    registry: &Registry,
    id: &str,
    only_uncited: bool,
    doc: &mut Document,
) -> Result<i64> {
    let total: i64 = archive
        .conn
        .query_row(
            "SELECT count(*) FROM paragraphs WHERE source = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(|e| archive.explain(e))?;
    if total == 0 {
        return Ok(0);
    }
    let given = vec![
        ("id".to_string(), id.to_string()),
        ("uncited".to_string(), only_uncited.to_string()),
    ];
    let (columns, rows) = collect(archive, registry, "paragraphs", &given)?;
    let uncited = rows
        .iter()
        .filter(|r| matches!(r.get(1), Some(Value::Integer(0))))
        .count();
    let title = if only_uncited {
        format!("Uncited paragraphs of the document of {id} ({uncited} of {total})")
    } else {
        format!("Paragraphs of its document ({total}, {uncited} uncited)")
    };
    doc.table("paragraphs", &title, columns, rows);
    Ok(total)
}

/// `show SOURCE --uncited`: the paragraphs of the source's document that nothing cites.
fn uncited(archive: &Archive, registry: &Registry, id: &str) -> Result<Document> {
    let given = vec![("id".to_string(), id.to_string())];
    let (_, sources) = collect(archive, registry, "source", &given)?;
    if sources.is_empty() {
        let other = KINDS.iter().try_fold(None, |found, (kind, _)| {
            if found.is_some() {
                return Ok::<_, Error>(found);
            }
            let (_, rows) = collect(archive, registry, kind, &given)?;
            Ok((!rows.is_empty()).then_some(*kind))
        })?;
        return Err(match other {
            Some(kind) => Error::Usage(format!(
                "--uncited lists the paragraphs of a source's document that nothing cites, and {id} is {} {kind} — leave out --uncited, or name a source",
                if kind == "figure" { "a" } else { "an" }
            )),
            None => not_found(archive, id),
        });
    }
    let mut doc = Document::default();
    if paragraphs(archive, registry, id, true, &mut doc)? == 0 {
        return Err(Error::Usage(format!(
            "{id} has no document, so it has no paragraphs to list — name its text in the document column of sources.csv, or name the source it is known via"
        )));
    }
    Ok(doc)
}

fn not_found(archive: &Archive, id: &str) -> Error {
    let near: Option<String> = archive
        .conn
        .query_row(
            "SELECT id FROM (SELECT id FROM events UNION ALL SELECT id FROM figures \
             UNION ALL SELECT id FROM sources UNION ALL SELECT id FROM actors) \
             WHERE id = ?1 COLLATE NOCASE OR id LIKE '%' || ?1 || '%' ORDER BY length(id) LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None);
    let hint = match near {
        Some(n) => format!("did you mean {n}?"),
        None => "dossier search finds facts by their words".into(),
    };
    Error::UnknownId {
        id: id.to_string(),
        hint,
    }
}
