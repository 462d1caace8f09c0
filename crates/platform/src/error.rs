//! `AppError`: the one error every Trellis service returns. It carries a stable
//! [`ErrorCode`], a human detail safe to show to anyone, optional field errors,
//! and (for internal failures) the hidden cause, which only the log sees.

use trellis_types::{ErrorCode, FieldError};

type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An error with a public face (code, detail) and an optional private cause.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds to wait, for `rate_limited`.
    pub retry_after: Option<u64>,
    /// Extra members of the problem document, specific to one error code
    /// (e.g. `explanation` of `resolution_failed`). Never overrides a standard member.
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
    cause: Option<Cause>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error whose detail may be shown to the client.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extra: None,
            cause: None,
        }
    }

    /// A validation error with field-level problems.
    pub fn validation(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        AppError {
            errors,
            ..AppError::new(ErrorCode::ValidationFailed, detail)
        }
    }

    /// A single-field validation error.
    pub fn field(
        code: ErrorCode,
        field: &str,
        field_code: &str,
        detail: impl Into<String>,
    ) -> Self {
        let detail = detail.into();
        AppError {
            errors: vec![FieldError {
                field: field.into(),
                code: field_code.into(),
                detail: detail.clone(),
            }],
            ..AppError::new(code, detail)
        }
    }

    /// An internal failure: the client sees a generic sentence, the log sees `cause`.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(
                ErrorCode::Internal,
                "Something went wrong on our side. It has been logged; quote the request id to an admin.",
            )
        }
    }

    /// A dependency is down (database, object store).
    pub fn unavailable(cause: impl Into<Cause>) -> Self {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(
                ErrorCode::Unavailable,
                "A service Trellis depends on is unavailable. Try again shortly.",
            )
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        AppError::new(ErrorCode::NotFound, format!("{what} was not found."))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        AppError::new(ErrorCode::Forbidden, detail)
    }

    pub fn unauthenticated() -> Self {
        AppError::new(
            ErrorCode::Unauthenticated,
            "Sign in, or send an API token as `Authorization: Bearer <token>`.",
        )
    }

    /// The hidden cause, for logging.
    pub fn cause(&self) -> Option<&Cause> {
        self.cause.as_ref()
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Adds members to the problem document; `extra` must be a JSON object (anything
    /// else is ignored).
    pub fn with_extra(mut self, extra: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = extra {
            self.extra
                .get_or_insert_with(serde_json::Map::new)
                .extend(map);
        }
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(c) = &self.cause {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<trellis_db::DbError> for AppError {
    fn from(e: trellis_db::DbError) -> Self {
        use trellis_db::{sqlx, DbError};
        match e {
            DbError::Conflict => AppError::new(ErrorCode::Conflict, "That exists already."),
            // A row that does not read back as stored is a fault on our side, never "empty".
            DbError::Corrupt { .. } => AppError::internal(e),
            DbError::Sqlx(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed,
            ) => AppError::unavailable(e),
            other => AppError::internal(other),
        }
    }
}

impl From<object_store::Error> for AppError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => AppError::not_found("The stored file"),
            other => AppError::unavailable(other),
        }
    }
}

impl AppError {
    /// Builds the public problem document, logging the hidden cause under the request id.
    /// REST renders it (plus [`AppError::extra`]) as `application/problem+json`; server
    /// functions carry the same code and detail in `UiError`.
    pub fn to_problem(&self) -> trellis_types::Problem {
        let request_id = crate::request_context::current();
        if let Some(cause) = &self.cause {
            tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), code = %self.code, error = %cause, "request failed");
        }
        trellis_types::Problem {
            kind: format!("https://trellis.dev/problems/{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status(),
            code: self.code.as_str().to_owned(),
            detail: self.detail.clone(),
            request_id,
            errors: self.errors.clone(),
        }
    }
}

impl From<trellis_db::sqlx::Error> for AppError {
    fn from(e: trellis_db::sqlx::Error) -> Self {
        trellis_db::DbError::from(e).into()
    }
}
