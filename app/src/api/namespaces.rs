//! Namespaces from the UI: the invitations to join one, accepted or declined
//! by the invitee.

use leptos::prelude::*;
use trellis_types::InvitationOut;

use crate::error::UiError;

/// The signed-in user's open invitations.
#[server]
pub async fn list_invitations() -> Result<Vec<InvitationOut>, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_platform::registry::namespaces::invitations(&state, &actor).await?)
}

/// Accepts (`accept = true`: the user joins `namespace`) or declines an invitation.
#[server]
pub async fn answer_invitation(namespace: String, accept: bool) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::answer_invitation(&state, &actor, &namespace, accept)
        .await?;
    Ok(())
}
