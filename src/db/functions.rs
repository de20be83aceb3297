//! SQL functions dossier adds to the archives it opens for reading, so that a rule
//! (src/rules/*.sql, or a user's own) can say in SQL what plain SQL cannot: how
//! precisely a written value is known, an amount as people write it, how alike two
//! titles are. `dossier sql` has them too, so a rule can be tried out before it is
//! written down.

use super::written;
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

/// The functions, as the README lists them: name, arguments, what they return.
pub const FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "written_lo",
        "value, qualifier, lower",
        "the least a figure can be, given its qualifier and the last digit it is written with (1.3 → 1.25); NULL when nothing bounds it from below",
    ),
    (
        "written_hi",
        "value, qualifier, upper",
        "the most a figure can be, likewise (1.3 → 1.35); NULL when nothing bounds it from above",
    ),
    (
        "half_unit",
        "value",
        "half the place value of the last digit a value is written with, scale applied (5.7 billion → 50000000)",
    ),
    (
        "amount",
        "number, unit",
        "a number with its unit as people write it ($74.1 million, 1.25 per cent, 400,000 t)",
    ),
    (
        "amount_range",
        "lo, hi, unit",
        "the amounts between two bounds, either of which may be NULL ($70.6 million to $77.6 million, at least 400,000 t)",
    ),
    (
        "similarity",
        "title, title",
        "how alike two titles are: shared words over all their words, ignoring case, plurals and small words (0 to 1)",
    ),
];

fn text(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    ctx.get::<Option<String>>(i)
}

/// Adds the functions to a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("written_lo", 3, flags, |ctx| {
        let (Some(value), Some(q)) = (text(ctx, 0)?, text(ctx, 1)?) else {
            return Ok(None);
        };
        Ok(written::written_lo(&value, &q, text(ctx, 2)?.as_deref()))
    })?;
    conn.create_scalar_function("written_hi", 3, flags, |ctx| {
        let (Some(value), Some(q)) = (text(ctx, 0)?, text(ctx, 1)?) else {
            return Ok(None);
        };
        Ok(written::written_hi(&value, &q, text(ctx, 2)?.as_deref()))
    })?;
    conn.create_scalar_function("half_unit", 1, flags, |ctx| {
        Ok(text(ctx, 0)?.and_then(|v| written::half_unit(&v)))
    })?;
    conn.create_scalar_function("amount", 2, flags, |ctx| {
        let x = ctx.get::<Option<f64>>(0)?;
        let unit = text(ctx, 1)?.unwrap_or_default();
        Ok(x.map(|x| written::amount(x, &unit)))
    })?;
    conn.create_scalar_function("amount_range", 3, flags, |ctx| {
        let (lo, hi) = (ctx.get::<Option<f64>>(0)?, ctx.get::<Option<f64>>(1)?);
        let unit = text(ctx, 2)?.unwrap_or_default();
        Ok(written::amount_range(lo, hi, &unit))
    })?;
    conn.create_scalar_function("similarity", 2, flags, |ctx| {
        let (Some(a), Some(b)) = (text(ctx, 0)?, text(ctx, 1)?) else {
            return Ok(None);
        };
        Ok(Some(written::similarity(&a, &b)))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_registered_and_listed() -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        register(&conn)?;
        let row: (f64, f64, f64, String, f64) = conn.query_row(
            "SELECT written_lo('1.3', 'eq', NULL), written_hi('5.7 billion', 'eq', NULL), \
             half_unit('85 million'), amount(74100000, 'USD') || ', ' || amount_range(1, NULL, 'count'), \
             similarity('China returns coal shipment', 'China returns a coal shipment')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        assert!((row.0 - 1.25).abs() < 1e-12);
        assert!((row.1 - 5.75e9).abs() < 1.0);
        assert_eq!(row.2, 5e5);
        assert_eq!(row.3, "$74.1 million, at least 1");
        assert_eq!(row.4, 1.0);
        let nulls: (Option<f64>, Option<String>, Option<f64>) = conn.query_row(
            "SELECT written_lo(NULL, 'eq', NULL), amount(NULL, 'USD'), similarity('a', NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        assert_eq!(nulls, (None, None, None));
        let listed: Vec<&str> = FUNCTIONS.iter().map(|(n, _, _)| *n).collect();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT name FROM pragma_function_list WHERE name IN \
             ('written_lo', 'written_hi', 'half_unit', 'amount', 'amount_range', 'similarity') ORDER BY name",
        )?;
        let registered: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut expected: Vec<&str> = listed.clone();
        expected.sort();
        assert_eq!(registered, expected);
        Ok(())
    }
}
