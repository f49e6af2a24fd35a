//! ROI_PAC-style `.rsc` metadata files: one `KEY value` pair per line.

use std::path::Path;

use anyhow::{bail, Context};

use crate::meta::Attributes;

/// Reads a `.rsc` file. Blank lines and `#` comments are skipped; a line with a key but no
/// value is an error naming the file and line.
pub fn read_rsc(path: &Path) -> anyhow::Result<Attributes> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read metadata file {}", path.display()))?;
    rsc_text(&text, path)
}

/// Parses `.rsc` metadata given as text (messages name the text `<string>`). The entry point
/// of the `rsc` fuzz target.
pub fn parse_rsc(text: &str) -> anyhow::Result<Attributes> {
    rsc_text(text, Path::new("<string>"))
}

/// Parses the `.rsc` text read from `path`.
fn rsc_text(text: &str, path: &Path) -> anyhow::Result<Attributes> {
    let mut attrs = Attributes::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(2, char::is_whitespace);
        let key = parts.next().unwrap_or_default();
        let value = parts.next().map(str::trim).unwrap_or_default();
        if value.is_empty() {
            bail!(
                "malformed metadata file {}: line {} '{line}' has no value",
                path.display(),
                i + 1
            );
        }
        attrs.set(key, value);
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_and_rejects_lonely_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("data.rsc");
        std::fs::write(&p, "WAVELENGTH    0.0555\n\nPLATFORM  Sen tinel\n").unwrap();
        let a = read_rsc(&p).unwrap();
        assert_eq!(a.get("WAVELENGTH"), Some("0.0555"));
        assert_eq!(a.get("PLATFORM"), Some("Sen tinel"));
        std::fs::write(&p, "WAVELENGTH\n").unwrap();
        assert!(read_rsc(&p).unwrap_err().to_string().contains("data.rsc"));
    }

    #[test]
    fn parses_text() {
        let a = parse_rsc("# c\n  WAVELENGTH\t0.05  \n\nX y z").unwrap();
        assert_eq!(a.get("WAVELENGTH"), Some("0.05"));
        assert_eq!(a.get("X"), Some("y z"));
        let e = parse_rsc("A 1\nB\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
