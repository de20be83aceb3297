//! `dossier summary`: what the archive holds, from the `summary` canned query, whose
//! rows (section, item, value) become one section each.

use super::{Context, collect, open_output, style};
use crate::cli::SummaryArgs;
use crate::error::Result;
use crate::output::Document;
use rusqlite::types::Value;

pub fn run(args: &SummaryArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let (_, rows) = collect(
        &archive,
        &registry,
        "summary",
        &[("top".into(), args.top.to_string())],
    )?;
    let mut doc = Document::default();
    let mut current: Option<(String, Vec<(String, Value)>)> = None;
    for row in rows {
        let mut cells = row.into_iter();
        let section = text(cells.next());
        let item = text(cells.next());
        let value = cells.next().unwrap_or(Value::Null);
        match &mut current {
            Some((name, items)) if *name == section => items.push((item, value)),
            _ => {
                if let Some((name, items)) = current.take() {
                    doc.fields(&key(&name), &heading(&name), items);
                }
                current = Some((section, vec![(item, value)]));
            }
        }
    }
    if let Some((name, items)) = current {
        doc.fields(&key(&name), &heading(&name), items);
    }
    let mut out = open_output(args.out.output.as_deref())?;
    doc.write(&mut out, style(&args.out))?;
    Ok(out.finish()?)
}

fn text(v: Option<Value>) -> String {
    match v {
        Some(Value::Text(t)) => t,
        Some(Value::Integer(i)) => i.to_string(),
        _ => String::new(),
    }
}

fn key(section: &str) -> String {
    section.replace(' ', "_")
}

fn heading(section: &str) -> String {
    let mut c = section.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
