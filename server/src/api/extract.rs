//! Extractors for the REST API: who is calling (token or session) and JSON
//! bodies whose rejections become problem+json.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tower_sessions::Session;
use trellis_db::users::UserRow;
use trellis_platform::tokens::{self, TokenAuth};
use trellis_platform::{session, AppError, AppState};
use trellis_types::{ErrorCode, Scope};

/// An authenticated caller: by API token, or by browser session (which acts
/// with every scope its user has).
#[derive(Debug, Clone)]
pub enum Caller {
    Token(TokenAuth),
    Session(UserRow),
}

impl Caller {
    pub fn user(&self) -> &UserRow {
        match self {
            Caller::Token(t) => &t.user,
            Caller::Session(u) => u,
        }
    }

    /// Fails unless the caller may act with `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        match self {
            Caller::Token(t) => t.require(scope),
            Caller::Session(_) => Ok(()),
        }
    }

    /// Fails unless the caller is an admin acting with the admin scope.
    pub fn require_admin(&self) -> Result<(), AppError> {
        self.require(Scope::Admin)?;
        if self.user().is_admin {
            Ok(())
        } else {
            Err(AppError::forbidden("Only admins may do this."))
        }
    }

    /// Scopes this caller holds (a session holds all).
    pub fn scopes(&self) -> Vec<Scope> {
        match self {
            Caller::Token(t) => t.scopes.clone(),
            Caller::Session(_) => Scope::ALL.to_vec(),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(h) = parts.headers.get(AUTHORIZATION) {
            let v = h.to_str().unwrap_or("");
            let secret = v.strip_prefix("Bearer ").ok_or_else(|| {
                AppError::new(
                    ErrorCode::InvalidToken,
                    "Send the token as `Authorization: Bearer <token>`.",
                )
            })?;
            return Ok(Caller::Token(
                tokens::authenticate(state, secret.trim()).await?,
            ));
        }
        if let Some(s) = parts.extensions.get::<Session>() {
            if let Some(u) = session::current_user(state, s).await? {
                return Ok(Caller::Session(u));
            }
        }
        Err(AppError::unauthenticated())
    }
}

/// The caller when there is one; anonymous when there are no credentials at all.
/// Bad credentials are still refused, so a broken token does not pass unnoticed.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await {
            Ok(c) => Ok(MaybeCaller(Some(c))),
            Err(e) if e.code == ErrorCode::Unauthenticated => Ok(MaybeCaller(None)),
            Err(e) => Err(e),
        }
    }
}

/// A JSON body; a malformed one is a `bad_request` problem naming the issue.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(AppError::new(
                ErrorCode::BadRequest,
                format!("The JSON body could not be read: {}", rej.body_text()),
            )),
        }
    }
}
