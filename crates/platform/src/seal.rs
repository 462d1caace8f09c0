//! Encryption at rest for what Trellis keeps but must not keep in clear: the
//! answers stored for `Idempotency-Key` replays (one may hold a new API token's
//! secret) and webhook endpoints' signing secrets. AES-256-GCM (ring) under a key derived from the session secret
//! (SHA-256 of a purpose label and the 64-byte cookie key), so every node that
//! shares the session secret can open what another sealed, and the database
//! alone is not enough. Each value gets a random 96-bit nonce; the associated
//! data binds it to where it is stored (its scope and key), so a sealed value
//! moved to another row does not open.

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

/// Seals and opens values with the server's at-rest key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

impl Sealer {
    /// The sealer whose key is derived from `secret` for `purpose`.
    pub fn new(secret: &[u8], purpose: &str) -> Sealer {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"trellis seal v1\0");
        h.update(purpose.as_bytes());
        h.update(b"\0");
        h.update(secret);
        let derived = h.finalize();
        let key = UnboundKey::new(&AES_256_GCM, &derived).expect("a 32-byte AES-256 key");
        Sealer {
            key: LessSafeKey::new(key),
        }
    }

    /// `plain` encrypted and authenticated with `context`: base64 of nonce || ciphertext || tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .expect("AES-GCM seals any length we store");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        B64.encode(out)
    }

    /// The plaintext of a value [`Sealer::seal`] made with the same `context`;
    /// `None` when it was altered, moved or sealed under another key.
    pub fn open(&self, context: &str, sealed: &str) -> Option<Vec<u8>> {
        let raw = B64.decode(sealed).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::Sealer;

    #[test]
    fn round_trips_and_refuses_tampering() {
        let s = Sealer::new(&[7u8; 64], "test");
        let sealed = s.seal("1:k", b"trls_secret");
        assert!(!sealed.contains("trls_secret"));
        assert_eq!(s.open("1:k", &sealed).as_deref(), Some(&b"trls_secret"[..]));
        assert_eq!(s.open("2:k", &sealed), None, "bound to its context");
        assert_eq!(Sealer::new(&[8u8; 64], "test").open("1:k", &sealed), None);
        assert_ne!(s.seal("1:k", b"x"), s.seal("1:k", b"x"), "fresh nonces");
    }
}
