//! The duplicate-event rule: two rows for one event, found among events with the same
//! actors and overlapping dates whose titles share most of their words.
//!
//! Comparing every two events with the same actors is quadratic, and an archive where
//! most events involve the same two states is common. So events are grouped by their
//! actors and swept in date order, and within a group two titles are compared only
//! if they share one of their rarest words: titles that share two thirds of their
//! words must share one of the first third of each title's words, rarest first (the
//! prefix filter of set-similarity joins). Only pairs that can match are compared.

use super::{Emit, Found, Level, RowRef, RustDef};
use crate::db::spec::Table;
use crate::db::written;
use crate::error::Result;
use rusqlite::Connection;
use std::collections::HashMap;

pub const DUPLICATE_EVENT: RustDef = RustDef {
    name: "duplicate-event",
    summary: "Events with the same actors, overlapping dates and nearly the same title",
    level: Level::Warn,
    explanation: "\
One event entered twice (from two sources, or twice from one) splits its citations
and counts twice in every timeline and report.

Two events are taken for one when they involve the same actors (the same set, in any
order; two events without actors count as the same), their dates overlap (2017~ and
[2017..2017-06-23] do; 2016 and 2017 do not), and their titles share at least two
thirds of their words: of all the words either title has, once case, plural endings,
possessives and small words (the, of, in, …) are set aside. \"China returns a
shipment of North Korean coal\" and \"China returns coal shipment\" share 4 of their
6 words. The SQL function similarity(a, b) gives the same measure, for rules of your
own.

Two events that are really two (two meetings of the same people in one year) need
titles that say what tells them apart.",
    run: duplicate_event,
};

/// What is compared of an event.
#[derive(Clone)]
struct Event {
    id: String,
    date: String,
    start: String,
    end: String,
    title: String,
    file: i64,
    line: i64,
}

/// Two events found to be one.
struct Pair {
    a: usize,
    b: usize,
    shared: usize,
    union: usize,
}

/// Whether two word sets are nearly the same: they share two thirds of their words.
fn near(shared: usize, union: usize) -> bool {
    3 * shared >= 2 * union
}

fn duplicate_event(conn: &Connection, emit: Emit<'_>) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT e.id, e.date, e.date_start, coalesce(e.date_end, '9999-12-31'), e.title, \
         e.csv_file, e.csv_line, \
         coalesce((SELECT group_concat(actor, ';') FROM \
                   (SELECT actor FROM event_actors WHERE event = e.id ORDER BY actor)), '') AS actors \
         FROM events e ORDER BY actors, e.date_start",
    )?;
    let mut rows = stmt.raw_query();
    let mut found: Vec<(Event, Event, String, usize, usize)> = Vec::new();
    let mut group: Vec<Event> = Vec::new();
    let mut key: Option<String> = None;
    let mut flush = |group: &mut Vec<Event>, key: &str| {
        for p in compare(group) {
            let (a, b) = (group[p.a].clone(), group[p.b].clone());
            found.push((a, b, key.to_string(), p.shared, p.union));
        }
        group.clear();
    };
    while let Some(r) = rows.next()? {
        let actors: String = r.get(7)?;
        if key.as_deref() != Some(actors.as_str()) {
            if let Some(k) = key.take() {
                flush(&mut group, &k);
            }
            key = Some(actors);
        }
        group.push(Event {
            id: r.get(0)?,
            date: r.get(1)?,
            start: r.get(2)?,
            end: r.get(3)?,
            title: r.get(4)?,
            file: r.get(5)?,
            line: r.get(6)?,
        });
    }
    if let Some(k) = key {
        flush(&mut group, &k);
    }
    for (a, b, _, _, _) in &mut found {
        if (b.file, b.line) < (a.file, a.line) {
            std::mem::swap(a, b);
        }
    }
    found.sort_by_key(|(a, b, _, _, _)| (a.file, a.line, b.file, b.line));
    for (a, b, actors, shared, union) in &found {
        let actors = if actors.is_empty() { "none" } else { actors };
        emit(&|| {
            Found {
            rows: vec![
                RowRef::at(Table::Events, &a.id, a.file, a.line),
                RowRef::at(Table::Events, &b.id, b.file, b.line),
            ],
            message: format!(
                "{} ({}) and {} ({}) have the same actors ({actors}), overlapping dates and nearly the same title, sharing {shared} of their {union} words: “{}” and “{}”",
                a.id, a.date, b.id, b.date, a.title, b.title
            ),
            fix: "If they are one event, keep one row and move the other's citation to citations.csv; if they are two, make their titles say what tells them apart.".into(),
        }
        })?;
    }
    Ok(())
}

/// The pairs of nearly the same title among events with the same actors, sorted by
/// the start of their dates.
fn compare(group: &[Event]) -> Vec<Pair> {
    if group.len() < 2 {
        return Vec::new();
    }
    // Words as numbers, and how many titles of the group have each.
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut freq: Vec<u32> = Vec::new();
    let words: Vec<Vec<u32>> = group
        .iter()
        .map(|e| {
            written::title_words(&e.title)
                .into_iter()
                .map(|w| {
                    let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                    let id = *ids.entry(w).or_insert(next);
                    if id as usize == freq.len() {
                        freq.push(0);
                    }
                    freq[id as usize] += 1;
                    id
                })
                .collect()
        })
        .collect();
    // Each title's words, rarest first; its prefix is what another title must share.
    let ordered: Vec<Vec<u32>> = words
        .iter()
        .map(|w| {
            let mut w = w.clone();
            w.sort_by_key(|t| (freq[*t as usize], *t));
            w
        })
        .collect();
    let prefix = |n: usize| n - (2 * n).div_ceil(3) + 1;
    let mut inverted: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut stamp = vec![usize::MAX; group.len()];
    let mut pairs = Vec::new();
    for (i, e) in group.iter().enumerate() {
        let mine = &ordered[i];
        if mine.is_empty() {
            continue;
        }
        let head = &mine[..prefix(mine.len()).min(mine.len())];
        for t in head {
            let Some(list) = inverted.get_mut(t) else {
                continue;
            };
            // Earlier events start no later than this one; those that end before it
            // starts can overlap nothing from here on.
            list.retain(|j| group[*j].end >= e.start);
            for j in list.iter().copied() {
                if stamp[j] == i {
                    continue;
                }
                stamp[j] = i;
                let shared = words[i].iter().filter(|w| words[j].contains(w)).count();
                let union = words[i].len() + words[j].len() - shared;
                if near(shared, union) {
                    pairs.push(Pair {
                        a: j,
                        b: i,
                        shared,
                        union,
                    });
                }
            }
        }
        for t in head {
            inverted.entry(*t).or_default().push(i);
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, start: &str, end: &str, title: &str) -> Event {
        Event {
            id: id.into(),
            date: start.into(),
            start: start.into(),
            end: end.into(),
            title: title.into(),
            file: 1,
            line: 2,
        }
    }

    fn pairs(group: &[Event]) -> Vec<(String, String)> {
        compare(group)
            .into_iter()
            .map(|p| (group[p.a].id.clone(), group[p.b].id.clone()))
            .collect()
    }

    #[test]
    fn nearly_the_same_titles_with_overlapping_dates_pair_up() {
        let group = [
            event(
                "a",
                "2017-01-01",
                "2017-12-31",
                "China returns a shipment of North Korean coal",
            ),
            event(
                "b",
                "2017-03-01",
                "2017-03-01",
                "Kim meets Putin in Vladivostok",
            ),
            event(
                "c",
                "2017-05-01",
                "2017-06-23",
                "China returns coal shipment",
            ),
            event("d", "2017-05-02", "2017-05-02", "Kim meets Putin in Moscow"),
            event(
                "e",
                "2018-01-01",
                "2018-12-31",
                "China returns a coal shipment",
            ),
        ];
        // a and c overlap and share 4 of 6 words; e is like both, but later than a
        // and c end; b and d share 3 of 5 words only.
        assert_eq!(pairs(&group), [("a".into(), "c".into())]);
        assert!(near(4, 6));
        assert!(!near(3, 5));
    }

    #[test]
    fn every_matching_pair_is_found_once_whatever_the_group_size() {
        // Many events with the same title and overlapping dates: every pair is one.
        let group: Vec<Event> = (0..30)
            .map(|i| {
                event(
                    &format!("e{i}"),
                    "2017-01-01",
                    "2017-12-31",
                    "Russia sends wheat flour",
                )
            })
            .collect();
        let found = pairs(&group);
        assert_eq!(found.len(), 30 * 29 / 2);
        let mut unique = found.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), found.len());
    }

    #[test]
    fn the_prefix_filter_misses_no_pair_a_full_comparison_finds() {
        let titles = [
            "Russia sends wheat flour to North Korea",
            "Russia sends flour to North Korea",
            "Russia sends wheat to North Korea",
            "North Korea receives wheat flour from Russia",
            "Russia sends fuel to North Korea",
            "Wheat flour arrives in North Korea",
            "Russia and North Korea sign a wheat deal",
        ];
        let group: Vec<Event> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| event(&format!("e{i}"), "2017-01-01", "2017-12-31", t))
            .collect();
        let mut expected = Vec::new();
        for i in 0..titles.len() {
            for j in 0..i {
                let s = written::similarity(titles[j], titles[i]);
                if s >= 2.0 / 3.0 - 1e-12 {
                    expected.push((format!("e{j}"), format!("e{i}")));
                }
            }
        }
        assert!(!expected.is_empty());
        let mut found = pairs(&group);
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }
}
