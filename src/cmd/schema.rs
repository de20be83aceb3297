//! `dossier schema`: the tables and views, their columns and types, and what each
//! column holds, read from the archive and from schema.sql's comments.

use super::{Context, open_output, style};
use crate::cli::SchemaArgs;
use crate::db;
use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::{Output, RowWriter, Style};
use rusqlite::types::ValueRef;

pub fn run(args: &SchemaArgs, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    let mut out = open_output(args.out.output.as_deref())?;
    write(&archive, args.name.as_deref(), style(&args.out), &mut out)?;
    Ok(out.finish()?)
}

/// Writes the columns of every table and view, or of the one named, with their types
/// and what each holds; for `dossier schema` and the shell's `.schema`.
pub fn write(archive: &Archive, name: Option<&str>, style: Style, out: &mut Output) -> Result<()> {
    let notes = db::column_notes();
    let mut stmt = archive.prepare(&format!(
        "SELECT m.name, m.kind, p.name, p.type FROM ({}) m JOIN pragma_table_info(m.name) p \
         WHERE ?1 IS NULL OR m.name = ?1 COLLATE NOCASE \
         ORDER BY m.type, m.position, p.cid",
        db::OBJECTS
    ))?;
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty()
        && let Some(name) = name
    {
        return Err(Error::Usage(format!(
            "no table or view named {name:?} — dossier schema lists them all"
        )));
    }
    let columns = ["object", "kind", "column", "type", "holds"]
        .map(String::from)
        .to_vec();
    let mut w = RowWriter::new(out, style, columns)?;
    for (object, kind, column, ty) in &rows {
        let note = notes
            .iter()
            .find(|n| &n.object == object && &n.column == column)
            .map_or("", |n| n.note.as_str());
        w.row(&[
            ValueRef::Text(object.as_bytes()),
            ValueRef::Text(kind.as_bytes()),
            ValueRef::Text(column.as_bytes()),
            ValueRef::Text(ty.as_bytes()),
            ValueRef::Text(note.as_bytes()),
        ])?;
    }
    w.finish()?;
    Ok(())
}
