//! Integration tests of the Trellis server through its real router, on the
//! backends the environment selects (see `harness`).

mod accounts;
mod cli;
mod cli_publisher;
mod csrf;
mod harness;
mod hostile_input;
mod ops;
mod pages;
mod pages_security;
mod registry_downloads;
mod registry_namespaces;
mod registry_publish;
mod registry_refusals;
mod registry_resolve;
mod registry_support;
mod registry_versions;
mod storage;
mod tokens;
