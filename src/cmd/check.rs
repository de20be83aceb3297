//! `dossier check`: runs the rules over the archive and reports their findings, each
//! with its rule, level, rows (id, file:line), what is wrong and a fix; `--list` and
//! `--explain` describe the rules. The exit code is 1 when a finding is at deny level.

use super::{Context, open_output, style};
use crate::cli::CheckArgs;
use crate::error::{Error, Result, plural};
use crate::output::{Document, Format, Output, RowWriter, Style};
use crate::rules::{self, Body, Counts, Finding, Level, Rule};
use rusqlite::types::{Value, ValueRef};

pub fn run(args: &CheckArgs, ctx: &Context) -> Result<()> {
    let rules = ctx.rules()?;
    let selected = rules.select(&args.choice())?;
    let style = style(&args.out);
    if let Some(name) = &args.explain {
        let rule = rules.get(name)?;
        let level = selected
            .iter()
            .find(|(r, _)| r.name == rule.name)
            .map_or(rule.level, |(_, l)| *l);
        let mut out = open_output(args.out.output.as_deref())?;
        explain(rule, level, style, &mut out)?;
        return Ok(out.finish()?);
    }
    if args.list {
        let mut out = open_output(args.out.output.as_deref())?;
        list(&selected, style, &mut out)?;
        return Ok(out.finish()?);
    }
    let mut out = open_output(args.out.output.as_deref())?;
    let mut report = Report::start(&mut out, style)?;
    let mut denied: Vec<std::sync::Arc<str>> = Vec::new();
    let open = || ctx.open();
    // Opened once here, so that a missing archive is one error, not one per thread.
    drop(open()?);
    rules::run_all(&open, &selected, true, &mut |finding| {
        if finding.level == Level::Deny && !denied.contains(&finding.rule) {
            denied.push(finding.rule.clone());
        }
        Ok(report.write(&finding)?)
    })?;
    let ran = selected.iter().filter(|(_, l)| *l != Level::Allow).count();
    let counts = report.finish(ran, ctx.quiet)?;
    out.finish()?;
    if counts.deny > 0 {
        return Err(Error::Denied {
            findings: counts.deny,
            rules: denied.join(", "),
        });
    }
    Ok(())
}

/// The columns of a finding in the row formats, in order: stable, for scripts.
const COLUMNS: [&str; 9] = [
    "rule", "level", "table", "id", "file", "line", "message", "fix", "rows",
];

/// Findings as they are written: blocks for people in the table format, one row per
/// finding in the others.
struct Report<'o> {
    rows: Option<RowWriter<'o>>,
    out: Option<&'o mut Output>,
    counts: Counts,
}

impl<'o> Report<'o> {
    fn start(out: &'o mut Output, style: Style) -> std::io::Result<Self> {
        let (rows, out) = if style.format == Format::Table {
            (None, Some(out))
        } else {
            let columns = COLUMNS.map(String::from).to_vec();
            (Some(RowWriter::new(out, style, columns)?), None)
        };
        Ok(Report {
            rows,
            out,
            counts: Counts::default(),
        })
    }

    fn write(&mut self, f: &Finding) -> std::io::Result<()> {
        self.counts.add(f.level);
        let first = f.rows.first();
        let listed: Vec<String> = f
            .rows
            .iter()
            .map(|r| format!("{} ({}:{})", r.id, r.file, r.line))
            .collect();
        if let Some(out) = self.out.as_deref_mut() {
            let at = first.map_or(String::new(), |r| format!("{}:{}: ", r.file, r.line));
            out.line(&format!(
                "{at}{}[{}]: {}",
                f.level.name(),
                f.rule,
                f.message
            ))?;
            out.line(&format!("  rows: {}", listed.join(", ")))?;
            out.line(&format!("  fix: {}", f.fix))?;
            return out.line("");
        }
        let Some(w) = self.rows.as_mut() else {
            return Ok(());
        };
        // Written in the style of the JSON around it.
        let json = f
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{{\"table\": \"{}\", \"id\": {}, \"file\": {}, \"line\": {}}}",
                    r.table.name(),
                    json_text(&r.id),
                    json_text(&r.file),
                    r.line
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let json = format!("[{json}]");
        let text = listed.join("; ");
        let values = [
            ValueRef::Text(f.rule.as_bytes()),
            ValueRef::Text(f.level.name().as_bytes()),
            first.map_or(ValueRef::Null, |r| {
                ValueRef::Text(r.table.name().as_bytes())
            }),
            first.map_or(ValueRef::Null, |r| ValueRef::Text(r.id.as_bytes())),
            first.map_or(ValueRef::Null, |r| ValueRef::Text(r.file.as_bytes())),
            first.map_or(ValueRef::Null, |r| ValueRef::Integer(r.line)),
            ValueRef::Text(f.message.as_bytes()),
            ValueRef::Text(f.fix.as_bytes()),
            ValueRef::Text(text.as_bytes()),
        ];
        let mut raw = [None; 9];
        raw[8] = Some(json.as_str());
        w.row_with_json(&values, &raw)
    }

    /// Ends the output; in the table format, with a line that counts the findings.
    fn finish(self, ran: usize, quiet: bool) -> std::io::Result<Counts> {
        if let Some(w) = self.rows {
            w.finish()?;
        }
        if let Some(out) = self.out
            && !quiet
        {
            out.line(&summary(self.counts, ran))?;
        }
        Ok(self.counts)
    }
}

fn json_text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// "3 findings (2 warn, 1 deny) from 8 rules".
fn summary(c: Counts, ran: usize) -> String {
    let rules = format!("{ran} {}", plural(ran, "rule", "rules"));
    let total = c.total();
    if total == 0 {
        return format!("no findings from {rules}");
    }
    let mut parts = Vec::new();
    if c.warn > 0 {
        parts.push(format!("{} warn", c.warn));
    }
    if c.deny > 0 {
        parts.push(format!("{} deny", c.deny));
    }
    format!(
        "{total} {} ({}) from {rules}",
        plural(total as usize, "finding", "findings"),
        parts.join(", ")
    )
}

/// How a rule is written: its SQL, or where its Rust is.
fn how(rule: &Rule) -> (&'static str, String) {
    match &rule.body {
        Body::Sql { sql, .. } => ("sql", sql.clone()),
        Body::Rust(_) => (
            "rust",
            "written in Rust, because SQL cannot say it (src/rules/)".into(),
        ),
    }
}

fn list(selected: &[(&Rule, Level)], style: Style, out: &mut Output) -> Result<()> {
    let columns = ["rule", "level", "default", "summary", "from"]
        .map(String::from)
        .to_vec();
    let mut w = RowWriter::new(out, style, columns)?;
    for (rule, level) in selected {
        w.owned_row(&[
            Value::Text(rule.name.clone()),
            Value::Text(level.name().into()),
            Value::Text(rule.level.name().into()),
            Value::Text(rule.summary.clone()),
            Value::Text(rule.origin.describe()),
        ])?;
    }
    w.finish()?;
    Ok(())
}

/// What a rule checks and why: plain text for people, Markdown, or a document of
/// fields for the machine formats.
fn explain(rule: &Rule, level: Level, style: Style, out: &mut Output) -> Result<()> {
    let (kind, body) = how(rule);
    match style.format {
        Format::Table => {
            out.line(&format!(
                "{} ({}; {} by default) — {}",
                rule.name,
                rule.origin.describe(),
                rule.level.name(),
                rule.summary
            ))?;
            if level != rule.level {
                out.line(&format!("Runs at {} as asked.", level.name()))?;
            }
            out.line("")?;
            out.line(&rule.explanation)?;
            out.line("")?;
            if kind == "sql" {
                out.line("The rule's SQL:")?;
                out.line("")?;
                for l in body.lines() {
                    out.line(format!("    {l}").trim_end())?;
                }
            } else {
                out.line(&format!("The rule is {body}."))?;
            }
        }
        Format::Markdown => {
            out.line(&format!("# {}", rule.name))?;
            out.line("")?;
            out.line(&format!(
                "{} ({}; {} by default)",
                rule.summary,
                rule.origin.describe(),
                rule.level.name()
            ))?;
            out.line("")?;
            out.line(&rule.explanation)?;
            out.line("")?;
            if kind == "sql" {
                out.line("```sql")?;
                out.line(&body)?;
                out.line("```")?;
            } else {
                out.line(&format!("The rule is {body}."))?;
            }
        }
        _ => {
            let mut doc = Document::default();
            doc.fields(
                "rule",
                &format!("Rule {}", rule.name),
                vec![
                    ("name".into(), Value::Text(rule.name.clone())),
                    ("summary".into(), Value::Text(rule.summary.clone())),
                    ("level".into(), Value::Text(level.name().into())),
                    ("default".into(), Value::Text(rule.level.name().into())),
                    ("from".into(), Value::Text(rule.origin.describe())),
                    ("explanation".into(), Value::Text(rule.explanation.clone())),
                    ("written_in".into(), Value::Text(kind.into())),
                    (
                        "sql".into(),
                        Value::Text(if kind == "sql" { body } else { String::new() }),
                    ),
                ],
            );
            doc.write(out, style)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_by_level() {
        assert_eq!(summary(Counts::default(), 8), "no findings from 8 rules");
        assert_eq!(
            summary(
                Counts {
                    warn: 2,
                    deny: 1,
                    ..Counts::default()
                },
                1
            ),
            "3 findings (2 warn, 1 deny) from 1 rule"
        );
        assert_eq!(
            summary(
                Counts {
                    warn: 1,
                    deny: 0,
                    ..Counts::default()
                },
                2
            ),
            "1 finding (1 warn) from 2 rules"
        );
    }
}
