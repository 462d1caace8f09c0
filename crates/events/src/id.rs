//! Event ids: `evt_` and a ULID (48 bits of milliseconds, 80 random bits, in
//! Crockford base32), so ids sort by creation time and never collide.

use rand::Rng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new event id for an event at `ms` (unix milliseconds).
pub fn new_event_id(ms: i64) -> String {
    let random: u128 = rand::rng().random::<u128>() & ((1u128 << 80) - 1);
    let value = ((ms.max(0) as u128 & ((1u128 << 48) - 1)) << 80) | random;
    let mut out = String::with_capacity(30);
    out.push_str("evt_");
    for i in (0..26).rev() {
        out.push(ALPHABET[((value >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// Whether `s` has the shape of an event id.
pub fn is_event_id(s: &str) -> bool {
    s.strip_prefix("evt_")
        .is_some_and(|u| u.len() == 26 && u.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_have_their_shape() {
        let a = new_event_id(1_700_000_000_000);
        let b = new_event_id(1_700_000_000_001);
        assert!(a < b, "{a} < {b}");
        assert!(is_event_id(&a) && is_event_id(&b));
        assert_ne!(new_event_id(5), new_event_id(5));
        assert!(!is_event_id("evt_lowercase0000000000000000"));
        assert!(!is_event_id("plugin"));
    }
}
