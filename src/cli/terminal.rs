//! The command line's reporter: lines on stderr (informational ones dropped with `--quiet`), and
//! the progress of a pass as an indicatif bar on a terminal, sparse plain log lines otherwise, or
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::report::{Level, PassSink, ReportSink, Reporter};

/// Reports to stderr; `quiet` keeps only notes and warnings.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// Only notes and warnings (`--quiet`).
    pub quiet: bool,
}

impl Terminal {
    /// A library reporter over the terminal.
    pub fn reporter(quiet: bool) -> Reporter {
        Reporter::new(Terminal { quiet })
    }
}

impl ReportSink for Terminal {
    fn line(&self, level: Level, text: &str) {
        match level {
            Level::Info if self.quiet => {}
            Level::Info => eprintln!("{text}"),
            Level::Note => eprintln!("note: {text}"),
            Level::Warn => eprintln!("warning: {text}"),
        }
    }

    fn pass(&self, label: &str, chunks: usize, pixels: usize) -> Box<dyn PassSink> {
        Box::new(TerminalPass::new(self.quiet, label, chunks, pixels))
    }
}

/// Progress of one pass over the chunks of a stack.
struct TerminalPass {
    bar: Option<ProgressBar>,
    log: bool,
    label: String,
    total_pixels: u64,
    done_pixels: AtomicU64,
    last_logged_tenth: AtomicU64,
    start: Instant,
}

impl TerminalPass {
    fn new(quiet: bool, label: &str, chunks: usize, pixels: usize) -> TerminalPass {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(chunks as u64);
            let style = ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {pos}/{len} chunks {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        TerminalPass {
            bar,
            log: !quiet && !terminal,
            label: label.to_string(),
            total_pixels: pixels as u64,
            done_pixels: AtomicU64::new(0),
            last_logged_tenth: AtomicU64::new(0),
            start: Instant::now(),
        }
    }
}

impl PassSink for TerminalPass {
    fn chunk_done(&self, pixels: usize) {
        let done = self.done_pixels.fetch_add(pixels as u64, Ordering::Relaxed) + pixels as u64;
        let rate = done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{:.0} pixels/s", rate));
            bar.inc(1);
        } else if self.log && self.total_pixels > 0 {
            let tenth = done * 10 / self.total_pixels;
            let prev = self.last_logged_tenth.fetch_max(tenth, Ordering::Relaxed);
            if tenth > prev {
                eprintln!(
                    "{}: {}% ({} of {} pixels, {:.0} pixels/s)",
                    self.label,
                    tenth * 10,
                    done,
                    self.total_pixels,
                    rate
                );
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn info(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None if self.log => eprintln!("{line}"),
            None => {}
        }
    }
}
