//! Progress reporting: an indicatif bar on a terminal, sparse plain log lines otherwise, or
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, else log lines.
    Auto,
    /// Nothing but warnings and errors.
    Quiet,
}

/// Progress of one pass over the chunks of a stack.
pub struct Progress {
    bar: Option<ProgressBar>,
    log: bool,
    label: String,
    total_chunks: u64,
    total_pixels: u64,
    done_pixels: AtomicU64,
    last_logged_tenth: AtomicU64,
    start: Instant,
}

impl Progress {
    /// Starts reporting a pass named `label` over `chunks` chunks holding `pixels` pixels.
    pub fn new(mode: ProgressMode, label: &str, chunks: usize, pixels: usize) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (mode == ProgressMode::Auto && terminal).then(|| {
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
        Progress {
            bar,
            log: mode == ProgressMode::Auto && !terminal,
            label: label.to_string(),
            total_chunks: chunks as u64,
            total_pixels: pixels as u64,
            done_pixels: AtomicU64::new(0),
            last_logged_tenth: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// Records one finished chunk of `pixels` pixels.
    pub fn chunk_done(&self, pixels: usize) {
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

    /// Ends the pass.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let _ = self.total_chunks;
    }

    /// Prints an informational line unless quiet (above the bar when one is shown).
    pub fn info(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None if self.log => eprintln!("{line}"),
            None => {}
        }
    }
}
