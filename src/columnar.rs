//! Parquet files: the rows of a table, view or query as typed columns, for DuckDB,
//! Polars, pandas, Spark, Trino, BigQuery and the other engines that read Parquet
//! without an import step.
//!
//! Each column gets its real type. A column read straight from an archive table takes
//! the type its declaration gives (a date's `_start` and `_end` are dates, its
//! `_uncertain` and `_approx` flags booleans) or else its SQL type (INTEGER, REAL,
//! TEXT). A computed column takes the type of its values, read from the first rows;
//! a later value of another type is refused with a message rather than converted,
//! since a Parquet column holds one type.
//!
//! Rows are written a row group at a time, so memory stays bounded whatever the size
//! of the archive.

use crate::atomic::AtomicFile;
use crate::db::spec::{Part, Table};
use crate::error::{Error, Result};
use crate::progress::Bar;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rusqlite::Statement;
use rusqlite::types::ValueRef;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: DuckDB's own size, a good unit for readers to skip by
/// statistics and to share among threads.
const GROUP_ROWS: usize = 122_880;

/// Bytes of text and blobs after which a row group is written early, so that long
/// texts cannot make a group, and the memory held for it, grow without bound.
const GROUP_BYTES: usize = 64 << 20;

/// What a column holds, as Parquet stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// INT64.
    Integer,
    /// DOUBLE.
    Double,
    /// BYTE_ARRAY annotated as a UTF-8 string.
    Text,
    /// BYTE_ARRAY.
    Blob,
    /// INT32 annotated as a date: days since 1970-01-01.
    Date,
    Boolean,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Integer => "integers",
            Kind::Double => "doubles",
            Kind::Text => "text",
            Kind::Blob => "blobs",
            Kind::Date => "dates",
            Kind::Boolean => "booleans",
        }
    }

    /// The kind of a SQL value, for a column that has no declared type.
    fn of(v: ValueRef<'_>) -> Option<Kind> {
        match v {
            ValueRef::Null => None,
            ValueRef::Integer(_) => Some(Kind::Integer),
            ValueRef::Real(_) => Some(Kind::Double),
            ValueRef::Text(_) => Some(Kind::Text),
            ValueRef::Blob(_) => Some(Kind::Blob),
        }
    }

    /// The kind of a column of this SQL type (STRICT tables' types, and the common
    /// spellings of other declarations); None for ANY or no type.
    fn of_declared(decl: &str) -> Option<Kind> {
        let decl = decl.to_ascii_uppercase();
        if decl.contains("INT") {
            Some(Kind::Integer)
        } else if decl.contains("CHAR") || decl.contains("TEXT") || decl.contains("CLOB") {
            Some(Kind::Text)
        } else if decl.contains("REAL") || decl.contains("FLOA") || decl.contains("DOUB") {
            Some(Kind::Double)
        } else if decl == "BLOB" {
            Some(Kind::Blob)
        } else {
            None
        }
    }
}

/// The kind of an archive column, from the declaration of the CSV column that fills
/// it: a date's bounds are dates and its flags booleans; other parts keep their
/// SQL type.
pub fn declared_kind(table: &str, column: &str) -> Option<Kind> {
    for t in Table::ALL {
        for c in t.columns() {
            for filled in c.fills(t) {
                if filled.table == table && filled.name == column {
                    return match filled.part {
                        Part::Start | Part::End => Some(Kind::Date),
                        Part::Uncertain | Part::Approx => Some(Kind::Boolean),
                        _ => None,
                    };
                }
            }
        }
    }
    None
}

/// The values of one column for the row group being gathered.
enum Values {
    Integer(Vec<i64>),
    Double(Vec<f64>),
    /// Texts or blobs, end to end in one buffer, with where each ends: one allocation
    /// per row group rather than one per value, which dominated the time.
    Bytes {
        arena: Vec<u8>,
        ends: Vec<usize>,
    },
    Date(Vec<i32>),
    Boolean(Vec<bool>),
}

impl Values {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Integer => Values::Integer(Vec::new()),
            Kind::Double => Values::Double(Vec::new()),
            Kind::Text | Kind::Blob => Values::Bytes {
                arena: Vec::new(),
                ends: Vec::new(),
            },
            Kind::Date => Values::Date(Vec::new()),
            Kind::Boolean => Values::Boolean(Vec::new()),
        }
    }

    fn clear(&mut self) {
        match self {
            Values::Integer(v) => v.clear(),
            Values::Double(v) => v.clear(),
            Values::Bytes { arena, ends } => {
                arena.clear();
                ends.clear();
            }
            Values::Date(v) => v.clear(),
            Values::Boolean(v) => v.clear(),
        }
    }
}

/// One column being written: its name, kind, and the row group's values, with a
/// definition level per row (1 for a value, 0 for NULL).
struct Column {
    name: String,
    kind: Kind,
    values: Values,
    levels: Vec<i16>,
}

/// Why a value cannot go into its column, before the column and row are known.
enum Unfit {
    /// A value of another kind than the column's.
    Kind(Kind),
    /// A date column's text that is not a day (YYYY-MM-DD).
    Day(String),
    /// A flag that is neither 0 nor 1.
    Flag(i64),
}

impl Column {
    /// Adds one value; returns the bytes it holds, to bound the group's memory.
    fn push(&mut self, v: ValueRef<'_>) -> std::result::Result<usize, Unfit> {
        if let ValueRef::Null = v {
            self.levels.push(0);
            return Ok(0);
        }
        let mut bytes = 8;
        match (&mut self.values, self.kind, v) {
            (Values::Integer(out), _, ValueRef::Integer(i)) => out.push(i),
            (Values::Double(out), _, ValueRef::Real(f)) => out.push(f),
            // An integer in a column of doubles (SQLite's REAL affinity stores 3.0 as 3).
            (Values::Double(out), _, ValueRef::Integer(i)) => out.push(i as f64),
            (Values::Bytes { arena, ends }, Kind::Text, ValueRef::Text(t))
            | (Values::Bytes { arena, ends }, Kind::Blob, ValueRef::Blob(t)) => {
                bytes += t.len();
                arena.extend_from_slice(t);
                ends.push(arena.len());
            }
            (Values::Date(out), _, ValueRef::Text(t)) => {
                let day = std::str::from_utf8(t).ok().and_then(days_since_epoch);
                match day {
                    Some(d) => out.push(d),
                    None => return Err(Unfit::Day(String::from_utf8_lossy(t).into_owned())),
                }
            }
            (Values::Boolean(out), _, ValueRef::Integer(i)) => match i {
                0 | 1 => out.push(i == 1),
                _ => return Err(Unfit::Flag(i)),
            },
            (_, _, v) => return Err(Unfit::Kind(Kind::of(v).unwrap_or(Kind::Text))),
        }
        self.levels.push(1);
        Ok(bytes)
    }
}

/// Days from 1970-01-01 to a `YYYY-MM-DD` day; None for anything else. Read by hand:
/// chrono's format parser cost more than the rest of a date column.
fn days_since_epoch(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let day = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((day - epoch).num_days()).ok()
}

/// Writes every row of a prepared, bound statement to `path` as a Parquet file that
/// appears only when complete. `table` names the rows in the file's metadata. Returns
/// the number of rows.
pub fn write(stmt: &mut Statement<'_>, table: &str, path: &Path, bar: &Bar) -> Result<u64> {
    let file = AtomicFile::beside(path, &format!(".{}.part", std::process::id()));
    let io = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let out = BufWriter::with_capacity(256 * 1024, file.create().map_err(io)?);
    let rows = write_to(stmt, table, out, bar, path)?;
    file.commit().map_err(io)?;
    Ok(rows)
}

/// The kinds the statement's columns are known to have before any row is read.
fn known_kinds(stmt: &Statement<'_>) -> Vec<Option<Kind>> {
    let declared: Vec<Option<Kind>> = stmt
        .columns()
        .map(|c| c.decl_type().and_then(Kind::of_declared))
        .collect();
    stmt.columns_with_metadata()
        .zip(declared)
        .map(|(m, sql)| {
            let origin = m.table_name().zip(m.origin_name());
            origin.and_then(|(t, c)| declared_kind(t, c)).or(sql)
        })
        .collect()
}

fn write_to<W: Write + Send>(
    stmt: &mut Statement<'_>,
    table: &str,
    out: W,
    bar: &Bar,
    path: &Path,
) -> Result<u64> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let known = known_kinds(stmt);
    let n = names.len();
    let mut rows = stmt.raw_query();
    // A computed column's kind is read from its values, so when there is one, the
    // first rows (a row group at most) are held before the file's schema is written.
    let mut held: Vec<Vec<rusqlite::types::Value>> = Vec::new();
    let mut held_bytes = 0;
    let mut done = false;
    while known.iter().any(Option::is_none) && held.len() < GROUP_ROWS && held_bytes < GROUP_BYTES {
        let Some(row) = rows.next()? else {
            done = true;
            break;
        };
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            let v: rusqlite::types::Value = row.get(i)?;
            held_bytes += match &v {
                rusqlite::types::Value::Text(t) => t.len(),
                rusqlite::types::Value::Blob(b) => b.len(),
                _ => 8,
            };
            values.push(v);
        }
        held.push(values);
    }
    let kinds: Vec<Kind> = known
        .iter()
        .enumerate()
        .map(|(i, k)| {
            k.unwrap_or_else(|| kind_of_values(held.iter().map(|r| ValueRef::from(&r[i]))))
        })
        .collect();

    let mut columns: Vec<Column> = names
        .iter()
        .zip(&kinds)
        .map(|(name, &kind)| Column {
            name: name.clone(),
            kind,
            values: Values::new(kind),
            levels: Vec::new(),
        })
        .collect();
    let mut writer = FileWriter::new(out, &columns, table, path)?;
    let mut count: u64 = 0;
    let mut group_rows = 0;
    let mut group_bytes = 0;
    for row in &held {
        count += 1;
        group_bytes += add_row(&mut columns, |i| Ok(ValueRef::from(&row[i])), count)?;
        group_rows += 1;
    }
    drop(held);
    if !done {
        while let Some(row) = rows.next()? {
            if group_rows >= GROUP_ROWS || group_bytes >= GROUP_BYTES {
                writer.group(&mut columns)?;
                bar.set_position(count);
                group_rows = 0;
                group_bytes = 0;
            }
            count += 1;
            group_bytes += add_row(&mut columns, |i| row.get_ref(i), count)?;
            group_rows += 1;
        }
    }
    if group_rows > 0 {
        writer.group(&mut columns)?;
    }
    bar.set_position(count);
    writer.finish()?;
    Ok(count)
}

/// Adds row number `row`, whose `i`th value `value(i)` gives, to the columns;
/// returns the bytes it holds.
fn add_row<'a>(
    columns: &mut [Column],
    value: impl Fn(usize) -> rusqlite::Result<ValueRef<'a>>,
    row: u64,
) -> Result<usize> {
    let mut bytes = 0;
    for (i, column) in columns.iter_mut().enumerate() {
        bytes += column
            .push(value(i)?)
            .map_err(|unfit| refuse(column, row, unfit))?;
    }
    Ok(bytes)
}

/// The kind of a computed column, from its first values: that of the first value
/// that is not NULL, except that integers and doubles together are doubles; text
/// when every value is NULL.
fn kind_of_values<'a>(values: impl Iterator<Item = ValueRef<'a>>) -> Kind {
    let mut kind = None;
    for k in values.filter_map(Kind::of) {
        match (kind, k) {
            (None, k) | (Some(Kind::Integer), k @ Kind::Double) => kind = Some(k),
            _ => {}
        }
    }
    kind.unwrap_or(Kind::Text)
}

fn refuse(column: &Column, row: u64, unfit: Unfit) -> Error {
    let what = match unfit {
        Unfit::Kind(found) => format!(
            "holds {} in row {row}, where the rows before hold {}",
            found.name(),
            column.kind.name()
        ),
        Unfit::Day(text) => format!("holds {text:?} in row {row}, which is not a day (YYYY-MM-DD)"),
        Unfit::Flag(i) => format!("holds {i} in row {row}, where a flag is 0 or 1"),
    };
    Error::TooBig(format!(
        "column {:?} {what} — a Parquet column holds one type: CAST it in the query (CAST({} AS TEXT)), or export as CSV",
        column.name, column.name
    ))
}

/// The Parquet writer, with the file's schema.
struct FileWriter<'p, W: Write + Send> {
    inner: SerializedFileWriter<W>,
    path: &'p Path,
}

impl<'p, W: Write + Send> FileWriter<'p, W> {
    fn new(out: W, columns: &[Column], table: &str, path: &'p Path) -> Result<Self> {
        let fail = |e: ParquetError| failed(path, e);
        let fields = columns
            .iter()
            .map(|c| field(&c.name, c.kind).map(Arc::new))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(fail)?;
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(fail)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("dossier {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "dossier.rows".to_string(),
                table.to_string(),
            )]))
            .build();
        let inner =
            SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(fail)?;
        Ok(FileWriter { inner, path })
    }

    /// Writes the gathered rows as one row group and empties the columns.
    fn group(&mut self, columns: &mut [Column]) -> Result<()> {
        let fail = |e: ParquetError| failed(self.path, e);
        let mut group = self.inner.next_row_group().map_err(fail)?;
        for column in columns.iter_mut() {
            let Some(mut w) = group.next_column().map_err(fail)? else {
                return Err(Error::Internal("a Parquet column was not written".into()));
            };
            let levels = Some(column.levels.as_slice());
            match &mut column.values {
                Values::Integer(v) => w.typed::<Int64Type>().write_batch(v, levels, None),
                Values::Double(v) => w.typed::<DoubleType>().write_batch(v, levels, None),
                Values::Bytes { arena, ends } => {
                    let all = bytes::Bytes::from(std::mem::take(arena));
                    let values: Vec<ByteArray> = std::iter::once(0)
                        .chain(ends.iter().copied())
                        .zip(ends.iter())
                        .map(|(start, &end)| ByteArray::from(all.slice(start..end)))
                        .collect();
                    w.typed::<ByteArrayType>()
                        .write_batch(&values, levels, None)
                }
                Values::Date(v) => w.typed::<Int32Type>().write_batch(v, levels, None),
                Values::Boolean(v) => w.typed::<BoolType>().write_batch(v, levels, None),
            }
            .map_err(fail)?;
            w.close().map_err(fail)?;
            column.values.clear();
            column.levels.clear();
        }
        group.close().map_err(fail)?;
        Ok(())
    }

    /// Writes the footer and flushes the file.
    fn finish(self) -> Result<()> {
        let path = self.path;
        let mut out = self.inner.into_inner().map_err(|e| failed(path, e))?;
        out.flush().map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A column of the file's schema; every column may hold NULL.
fn field(name: &str, kind: Kind) -> std::result::Result<Type, ParquetError> {
    let (physical, logical) = match kind {
        Kind::Integer => (Physical::INT64, None),
        Kind::Double => (Physical::DOUBLE, None),
        Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        Kind::Blob => (Physical::BYTE_ARRAY, None),
        Kind::Date => (Physical::INT32, Some(LogicalType::Date)),
        Kind::Boolean => (Physical::BOOLEAN, None),
    };
    Type::primitive_type_builder(name, physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(logical)
        .build()
}

fn failed(path: &Path, e: ParquetError) -> Error {
    match e {
        ParquetError::External(e) => match e.downcast::<std::io::Error>() {
            Ok(source) => Error::Write {
                path: path.to_path_buf(),
                source: *source,
            },
            Err(e) => Error::Write {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            },
        },
        e => Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    fn reader(bytes: Vec<u8>) -> SerializedFileReader<std::fs::File> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        SerializedFileReader::new(file).unwrap()
    }

    /// Writes a statement's rows to memory and reads them back as records.
    fn round_trip(conn: &rusqlite::Connection, sql: &str) -> Result<(String, Vec<String>)> {
        let mut stmt = conn.prepare(sql).unwrap();
        let mut buf = Vec::new();
        write_to(
            &mut stmt,
            "t",
            &mut buf,
            &Bar::hidden(),
            Path::new("t.parquet"),
        )?;
        let reader = reader(buf);
        let schema = reader
            .metadata()
            .file_metadata()
            .schema()
            .get_fields()
            .iter()
            .map(|f| {
                let logical = f.get_basic_info().logical_type_ref();
                format!("{} {} {logical:?}", f.name(), f.get_physical_type())
            })
            .collect::<Vec<_>>()
            .join(", ");
        let rows = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| {
                let r = r.unwrap();
                r.get_column_iter()
                    .map(|(_, f)| match f {
                        Field::Null => "NULL".to_string(),
                        f => f.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        Ok((schema, rows))
    }

    #[test]
    fn declared_columns_take_their_types_from_the_declarations() {
        assert_eq!(declared_kind("events", "date_start"), Some(Kind::Date));
        assert_eq!(declared_kind("sources", "published_end"), Some(Kind::Date));
        assert_eq!(
            declared_kind("figures", "period_approx"),
            Some(Kind::Boolean)
        );
        assert_eq!(declared_kind("events", "date_precision"), None);
        assert_eq!(declared_kind("events", "title"), None);
        assert_eq!(Kind::of_declared("INTEGER"), Some(Kind::Integer));
        assert_eq!(Kind::of_declared("REAL"), Some(Kind::Double));
        assert_eq!(Kind::of_declared("TEXT"), Some(Kind::Text));
        assert_eq!(Kind::of_declared("ANY"), None);
    }

    #[test]
    fn dates_are_days_since_1970() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("1961-01-01"), Some(-3287));
        assert_eq!(days_since_epoch("2017-06-23"), Some(17340));
        assert_eq!(days_since_epoch("2017-6-23"), None);
        assert_eq!(days_since_epoch("2017"), None);
        assert_eq!(days_since_epoch("2017-02-30"), None);
        assert_eq!(days_since_epoch("2017-0a-01"), None);
        assert_eq!(days_since_epoch("+017-01-01"), None);
    }

    #[test]
    fn an_archive_table_is_written_with_its_real_types() {
        let conn = crate::db::in_memory_with_file("events");
        conn.execute_batch(
            "INSERT INTO sources (id, kind, title, csv_file, csv_line) VALUES ('s', 'article', 'T', 1, 2);
             INSERT INTO events (id, date, date_start, date_end, date_precision, date_kind, date_uncertain, date_approx, title, csv_file, csv_line)
             VALUES ('e1', '1961', '1961-01-01', '1961-12-31', 'year', 'point', 0, 1, 'A', 1, 2),
                    ('e2', '2014/..', '2014-01-01', NULL, 'year', 'span', 1, 0, 'B', 1, 3);",
        )
        .unwrap();
        let (schema, rows) = round_trip(
            &conn,
            "SELECT id, date_start, date_end, date_uncertain, date_approx, csv_line FROM events ORDER BY id",
        )
        .unwrap();
        assert_eq!(
            schema,
            "id BYTE_ARRAY Some(String), date_start INT32 Some(Date), date_end INT32 Some(Date), \
             date_uncertain BOOLEAN None, date_approx BOOLEAN None, csv_line INT64 None"
        );
        assert_eq!(
            rows,
            [
                "\"e1\"|1961-01-01|1961-12-31|false|true|2",
                "\"e2\"|2014-01-01|NULL|true|false|3"
            ]
        );
    }

    #[test]
    fn computed_columns_take_the_type_of_their_values() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let (schema, rows) = round_trip(
            &conn,
            "SELECT NULL AS n, x AS i, CASE WHEN x = 2 THEN 0.5 ELSE x END AS d FROM \
             (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT NULL) ORDER BY x IS NULL, x",
        )
        .unwrap();
        assert_eq!(
            schema,
            "n BYTE_ARRAY Some(String), i INT64 None, d DOUBLE None"
        );
        assert_eq!(rows, ["NULL|1|1.0", "NULL|2|0.5", "NULL|NULL|NULL"]);
        let e = round_trip(&conn, "SELECT 1 AS a UNION ALL SELECT 'x'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "column \"a\" holds text in row 2, where the rows before hold integers — a Parquet column holds one type: CAST it in the query (CAST(a AS TEXT)), or export as CSV"
        );
    }

    #[test]
    fn many_rows_are_written_in_several_row_groups() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let n = GROUP_ROWS * 2 + 7;
        let mut stmt = conn
            .prepare(&format!(
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {n}) SELECT i, 'row ' || i AS t FROM c"
            ))
            .unwrap();
        let mut buf = Vec::new();
        let rows = write_to(&mut stmt, "t", &mut buf, &Bar::hidden(), Path::new("t")).unwrap();
        assert_eq!(rows, n as u64);
        let reader = reader(buf);
        assert_eq!(reader.metadata().num_row_groups(), 3);
        assert_eq!(reader.metadata().file_metadata().num_rows(), n as i64);
    }
}
