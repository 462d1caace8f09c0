//! The pieces [`format`](crate::format) writes messages with: [`Draft`] (a message being
//! written), [`Data`] (an event's data, read leniently) and [`human_size`].

use serde_json::{Map, Value};

use crate::{Field, Severity, AMBER, RED};

/// A message being written.
pub(crate) struct Draft {
    pub(crate) title: String,
    pub(crate) text: String,
    pub(crate) fields: Vec<Field>,
    pub(crate) color: &'static str,
    pub(crate) severity: Severity,
}

impl Draft {
    pub(crate) fn new(color: &'static str, severity: Severity) -> Self {
        Draft {
            title: String::new(),
            text: String::new(),
            fields: Vec::new(),
            color,
            severity,
        }
    }

    /// Adds a field unless its value is empty.
    pub(crate) fn field(&mut self, name: &str, value: &str) -> &mut Self {
        if !value.is_empty() && !self.fields.iter().any(|f| f.name == name) {
            self.fields.push(Field {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        self
    }

    pub(crate) fn warn(&mut self) -> &mut Self {
        self.color = AMBER;
        self.severity = Severity::Warning;
        self
    }

    pub(crate) fn critical(&mut self) -> &mut Self {
        self.color = RED;
        self.severity = Severity::Critical;
        self
    }
}

/// The event's data object, read leniently.
pub(crate) struct Data(pub(crate) Map<String, Value>);

impl Data {
    /// A value as text (`""` when missing or null).
    pub(crate) fn s(&self, key: &str) -> String {
        self.opt(key).unwrap_or_default()
    }

    /// A value as text, `None` when missing, null or empty.
    pub(crate) fn opt(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(_) => Some(self.list(key)).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    /// A value as text, or `fallback`.
    pub(crate) fn or(&self, key: &str, fallback: &str) -> String {
        self.opt(key).unwrap_or_else(|| fallback.to_owned())
    }

    /// An array's items joined with `, `.
    pub(crate) fn list(&self, key: &str) -> String {
        match self.0.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }
}

/// `48213` → `47.1 KiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}
