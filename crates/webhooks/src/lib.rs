//! Webhooks: endpoints that receive the events of the log, signed the Standard
//! Webhooks way, retried on a schedule, never lost.
//!
//! Pure parts (no database): [`signing`] (secrets and signatures), [`ssrf`]
//! (which addresses a delivery may reach, checked after DNS resolution and at
//! connect time), [`filter`] (payload filters on event data), [`format`] (the
//! bodies for the Standard Webhooks envelope and for Slack, Discord and
//! Microsoft Teams), [`headers`] (custom headers an endpoint may set).

pub mod filter;
pub mod format;
pub mod headers;
pub mod signing;
pub mod ssrf;
