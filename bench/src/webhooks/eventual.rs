//! Eventual delivery: `n` events while a share of attempts fail with 500 and a
//! short retry schedule is set; once every event has been tried at least once
//! (and at least `FLAKY_MIN` has passed) the receiver recovers, and the run
//! waits (bounded) until every event id got its 200.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::receiver::Receiver;
use super::{start_trellis, write_events, PER_TX};

/// The retry schedule of the eventual-delivery run (8 attempts over ~10 s).
const SHORT_SCHEDULE: &str = "0s, 200ms, 500ms, 1s, 2s, 2s, 2s, 2s";
/// Share of attempts the flaky receiver fails, per mille.
const FLAKY_PER_MILLE: u32 = 300;
/// The flaky phase lasts at least this long (the schedule's first five
/// attempts span about 3.7 s, all eight about 9.7 s).
const FLAKY_MIN: Duration = Duration::from_secs(5);

pub(super) async fn eventual(label: &str, db_url: Option<&str>, rx: &Receiver, n: usize) {
    let b = start_trellis(
        db_url,
        &[("TRELLIS_WEBHOOKS__RETRY_SCHEDULE", SHORT_SCHEDULE)],
        rx,
    )
    .await;
    rx.clear();
    rx.set_fail(FLAKY_PER_MILLE);
    let start = Instant::now();
    let ids = write_events(&b.state.db, "ev", n, PER_TX, None).await;
    // Flaky until every event has been tried at least once, and for at least
    // FLAKY_MIN (so retries, not only first attempts, meet the failures).
    let all_tried = rx.wait(n, false, Duration::from_secs(600)).await;
    let flaky_until = start + FLAKY_MIN;
    if Instant::now() < flaky_until {
        tokio::time::sleep_until(flaky_until.into()).await;
    }
    let (req_flaky, failed_flaky, _) = rx.counts();
    let ok_flaky = rx.shared.ok.load(Ordering::SeqCst);
    rx.set_fail(0);
    let recovered = Instant::now();
    let all = rx.wait(n, true, Duration::from_secs(120)).await;
    let oks = rx.ok_times(&ids);
    let got = oks.iter().flatten().count();
    let last = oks.iter().flatten().max().copied().unwrap_or(recovered);
    let (req, failed, _) = rx.counts();
    // The attempt's record commits just after the receiver answered: wait
    // (bounded) for the message log to settle before counting it.
    let settle_end = Instant::now() + Duration::from_secs(10);
    let (pending, delivered, failed_msgs) = loop {
        let mut c = b.state.db.conn().await.expect("conn");
        let (p, d, f, _) = trellis_db::webhook_messages::message_counts(&mut c)
            .await
            .expect("message counts");
        if p == 0 || Instant::now() > settle_end {
            break (p, d, f);
        }
        drop(c);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!(
        "{label:<11} flaky:  {n} events, {:.0} % of attempts answered 500 until every event was tried and at least {} s ({:.1} s{}): {req_flaky} attempts, {failed_flaky} failed ({:.1} %), {ok_flaky} events delivered by then",
        FLAKY_PER_MILLE as f64 / 10.0,
        FLAKY_MIN.as_secs(),
        recovered.duration_since(start).as_secs_f64(),
        if all_tried { "" } else { ", BOUND REACHED" },
        failed_flaky as f64 / req_flaky.max(1) as f64 * 100.0,
    );
    println!(
        "{label:<11} eventual: {got} / {n} delivered = {:.3} % (target 100 %, the usual bar 99.9 %){}, the last {:.1} s after the receiver recovered; {req} attempts in all ({:.2} per event, at most {} for one, {failed} failed); messages: {delivered} delivered, {pending} pending, {failed_msgs} failed (out of attempts)",
        got as f64 / n as f64 * 100.0,
        if all { "" } else { " (BOUND of 120 s REACHED)" },
        last.saturating_duration_since(recovered).as_secs_f64(),
        req as f64 / n as f64,
        rx.max_attempts(),
    );
    b.stop().await;
}
