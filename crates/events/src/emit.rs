//! Writing an event in the caller's transaction, and turning a stored event
//! into the envelope the API shows.

use trellis_db::events::{EventRow, NewEvent};
use trellis_db::{now_ms, AnyConnection};
use trellis_types::{EventActor, EventOut, EventSubject};

use crate::catalogue::EventData;
use crate::id::new_event_id;
use crate::EventError;

/// Who caused an event (the events crate's own view: services convert their
/// actor into this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person, through a session (`token_id: None`) or an API token.
    User {
        user_id: i64,
        username: String,
        token_id: Option<i64>,
    },
    /// The instance itself (the command line, housekeeping).
    System,
}

impl Actor {
    fn to_json(&self) -> EventActor {
        match self {
            Actor::User {
                user_id,
                username,
                token_id,
            } => EventActor {
                kind: "user".into(),
                user_id: Some(*user_id),
                username: Some(username.clone()),
                token_id: *token_id,
            },
            Actor::System => EventActor {
                kind: "system".into(),
                user_id: None,
                username: None,
                token_id: None,
            },
        }
    }
}

/// Writes `data` as an event of its type, on `c`, which must be the transaction
/// of the change the event reports. Returns the event's id.
pub async fn emit<T: EventData>(
    c: &mut AnyConnection,
    actor: &Actor,
    data: &T,
) -> Result<String, EventError> {
    let at = now_ms();
    let id = new_event_id(at);
    let subject = data.subject();
    let actor = serde_json::to_string(&actor.to_json())?;
    let json = serde_json::to_string(data)?;
    trellis_db::events::insert(
        c,
        &NewEvent {
            id: &id,
            kind: T::TYPE,
            occurred_at: at,
            actor: &actor,
            subject_kind: subject.kind,
            subject_id: &subject.id,
            namespace: data.namespace(),
            data: &json,
        },
    )
    .await?;
    Ok(id)
}

/// RFC 3339 in UTC with milliseconds.
pub fn timestamp(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The API's envelope of a stored event. A row whose JSON does not parse is
/// corrupt, and says so.
pub fn to_out(row: &EventRow) -> Result<EventOut, EventError> {
    Ok(EventOut {
        id: row.id.clone(),
        kind: row.kind.clone(),
        occurred_at: timestamp(row.occurred_at),
        actor: trellis_db::json_column("events.actor", &row.actor)?,
        subject: EventSubject {
            kind: row.subject_kind.clone(),
            id: row.subject_id.clone(),
        },
        namespace: row.namespace.clone(),
        data: trellis_db::json_column("events.data", &row.data)?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_rfc3339_with_milliseconds() {
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::timestamp(1_764_581_400_123),
            "2025-12-01T09:30:00.123Z"
        );
    }
}
