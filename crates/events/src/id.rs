//! Event ids: `evt_` and a ULID (48 bits of milliseconds, 80 random bits, in
//! Crockford base32), so ids sort by creation time and never collide. Within
//! one process ids are strictly increasing (a second id in the same
//! millisecond adds one to the previous random part), as monotonic ULIDs do.

use std::sync::Mutex;

use rand::Rng;

static LAST: Mutex<(u128, u128)> = Mutex::new((0, 0));

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new event id for an event at `ms` (unix milliseconds).
pub fn new_event_id(ms: i64) -> String {
    let mask = (1u128 << 80) - 1;
    let mut time = ms.max(0) as u128 & ((1u128 << 48) - 1);
    let mut random: u128 = rand::rng().random::<u128>() & mask;
    {
        let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        if time <= last.0 {
            // Same millisecond (or a clock step back): continue after the last id.
            time = last.0;
            random = (last.1 + 1) & mask;
            if random == 0 {
                time += 1;
            }
        }
        *last = (time, random);
    }
    let value = (time << 80) | random;
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
        let many: Vec<String> = (0..1000).map(|_| new_event_id(1_800_000_000_000)).collect();
        assert!(
            many.windows(2).all(|w| w[0] < w[1]),
            "ids in one millisecond increase"
        );
        assert!(!is_event_id("evt_lowercase0000000000000000"));
        assert!(!is_event_id("plugin"));
    }
}
