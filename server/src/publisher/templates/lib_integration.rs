//! {{display_name}} (`{{id}}`): an integration. For every plugin release it sees
//! (`plugin.version.published`) it POSTs a JSON message to the configured
//! endpoint on api.example.com with the `API_TOKEN` secret as a bearer token,
//! records the outcome, and reports it from `health`. `invoke` sends a test
//! message (`{"plugin": "…", "version": "…"}`, both optional).
//!
//! The logic lives in [`logic`] (tested natively with `cargo test`); the exports
//! below are compiled only for `wasm32-unknown-unknown`, where the host
//! functions exist. docs/plugin-api.md is the reference of the plugin API.

pub mod logic;

#[cfg(target_arch = "wasm32")]
mod exports {
    use extism_pdk::{plugin_fn, FnResult};
    use serde::Deserialize;
    use serde_json::{json, Value};
    use trellis_pdk::{http, kv, log, Event, HealthStatus};

    use crate::logic::{self, Outcome};

    const LAST: &str = "last_call";

    /// The configuration (config.schema.json); the secret is not part of it.
    #[derive(Deserialize)]
    struct Config {
        #[serde(default = "default_endpoint")]
        endpoint: String,
    }

    fn default_endpoint() -> String {
        logic::DEFAULT_ENDPOINT.into()
    }

    fn fail(message: String) -> FnResult<Value> {
        Err(extism_pdk::Error::msg(message).into())
    }

    /// Sends one message and records the outcome; an `Err` when it failed.
    fn send(body: Value) -> FnResult<Value> {
        let config: Config = trellis_pdk::config_as()?;
        let outcome = match (logic::check_endpoint(&config.endpoint), trellis_pdk::secret("API_TOKEN")?) {
            (Err(problem), _) => Outcome { status: "failing".into(), message: problem },
            (Ok(()), None) => Outcome {
                status: "failing".into(),
                message: "the API token is not set: add it in the settings".into(),
            },
            (Ok(()), Some(token)) => {
                let req = http::Request::new("POST", &config.endpoint)
                    .header("authorization", &format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(body.to_string());
                match http::request(&req) {
                    Ok(res) => logic::outcome_of_status(res.status),
                    Err(e) => logic::outcome_of_error(&e.code, &e.message),
                }
            }
        };
        kv::set(LAST, &outcome)?;
        if outcome.status == "ok" {
            log::info(&outcome.message)?;
            Ok(json!({ "sent": true, "message": outcome.message }))
        } else {
            log::warn(&outcome.message)?;
            fail(outcome.message)
        }
    }

    /// Each release: sent, or an `Err` (the host tries again).
    #[plugin_fn]
    pub fn on_event(input: Value) -> FnResult<Value> {
        let event: Event = serde_json::from_value(input)?;
        let version = event.data.get("version").and_then(Value::as_str).unwrap_or("?");
        send(logic::payload(&event.subject.id, version))
    }

    /// Sends a test message.
    #[plugin_fn]
    pub fn invoke(input: Value) -> FnResult<Value> {
        let plugin = input.get("plugin").and_then(Value::as_str).unwrap_or("acme.example");
        let version = input.get("version").and_then(Value::as_str).unwrap_or("1.0.0");
        send(logic::payload(plugin, version))
    }

    /// The outcome of the last call.
    #[plugin_fn]
    pub fn health(_input: Value) -> FnResult<Value> {
        let status = match kv::get_as::<Outcome>(LAST)? {
            None => HealthStatus::ok(),
            Some(o) if o.status == "ok" => HealthStatus::ok(),
            Some(o) if o.status == "degraded" => HealthStatus::degraded(o.message),
            Some(o) => HealthStatus::failing(o.message),
        };
        Ok(status.to_json())
    }
}
