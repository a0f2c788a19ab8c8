//! Positions in scene files, as `file:line:col`.
//!
//! TOML errors and `Spanned` values carry byte offsets; people and editors want 1-based lines
//! and character columns, so every diagnostic goes through [`LineIndex`] once.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a scene file: 1-based line and column (columns count characters, not bytes).
///
/// Displayed as `file:line:col` so terminals and editors can jump straight to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The scene file, as the caller named it.
    pub file: PathBuf,
    /// Line number, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub column: usize,
}

impl Location {
    /// Builds a location from already-known line and column numbers.
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Maps byte offsets of one text to [`Location`]s.
///
/// Built once per parse so converting the many spans of a scene stays cheap.
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    file: PathBuf,
    /// Byte offset at which each line starts; the first entry is always 0.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`, which was read from `file`.
    pub(crate) fn new(text: &'a str, file: &Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            text,
            file: file.to_path_buf(),
            line_starts,
        }
    }

    /// The indexed text, for mapping offsets inside a value back to the file.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The location of byte `offset`; offsets past the end or inside a character are clamped.
    pub(crate) fn locate(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Location::new(self.file.clone(), line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_character_positions() {
        let text = "a = 1\nné = \"x\"\n";
        let index = LineIndex::new(text, Path::new("s.toml"));
        assert_eq!(index.locate(0).to_string(), "s.toml:1:1");
        assert_eq!(index.locate(4).to_string(), "s.toml:1:5");
        assert_eq!(index.locate(6).to_string(), "s.toml:2:1");
        // `=` after the two-byte `é` is byte 10 but character column 4.
        let eq = text.rfind('=').unwrap();
        assert_eq!(index.locate(eq), Location::new("s.toml", 2, 4));
        // Inside the `é` and past the end are clamped, never panic.
        assert_eq!(index.locate(8).column, 2);
        assert_eq!(index.locate(1000).line, 3);
    }
}
