//! Everything dossier prints on standard output goes through here.

use std::io::{self, BufWriter, Write};

/// The destination of a command's output.
pub struct Output {
    w: Box<dyn Write>,
}

impl Output {
    pub fn stdout() -> Self {
        Output {
            w: Box::new(BufWriter::new(io::stdout().lock())),
        }
    }

    /// An output that collects into a buffer, for tests.
    #[cfg(test)]
    pub fn to(w: Box<dyn Write>) -> Self {
        Output { w }
    }

    /// Writes one line of a human-readable message.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.w, "{text}")
    }

    /// Writes rows of cells as columns; a column whose cells (after the first row,
    /// its header) all start with a digit is right-aligned, so that counts line up.
    pub fn columns(&mut self, rows: &[Vec<String>]) -> io::Result<()> {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; width];
        let mut numeric = vec![true; width];
        for (r, row) in rows.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
                if r > 0 && !cell.starts_with(|c: char| c.is_ascii_digit()) {
                    numeric[i] = false;
                }
            }
        }
        for row in rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                if i > 0 {
                    line.push_str("  ");
                }
                if numeric[i] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i + 1 < row.len() {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            writeln!(self.w, "{}", line.trim_end())?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn columns_align_text_left_and_numbers_right() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let mut out = Output::to(Box::new(Shared(buf.clone())));
        out.columns(&[
            vec!["table".into(), "rows".into()],
            vec!["sources".into(), "10".into()],
            vec!["citations".into(), "112".into()],
        ])
        .unwrap();
        out.finish().unwrap();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "table      rows\nsources      10\ncitations   112\n");
    }
}
