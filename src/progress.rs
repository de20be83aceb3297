//! Progress on standard error for long loads and exports, shown only to a person
//! watching a terminal: scripts and pipes see nothing, and `--quiet` turns it off.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress bar, or nothing when no one is watching.
pub struct Bar(Option<ProgressBar>);

/// Whether progress should be drawn: not quiet, and standard error is a terminal.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

impl Bar {
    pub fn hidden() -> Self {
        Bar(None)
    }

    /// A bar over a number of bytes (a load's input).
    pub fn bytes(show: bool, total: u64, what: &str) -> Self {
        Self::make(
            show,
            Some(total),
            "{msg} [{bar:32}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
            what,
        )
    }

    /// A bar over rows, or a counter when the total is unknown (an export).
    pub fn rows(show: bool, total: Option<u64>, what: &str) -> Self {
        let template = if total.is_some() {
            "{msg} [{bar:32}] {human_pos}/{human_len} rows, {eta} left"
        } else {
            "{spinner} {msg} {human_pos} rows"
        };
        Self::make(show, total, template, what)
    }

    fn make(show: bool, total: Option<u64>, template: &str, what: &str) -> Self {
        if !show {
            return Bar::hidden();
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(125));
        Bar(Some(bar))
    }

    /// Sets how much there is to do.
    pub fn set_length(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_length(n);
        }
    }

    pub fn set_position(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Says what is being done now, as a spinner: for steps with no measure.
    pub fn step(&self, what: &str) {
        if let Some(b) = &self.0 {
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                b.set_style(style);
            }
            b.set_message(what.to_string());
        }
    }

    /// Removes the bar, leaving the terminal as it was.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
