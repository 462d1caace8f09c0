//! `POST /dashboard/upload`: publishing a version from the browser. The
//! dashboard's publish page posts a plain `multipart/form-data` form (no
//! JavaScript) whose `package` file is streamed into the same publish service
//! `PUT /api/v1/plugins` and `trellis publish` use (`registry::publish`, which
//! counts the bytes and refuses past `registry.max_compressed_bytes`).
//!
//! The browser session is the only credential (a bearer token belongs on the
//! REST route); the CSRF guard has already checked that the form came from our
//! own pages. Success goes to the plugin's dashboard page with
//! `done=published`; a refusal goes back to the publish page with the
//! package's problems kept in the session for one showing
//! (`app::api::dashboard::PUBLISH_PROBLEMS_KEY`); signed-out visitors go to
//! the sign-in page.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Extension;
use axum::Router;
use tower_sessions::Session;
use trellis_platform::{session, Actor, AppError, AppState};
use trellis_types::ErrorCode;

use app::api::dashboard::{PublishProblems, PUBLISH_PROBLEMS_KEY};
use app::components::query::enc;

use crate::state::ServerState;

/// The route, for `router.rs` (inside the session and CSRF layers).
pub fn routes() -> Router<ServerState> {
    Router::new().route(
        "/dashboard/upload",
        // The publish service bounds what it reads itself.
        post(upload).layer(DefaultBodyLimit::disable()),
    )
}

/// Where a refusal goes back to.
const BACK: &str = "/dashboard/publish?done=refused";

/// The handler.
pub async fn upload(
    State(state): State<AppState>,
    s: Session,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let user = match session::current_user(&state, &s).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return Redirect::to(&format!("/signin?next={}", enc("/dashboard/publish")))
                .into_response()
        }
        Err(e) => return refused(&s, None, e).await,
    };
    let actor = Actor::session(
        user,
        addr.map(|Extension(ConnectInfo(a))| a.ip().to_string()),
    );
    let Ok(mut multipart) = multipart else {
        let e = AppError::new(
            ErrorCode::BadRequest,
            "The form could not be read. Reload the page and try again.",
        );
        return refused(&s, None, e).await;
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "dashboard upload: unreadable form");
                let e = AppError::new(
                    ErrorCode::BadRequest,
                    "The upload was interrupted or malformed. Try again.",
                );
                return refused(&s, None, e).await;
            }
        };
        if field.name() != Some("package") {
            continue;
        }
        let file = field
            .file_name()
            .map(|f| f.chars().take(200).collect::<String>())
            .filter(|f| !f.is_empty());
        if file.is_none() {
            break;
        }
        return match trellis_platform::registry::publish::publish(&state, &actor, None, field).await
        {
            Ok(out) => Redirect::to(&format!(
                "/dashboard/plugins/{}?done=published&version={}#versions",
                enc(&out.id),
                enc(&out.version)
            ))
            .into_response(),
            Err(e) => refused(&s, file, e).await,
        };
    }
    let e = AppError::field(
        ErrorCode::ValidationFailed,
        "package",
        "required",
        "Choose a package file (.tar.gz) to upload.",
    );
    refused(&s, None, e).await
}

/// Keeps the refusal for the publish page and goes back to it.
async fn refused(s: &Session, file: Option<String>, e: AppError) -> Response {
    let p = e.to_problem();
    let problems = PublishProblems {
        file,
        detail: p.detail,
        problems: p.errors,
    };
    if let Err(err) = s.insert(PUBLISH_PROBLEMS_KEY, problems).await {
        tracing::warn!(error = %err, "dashboard upload: the session did not keep the problems");
    }
    Redirect::to(BACK).into_response()
}
