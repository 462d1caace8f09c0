//! Reusable pieces of UI.

pub mod chart;
pub mod facets;
pub mod form;
pub mod log_filter;
pub mod nav;
pub mod pagination;
pub mod plugin_card;
pub mod plugin_side;
pub mod query;
pub mod report_plugin;
pub mod results;
pub mod reviews;
pub mod reviews_form;
pub mod reviews_item;
pub mod runtime_config;
pub mod runtime_health;
pub mod runtime_install_panel;
pub mod runtime_log;
pub mod runtime_ui;
pub mod search_box;
pub mod stats_charts;
pub mod time;
pub mod user_agent;
pub mod webhook_charts;
pub mod webhook_form;
pub mod webhook_ui;
