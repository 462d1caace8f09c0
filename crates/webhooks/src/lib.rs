//! Webhooks: endpoints that receive the events of the log, signed the Standard
//! Webhooks way, retried on a schedule, never lost.
//!
//! How an event travels: a service writes it in its own transaction; the
//! [`dispatch`] follower reads the log and, in one transaction with its
//! position, writes a message and a `webhook.deliver` job for every endpoint
//! that wants it; the job runner (several worker processes share the queue)
//! runs [`deliver::Deliverer`], one attempt per run, retried on the schedule;
//! the attempts of deliveries running together are read and recorded together
//! (`coalesce`, `record`: one query and one transaction for a batch).
//!
//! Services (plain Rust, called by REST and the console alike; [`access`] says
//! who sees what): [`endpoints`], [`messages`] (the log and the actions: test,
//! retry, replay), [`stats`] (analytics), `validate` (field checks of endpoint settings). Pure parts: [`signing`] (secrets and
//! Standard Webhooks signatures), [`ssrf`] (which addresses a delivery may
//! reach, checked after DNS resolution at connect time), [`filter`] (payload
//! filters), [`format`] (the Standard Webhooks envelope, or a message for
//! Slack, Discord or Microsoft Teams), [`headers`] (custom headers). This
//! process's delivery counters: [`metrics`].

pub mod access;
mod coalesce;
pub mod deliver;
pub mod dispatch;
pub mod endpoints;
pub mod filter;
pub mod format;
pub mod headers;
pub mod messages;
pub mod metrics;
mod record;
pub mod signing;
pub mod ssrf;
pub mod stats;
mod validate;

pub use access::Access;
pub use deliver::{check_config, Deliverer};
pub use dispatch::Dispatcher;
pub use messages::DELIVER as DELIVER_KIND;
