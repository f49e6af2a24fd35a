//! What a long call tells its caller while it runs: informational lines, notes, warnings, and
//! the progress of passes over chunks. The library never prints: the command line hands in a
//! terminal reporter (`cli::terminal`), tests a [`Recorder`], and a library user whatever suits
//! them ([`Reporter::silent`] by default).

use std::fmt;
use std::sync::{Arc, Mutex};

/// How much a line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// What is going on; a quiet reporter drops it.
    Info,
    /// Something the user may want to know about their data, shown even when quiet.
    Note,
    /// Something that may make a result less than the user expects, shown even when quiet.
    Warn,
}

/// Where a [`Reporter`] sends what it is told.
pub trait ReportSink: Send + Sync {
    /// One line of text at `level` (without a `warning:`/`note:` prefix).
    fn line(&self, level: Level, text: &str);
    /// Starts showing the progress of a pass named `label` over `chunks` chunks of `pixels`
    /// pixels in all.
    fn pass(&self, label: &str, chunks: usize, pixels: usize) -> Box<dyn PassSink>;
}

/// The progress display of one pass.
pub trait PassSink: Send + Sync {
    /// One more chunk of `pixels` pixels is done.
    fn chunk_done(&self, pixels: usize);
    /// An informational line shown without disturbing the display (above a bar).
    fn info(&self, line: &str);
    /// The pass is over.
    fn finish(&self);
}

/// The handle library calls report through; cheap to clone.
#[derive(Clone)]
pub struct Reporter {
    sink: Arc<dyn ReportSink>,
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reporter")
    }
}

impl Default for Reporter {
    fn default() -> Self {
        Reporter::silent()
    }
}

impl Reporter {
    /// A reporter over `sink`.
    pub fn new(sink: impl ReportSink + 'static) -> Reporter {
        Reporter {
            sink: Arc::new(sink),
        }
    }

    /// A reporter that drops everything.
    pub fn silent() -> Reporter {
        Reporter::new(Silent)
    }

    /// An informational line.
    pub fn info(&self, line: impl AsRef<str>) {
        self.sink.line(Level::Info, line.as_ref());
    }

    /// A note about the data.
    pub fn note(&self, line: impl AsRef<str>) {
        self.sink.line(Level::Note, line.as_ref());
    }

    /// A warning.
    pub fn warn(&self, line: impl AsRef<str>) {
        self.sink.line(Level::Warn, line.as_ref());
    }

    /// The progress of a pass named `label` over `chunks` chunks holding `pixels` pixels.
    pub fn progress(&self, label: &str, chunks: usize, pixels: usize) -> Progress {
        Progress(self.sink.pass(label, chunks, pixels))
    }
}

/// The progress of one pass over the chunks of a stack.
pub struct Progress(Box<dyn PassSink>);

impl Progress {
    /// A progress that shows nothing.
    pub fn hidden() -> Progress {
        Progress(Box::new(Silent))
    }

    /// Records one finished chunk of `pixels` pixels.
    pub fn chunk_done(&self, pixels: usize) {
        self.0.chunk_done(pixels);
    }

    /// An informational line (above the bar when one is shown).
    pub fn info(&self, line: &str) {
        self.0.info(line);
    }

    /// Ends the pass.
    pub fn finish(&self) {
        self.0.finish();
    }
}

/// Drops everything.
struct Silent;

impl ReportSink for Silent {
    fn line(&self, _: Level, _: &str) {}
    fn pass(&self, _: &str, _: usize, _: usize) -> Box<dyn PassSink> {
        Box::new(Silent)
    }
}

impl PassSink for Silent {
    fn chunk_done(&self, _: usize) {}
    fn info(&self, _: &str) {}
    fn finish(&self) {}
}

/// Keeps every line it is told, for tests and for callers that show them later.
#[derive(Clone, Default)]
pub struct Recorder {
    lines: Arc<Mutex<Vec<(Level, String)>>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// A reporter that records into this recorder.
    pub fn reporter(&self) -> Reporter {
        Reporter::new(self.clone())
    }

    /// The lines recorded so far.
    pub fn lines(&self) -> Vec<(Level, String)> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The recorded lines of `level`.
    pub fn at(&self, level: Level) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, t)| t)
            .collect()
    }
}

impl ReportSink for Recorder {
    fn line(&self, level: Level, text: &str) {
        if let Ok(mut l) = self.lines.lock() {
            l.push((level, text.to_string()));
        }
    }

    fn pass(&self, _: &str, _: usize, _: usize) -> Box<dyn PassSink> {
        Box::new(Silent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_keeps_lines_by_level() {
        let rec = Recorder::new();
        let r = rec.reporter();
        r.info("a");
        r.warn("b");
        r.note("c");
        r.clone().info("d");
        assert_eq!(rec.at(Level::Info), vec!["a", "d"]);
        assert_eq!(rec.at(Level::Warn), vec!["b"]);
        assert_eq!(rec.at(Level::Note), vec!["c"]);
        let p = r.progress("x", 2, 10);
        p.chunk_done(5);
        p.finish();
        assert_eq!(rec.lines().len(), 4, "a pass adds no lines");
    }
}
