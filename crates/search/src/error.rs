//! What can go wrong when searching or indexing, and how an index was opened.

/// A search or indexing failure.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The caller's input is unacceptable (a 400): `field` names the query parameter.
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The index failed (a 500).
    #[error("search index error: {0}")]
    Internal(String),
}

impl SearchError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> SearchError {
        SearchError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> SearchError {
        SearchError::Internal(e.to_string())
    }
}

impl From<std::io::Error> for SearchError {
    fn from(e: std::io::Error) -> SearchError {
        SearchError::Internal(e.to_string())
    }
}

/// How [`crate::SearchIndex::open`] found the index directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// There was no index: a new, empty one was created (the caller should fill it).
    Created,
    /// An index of this schema version was opened as it was.
    Existing,
    /// The index could not be used (corrupt, or written by another schema version) and
    /// was wiped and created empty; the caller should rebuild it from scratch.
    Recreated { reason: String },
}
