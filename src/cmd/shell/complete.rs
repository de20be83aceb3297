//! Tab completion in the shell: dot commands, and the names of the archive's tables,
//! views and columns, read from the archive when the shell starts.

use rusqlite::Connection;
use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use std::collections::BTreeSet;

/// The dot commands, as completed and as `.help` lists them: the command, what it
/// takes, and what it does.
pub const DOT_COMMANDS: &[(&str, &str, &str)] = &[
    (".tables", "", "list the tables and views"),
    (
        ".schema",
        "[NAME]",
        "the columns of every table and view, or of NAME, with what each holds",
    ),
    (
        ".format",
        "[FORMAT]",
        "show the output format, or set it: table, csv, tsv, json, ndjson, markdown",
    ),
    (
        ".param",
        "[set NAME VALUE | unset NAME | clear]",
        "list the parameters that :NAME in SQL binds, or set, remove or clear them",
    ),
    (".help", "", "this list"),
    (".quit", "", "leave the shell (so do .exit and Ctrl-D)"),
    (".exit", "", "leave the shell"),
];

/// What Tab can complete to.
#[derive(Debug, Default)]
pub struct Names {
    /// Tables and views.
    objects: BTreeSet<String>,
    /// Columns of any table or view.
    columns: BTreeSet<String>,
    /// The output formats, for `.format`.
    formats: Vec<String>,
}

impl Names {
    /// Reads the names of the archive's tables, views and columns.
    pub fn read(conn: &Connection, formats: Vec<String>) -> rusqlite::Result<Self> {
        let mut names = Names {
            formats,
            ..Names::default()
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT m.name, p.name FROM ({}) m JOIN pragma_table_info(m.name) p",
            crate::db::OBJECTS
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            names.objects.insert(r.get(0)?);
            names.columns.insert(r.get(1)?);
        }
        Ok(names)
    }

    /// Where the word being completed starts, and what it may become.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        let lead = before.trim_start();
        let matching = |names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
            names
                .filter(|n| starts_with_ignoring_case(n, word))
                .cloned()
                .collect()
        };
        if lead.starts_with('.') {
            let mut parts = lead.split_whitespace();
            let command = parts.next().unwrap_or("");
            if !lead.contains(char::is_whitespace) {
                let dot = before.len() - lead.len();
                let found = DOT_COMMANDS
                    .iter()
                    .map(|(c, _, _)| c.to_string())
                    .filter(|c| c.starts_with(command))
                    .collect();
                return (dot, found);
            }
            return match command {
                ".schema" => (start, matching(&mut self.objects.iter())),
                ".format" => (start, matching(&mut self.formats.iter())),
                _ => (start, Vec::new()),
            };
        }
        if word.is_empty() {
            return (start, Vec::new());
        }
        // After `name.` only columns make sense; elsewhere tables and views come first.
        if before[..start].ends_with('.') {
            return (start, matching(&mut self.columns.iter()));
        }
        let mut found = matching(&mut self.objects.iter());
        found.extend(
            matching(&mut self.columns.iter())
                .into_iter()
                .filter(|c| !self.objects.contains(c)),
        );
        (start, found)
    }
}

fn starts_with_ignoring_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

impl Completer for Names {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for Names {
    type Hint = String;
}

impl Highlighter for Names {}

impl Validator for Names {}

impl rustyline::Helper for Names {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let conn = crate::db::in_memory().unwrap();
        Names::read(&conn, vec!["table".into(), "csv".into()]).unwrap()
    }

    fn complete(line: &str) -> (usize, Vec<String>) {
        names().candidates(line, line.len())
    }

    #[test]
    fn tables_views_and_columns_complete() {
        let (start, found) = complete("SELECT * FROM figure_bo");
        assert_eq!((start, found), (14, vec!["figure_bounds".to_string()]));
        let (_, found) = complete("select * from EVENTS_F");
        assert_eq!(found, ["events_full"]);
        let (start, found) = complete("SELECT share_am");
        assert_eq!((start, found), (7, vec!["share_amount".to_string()]));
        // Tables first, then columns, each once.
        let (_, found) = complete("SELECT * FROM even");
        assert_eq!(
            found,
            [
                "event_actors",
                "event_tags",
                "events",
                "events_full",
                "event"
            ]
        );
        // After a dot, only columns.
        let (start, found) = complete("SELECT e.date_p");
        assert_eq!((start, found), (9, vec!["date_precision".to_string()]));
        // The full-text index's storage tables are not offered; its source view is.
        assert_eq!(complete("SELECT * FROM search_").1, ["search_source"]);
        // Nothing typed yet: nothing offered.
        assert!(complete("SELECT ").1.is_empty());
    }

    #[test]
    fn dot_commands_and_their_arguments_complete() {
        assert_eq!(complete(".ta"), (0, vec![".tables".to_string()]));
        assert_eq!(complete("  .e"), (2, vec![".exit".to_string()]));
        assert_eq!(complete(".").1.len(), DOT_COMMANDS.len());
        assert_eq!(complete(".schema figures_f").1, ["figures_full"]);
        assert_eq!(complete(".format c").1, ["csv"]);
        assert!(complete(".help x").1.is_empty());
    }
}
