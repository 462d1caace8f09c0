//! Sign up, sign in, sign out, change password, and the session context the
//! whole UI reads to know who is signed in.

use leptos::prelude::*;
use trellis_types::UserOut;

use crate::error::UiError;

/// Who is signed in (or `None`).
#[server]
pub async fn current_user() -> Result<Option<UserOut>, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = nav_session().await?;
    Ok(trellis_platform::session::current_user_out(&state, &s).await?)
}

/// Creates an account and signs it in.
#[server]
pub async fn sign_up(
    username: String,
    password: String,
    password_confirm: String,
) -> Result<(), UiError> {
    use super::ssr::*;
    use trellis_platform::{accounts, session as sess, AppError};
    if password != password_confirm {
        return Err(AppError::field(
            trellis_types::ErrorCode::ValidationFailed,
            "password_confirm",
            "mismatch",
            "The two passwords differ.",
        )
        .into());
    }
    let state = state()?;
    let s = session().await?;
    let client = client_info().await;
    let addr = client.ip.clone().unwrap_or_default();
    let user = accounts::sign_up(&state, &username, &password, &addr).await?;
    sess::log_in(&s, &user, &client).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// Where to go after signing in: `next` when it is a path on this site (the
/// page that sent a signed-out visitor here), else the token page.
pub fn after_sign_in(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n
        }
        _ => "/account/tokens",
    }
}

/// Signs in with user name and password, then goes to `next` (see [`after_sign_in`]).
#[server]
pub async fn sign_in(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    use trellis_platform::{accounts, session as sess};
    let state = state()?;
    let s = session().await?;
    let client = client_info().await;
    let addr = client.ip.clone().unwrap_or_default();
    let user = accounts::sign_in(&state, &username, &password, &addr).await?;
    sess::log_in(&s, &user, &client).await?;
    leptos_axum::redirect(after_sign_in(next.as_deref()));
    Ok(())
}

/// Signs out.
#[server]
pub async fn sign_out() -> Result<(), UiError> {
    use super::ssr::*;
    let s = session().await?;
    trellis_platform::session::log_out(&s).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Changes the signed-in user's password (other sessions end).
#[server]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
    revoke_tokens: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    use trellis_platform::{accounts, session as sess, AppError};
    if new_password != new_password_confirm {
        return Err(AppError::field(
            trellis_types::ErrorCode::ValidationFailed,
            "new_password_confirm",
            "mismatch",
            "The two new passwords differ.",
        )
        .into());
    }
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let user = accounts::change_password(
        &state,
        &actor,
        &current_password,
        &new_password,
        revoke_tokens.is_some(),
    )
    .await?;
    sess::refresh_fingerprint(&s, &user).await?;
    Ok(())
}

/// The session state shared by every page: the sign-out action (the
/// navigation bar's button) and the signed-in user. The sign-in and sign-up
/// pages make their own actions.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub sign_out: ServerAction<SignOut>,
    pub user: crate::resource::Res<Result<Option<UserOut>, UiError>>,
}

impl SessionContext {
    /// Creates the context and provides it to every descendant.
    pub fn provide() -> SessionContext {
        let sign_out = ServerAction::<SignOut>::new();
        let user = crate::resource::new(|| (), |_| current_user());
        let ctx = SessionContext { sign_out, user };
        provide_context(ctx);
        ctx
    }

    /// Reads the context, from a page or component that shows something
    /// depending on who is signed in: on the server, the page is marked
    /// personal (`ssr::mark_personal`). The navigation bar is handed the
    /// context by [`crate::App`] instead, and marks nothing.
    pub fn get() -> SessionContext {
        #[cfg(feature = "ssr")]
        super::ssr::mark_personal();
        expect_context::<SessionContext>()
    }
}

#[cfg(test)]
mod tests {
    use super::after_sign_in;

    #[test]
    fn next_is_followed_only_to_paths_on_this_site() {
        assert_eq!(after_sign_in(Some("/dashboard?x=1")), "/dashboard?x=1");
        assert_eq!(after_sign_in(None), "/account/tokens");
        for bad in [
            "",
            "dashboard",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/a\nb",
        ] {
            assert_eq!(after_sign_in(Some(bad)), "/account/tokens", "{bad:?}");
        }
    }
}
