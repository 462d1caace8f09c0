//! One module per page.

pub mod account;
pub mod admin_events;
pub mod api_reference;
pub mod category;
pub mod dashboard;
pub mod dashboard_namespace;
pub mod dashboard_plugin;
pub mod dashboard_publish;
pub mod dashboard_trend;
pub mod home;
pub mod namespace;
pub mod not_found;
pub mod plugin;
pub mod search;
pub mod security;
pub mod signin;
pub mod signup;
pub mod tokens;
pub mod webhooks;
pub mod webhooks_analytics;
pub mod webhooks_endpoint;
pub mod webhooks_endpoint_actions;
pub mod webhooks_event_types;
pub mod webhooks_message;
pub mod webhooks_messages;
pub mod webhooks_new;
