//! Errors in scenario files, rendered for people: file, key, line, column and a code frame.

use std::fmt;
use std::ops::Range;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The key path, e.g. `attrition.killed` or `recruitment[1].daily`; empty for the file.
    pub key: String,
    /// What is wrong, in words.
    pub message: String,
    /// Byte range in the file, where known.
    pub span: Option<Range<usize>>,
    /// What would be valid.
    pub help: Option<String>,
}

/// Everything wrong with one scenario file. Displays as one message per problem, each
/// with a `--> file:line:column` pointer and the offending line.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// The file as the user named it.
    pub file: String,
    /// The file's text, for code frames (empty if it could not be read).
    pub source: String,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, not UTF-8, ...).
    pub fn whole_file(file: &str, message: String) -> Self {
        Self {
            file: file.to_string(),
            source: String::new(),
            diagnostics: vec![Diagnostic { key: String::new(), message, span: None, help: None }],
        }
    }

    /// (line, column), both from 1, of a byte offset; the column counts characters.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        line_column(&self.source, offset)
    }
}

/// (line, column), both from 1, of byte `offset` in `text`; the column counts characters.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, d) in self.diagnostics.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            if d.key.is_empty() {
                writeln!(f, "error: {}", d.message)?;
            } else {
                writeln!(f, "error: `{}`: {}", d.key, d.message)?;
            }
            let pad = match &d.span {
                Some(span) if !self.source.is_empty() => self.frame(f, span)?,
                _ => {
                    writeln!(f, "  --> {}", self.file)?;
                    " ".to_string()
                }
            };
            if let Some(help) = &d.help {
                writeln!(f, "{pad} = help: {help}")?;
            }
        }
        Ok(())
    }
}

impl ScenarioError {
    /// Writes the `--> file:line:column` pointer and the line with carets; returns the
    /// gutter's padding so that a help line aligns with it.
    fn frame(&self, f: &mut fmt::Formatter<'_>, span: &Range<usize>) -> Result<String, fmt::Error> {
        let (line, column) = self.line_column(span.start);
        let text = self.source.lines().nth(line - 1).unwrap_or("");
        let gutter = line.to_string().len();
        let pad = " ".repeat(gutter);
        // Underline the span within its first line, at least one caret.
        let start = floor_char_boundary(&self.source, span.start.min(self.source.len()));
        let end = floor_char_boundary(&self.source, span.end.min(self.source.len())).max(start);
        let spanned = self.source[start..end].lines().next().unwrap_or("");
        let carets = spanned.chars().count().max(1);
        writeln!(f, "{pad}--> {}:{line}:{column}", self.file)?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{line} | {text}")?;
        let lead: String = text.chars().take(column - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        writeln!(f, "{pad} | {lead}{}", "^".repeat(carets))?;
        Ok(pad)
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nname = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 12));
    }

    #[test]
    fn renders_file_line_column_key_and_caret() {
        let e = ScenarioError {
            file: "s.toml".into(),
            source: "[attrition]\nkilled = 1.5\n".into(),
            diagnostics: vec![Diagnostic {
                key: "attrition.killed".into(),
                message: "1.5 is out of range".into(),
                span: Some(21..24),
                help: Some("a fraction between 0 and 1".into()),
            }],
        };
        let text = e.to_string();
        assert!(text.contains("error: `attrition.killed`: 1.5 is out of range"), "{text}");
        assert!(text.contains("--> s.toml:2:10"), "{text}");
        assert!(text.contains("2 | killed = 1.5"), "{text}");
        assert!(text.contains("  |          ^^^"), "{text}");
        assert!(text.contains("\n  = help: a fraction between 0 and 1"), "{text}");
    }
}
