//! `dossier queries` lists the canned queries; `dossier run` runs one.

use super::{Context, open_output, pairs, run_canned, style};
use crate::cli::{QueriesArgs, RunArgs};
use crate::error::Result;
use crate::output::{Document, RowWriter};
use crate::queries::{Need, Query};
use rusqlite::types::Value;

pub fn list(args: &QueriesArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.all_queries()?;
    let mut out = open_output(args.out.output.as_deref())?;
    if let Some(name) = &args.name {
        describe(registry.get(name)?).write(&mut out, style(&args.out))?;
        return Ok(out.finish()?);
    }
    let columns = ["name", "summary", "parameters", "from"]
        .map(String::from)
        .to_vec();
    let mut w = RowWriter::new(&mut out, style(&args.out), columns)?;
    for q in &registry.queries {
        let params: Vec<String> = q.params.iter().map(|p| p.to_string()).collect();
        w.owned_row(&[
            Value::Text(q.name.clone()),
            Value::Text(q.summary.clone()),
            Value::Text(params.join(", ")),
            Value::Text(q.origin.describe()),
        ])?;
    }
    w.finish()?;
    Ok(out.finish()?)
}

fn describe(q: &Query) -> Document {
    let mut doc = Document::default();
    doc.fields(
        "query",
        &format!("Query {}", q.name),
        vec![
            ("name".into(), Value::Text(q.name.clone())),
            ("summary".into(), Value::Text(q.summary.clone())),
            ("from".into(), Value::Text(q.origin.describe())),
            (
                "usage".into(),
                Value::Text(format!(
                    "dossier run {}{}",
                    q.name,
                    q.params
                        .iter()
                        .map(|p| format!(" -p {}=…", p.name))
                        .collect::<String>()
                )),
            ),
        ],
    );
    let rows = q
        .params
        .iter()
        .map(|p| {
            let need = match &p.need {
                Need::Required => Value::Text("required".into()),
                Need::Optional => Value::Text("optional".into()),
                Need::Default(d) => Value::Text(format!("default {d}")),
            };
            vec![
                Value::Text(p.name.clone()),
                Value::Text(p.type_name()),
                need,
                Value::Text(p.help.clone()),
            ]
        })
        .collect();
    doc.table(
        "parameters",
        "Parameters",
        ["name", "type", "need", "help"].map(String::from).to_vec(),
        rows,
    );
    doc.fields(
        "sql",
        "SQL",
        vec![("sql".into(), Value::Text(q.sql.clone()))],
    );
    doc
}

pub fn run(args: &RunArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.all_queries()?;
    let query = registry.get(&args.name)?;
    let given = pairs(&args.query.params)?;
    let archive = ctx.open_limited(&args.query)?;
    let mut out = open_output(args.out.output.as_deref())?;
    run_canned(
        &archive,
        &registry,
        &query.name,
        &given,
        style(&args.out),
        &mut out,
    )?;
    Ok(out.finish()?)
}
