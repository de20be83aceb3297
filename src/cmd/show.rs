//! `dossier show ID`: one event, figure, source or actor as a document: its fields,
//! every citation with the source's via chain written out, and what links to it.

use super::{Context, collect, open_output, style};
use crate::cli::ShowArgs;
use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::Document;
use crate::queries::Registry;
use rusqlite::OptionalExtension;

const KINDS: [(&str, &str); 4] = [
    ("event", "Event"),
    ("figure", "Figure"),
    ("source", "Source"),
    ("actor", "Actor"),
];

pub fn run(args: &ShowArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let doc = document(&archive, &registry, &args.id)?;
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
            let (columns, rows) = collect(archive, registry, "citations", &given)?;
            let title = if kind == "source" {
                format!("Citations of this source ({})", rows.len())
            } else {
                format!("Citations ({})", rows.len())
            };
            doc.table("citations", &title, columns, rows);
        }
        let (columns, rows) = collect(archive, registry, "linked", &given)?;
        doc.table("linked", &format!("Linked ({})", rows.len()), columns, rows);
    }
    if doc.sections.is_empty() {
        return Err(not_found(archive, id));
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
