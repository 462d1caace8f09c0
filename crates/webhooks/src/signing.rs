//! Endpoint secrets and delivery signatures, the Standard Webhooks way
//! (<https://www.standardwebhooks.com>, the scheme Svix uses): a delivery
//! carries `webhook-id`, `webhook-timestamp` and `webhook-signature`, the last
//! being `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per
//! secret that signs (two while a secret is being rotated).

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;

/// The header with the message id (the same for every attempt of a delivery).
pub const HEADER_ID: &str = "webhook-id";
/// The header with the time of signing, unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header with the space-separated signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// What a secret starts with when written out.
pub const PREFIX: &str = "whsec_";
/// Bytes in a secret Trellis generates.
pub const GENERATED_LEN: usize = 24;
/// Bytes a secret given by a user may have (inclusive).
pub const MIN_LEN: usize = 24;
pub const MAX_LEN: usize = 64;

/// An endpoint's signing key. `Display` writes it out (`whsec_` + base64),
/// which is how it is shown to its owner; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

/// Why a string is not a secret. The secret itself is never part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a secret is `whsec_` followed by base64 of 24 to 64 bytes: this one does not start with `whsec_`")]
    MissingPrefix,
    #[error("a secret is `whsec_` followed by base64 of 24 to 64 bytes: what follows `whsec_` is not standard base64 (A-Z a-z 0-9 + / with = padding)")]
    NotBase64,
    #[error("a secret is `whsec_` followed by base64 of 24 to 64 bytes: this one has {0} bytes")]
    Length(usize),
}

impl Secret {
    /// A new random secret of [`GENERATED_LEN`] bytes.
    pub fn generate() -> Secret {
        let mut buf = [0u8; GENERATED_LEN];
        rand::fill(&mut buf);
        Secret(buf.to_vec())
    }

    /// Reads a secret as written out: `whsec_` + standard base64 (padded) of
    /// [`MIN_LEN`]..=[`MAX_LEN`] bytes.
    pub fn parse(s: &str) -> Result<Secret, SecretError> {
        let encoded = s.strip_prefix(PREFIX).ok_or(SecretError::MissingPrefix)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_LEN..=MAX_LEN).contains(&bytes.len()) {
            return Err(SecretError::Length(bytes.len()));
        }
        Ok(Secret(bytes))
    }

    fn key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.0)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What is signed: `{msg_id}.{timestamp}.{body}`.
fn signed_content(msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let prefix = format!("{msg_id}.{timestamp}.");
    let mut content = Vec::with_capacity(prefix.len() + body.len());
    content.extend_from_slice(prefix.as_bytes());
    content.extend_from_slice(body);
    content
}

/// One signature: `v1,` + base64 of HMAC-SHA256(secret, `{msg_id}.{timestamp}.{body}`).
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = hmac::sign(&secret.key(), &signed_content(msg_id, timestamp, body));
    format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

/// The `webhook-signature` value: one signature per secret, space-separated
/// (during a rotation both the new and the previous secret sign).
pub fn signature_header(secrets: &[&Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let content = signed_content(msg_id, timestamp, body);
    secrets
        .iter()
        .map(|secret| {
            let tag = hmac::sign(&secret.key(), &content);
            format!("v1,{}", STANDARD.encode(tag.as_ref()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1,` entry of a `webhook-signature` value is the signature of
/// this message by `secret` (compared in constant time). Entries of other
/// versions and malformed entries are skipped. Whether `timestamp` is recent
/// enough is the caller's decision.
pub fn verify(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let key = secret.key();
    let content = signed_content(msg_id, timestamp, body);
    header.split_ascii_whitespace().any(|entry| {
        entry
            .strip_prefix("v1,")
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .is_some_and(|tag| hmac::verify(&key, &content, &tag).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> Secret {
        match Secret::parse(SECRET) {
            Ok(s) => s,
            Err(e) => panic!("the spec's secret: {e}"),
        }
    }

    #[test]
    fn the_standard_webhooks_vector() {
        let s = secret();
        assert_eq!(sign(&s, MSG_ID, TIMESTAMP, BODY), EXPECTED);
        assert!(verify(&s, MSG_ID, TIMESTAMP, BODY, EXPECTED));
        assert_eq!(signature_header(&[&s], MSG_ID, TIMESTAMP, BODY), EXPECTED);
    }

    #[test]
    fn secrets_round_trip_and_hide_in_debug() {
        let s = secret();
        assert_eq!(s.to_string(), SECRET);
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        let g = Secret::generate();
        let written = g.to_string();
        assert!(written.starts_with("whsec_"));
        assert!(!format!("{g:?}").contains(&written[6..]));
        let back = Secret::parse(&written);
        assert!(matches!(&back, Ok(b) if b.0 == g.0 && b.0.len() == GENERATED_LEN));
        assert_ne!(Secret::generate().0, g.0);
        // Padded base64 of 64 bytes is accepted.
        let long = format!("whsec_{}", STANDARD.encode([7u8; 64]));
        assert!(Secret::parse(&long).is_ok());
    }

    #[test]
    fn bad_secrets_are_refused_with_a_reason() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(),
            Some(SecretError::MissingPrefix)
        );
        assert_eq!(
            Secret::parse("whsec_not base64!").err(),
            Some(SecretError::NotBase64)
        );
        // Unpadded base64 of 25 bytes is not the standard form.
        let unpadded = STANDARD.encode([1u8; 25]).trim_end_matches('=').to_owned();
        assert_eq!(
            Secret::parse(&format!("whsec_{unpadded}")).err(),
            Some(SecretError::NotBase64)
        );
        let short = format!("whsec_{}", STANDARD.encode([1u8; 23]));
        assert_eq!(Secret::parse(&short).err(), Some(SecretError::Length(23)));
        let long = format!("whsec_{}", STANDARD.encode([1u8; 65]));
        assert_eq!(Secret::parse(&long).err(), Some(SecretError::Length(65)));
        assert_eq!(Secret::parse("whsec_").err(), Some(SecretError::Length(0)));
        assert_eq!(
            SecretError::Length(3).to_string(),
            "a secret is `whsec_` followed by base64 of 24 to 64 bytes: this one has 3 bytes"
        );
    }

    #[test]
    fn signatures_round_trip() {
        let s = Secret::generate();
        let body = b"{\"type\":\"webhook.test\"}";
        let sig = sign(&s, "evt_1", 1700000000, body);
        assert!(sig.starts_with("v1,"));
        assert!(verify(&s, "evt_1", 1700000000, body, &sig));
    }

    #[test]
    fn anything_changed_fails() {
        let s = secret();
        assert!(!verify(
            &s,
            MSG_ID,
            TIMESTAMP,
            br#"{"test": 2432232315}"#,
            EXPECTED
        ));
        assert!(!verify(&s, "msg_other", TIMESTAMP, BODY, EXPECTED));
        assert!(!verify(&s, MSG_ID, TIMESTAMP + 1, BODY, EXPECTED));
        assert!(!verify(
            &Secret::generate(),
            MSG_ID,
            TIMESTAMP,
            BODY,
            EXPECTED
        ));
        for header in [
            "",
            " ",
            "v1,",
            "v1,!!!",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
            "v1,g0hM9SsE",
        ] {
            assert!(!verify(&s, MSG_ID, TIMESTAMP, BODY, header), "{header:?}");
        }
    }

    #[test]
    fn rotation_signs_with_both_and_either_verifies() {
        let new = Secret::generate();
        let old = Secret::generate();
        let header = signature_header(&[&new, &old], "evt_2", 1700000001, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&new, "evt_2", 1700000001, b"{}"));
        assert_eq!(parts[1], sign(&old, "evt_2", 1700000001, b"{}"));
        assert!(verify(&new, "evt_2", 1700000001, b"{}", &header));
        assert!(verify(&old, "evt_2", 1700000001, b"{}", &header));
        assert!(!verify(
            &Secret::generate(),
            "evt_2",
            1700000001,
            b"{}",
            &header
        ));
        assert!(!verify(&old, "evt_2", 1700000001, b"{ }", &header));
        // Unknown versions beside a good entry do not get in the way.
        let mixed = format!("v0,abc {} v2,xyz", parts[1]);
        assert!(verify(&old, "evt_2", 1700000001, b"{}", &mixed));
        assert_eq!(signature_header(&[], "evt_2", 1, b""), "");
    }
}
