//! Problems found in input files, each with the place it was found and a hint.
//!
//! Loaders never stop at the first problem: they collect every one they can find, so an
//! editor fixes a file in one pass instead of one error per run.

use std::fmt;

/// A named text handed to a loader; the core never opens files itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in problems, usually the path as the user gave it.
    pub name: String,
    /// The whole content.
    pub text: String,
}

impl SourceFile {
    /// Bundles a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// 1-based line and column (columns count characters, not bytes).
    LineColumn { line: usize, column: usize },
    /// A JSON pointer (RFC 6901) into a JSON document.
    Pointer(String),
    /// A CSV data row: `line` is the physical line in the file, `column` the header name.
    Cell { line: usize, column: String },
    /// The file as a whole (it is missing or unreadable).
    File,
}

/// One problem with its location and, where there is one, a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's name as given to the loader.
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// How to fix it, when the loader can tell.
    pub hint: Option<String>,
}

impl Problem {
    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The location as `file:line:column` (or `file#pointer`, `file:line [column]`).
    pub fn location(&self) -> String {
        match &self.position {
            Position::LineColumn { line, column } => format!("{}:{line}:{column}", self.file),
            Position::Pointer(p) => format!("{}#{p}", self.file),
            Position::Cell { line, column } => format!("{}:{line} [{column}]", self.file),
            Position::File => self.file.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Every problem found while loading, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Turns byte offsets of one file into lines and columns.
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Position::LineColumn { line, column }
    }
}

/// The closest of `candidates` to `wrong`, when one is close enough to be a likely typo.
pub fn closest<'c>(wrong: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    // A third of the longer word, rounded up, and never the whole of the wrong word: a
    // one-letter id is not a typo of another one-letter id.
    let wrong_len = wrong.chars().count();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, c)| *d < wrong_len && *d <= wrong_len.max(c.chars().count()).div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A hint naming the closest candidate, or listing them all when there are few.
pub fn suggest<'c>(wrong: &str, candidates: impl IntoIterator<Item = &'c str> + Clone) -> String {
    if let Some(c) = closest(wrong, candidates.clone()) {
        return format!("did you mean `{c}`?");
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        "none are defined".to_owned()
    } else if all.len() <= 12 {
        format!("expected one of: {}", all.join(", "))
    } else {
        format!("{} are defined; check the spelling", all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let idx = LineIndex::new("ab\nçd = 1\n");
        assert_eq!(idx.position(0), Position::LineColumn { line: 1, column: 1 });
        assert_eq!(idx.position(3), Position::LineColumn { line: 2, column: 1 });
        // 'ç' is two bytes but one column.
        assert_eq!(idx.position(5), Position::LineColumn { line: 2, column: 2 });
    }

    #[test]
    fn typos_get_the_nearest_candidate() {
        assert_eq!(closest("kalbajr", ["agdam", "kalbajar"]), Some("kalbajar"));
        assert_eq!(closest("xyz", ["agdam", "kalbajar"]), None);
    }
}
