//! Reusable pieces of UI.

pub mod form;
pub mod nav;
pub mod time;
pub mod user_agent;
