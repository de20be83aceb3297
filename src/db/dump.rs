//! The statements that write an archive back out as the CSV files `load` reads, so
//! that loading an export rebuilds the same archive.

use super::spec::Table;

/// One SELECT per file, its columns in the canonical header order.
pub fn statement(table: Table) -> &'static str {
    match table {
        Table::Sources => {
            "SELECT id, kind, title, author, issuer, outlet, published, url, accessed, language, via, notes
             FROM sources ORDER BY rowid"
        }
        Table::Actors => {
            "SELECT a.id, a.name, a.kind,
               (SELECT group_concat(alias, ';') FROM (SELECT alias FROM actor_aliases WHERE actor = a.id ORDER BY position)) AS aliases
             FROM actors a ORDER BY a.rowid"
        }
        // The citation written inline is the one that came from an events (or figures)
        // file; the others go to citations.csv.
        Table::Events => {
            "SELECT e.id, e.date, e.title, c.source, c.quote, c.locator, e.display_date, e.notes, e.location,
               (SELECT group_concat(actor, ';') FROM (SELECT actor FROM event_actors WHERE event = e.id ORDER BY position)) AS actors,
               (SELECT group_concat(tag, ';') FROM (SELECT tag FROM event_tags WHERE event = e.id ORDER BY position)) AS tags
             FROM events e
             JOIN citations c ON c.id = (SELECT min(x.id) FROM citations x WHERE x.event = e.id)
             ORDER BY e.rowid"
        }
        Table::Figures => {
            "SELECT f.id, f.measure, f.value, f.unit, c.source, c.quote, c.locator, f.qualifier, f.lower, f.upper,
               f.area, f.counterpart, f.period, f.base, f.event, f.notes
             FROM figures f
             JOIN citations c ON c.id = (SELECT min(x.id) FROM citations x WHERE x.figure = f.id)
             ORDER BY f.rowid"
        }
        Table::Citations => {
            "SELECT c.source, c.event, c.figure, c.quote, c.locator, c.relation
             FROM citations c JOIN load_files f ON f.id = c.csv_file
             WHERE f.tbl = 'citations'
             ORDER BY c.id"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_statement_writes_the_header_load_reads() {
        let conn = crate::db::in_memory().unwrap();
        for table in Table::ALL {
            let stmt = conn.prepare(statement(table)).unwrap();
            assert_eq!(
                stmt.column_names().collect::<Vec<_>>().join(","),
                table.header(),
                "{table:?}"
            );
        }
    }
}
