//! `trellis_db::idempotency` on SQLite: a claim is exclusive, a completed key
//! hands back its answer, a released key can be claimed again, expired and
//! stale claims count as absent, and pruning deletes old keys. (The server's
//! tests run the same queries on PostgreSQL too.)

use std::time::Duration;

use trellis_db::idempotency::{self, Claim};
use trellis_db::{now, users, AnyConnection, Db};

async fn db() -> (tempfile::TempDir, Db, i64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("t.db").display());
    let db = Db::connect(&url, 2, Duration::from_secs(5)).await.unwrap();
    db.migrate().await.unwrap();
    let mut c = db.conn().await.unwrap();
    let user = users::insert(&mut c, "ivy", "hash", false).await.unwrap();
    drop(c);
    (dir, db, user.id)
}

/// Claims with a 24-hour expiry and a 60-second stale limit.
async fn claim(c: &mut AnyConnection, uid: i64, key: &str, print: &str) -> Claim {
    let t = now();
    idempotency::claim(c, uid, key, print, t - 86_400, t - 60)
        .await
        .unwrap()
}

#[tokio::test]
async fn claims_are_exclusive_and_answers_come_back() {
    let (_dir, db, uid) = db().await;
    let c = &mut *db.conn().await.unwrap();
    let t = now();
    assert_eq!(claim(c, uid, "k", "f1").await, Claim::Claimed);
    let Claim::Taken(row) = claim(c, uid, "k", "f1").await else {
        panic!("claimed twice")
    };
    assert!(!row.done);
    assert_eq!(row.fingerprint, "f1");

    idempotency::complete(c, uid, "k", 201, "[]", "sealed")
        .await
        .unwrap();
    // A completed key is not released by mistake.
    idempotency::release(c, uid, "k").await.unwrap();
    let Claim::Taken(row) = claim(c, uid, "k", "f2").await else {
        panic!("a done key was claimed again")
    };
    assert!(row.done);
    assert_eq!(
        (row.status, row.headers.as_deref(), row.body.as_deref()),
        (Some(201), Some("[]"), Some("sealed"))
    );

    // A released key is free again.
    assert_eq!(claim(c, uid, "r", "f").await, Claim::Claimed);
    idempotency::release(c, uid, "r").await.unwrap();
    assert_eq!(claim(c, uid, "r", "f").await, Claim::Claimed);
    // A stale claim is taken over; a fresh one is not.
    let stale = idempotency::claim(c, uid, "r", "f", t - 86_400, t + 1).await;
    assert_eq!(stale.unwrap(), Claim::Claimed);
    // An expired answer counts as absent.
    let expired = idempotency::claim(c, uid, "k", "f3", t + 1, t - 60).await;
    assert_eq!(expired.unwrap(), Claim::Claimed);
    assert!(idempotency::get(c, uid, "nope").await.unwrap().is_none());
}

#[tokio::test]
async fn pruning_deletes_old_keys_only() {
    let (_dir, db, uid) = db().await;
    let c = &mut *db.conn().await.unwrap();
    let t = now();
    for key in ["a", "b"] {
        idempotency::claim(c, uid, key, "f", t - 86_400, t - 60)
            .await
            .unwrap();
    }
    trellis_db::sqlx::query(
        "UPDATE idempotency_keys SET created_at = created_at - 100000 WHERE key = 'a'",
    )
    .execute(&mut *c)
    .await
    .unwrap();
    assert_eq!(idempotency::prune(c, 86_400).await.unwrap(), 1);
    assert!(idempotency::get(c, uid, "a").await.unwrap().is_none());
    assert!(idempotency::get(c, uid, "b").await.unwrap().is_some());
}
