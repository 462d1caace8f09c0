//! [`HealthStatus`]: what a plugin's optional `health` export returns,
//! `{"status":"ok"|"degraded"|"failing","message":"…"}`.

use serde::{Deserialize, Serialize};

/// The three states a plugin can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Working normally.
    Ok,
    /// Working, with problems (a slow upstream, missing optional config, …).
    Degraded,
    /// Not able to do its job.
    Failing,
}

/// The output of the `health` export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStatus {
    /// The state.
    pub status: Health,
    /// An optional explanation, shown on the health page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl HealthStatus {
    /// `{"status":"ok"}`
    pub fn ok() -> Self {
        HealthStatus {
            status: Health::Ok,
            message: None,
        }
    }

    /// `{"status":"degraded","message":…}`
    pub fn degraded(message: impl Into<String>) -> Self {
        HealthStatus {
            status: Health::Degraded,
            message: Some(message.into()),
        }
    }

    /// `{"status":"failing","message":…}`
    pub fn failing(message: impl Into<String>) -> Self {
        HealthStatus {
            status: Health::Failing,
            message: Some(message.into()),
        }
    }

    /// As JSON, ready to return from the export.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::HealthStatus;
    use serde_json::json;

    #[test]
    fn serialises_as_the_contract_says() {
        assert_eq!(HealthStatus::ok().to_json(), json!({"status": "ok"}));
        assert_eq!(
            HealthStatus::degraded("slow").to_json(),
            json!({"status": "degraded", "message": "slow"})
        );
        assert_eq!(HealthStatus::failing("x").to_json()["status"], "failing");
    }
}
