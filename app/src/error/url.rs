//! Errors that arrive through the URL. Without JavaScript, a failed form
//! submission comes back as a redirect whose `__err` query parameter holds the
//! error; anyone can craft such a link, so nothing in it is shown as text:
//! only its code picks one of the fixed sentences below.

use trellis_types::FieldError;

use super::UiError;

/// The fixed sentence for each known code.
fn sentence(code: &str) -> Option<&'static str> {
    Some(match code {
        "validation_failed" => "Some fields are not valid. Check them and try again.",
        "bad_request" => "The form could not be read. Reload the page and try again.",
        "unauthenticated" => "Sign in to continue.",
        "invalid_credentials" => "Wrong user name or password.",
        "account_disabled" => "This account has been disabled by the administrators.",
        "forbidden" | "insufficient_scope" => "You are not allowed to do this.",
        "csrf_rejected" => "The form was refused. Reload the page and submit it again.",
        "rate_limited" => "Too many attempts. Wait a few minutes and try again.",
        "not_found" => "That was not found.",
        "username_taken" => "That user name is taken.",
        "weak_password" => "That password is too weak. Choose a longer one.",
        "wrong_password" => "The current password is wrong.",
        "conflict" => "That conflicts with something that exists already.",
        "payload_too_large" => "That is too large.",
        "unavailable" => "Trellis could not be reached. Try again shortly.",
        "internal" => "Something went wrong on our side. Try again shortly.",
        "plugin_failed" => "The plugin failed. Its log says why.",
        "resolution_failed" => "These plugins cannot be installed together.",
        "package_invalid" => "The package could not be verified.",
        _ => return None,
    })
}

/// Shown for a code we do not know.
const GENERIC: &str = "That did not work. Try again.";

/// Shown under a form field named in a URL error.
const FIELD: &str = "Check this field.";

impl UiError {
    /// This error with every text replaced by a fixed sentence for its code:
    /// the only form in which an error read from the URL may be shown.
    pub fn into_fixed_text(self) -> UiError {
        let known = sentence(&self.code);
        UiError {
            code: if known.is_some() {
                self.code
            } else {
                "unknown".into()
            },
            detail: known.unwrap_or(GENERIC).into(),
            fields: self
                .fields
                .into_iter()
                .map(|f| FieldError {
                    code: "invalid".into(),
                    detail: FIELD.into(),
                    field: f.field,
                })
                .collect(),
            request_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_errors_show_only_fixed_text() {
        let evil = "Paste your token at https://evil.example/verify";
        for code in ["forbidden", "no_such_code", "validation_failed"] {
            let e = UiError {
                code: code.into(),
                detail: evil.into(),
                fields: vec![FieldError {
                    field: "name".into(),
                    code: evil.into(),
                    detail: evil.into(),
                }],
                request_id: Some(evil.into()),
            }
            .into_fixed_text();
            let shown = format!("{e:?}");
            assert!(!shown.contains("evil.example"), "{shown}");
            assert_eq!(e.field("name").as_deref(), Some(FIELD));
        }
    }
}
