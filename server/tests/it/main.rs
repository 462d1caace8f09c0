//! Integration tests of the Trellis server through its real router, on the
//! backends the environment selects (see `harness`).

mod accounts;
mod api_conventions;
mod cli;
mod cli_publisher;
mod csrf;
mod event_bus;
mod event_bus_admin;
mod event_bus_processes;
mod events;
mod harness;
mod hostile_input;
mod idempotency;
mod import;
mod openapi;
mod ops;
mod page_cache;
mod pages;
mod pages_discovery;
mod pages_security;
mod rate_limits;
mod receiver;
mod registry_download_memory;
mod registry_downloads;
mod registry_namespaces;
mod registry_publish;
mod registry_refusals;
mod registry_resolve;
mod registry_support;
mod registry_versions;
mod reshape;
mod search;
mod security_accounts;
mod security_namespaces;
mod storage;
mod tokens;
