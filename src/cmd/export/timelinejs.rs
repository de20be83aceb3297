//! `export --run timeline --format timelinejs`: the timeline as the JSON that Knight
//! Lab's TimelineJS reads, one slide per event, for journalists who publish
//! timelines with it.
//!
//! The events are those of the `timeline` query with the parameters given, in its
//! order. Each slide has its date at the precision the archive has (a year-only date
//! gives only a year), a span's end, the title as headline, the first quote with its
//! source cited as text, and the first actor as the group, which TimelineJS draws as
//! a labelled row. TimelineJS reads headlines and text as HTML, so everything taken
//! from the archive is escaped.

use crate::cmd::report::{esc, is_web_link};
use crate::cmd::{Context, for_each_row, open_output};
use crate::db::dates::{self, Date, Kind, MONTHS, Precision};
use crate::error::{Error, Result};
use crate::output::{self, text_of};
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, Statement};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// One event's slide: what the timeline query does not give.
const EVENT: &str = "\
SELECT e.date, e.title, e.display_date, c.quote, c.locator, c.source,
  (SELECT a.name FROM event_actors x JOIN actors a ON a.id = x.actor
   WHERE x.event = e.id ORDER BY x.position LIMIT 1) AS actor
FROM events e
JOIN citations c ON c.id = (SELECT min(x.id) FROM citations x WHERE x.event = e.id)
WHERE e.id = ?1";

/// Each source as it is cited, with the sources it is known through written out; read
/// once, since sources are few beside events.
const SOURCES: &str = "SELECT id, cited_as, url FROM sources_full";

#[derive(Debug, PartialEq, Serialize)]
struct Slide {
    unique_id: String,
    start_date: SlideDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<SlideDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_date: Option<String>,
    text: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

/// A date as TimelineJS takes it: the year, and the month and day when known.
#[derive(Debug, PartialEq, Serialize)]
struct SlideDate {
    year: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    day: Option<u16>,
}

#[derive(Debug, PartialEq, Serialize)]
struct Text {
    headline: String,
    text: String,
}

/// A source as a slide cites it.
struct Source {
    cited_as: String,
    url: Option<String>,
}

/// One event, as [`EVENT`] reads it.
struct Event {
    id: String,
    date: String,
    title: String,
    display_date: Option<String>,
    quote: String,
    locator: String,
    source: String,
    actor: Option<String>,
}

pub fn export(params: &[(String, String)], path: Option<&Path>, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    // The built-in timeline: a query of the user's own cannot stand in for it.
    let registry = ctx.built_in()?;
    let sources = sources(&archive.conn)?;
    let mut detail = archive.prepare(EVENT)?;
    let mut out = open_output(path)?;
    let mut count: usize = 0;
    {
        let w = out.writer();
        w.write_all(b"{\"events\": [")?;
        for_each_row(
            &archive,
            &registry,
            "timeline",
            params,
            |columns, values| {
                let id = columns
                    .iter()
                    .position(|c| c == "id")
                    .and_then(|i| values.get(i))
                    .map(|v| text_of(ValueRef::from(v)).into_owned())
                    .ok_or_else(|| Error::Internal("the timeline query gives no id".into()))?;
                let Some(event) = event(&mut detail, &id)? else {
                    return Ok(());
                };
                let slide = slide(&event, &sources);
                w.write_all(if count == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *w, &slide).map_err(std::io::Error::from)?;
                count += 1;
                Ok(())
            },
        )?;
        w.write_all(b"\n]}\n")?;
    }
    if count == 0 {
        output::warn(
            "no event matches the filters: TimelineJS shows an error for a timeline without events",
        );
    }
    super::written(out, path, count, ("event", "events"), ctx)
}

fn sources(conn: &rusqlite::Connection) -> Result<HashMap<String, Source>> {
    let mut stmt = conn.prepare(SOURCES)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Source {
                cited_as: r.get(1)?,
                url: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn event(detail: &mut Statement<'_>, id: &str) -> Result<Option<Event>> {
    Ok(detail
        .query_row([id], |r| {
            Ok(Event {
                id: id.to_string(),
                date: r.get(0)?,
                title: r.get(1)?,
                display_date: r.get(2)?,
                quote: r.get(3)?,
                locator: r.get(4)?,
                source: r.get(5)?,
                actor: r.get(6)?,
            })
        })
        .optional()?)
}

fn slide(e: &Event, sources: &HashMap<String, Source>) -> Slide {
    let (start, end) = dates::sides(&e.date);
    let start = dates::parse(start).ok();
    let end = end.and_then(|b| dates::parse(b).ok());
    let whole = dates::parse(&e.date).ok();
    let display_date = e
        .display_date
        .clone()
        .or_else(|| whole.and_then(|w| in_words(&e.date, &w, start.as_ref(), end.as_ref())));
    let source = sources.get(&e.source);
    let cited = match source {
        Some(Source {
            cited_as,
            url: Some(url),
        }) if is_web_link(url) => format!("<a href=\"{}\">{}</a>", esc(url), esc(cited_as)),
        Some(s) => esc(&s.cited_as),
        None => esc(&e.source),
    };
    Slide {
        unique_id: e.id.clone(),
        start_date: start.as_ref().map_or(
            SlideDate {
                year: 1,
                month: None,
                day: None,
            },
            slide_date,
        ),
        end_date: end.as_ref().map(slide_date),
        display_date,
        text: Text {
            headline: esc(&e.title),
            text: format!(
                "<blockquote>{}</blockquote><p>— {cited}, {}</p>",
                esc(&e.quote).replace('\n', "<br>"),
                esc(&e.locator)
            ),
        },
        group: e.actor.clone(),
    }
}

/// A single date at the precision the archive has.
fn slide_date(d: &Date) -> SlideDate {
    let parts = d.start_parts();
    SlideDate {
        year: parts[0],
        month: parts.get(1).copied(),
        day: parts.get(2).copied(),
    }
}

/// The date in words, for the dates TimelineJS cannot show as they are: a decade,
/// a date marked uncertain or approximate, one moment between two dates, and a span
/// whose end is open or unknown. None for the rest, which TimelineJS shows itself.
fn in_words(text: &str, whole: &Date, start: Option<&Date>, end: Option<&Date>) -> Option<String> {
    let marked = |d: &Date| d.uncertain || d.approx || d.precision == Precision::Decade;
    let start = start?;
    let plain = whole.kind != Kind::Between
        && !marked(start)
        && end.is_none_or(|e| !marked(e))
        && (whole.kind == Kind::Point || end.is_some());
    if plain {
        return None;
    }
    let a = side_in_words(start);
    Some(match (whole.kind, end) {
        (Kind::Between, Some(b)) => format!("between {a} and {}", side_in_words(b)),
        (Kind::Span, Some(b)) => format!("{a} to {}", side_in_words(b)),
        (Kind::Span, None) if text.ends_with("..") => format!("{a} onwards"),
        (Kind::Span, None) => format!("from {a} (end unknown)"),
        _ => a,
    })
}

fn side_in_words(d: &Date) -> String {
    let s = d.start;
    let month = MONTHS[usize::from(s.month.clamp(1, 12) - 1)];
    let base = match d.precision {
        Precision::Day => format!("{} {month} {}", s.day, s.year),
        Precision::Month => format!("{month} {}", s.year),
        Precision::Year => s.year.to_string(),
        Precision::Decade => format!("the {}s", s.year),
    };
    match (d.approx, d.uncertain) {
        (true, true) => format!("about {base}?"),
        (true, false) => format!("about {base}"),
        (false, true) => format!("{base}?"),
        (false, false) => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(date: &str) -> Event {
        Event {
            id: "ev-1".into(),
            date: date.into(),
            title: "A <b>treaty</b> & more".into(),
            display_date: None,
            quote: "They said \"no\".\nThen <yes>.".into(),
            locator: "para 3".into(),
            source: "src-a".into(),
            actor: Some("Soviet Union".into()),
        }
    }

    fn sources() -> HashMap<String, Source> {
        HashMap::from([(
            "src-a".to_string(),
            Source {
                cited_as: "New Eastern Europe, 'Pyongyang’s Russian sentiment', 2017-06-23".into(),
                url: Some("https://example.org/a?x=1&y=2".into()),
            },
        )])
    }

    fn json_of(date: &str) -> serde_json::Value {
        serde_json::to_value(slide(&event(date), &sources())).unwrap()
    }

    #[test]
    fn each_date_keeps_the_precision_the_archive_has() {
        let j = json_of("1961");
        assert_eq!(j["start_date"], json!({"year": 1961}));
        assert_eq!(j.get("end_date"), None);
        assert_eq!(j.get("display_date"), None);
        assert_eq!(
            json_of("2017-06")["start_date"],
            json!({"year": 2017, "month": 6})
        );
        assert_eq!(
            json_of("2017-06-23")["start_date"],
            json!({"year": 2017, "month": 6, "day": 23})
        );
        let span = json_of("2014-03/2015");
        assert_eq!(span["start_date"], json!({"year": 2014, "month": 3}));
        assert_eq!(span["end_date"], json!({"year": 2015}));
        assert_eq!(span.get("display_date"), None);
    }

    #[test]
    fn dates_timelinejs_cannot_show_are_put_in_words() {
        let words = |d: &str| json_of(d)["display_date"].clone();
        assert_eq!(words("2017~"), json!("about 2017"));
        assert_eq!(words("2014-06?"), json!("June 2014?"));
        assert_eq!(words("201X"), json!("the 2010s"));
        assert_eq!(words("1961/.."), json!("1961 onwards"));
        assert_eq!(words("1961/"), json!("from 1961 (end unknown)"));
        assert_eq!(
            words("[2017..2017-06-23]"),
            json!("between 2017 and 23 June 2017")
        );
        assert_eq!(words("2014%/2015"), json!("about 2014? to 2015"));
        let between = json_of("[2017..2017-06-23]");
        assert_eq!(
            between["end_date"],
            json!({"year": 2017, "month": 6, "day": 23})
        );
        let mut e = event("2017~");
        e.display_date = Some("spring 2017".into());
        assert_eq!(
            slide(&e, &sources()).display_date.as_deref(),
            Some("spring 2017")
        );
    }

    #[test]
    fn the_text_is_escaped_and_cites_its_source() {
        let j = json_of("1961");
        assert_eq!(j["unique_id"], json!("ev-1"));
        assert_eq!(j["group"], json!("Soviet Union"));
        assert_eq!(
            j["text"]["headline"],
            json!("A &lt;b&gt;treaty&lt;/b&gt; &amp; more")
        );
        assert_eq!(
            j["text"]["text"],
            json!(
                "<blockquote>They said &quot;no&quot;.<br>Then &lt;yes&gt;.</blockquote>\
                 <p>— <a href=\"https://example.org/a?x=1&amp;y=2\">New Eastern Europe, &#39;Pyongyang’s Russian sentiment&#39;, 2017-06-23</a>, para 3</p>"
            )
        );
        // An address that is not a web page is not made a link.
        let mut local = sources();
        local.insert(
            "src-b".into(),
            Source {
                cited_as: "Archive box 3".into(),
                url: Some("file:///box3.pdf".into()),
            },
        );
        let mut e = event("1961");
        e.source = "src-b".into();
        let j = serde_json::to_value(slide(&e, &local)).unwrap();
        assert!(
            j["text"]["text"]
                .as_str()
                .unwrap()
                .ends_with("</blockquote><p>— Archive box 3, para 3</p>")
        );
        let mut e = event("1961");
        e.actor = None;
        e.source = "src-unknown".into();
        let j = serde_json::to_value(slide(&e, &sources())).unwrap();
        assert_eq!(j.get("group"), None);
        assert!(
            j["text"]["text"]
                .as_str()
                .unwrap()
                .ends_with("— src-unknown, para 3</p>")
        );
    }
}
