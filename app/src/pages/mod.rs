//! One module per page.

pub mod account;
pub mod admin_events;
pub mod api_reference;
pub mod home;
pub mod not_found;
pub mod security;
pub mod signin;
pub mod signup;
pub mod tokens;
