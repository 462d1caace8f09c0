//! Download and install statistics: unique installs (a signed-in user, through
//! a session or a token, once a day per plugin; anyone else once per address
//! and User-Agent, by a daily key), no address stored anywhere, salts and keys
//! gone after their retention, and `GET /api/v1/plugins/{id}/stats` (ranges,
//! buckets, per-version numbers, bad ranges).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{header, Request};
use serde_json::Value;
use time::Duration;
use trellis_db::sqlx::{self, Row};
use trellis_platform::registry::stats::{day_str, today};

use crate::harness::{Client, Resp, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, Pkg};

/// A download from `ip` with `user_agent` (in-process clients have no peer
/// address: the request carries one, as a real connection would).
pub async fn download_from(c: &Client, id: &str, version: &str, ip: &str, ua: &str) -> Resp {
    let mut req = Request::get(format!("/api/v1/plugins/{id}/versions/{version}/download"))
        .header(header::USER_AGENT, ua)
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 51_000)));
    let r = c.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

pub async fn stats(app: &TestApp, id: &str, range: &str) -> Value {
    let r = app
        .client()
        .get(&format!("/api/v1/plugins/{id}/stats?range={range}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// The day `back` days before today, `YYYY-MM-DD`.
pub fn days_ago(back: i64) -> String {
    day_str(today() - Duration::days(back))
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(app.state.db.pool())
        .await
        .unwrap();
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

/// The last point of a series (today's).
fn last(s: &Value) -> &Value {
    s["series"].as_array().unwrap().last().unwrap()
}

#[tokio::test]
async fn a_user_counts_once_a_day_by_session_or_token_and_anonymous_clients_by_address() {
    let app = TestApp::new().await;
    let (_, alice_token) = publisher(&app, "alice", "acme").await;
    publish_ok(&alice_token, &Pkg::new("acme.hello", "0.1.0")).await;
    publish_ok(&alice_token, &Pkg::new("acme.hello", "0.2.0")).await;
    publish_ok(&alice_token, &Pkg::new("acme.other", "1.0.0")).await;
    let bob = app.user("bob").await;
    let bob_token = app.token_client(&bob, &["read"]).await;

    // Bob: three downloads in his browser and one with his token: one installer.
    for _ in 0..3 {
        assert_eq!(download(&bob, "acme.hello", "0.1.0").await.status, 200);
    }
    assert_eq!(
        download(&bob_token, "acme.hello", "0.2.0").await.status,
        200
    );
    // Anonymous: the same address and browser twice is one installer; another
    // address is another, and so is another browser at the same address.
    let anon = app.client();
    download_from(&anon, "acme.hello", "0.1.0", "198.51.100.7", "curl/8.5").await;
    download_from(&anon, "acme.hello", "0.2.0", "198.51.100.7", "curl/8.5").await;
    download_from(&anon, "acme.hello", "0.1.0", "198.51.100.8", "curl/8.5").await;
    download_from(&anon, "acme.hello", "0.1.0", "198.51.100.7", "Firefox/140").await;
    // Bob's download of another plugin is an install of that plugin only.
    download(&bob, "acme.other", "1.0.0").await;

    flush(&app).await;
    let s = stats(&app, "acme.hello", "90d").await;
    assert_eq!(s["range_downloads"], 8);
    assert_eq!(s["downloads"], 8);
    assert_eq!(
        s["range_unique_installs"], 4,
        "bob, 198.51.100.7 with curl, 198.51.100.8, 198.51.100.7 with Firefox: {s}"
    );
    assert_eq!(s["unique_installs"], 4);
    assert_eq!(last(&s)["downloads"], 8);
    assert_eq!(last(&s)["unique_installs"], 4);
    assert_eq!(last(&s)["start"], day_str(today()));
    assert_eq!(stats(&app, "acme.other", "90d").await["unique_installs"], 1);

    // Another flush, and a second node (a fresh process state on the same
    // database) sharing the day's salt: the same installers add no installs.
    download(&bob, "acme.hello", "0.1.0").await;
    flush(&app).await;
    let node2 = app.restart().await;
    let bob_token_2 = Client {
        router: node2.router.clone(),
        ..bob_token.clone()
    };
    download(&bob_token_2, "acme.hello", "0.1.0").await;
    download_from(
        &node2.client(),
        "acme.hello",
        "0.1.0",
        "198.51.100.8",
        "curl/8.5",
    )
    .await;
    // A new installer on the second node counts.
    download_from(
        &node2.client(),
        "acme.hello",
        "0.1.0",
        "198.51.100.9",
        "curl/8.5",
    )
    .await;
    flush(&node2).await;
    let s = stats(&app, "acme.hello", "90d").await;
    assert_eq!(s["range_downloads"], 12);
    assert_eq!(s["range_unique_installs"], 5, "{s}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM install_keys").await,
        6,
        "five installers of acme.hello and one of acme.other today"
    );

    // The plugin's summary keeps counting distinct signed-in users, ever.
    let p = app.client().get("/api/v1/plugins/acme.hello").await.json();
    assert_eq!(p["installs"], 1, "bob alone is signed in");
}

#[tokio::test]
async fn no_address_or_user_agent_is_stored_anywhere() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    const ADDR: &str = "203.0.113.77";
    const UA: &str = "ProbeAgent/9.9 (unique-marker)";
    for _ in 0..2 {
        download_from(&app.client(), "acme.hello", "0.1.0", ADDR, UA).await;
    }
    download_from(&app.client(), "acme.hello", "0.1.0", "2001:db8::77", UA).await;
    flush(&app).await;
    assert_eq!(stats(&app, "acme.hello", "90d").await["unique_installs"], 2);

    let pool = app.state.db.pool();
    let tables: Vec<String> = match app.state.db.backend() {
        trellis_db::Backend::Sqlite => sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
        _ => sqlx::query(
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        ),
    }
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("name"))
    .collect();
    assert!(tables.iter().any(|t| t == "install_keys"));
    let mut found = std::collections::BTreeMap::new();
    for table in &tables {
        let columns: Vec<String> = match app.state.db.backend() {
            trellis_db::Backend::Sqlite => {
                sqlx::query("SELECT name FROM pragma_table_info($1)").bind(table)
            }
            _ => sqlx::query(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(table),
        }
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect();
        for needle in [ADDR, "2001:db8::77", "unique-marker", "acme.hello"] {
            let cond = columns
                .iter()
                .map(|c| format!("CAST(\"{c}\" AS TEXT) LIKE $1"))
                .collect::<Vec<_>>()
                .join(" OR ");
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM \"{table}\" WHERE {cond}"
            )))
            .bind(format!("%{needle}%"))
            .fetch_one(pool)
            .await
            .unwrap()
            .get("n");
            if n > 0 {
                found
                    .entry(needle)
                    .or_insert_with(Vec::new)
                    .push(table.clone());
            }
        }
    }
    // The scan sees what is stored: the plugin's id is in its tables.
    assert!(
        found
            .get("acme.hello")
            .is_some_and(|t| t.contains(&"install_keys".to_owned())),
        "{found:?}"
    );
    for needle in [ADDR, "2001:db8::77", "unique-marker"] {
        assert!(
            !found.contains_key(needle),
            "`{needle}` is stored in {found:?}"
        );
    }
}

#[tokio::test]
async fn housekeeping_deletes_salts_and_keys_past_their_day_and_keeps_the_counts() {
    let app = TestApp::without_housekeeping().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    download_from(
        &app.client(),
        "acme.hello",
        "0.1.0",
        "198.51.100.7",
        "curl/8.5",
    )
    .await;
    flush(&app).await;
    let salt = "ab".repeat(32);
    for back in [1, 2, 30] {
        let day = days_ago(back);
        exec(
            &app,
            &format!(
                "INSERT INTO stats_salts (day, salt, created_at) VALUES ('{day}', '{salt}', 0)"
            ),
        )
        .await;
        exec(&app, &format!(
            "INSERT INTO install_keys (day, plugin_id, installer_key) VALUES ('{day}', 'acme.hello', 'k{back}')"
        ))
        .await;
        exec(&app, &format!(
            "INSERT INTO plugin_installs_daily (plugin_id, day, installs) VALUES ('acme.hello', '{day}', 1)"
        ))
        .await;
    }
    let before = stats(&app, "acme.hello", "90d").await;
    assert_eq!(before["range_unique_installs"], 4);

    let swept = trellis_platform::housekeeping::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!((swept.stats_salts, swept.install_keys), (2, 2), "{swept:?}");
    let days = |table: &'static str| {
        let app = &app;
        async move {
            let mut d: Vec<String> =
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT day FROM {table}")))
                    .fetch_all(app.state.db.pool())
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>("day"))
                    .collect();
            d.sort();
            d
        }
    };
    let kept = vec![days_ago(1), days_ago(0)];
    assert_eq!(
        days("stats_salts").await,
        kept,
        "today's and yesterday's salts stay"
    );
    assert_eq!(days("install_keys").await, kept);
    assert_eq!(
        stats(&app, "acme.hello", "90d").await,
        before,
        "the unique-install counts stay"
    );
    // A second pass finds nothing more.
    let again = trellis_platform::housekeeping::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!((again.stats_salts, again.install_keys), (0, 0));
}

#[tokio::test]
async fn ranges_parse_and_pick_their_buckets() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;

    let d = app
        .client()
        .get("/api/v1/plugins/acme.hello/stats")
        .await
        .json();
    assert_eq!(
        (d["range"].as_str(), d["bucket"].as_str()),
        (Some("90d"), Some("day"))
    );
    assert_eq!(d["series"].as_array().unwrap().len(), 90);
    assert_eq!(d["from"], days_ago(89));
    assert_eq!(d["to"], days_ago(0));
    assert_eq!(d["unique_installs_since"], Value::Null);

    let y = stats(&app, "acme.hello", "1y").await;
    assert_eq!(y["bucket"], "week");
    let weeks = y["series"].as_array().unwrap();
    assert_eq!(weeks.len(), 53);
    let from = trellis_platform::registry::stats::parse_day(y["from"].as_str().unwrap()).unwrap();
    assert_eq!(from.weekday(), time::Weekday::Monday);
    assert_eq!(weeks[52]["end"], days_ago(0));

    // A plugin created today: all time is one day.
    let a = stats(&app, "acme.hello", "all").await;
    assert_eq!(
        (a["bucket"].as_str(), a["from"].as_str()),
        (Some("day"), Some(days_ago(0).as_str()))
    );
    assert_eq!(a["series"].as_array().unwrap().len(), 1);

    for bad in ["2w", "", "90D", "all%00"] {
        let r = app
            .client()
            .get(&format!("/api/v1/plugins/acme.hello/stats?range={bad}"))
            .await;
        let p = r.problem(400, "bad_request");
        assert!(
            p["detail"].as_str().unwrap().contains("range"),
            "{bad}: {p}"
        );
    }
    for bad in ["span=90d", "range=1y&range=all"] {
        app.client()
            .get(&format!("/api/v1/plugins/acme.hello/stats?{bad}"))
            .await
            .problem(400, "bad_request");
    }
    app.client()
        .get("/api/v1/plugins/acme.nope/stats")
        .await
        .problem(404, "not_found");
}

/// Seven versions with downloads on days spread over three years, unique
/// installs on some of them, and an imported count.
pub async fn seed_history(app: &TestApp) {
    let rows: &[(&str, i64, i64)] = &[
        // (version, days ago, downloads)
        ("1.0.0", 0, 5),
        ("1.0.0", 1, 7),
        ("0.9.0", 1, 3),
        ("0.8.0", 10, 2),
        ("0.7.0", 10, 1),
        ("0.6.0", 20, 1),
        ("0.5.0", 20, 1),
        ("0.5.0", 200, 40),
        ("0.1.0", 800, 100),
    ];
    for (v, back, n) in rows {
        exec(app, &format!(
            "INSERT INTO version_downloads_daily (plugin_id, version, day, downloads) VALUES ('acme.hello', '{v}', '{}', {n})",
            days_ago(*back)
        ))
        .await;
    }
    for (back, n) in [(0, 4), (1, 6), (200, 30), (800, 50)] {
        exec(app, &format!(
            "INSERT INTO plugin_installs_daily (plugin_id, day, installs) VALUES ('acme.hello', '{}', {n})",
            days_ago(back)
        ))
        .await;
    }
    exec(app, "UPDATE plugin_versions SET imported_downloads = 1000 WHERE plugin_id = 'acme.hello' AND version = '1.0.0'").await;
}

fn sum(v: &Value) -> i64 {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn per_version_numbers_add_up_in_every_range() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "1.0.0")).await;
    seed_history(&app).await;

    let s = stats(&app, "acme.hello", "90d").await;
    assert_eq!(s["downloads"], 1000 + 5 + 7 + 3 + 2 + 1 + 1 + 1 + 40 + 100);
    assert_eq!(s["imported_downloads"], 1000);
    assert_eq!(
        s["range_downloads"], 20,
        "the 200- and 800-day-old counts are outside"
    );
    assert_eq!(s["unique_installs"], 90);
    assert_eq!(s["range_unique_installs"], 10);
    assert_eq!(s["unique_installs_since"], days_ago(800));
    let series = s["series"].as_array().unwrap();
    assert_eq!(series[89]["downloads"], 5);
    assert_eq!(series[88]["downloads"], 10);
    assert_eq!(series[88]["unique_installs"], 6);
    assert_eq!(series[79]["downloads"], 3);
    assert_eq!(
        series
            .iter()
            .map(|p| p["downloads"].as_i64().unwrap())
            .sum::<i64>(),
        20
    );
    // Versions: most downloaded in the range first, then ever, then highest.
    let order: Vec<&str> = s["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["1.0.0", "0.9.0", "0.8.0", "0.5.0", "0.7.0", "0.6.0", "0.1.0"]
    );
    assert_eq!(
        s["versions"][0]["downloads"], 1012,
        "the imported count is the version's"
    );
    assert_eq!(s["versions"][0]["range_downloads"], 12);
    assert_eq!(s["versions"][3]["range_downloads"], 1);
    assert_eq!(s["versions"][3]["downloads"], 41);
    assert_eq!(s["versions"][6]["range_downloads"], 0);
    // The five top versions each have a series; the sixth (0.6.0) is "other".
    let top: Vec<&str> = s["top_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["1.0.0", "0.9.0", "0.8.0", "0.5.0", "0.7.0"]);
    assert_eq!(s["top_versions"][0]["downloads"][89], 5);
    assert_eq!(s["top_versions"][0]["downloads"][88], 7);
    assert_eq!(sum(&s["other_versions"]), 1);
    assert_eq!(s["other_versions"][69], 1, "0.6.0, 20 days ago");
    let per_bucket: i64 = s["top_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| sum(&v["downloads"]))
        .sum::<i64>()
        + sum(&s["other_versions"]);
    assert_eq!(per_bucket, 20);

    // A year by week: the 200-day-old count is in, in the week holding that day.
    let y = stats(&app, "acme.hello", "1y").await;
    assert_eq!(y["range_downloads"], 60);
    assert_eq!(y["range_unique_installs"], 40);
    let day200 = days_ago(200);
    let week = y["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["start"].as_str().unwrap() <= day200.as_str()
                && day200.as_str() <= p["end"].as_str().unwrap()
        })
        .expect("a week holds the day");
    assert_eq!(week["downloads"], 40);
    assert_eq!(week["unique_installs"], 30);
    assert_eq!(y["top_versions"][0]["version"], "0.5.0", "41 in the year");

    // All time reaches back 800 days: by month (up to two years is by week).
    let a = stats(&app, "acme.hello", "all").await;
    assert_eq!(a["bucket"], "month");
    assert_eq!(a["range_downloads"], 160);
    assert_eq!(a["range_unique_installs"], 90);
    assert!(a["from"].as_str().unwrap().ends_with("-01"));
    assert_eq!(
        a["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["downloads"].as_i64().unwrap())
            .sum::<i64>(),
        160
    );
    assert_eq!(a["top_versions"][0]["version"], "0.1.0");
}
