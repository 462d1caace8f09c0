//! The one error vocabulary of Trellis: stable codes shared by REST, server
//! functions, and (later) GraphQL and the SDKs.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. The string form (`as_str`) is part of
/// the public API: never rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input failed validation; `errors` lists the fields.
    ValidationFailed,
    /// The request body could not be parsed.
    BadRequest,
    /// No credentials were given where they are required.
    Unauthenticated,
    /// User name or password is wrong.
    InvalidCredentials,
    /// The API token is unknown or malformed.
    InvalidToken,
    /// The API token was revoked.
    TokenRevoked,
    /// The API token has expired.
    TokenExpired,
    /// The token lacks the scope the endpoint needs.
    InsufficientScope,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// The request came from another site (CSRF protection).
    CsrfRejected,
    /// Too many attempts; retry later.
    RateLimited,
    /// The thing asked for does not exist.
    NotFound,
    /// The user name is already taken.
    UsernameTaken,
    /// The password is too weak.
    WeakPassword,
    /// The current password given to change it is wrong.
    WrongPassword,
    /// A conflicting resource exists.
    Conflict,
    /// The request body is too large.
    PayloadTooLarge,
    /// A dependency (database, object store) is unavailable.
    Unavailable,
    /// Something went wrong on our side; details are in the server log under the request id.
    Internal,
    /// An uploaded package failed the publish checks; `errors` lists the problems.
    PackageInvalid,
    /// That plugin version is published already (versions are immutable).
    VersionExists,
    /// No set of plugin versions satisfies the request; see `explanation`.
    ResolutionFailed,
    /// The endpoint exists but not for this HTTP method; see the `Allow` header.
    MethodNotAllowed,
    /// The request body has a content type the endpoint does not accept.
    UnsupportedMediaType,
    /// `If-Match` named a version of the resource that is no longer current.
    PreconditionFailed,
    /// An admin disabled the account: its sign-ins, sessions and API tokens are refused.
    AccountDisabled,
    /// An installed plugin's call failed (timeout, trap, out of fuel or memory,
    /// a violation of its permissions, output that is not JSON).
    PluginFailed,
}

impl ErrorCode {
    /// The stable wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotFound => "not_found",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::PackageInvalid => "package_invalid",
            ErrorCode::VersionExists => "version_exists",
            ErrorCode::ResolutionFailed => "resolution_failed",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::PluginFailed => "plugin_failed",
        }
    }

    /// The HTTP status this code maps to.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed | ErrorCode::WeakPassword => 422,
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::InvalidToken
            | ErrorCode::TokenRevoked
            | ErrorCode::TokenExpired
            | ErrorCode::AccountDisabled => 401,
            ErrorCode::InsufficientScope
            | ErrorCode::Forbidden
            | ErrorCode::CsrfRejected
            | ErrorCode::WrongPassword => 403,
            ErrorCode::RateLimited => 429,
            ErrorCode::NotFound => 404,
            ErrorCode::UsernameTaken | ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
            ErrorCode::PackageInvalid | ErrorCode::ResolutionFailed => 422,
            ErrorCode::VersionExists => 409,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PluginFailed => 424,
        }
    }

    /// A short human title for the code (the problem+json `title`).
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "Some fields are not valid",
            ErrorCode::BadRequest => "The request could not be read",
            ErrorCode::Unauthenticated => "Sign-in required",
            ErrorCode::InvalidCredentials => "Wrong user name or password",
            ErrorCode::InvalidToken => "Invalid API token",
            ErrorCode::TokenRevoked => "API token revoked",
            ErrorCode::TokenExpired => "API token expired",
            ErrorCode::InsufficientScope => "Token scope too narrow",
            ErrorCode::Forbidden => "Not allowed",
            ErrorCode::CsrfRejected => "Cross-site request refused",
            ErrorCode::RateLimited => "Too many attempts",
            ErrorCode::NotFound => "Not found",
            ErrorCode::UsernameTaken => "User name taken",
            ErrorCode::WeakPassword => "Password too weak",
            ErrorCode::WrongPassword => "Current password is wrong",
            ErrorCode::Conflict => "Conflict",
            ErrorCode::PayloadTooLarge => "Request too large",
            ErrorCode::Unavailable => "Service unavailable",
            ErrorCode::Internal => "Internal error",
            ErrorCode::PackageInvalid => "The package was refused",
            ErrorCode::VersionExists => "Version already published",
            ErrorCode::ResolutionFailed => "Dependencies cannot be resolved",
            ErrorCode::MethodNotAllowed => "Method not allowed",
            ErrorCode::UnsupportedMediaType => "Unsupported content type",
            ErrorCode::PreconditionFailed => "The resource has changed",
            ErrorCode::AccountDisabled => "Account disabled",
            ErrorCode::PluginFailed => "The plugin failed",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field-level problem inside a `validation_failed` error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field, e.g. `password` or `plugin.version`.
    pub field: String,
    /// Stable code of the problem, e.g. `too_short`.
    pub code: String,
    /// Human sentence.
    pub detail: String,
}

/// The body of every API error: RFC 9457 `application/problem+json` plus a
/// stable `code` and the `request_id` to quote to an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short human title for the code.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// The stable error code: branch on this, never on the texts.
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorCode))]
    pub code: String,
    /// What went wrong, for a human.
    pub detail: String,
    /// The request id to quote to an administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The fields that failed validation, when `code` is `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}
