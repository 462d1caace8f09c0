//! The error currency of this crate: a [`PackageProblem`] is one thing wrong with a
//! plugin package (its manifest, archive, wasm module, files or signature, or a signing
//! key given to [`crate::parse_public_key`]). It names a field, a stable
//! machine-readable code and a human sentence. Checks return `Vec<PackageProblem>` so a
//! publisher sees every problem at once instead of fixing them one by one.
//!
//! Not to be confused with `trellis_types::Problem`, the HTTP problem body: the server
//! turns each `PackageProblem` into one entry of that body's `errors`.

use std::fmt;

/// One problem found in a package.
///
/// * `field` is a dotted path such as `plugin.version`, `dependencies.acme.tools`,
///   `package` (the upload as a whole) or `archive/<entry path>`.
/// * `code` is a stable `snake_case` identifier clients can match on (see
///   [`crate::codes`]).
/// * `detail` is a sentence for humans; manifest problems start with `line N:`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackageProblem {
    /// Dotted path of the offending field or `archive/<path>` of the offending file.
    pub field: String,
    /// Stable snake_case problem code.
    pub code: String,
    /// Human readable explanation.
    pub detail: String,
}

impl PackageProblem {
    /// Builds a problem from anything string-like.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        PackageProblem {
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

impl fmt::Display for PackageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.field, self.code, self.detail)
    }
}

/// Returns `true` when any problem in the list has the given code (handy in tests and
/// in the server when deciding on an HTTP status).
pub fn has_code(problems: &[PackageProblem], code: &str) -> bool {
    problems.iter().any(|p| p.code == code)
}
