//! The single error currency of this crate: a [`Problem`] names a field, a stable
//! machine-readable code and a human sentence. Validators return `Vec<Problem>` so a
//! publisher sees every problem at once instead of fixing them one by one.

use std::fmt;

/// One validation problem.
///
/// * `field` is a dotted path such as `plugin.version`, `dependencies.acme.tools`,
///   `package` (the upload as a whole) or `archive/<entry path>`.
/// * `code` is a stable `snake_case` identifier clients can match on (see
///   [`crate::codes`]).
/// * `detail` is a sentence for humans; manifest problems start with `line N:`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// Dotted path of the offending field or `archive/<path>` of the offending file.
    pub field: String,
    /// Stable snake_case problem code.
    pub code: String,
    /// Human readable explanation.
    pub detail: String,
}

impl Problem {
    /// Builds a problem from anything string-like.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            field: field.into(),
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// Field path for a file inside the uploaded archive: `archive/<path>`.
    pub fn archive_field(path: &str) -> String {
        format!("archive/{path}")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.field, self.code, self.detail)
    }
}

/// Returns `true` when any problem in the list has the given code (handy in tests and
/// in the server when deciding on an HTTP status).
pub fn has_code(problems: &[Problem], code: &str) -> bool {
    problems.iter().any(|p| p.code == code)
}
