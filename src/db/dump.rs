//! The statements that write an archive back out as the CSV files `load` reads, so
//! that loading an export rebuilds the same archive. Each is built from the column
//! declarations, so a new column is exported as soon as it is declared. The same
//! rows, one CSV row per fact, are what `diff` compares.

use super::spec::{Store, Table};

/// The SELECT that gives one file's rows, its columns in the canonical header order.
///
/// A column stored in the table is read from it; a list is put back together from its
/// join table, in the order written; the cited columns of an event or figure come from
/// its inline citation, which is its first: the loader numbers it right after the row,
/// before any row of `citations.csv`. Only rows that came from files of this table
/// are written, so inline citations are not written again to `citations.csv`.
pub fn statement(table: Table) -> String {
    format!(
        "{} ORDER BY t.{}",
        rows(table, "main", &|_| true),
        table.rowid_column()
    )
}

/// The rows of `table` in the archive attached as `schema`, as its CSV file holds
/// them, without an order; the table is aliased `t`. A declared column that this
/// archive's table lacks (`has(name)` is false: an archive built by another version)
/// reads as NULL.
pub fn rows(table: Table, schema: &str, has: &dyn Fn(&str) -> bool) -> String {
    let name = table.name();
    let noun = table.noun();
    let columns: Vec<String> = table
        .columns()
        .iter()
        .map(|c| match c.store {
            Store::Column if !has(c.name) => format!("NULL AS {}", c.name),
            // A value dossier filled in for an empty cell goes back out empty.
            Store::Column | Store::Citation if c.computed() => {
                let t = if c.store == Store::Column { "t" } else { "c" };
                format!(
                    "CASE WHEN {t}.{0}_computed THEN NULL ELSE {t}.{0} END AS {0}",
                    c.name
                )
            }
            Store::Column => format!("t.{}", c.name),
            Store::Citation => format!("c.{}", c.name),
            Store::List {
                table: join,
                element,
            } => format!(
                "(SELECT group_concat({element}, ';') FROM \
                 (SELECT {element} FROM {schema}.{join} WHERE {noun} = t.id ORDER BY position)) AS {}",
                c.name
            ),
        })
        .collect();
    let citation = if table.has_citation() {
        format!(
            " JOIN {schema}.citations c ON c.id = \
             (SELECT min(x.id) FROM {schema}.citations x WHERE x.{noun} = t.id)"
        )
    } else {
        String::new()
    };
    format!(
        "SELECT {} FROM {schema}.{name} t{citation} \
         WHERE t.csv_file IN (SELECT id FROM {schema}.load_files WHERE tbl = '{name}')",
        columns.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_statement_writes_the_header_load_reads() {
        let conn = crate::db::in_memory().unwrap();
        for table in Table::ALL {
            let sql = statement(table);
            let stmt = conn.prepare(&sql).unwrap();
            assert_eq!(
                stmt.column_names().collect::<Vec<_>>().join(","),
                table.header(),
                "{table:?}"
            );
        }
    }

    #[test]
    fn lists_and_inline_citations_are_put_back() {
        let sql = statement(Table::Events);
        assert!(
            sql.contains("FROM main.event_actors WHERE event = t.id ORDER BY position"),
            "{sql}"
        );
        assert!(sql.contains("JOIN main.citations c"), "{sql}");
        assert!(!statement(Table::Citations).contains("JOIN main.citations"));
        // A locator dossier filled in goes back out empty, as the analyst left it.
        assert!(
            sql.contains("CASE WHEN c.locator_computed THEN NULL ELSE c.locator END AS locator"),
            "{sql}"
        );
        assert!(
            statement(Table::Citations)
                .contains("CASE WHEN t.locator_computed THEN NULL ELSE t.locator END AS locator")
        );
    }

    #[test]
    fn a_column_the_archive_lacks_reads_as_null() {
        let sql = rows(Table::Events, "old", &|c| c != "location");
        assert!(sql.contains("NULL AS location"), "{sql}");
        assert!(sql.contains("FROM old.events t"), "{sql}");
    }
}
