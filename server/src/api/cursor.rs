//! Opaque page cursors (docs/api-design.md, "Pagination"): a list answers
//! with `next_cursor`, the client sends it back as `cursor`. The cursor is
//! base64url text the client must not interpret; inside it is the position
//! the service continues from (an offset, or the last key seen).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use trellis_platform::AppError;
use trellis_types::ErrorCode;

const PREFIX: &str = "v1:";

/// The cursor for a position.
pub fn encode(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{position}"))
}

/// The position in a cursor this server made; anything else is a
/// `bad_request` naming the `cursor` parameter.
pub fn decode(cursor: &str) -> Result<i64, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix(PREFIX)?.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::BadRequest,
                "The query parameter `cursor` is not valid: pass back a `next_cursor` unchanged.",
            )
        })
}

/// The cursor for a position in the event log (`tx`, `seq`).
pub fn encode_position(tx: i64, seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{tx}.{seq}"))
}

/// The event-log position in a cursor made by [`encode_position`].
pub fn decode_position(cursor: &str) -> Result<(i64, i64), AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            let (tx, seq) = s.strip_prefix(PREFIX)?.split_once('.')?;
            Some((tx.parse::<i64>().ok()?, seq.parse::<i64>().ok()?))
        })
        .filter(|(tx, seq)| *tx >= 0 && *seq >= 0)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::BadRequest,
                "The query parameter `cursor` is not valid: pass back a `next_cursor` unchanged.",
            )
        })
}

/// The page size: `limit` (default `default`) must lie in 1..=`max`.
pub fn limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, AppError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(AppError::new(
            ErrorCode::BadRequest,
            format!("The query parameter `limit` must be between 1 and {max}."),
        )),
    }
}

/// The cursor of the page after one of `len` items at `limit` per page, if
/// the page was full (the next one may then be empty).
pub fn next(len: usize, limit: i64, position: impl FnOnce() -> i64) -> Option<String> {
    (len as i64 >= limit).then(|| encode(position()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        assert_eq!(decode(&encode(40)).unwrap(), 40);
        for bad in ["", "x", "djE6LTE", "!!", &URL_SAFE_NO_PAD.encode("v2:3")] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        assert_eq!(limit(None, 20, 100).unwrap(), 20);
        assert!(limit(Some(0), 20, 100).is_err());
        assert!(limit(Some(101), 20, 100).is_err());
    }
}
