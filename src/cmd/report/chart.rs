//! The timeline chart of an HTML report: inline SVG with time across and one lane per
//! actor, each event a mark whose shape says what its date means.
//!
//! A point date is a dot, a span a bar from its first to its last day, "once, sometime
//! between" a bracketed line, and an open span a bar that runs to the end with an
//! arrow. Uncertain or approximate dates are hollow or dashed. The chart must stay
//! readable for thousands of events: lanes are capped (the rest share "others"), and
//! marks that would collide are stacked in rows within their lane, up to a total
//! height, past which crowded lanes overlap and the caption says so.

use super::esc;
use crate::db::dates::{Date, Day, Kind};
use std::collections::HashMap;
use std::io::{self, Write};

/// One event as the chart needs it.
pub struct Event<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub date: &'a str,
    pub when: Option<Date>,
    pub actors: &'a [String],
}

const WIDTH: f64 = 1000.0;
const PLOT_X0: f64 = 200.0;
const PLOT_X1: f64 = 978.0;
const AXIS_H: f64 = 28.0;
const ROW_H: f64 = 12.0;
const LANE_PAD: f64 = 5.0;
const LEGEND_H: f64 = 40.0;
const DOT_R: f64 = 4.5;
const BAR_H: f64 = 7.0;
/// Actors with a lane of their own; one more is shown rather than an "others" of one.
const MAX_LANES: usize = 12;
/// Rows of marks in all lanes together, before crowded lanes are capped.
const ROW_BUDGET: usize = 72;
/// Marks wider than this (in px) are stacked after the short ones.
const LONG_MARK: f64 = 40.0;
/// Characters of a lane label before it is cut (the full name is in its tooltip).
const LABEL_CHARS: usize = 20;

const PALETTE: [&str; 10] = [
    "#1f5f9f", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#138d90", "#7d5a3c", "#c2185b",
    "#4f6d1a", "#5b4fb0",
];
const OTHERS_COLOUR: &str = "#6b6b6b";
const NO_ACTOR_COLOUR: &str = "#333333";

/// A day as a number, for positions on the axis.
fn day_number(d: Day) -> i64 {
    chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .map_or(0, |n| i64::from(chrono::Datelike::num_days_from_ce(&n)))
}

/// The first day of a month, counted in months from year 0.
fn month_day_number(month_index: i64) -> i64 {
    let year = i32::try_from(month_index.div_euclid(12)).unwrap_or(9999);
    let month = u32::try_from(month_index.rem_euclid(12) + 1).unwrap_or(1);
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map_or(0, |n| i64::from(chrono::Datelike::num_days_from_ce(&n)))
}

fn month_index(d: Day) -> i64 {
    i64::from(d.year) * 12 + i64::from(d.month) - 1
}

struct Axis {
    start: i64,
    end: i64,
    /// Labelled ticks: day number and label.
    ticks: Vec<(i64, String)>,
    /// Unlabelled ticks (every year, or every month, between labels).
    minor: Vec<i64>,
}

impl Axis {
    /// An axis from `lo` to `hi` (both days inclusive), in whole years when the range
    /// spans two years or more, otherwise in whole months; ticks spaced so that their
    /// labels never touch: every 1, 2, 5, 10, 20, 50… years, or 1, 2, 3, 6 months.
    fn new(lo: Day, hi: Day) -> Axis {
        let yearly = hi.year.saturating_sub(lo.year) >= 2;
        let (m0, m1) = if yearly {
            (i64::from(lo.year) * 12, (i64::from(hi.year) + 1) * 12)
        } else {
            (month_index(lo), month_index(hi) + 1)
        };
        let months = (m1 - m0).max(1);
        let px_per_month = (PLOT_X1 - PLOT_X0) / months as f64;
        let candidates: &[i64] = if yearly {
            &[12, 24, 60, 120, 240, 600, 1200, 2400, 6000]
        } else {
            &[1, 2, 3, 6, 12]
        };
        // A year label is about 30 px wide at 12 px, a month label ("2016-06") about 50.
        let gap = |step: i64| if step >= 12 { 48.0 } else { 72.0 };
        let step = candidates
            .iter()
            .copied()
            .find(|s| *s as f64 * px_per_month >= gap(*s))
            .unwrap_or(12_000);
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        for m in m0..=m1 {
            let day = month_day_number(m);
            if m.rem_euclid(step) == 0 {
                let label = if step >= 12 {
                    format!("{}", m.div_euclid(12))
                } else {
                    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
                };
                ticks.push((day, label));
            } else {
                // Years between labelled years, or months between labelled months,
                // when there is room for them.
                let yearly_minor = step > 12 && m.rem_euclid(12) == 0 && px_per_month * 12.0 >= 4.0;
                let monthly_minor = step > 1 && step <= 12 && px_per_month >= 4.0;
                if yearly_minor || monthly_minor {
                    minor.push(day);
                }
            }
        }
        Axis {
            start: month_day_number(m0),
            end: month_day_number(m1).max(month_day_number(m0) + 1),
            ticks,
            minor,
        }
    }

    fn x(&self, day: i64) -> f64 {
        let f = (day - self.start) as f64 / (self.end - self.start) as f64;
        (PLOT_X0 + f * (PLOT_X1 - PLOT_X0)).clamp(PLOT_X0, PLOT_X1)
    }
}

/// How a mark is drawn.
#[derive(Clone, Copy)]
enum Shape {
    /// A dot at the middle of the date, over a faint line across the days it may be.
    Dot {
        cx: f64,
        x1: f64,
        x2: f64,
    },
    Bar {
        x1: f64,
        x2: f64,
        open: bool,
    },
    Range {
        x1: f64,
        x2: f64,
    },
}

impl Shape {
    fn of(when: &Date, axis: &Axis) -> Shape {
        let start = day_number(when.start);
        let end = when.end.map(|e| day_number(e) + 1);
        let widen = |x1: f64, x2: f64, min: f64| {
            if x2 - x1 >= min {
                (x1, x2)
            } else {
                let mid = (x1 + x2) / 2.0;
                let lo = (mid - min / 2.0).max(PLOT_X0);
                (lo, (lo + min).min(PLOT_X1))
            }
        };
        match (when.kind, end) {
            (Kind::Point, Some(end)) => Shape::Dot {
                cx: axis.x((start + end) / 2),
                x1: axis.x(start),
                x2: axis.x(end),
            },
            (Kind::Point, None) => Shape::Dot {
                cx: axis.x(start),
                x1: axis.x(start),
                x2: axis.x(start),
            },
            (Kind::Span, _) => {
                let (x1, x2) = widen(axis.x(start), axis.x(end.unwrap_or(axis.end)), 4.0);
                Shape::Bar {
                    x1,
                    x2,
                    open: end.is_none(),
                }
            }
            (Kind::Between, _) => {
                let (x1, x2) = widen(axis.x(start), axis.x(end.unwrap_or(axis.end)), 6.0);
                Shape::Range { x1, x2 }
            }
        }
    }

    /// The horizontal room the mark takes, for stacking.
    fn extent(&self) -> (f64, f64) {
        match *self {
            Shape::Dot { cx, .. } => (cx - DOT_R - 1.5, cx + DOT_R + 1.5),
            Shape::Bar { x1, x2, open } => (x1 - 1.5, x2 + if open { 8.0 } else { 1.5 }),
            Shape::Range { x1, x2 } => (x1 - 1.5, x2 + 1.5),
        }
    }
}

struct Lane {
    label: String,
    /// The lane's tooltip: the full name and id.
    about: String,
    colour: &'static str,
    events: Vec<usize>,
}

/// One lane per actor, most frequent first; past the cap, the rest share "others";
/// events with no actor get a lane of their own.
fn lanes(events: &[Event<'_>], names: &HashMap<String, String>) -> (Vec<Lane>, usize) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in events {
        for a in e.actors {
            *counts.entry(a.as_str()).or_default() += 1;
        }
    }
    let mut actors: Vec<(&str, usize)> = counts.into_iter().collect();
    actors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let shown = if actors.len() <= MAX_LANES + 1 {
        actors.len()
    } else {
        MAX_LANES
    };
    let hidden = actors.len() - shown;
    let mut lanes: Vec<Lane> = actors[..shown]
        .iter()
        .enumerate()
        .map(|(i, (id, n))| {
            let name = names.get(*id).map_or(*id, String::as_str);
            Lane {
                label: format!("{} ({n})", cut(name, LABEL_CHARS)),
                about: format!(
                    "{name} ({id}): {n} {}",
                    if *n == 1 { "event" } else { "events" }
                ),
                colour: PALETTE[i % PALETTE.len()],
                events: Vec::new(),
            }
        })
        .collect();
    let lane_of: HashMap<&str, usize> = actors[..shown]
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut others = Vec::new();
    let mut nobody = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.actors.is_empty() {
            nobody.push(i);
        }
        let mut in_others = false;
        for a in e.actors {
            match lane_of.get(a.as_str()) {
                Some(l) => lanes[*l].events.push(i),
                None => in_others = true,
            }
        }
        if in_others {
            others.push(i);
        }
    }
    if hidden > 0 {
        lanes.push(Lane {
            label: format!("others ({})", others.len()),
            about: format!(
                "events involving any of the {hidden} actors without a lane of their own: {}",
                others.len()
            ),
            colour: OTHERS_COLOUR,
            events: others,
        });
    }
    if !nobody.is_empty() {
        lanes.push(Lane {
            label: format!("no actor ({})", nobody.len()),
            about: "events with no actor".into(),
            colour: NO_ACTOR_COLOUR,
            events: nobody,
        });
    }
    (lanes, hidden)
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Gives each extent a row so that no two in a row overlap, using at most `cap` rows;
/// past that, a mark goes in the row that frees up first, overlapping. Short marks
/// are placed first, so that dots take the top rows and stay visible while long bars
/// fill the rows below. Returns each extent's row and the rows used.
fn pack(extents: &[(f64, f64)], cap: usize) -> (Vec<usize>, usize) {
    let long = |i: usize| extents[i].1 - extents[i].0 > LONG_MARK;
    let mut order: Vec<usize> = (0..extents.len()).collect();
    order.sort_by(|a, b| {
        long(*a)
            .cmp(&long(*b))
            .then_with(|| extents[*a].0.total_cmp(&extents[*b].0))
    });
    let mut ends: Vec<f64> = Vec::new();
    let mut rows = vec![0; extents.len()];
    for i in order {
        let (x1, x2) = extents[i];
        let row = match ends.iter().position(|end| *end <= x1) {
            Some(r) => r,
            None if ends.len() < cap.max(1) => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
            None => ends
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(r, _)| r),
        };
        ends[row] = ends[row].max(x2);
        rows[i] = row;
    }
    (rows, ends.len().max(1))
}

/// The largest per-lane cap that keeps all lanes within the row budget.
fn row_cap(needs: &[usize]) -> usize {
    let most = needs.iter().copied().max().unwrap_or(1);
    if needs.iter().sum::<usize>() <= ROW_BUDGET {
        return most;
    }
    (1..=most)
        .rev()
        .find(|c| needs.iter().map(|n| (*n).min(*c)).sum::<usize>() <= ROW_BUDGET)
        .unwrap_or(1)
}

/// Writes the chart and its caption, as a <figure>.
pub fn figure(
    s: &mut dyn Write,
    events: &[Event<'_>],
    names: &HashMap<String, String>,
    from: Option<Day>,
    to: Option<Day>,
    today: Day,
) -> io::Result<()> {
    let dated: Vec<&Date> = events.iter().filter_map(|e| e.when.as_ref()).collect();
    if dated.is_empty() {
        return write!(s, "<p class=\"chart\">No event to chart.</p>");
    }
    let lo = from.unwrap_or_else(|| dated.iter().map(|d| d.start).min().unwrap_or(today));
    let hi = to.unwrap_or_else(|| {
        dated
            .iter()
            .map(|d| d.end.unwrap_or(today).max(d.start))
            .max()
            .unwrap_or(today)
    });
    let axis = Axis::new(lo, hi.max(lo));
    let (lanes, hidden) = lanes(events, names);

    // Stack each lane's marks in rows, within the budget.
    let shapes: Vec<Option<Shape>> = events
        .iter()
        .map(|e| e.when.as_ref().map(|w| Shape::of(w, &axis)))
        .collect();
    let extents: Vec<Vec<(f64, f64)>> = lanes
        .iter()
        .map(|l| {
            l.events
                .iter()
                .map(|i| shapes[*i].map_or((0.0, 0.0), |s| s.extent()))
                .collect()
        })
        .collect();
    let needs: Vec<usize> = extents.iter().map(|x| pack(x, usize::MAX).1).collect();
    let cap = row_cap(&needs);
    let packed: Vec<(Vec<usize>, usize)> = extents.iter().map(|x| pack(x, cap)).collect();
    let crowded = needs.iter().filter(|n| **n > cap).count();

    let mut tops = Vec::with_capacity(lanes.len());
    let mut y = AXIS_H + 6.0;
    for (_, rows) in &packed {
        tops.push(y);
        y += *rows as f64 * ROW_H + 2.0 * LANE_PAD;
    }
    let plot_bottom = y;
    let height = plot_bottom + AXIS_H + LEGEND_H;

    writeln!(s, "<figure class=\"chart\">")?;
    writeln!(
        s,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"Timeline chart of {} events, one lane per actor\">",
        events.len()
    )?;

    // Lanes: alternate bands and labels.
    writeln!(s, "<g class=\"lanes\">")?;
    for (i, lane) in lanes.iter().enumerate() {
        let top = tops[i];
        let h = packed[i].1 as f64 * ROW_H + 2.0 * LANE_PAD;
        let fill = if i % 2 == 0 { "#f4f5f7" } else { "#ffffff" };
        writeln!(
            s,
            "<rect x=\"0\" y=\"{top:.1}\" width=\"{WIDTH}\" height=\"{h:.1}\" fill=\"{fill}\"/>"
        )?;
        writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" fill=\"{}\">{}<title>{}</title></text>",
            PLOT_X0 - 12.0,
            top + LANE_PAD + ROW_H / 2.0 + 4.0,
            lane.colour,
            esc(&lane.label),
            esc(&lane.about)
        )?;
    }
    writeln!(s, "</g>")?;

    // Grid and axis labels, above and below the lanes.
    writeln!(s, "<g class=\"axis\" font-size=\"12\" fill=\"#444\">")?;
    for day in &axis.minor {
        let x = axis.x(*day);
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-width=\"0.6\"/><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-width=\"0.6\"/>",
            AXIS_H + 2.0,
            AXIS_H + 6.0,
            plot_bottom,
            plot_bottom + 4.0
        )?;
    }
    for (day, label) in &axis.ticks {
        let x = axis.x(*day);
        writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#c9ccd1\" stroke-width=\"1\"/>",
            AXIS_H,
            plot_bottom + 6.0
        )?;
        // A label centred on the last tick would run off the right edge.
        let anchor = if x + label.len() as f64 * 3.6 > WIDTH - 2.0 {
            "end"
        } else {
            "middle"
        };
        writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            AXIS_H - 8.0,
            esc(label),
            plot_bottom + 19.0,
            esc(label)
        )?;
    }
    writeln!(s, "</g>")?;

    // Marks: each event once in each of its lanes; dots last, so that bars never hide them.
    writeln!(s, "<g class=\"marks\">")?;
    for dots in [false, true] {
        for (l, lane) in lanes.iter().enumerate() {
            for (k, i) in lane.events.iter().enumerate() {
                let e = &events[*i];
                let (Some(shape), Some(when)) = (shapes[*i], e.when.as_ref()) else {
                    continue;
                };
                if matches!(shape, Shape::Dot { .. }) != dots {
                    continue;
                }
                let cy = tops[l] + LANE_PAD + packed[l].0[k] as f64 * ROW_H + ROW_H / 2.0;
                mark(s, e, when, shape, cy, lane.colour)?;
            }
        }
    }
    writeln!(s, "</g>")?;
    legend(s, plot_bottom + AXIS_H + 8.0)?;
    writeln!(s, "</svg>")?;

    let mut caption = format!(
        "{} {} in {} {}: one lane per actor, with its number of events; an event with several actors appears in each of their lanes.",
        events.len(),
        if events.len() == 1 { "event" } else { "events" },
        lanes.len(),
        if lanes.len() == 1 { "lane" } else { "lanes" },
    );
    if hidden > 0 {
        caption.push_str(&format!(
            " Only the {MAX_LANES} actors with most events have a lane of their own; events involving any of the other {hidden} actors appear under “others”."
        ));
    }
    if crowded > 0 {
        caption.push_str(&format!(
            " {crowded} crowded {} stacked at most {cap} rows deep, so some marks there overlap.",
            if crowded == 1 { "lane is" } else { "lanes are" }
        ));
    }
    caption.push_str(" Hover over a mark for the event’s title and date.");
    writeln!(s, "<figcaption>{}</figcaption>", esc(&caption))?;
    write!(s, "</figure>")
}

fn mark(
    s: &mut dyn Write,
    e: &Event<'_>,
    when: &Date,
    shape: Shape,
    cy: f64,
    colour: &str,
) -> io::Result<()> {
    let vague = when.uncertain || when.approx;
    let kind = match shape {
        Shape::Dot { .. } => "point",
        Shape::Bar { open: true, .. } => "span open",
        Shape::Bar { .. } => "span",
        Shape::Range { .. } => "between",
    };
    write!(
        s,
        "<g class=\"mark {kind}{}\" data-event=\"{}\">",
        if vague { " vague" } else { "" },
        esc(e.id)
    )?;
    match shape {
        Shape::Dot { cx, x1, x2 } => {
            // A year on a chart of months, or a decade on a chart of years, is not
            // the day at its middle: the faint line says how long it could be.
            if x2 - x1 > 2.0 * DOT_R + 2.0 {
                write!(
                    s,
                    "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"2.5\" fill=\"{colour}\" fill-opacity=\"0.3\"/>",
                    cy - 1.25,
                    x2 - x1
                )?;
            }
            let fill = if vague { "#ffffff" } else { colour };
            write!(
                s,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{DOT_R}\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.6\"/>"
            )?;
        }
        Shape::Bar { x1, x2, open } => {
            let style = if vague {
                format!(
                    "fill=\"{colour}\" fill-opacity=\"0.18\" stroke=\"{colour}\" stroke-width=\"1.4\" stroke-dasharray=\"3 2\""
                )
            } else {
                format!("fill=\"{colour}\" fill-opacity=\"0.6\"")
            };
            write!(
                s,
                "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR_H}\" rx=\"2\" {style}/>",
                cy - BAR_H / 2.0,
                (x2 - x1).max(1.0)
            )?;
            if open {
                write!(
                    s,
                    "<path d=\"M{:.1} {:.1} L{:.1} {cy:.1} L{:.1} {:.1} Z\" fill=\"{colour}\"/>",
                    x2,
                    cy - 5.5,
                    x2 + 7.0,
                    x2,
                    cy + 5.5
                )?;
            }
        }
        Shape::Range { x1, x2 } => {
            let dash = if vague {
                " stroke-dasharray=\"3 2\""
            } else {
                ""
            };
            write!(
                s,
                "<path d=\"M{x1:.1} {:.1} V{:.1} M{x1:.1} {cy:.1} H{x2:.1} M{x2:.1} {:.1} V{:.1}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
                cy - 4.5,
                cy + 4.5,
                cy - 4.5,
                cy + 4.5
            )?;
        }
    }
    writeln!(s, "<title>{}\n{}</title></g>", esc(e.title), esc(e.date))
}

/// Draws a legend sample at an x position.
type Sample<'a> = &'a dyn Fn(f64) -> String;

/// What each kind of mark means, drawn below the axis, left to right.
fn legend(s: &mut dyn Write, y: f64) -> io::Result<()> {
    let c = "#444";
    let cy = y + 10.0;
    writeln!(s, "<g class=\"legend\" font-size=\"12\" fill=\"#333\">")?;
    let mut x = 16.0;
    let items: [(&str, f64, Sample<'_>); 5] = [
        ("a date, within its month, year or decade", 22.0, &|x| {
            format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"2.5\" fill=\"{c}\" fill-opacity=\"0.3\"/><circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"{DOT_R}\" fill=\"{c}\"/>",
                cy - 1.25,
                x + 11.0
            )
        }),
        ("from … to …", 22.0, &|x| {
            format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"{BAR_H}\" rx=\"2\" fill=\"{c}\"/>",
                cy - BAR_H / 2.0
            )
        }),
        ("once, between", 22.0, &|x| {
            format!(
                "<path d=\"M{x:.1} {0:.1} V{1:.1} M{x:.1} {cy:.1} H{2:.1} M{2:.1} {0:.1} V{1:.1}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
                cy - 4.5,
                cy + 4.5,
                x + 22.0
            )
        }),
        ("still going", 24.0, &|x| {
            format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"17\" height=\"{BAR_H}\" rx=\"2\" fill=\"{c}\"/><path d=\"M{:.1} {:.1} L{:.1} {cy:.1} L{:.1} {:.1} Z\" fill=\"{c}\"/>",
                cy - BAR_H / 2.0,
                x + 17.0,
                cy - 5.5,
                x + 24.0,
                x + 17.0,
                cy + 5.5
            )
        }),
        ("uncertain or approximate", 36.0, &|x| {
            format!(
                "<circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"{DOT_R}\" fill=\"#fff\" stroke=\"{c}\" stroke-width=\"1.6\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"20\" height=\"{BAR_H}\" rx=\"2\" fill=\"{c}\" fill-opacity=\"0.18\" stroke=\"{c}\" stroke-width=\"1.4\" stroke-dasharray=\"3 2\"/>",
                x + 5.0,
                x + 16.0,
                cy - BAR_H / 2.0
            )
        }),
    ];
    for (label, width, sample) in items {
        writeln!(
            s,
            "{}<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            sample(x),
            x + width + 6.0,
            cy + 4.0,
            esc(label)
        )?;
        // About 6.6 px a character at 12 px, and a gap before the next sample.
        x += width + 6.0 + label.chars().count() as f64 * 6.6 + 28.0;
    }
    writeln!(s, "</g>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: u16, month: u8, day: u8) -> Day {
        Day { year, month, day }
    }

    fn labels(lo: Day, hi: Day) -> Vec<String> {
        Axis::new(lo, hi)
            .ticks
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    }

    #[test]
    fn ticks_are_spaced_so_labels_never_touch() {
        // 1961 to today: a label every 5 years on the chart's width.
        assert_eq!(
            labels(day(1961, 1, 1), day(2026, 6, 1)),
            [
                "1965", "1970", "1975", "1980", "1985", "1990", "1995", "2000", "2005", "2010",
                "2015", "2020", "2025"
            ]
        );
        assert_eq!(
            labels(day(2014, 1, 1), day(2016, 12, 31)),
            ["2014", "2015", "2016", "2017"]
        );
        assert_eq!(
            labels(day(1000, 1, 1), day(2026, 1, 1))
                .first()
                .map(String::as_str),
            Some("1000")
        );
        let months = labels(day(2016, 3, 1), day(2016, 8, 31));
        assert_eq!(
            months,
            [
                "2016-03", "2016-04", "2016-05", "2016-06", "2016-07", "2016-08", "2016-09"
            ]
        );
        for (lo, hi) in [
            (day(1961, 1, 1), day(2026, 1, 1)),
            (day(1900, 1, 1), day(2026, 1, 1)),
            (day(2000, 1, 1), day(2003, 1, 1)),
            (day(2016, 1, 1), day(2017, 12, 31)),
        ] {
            let axis = Axis::new(lo, hi);
            for w in axis.ticks.windows(2) {
                assert!(axis.x(w[1].0) - axis.x(w[0].0) >= 48.0, "{lo}..{hi}");
            }
        }
    }

    #[test]
    fn packing_stacks_collisions_and_caps_rows() {
        let same = [(10.0, 20.0), (12.0, 22.0), (30.0, 40.0), (11.0, 21.0)];
        let (rows, used) = pack(&same, usize::MAX);
        assert_eq!(used, 3);
        assert_eq!(rows, [0, 2, 0, 1]);
        // A long bar goes below the dots that share its time.
        let mixed = [(0.0, 500.0), (10.0, 20.0), (30.0, 40.0)];
        assert_eq!(pack(&mixed, usize::MAX).0, [1, 0, 0]);
        let (rows, used) = pack(&same, 2);
        assert_eq!(used, 2);
        assert!(rows.iter().all(|r| *r < 2));
        assert_eq!(row_cap(&[3, 2]), 3);
        assert!(row_cap(&[100, 100, 5]) * 2 + 5 <= ROW_BUDGET);
    }
}
