//! The statistics page (`/plugins/{id}/stats`): server-drawn SVG charts, each
//! with a table of the same numbers the API gives, range links that work
//! without JavaScript, and the plugin page's link to it.

use serde_json::Value;

use crate::harness::{Resp, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, Pkg};
use crate::stats::{download_from, seed_history, stats};

async fn page(app: &TestApp, path: &str) -> Resp {
    let r = app.client().get(path).await;
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{path} is a page"
    );
    r
}

/// Text without tags or comments, trimmed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = match rest[i..].find('>') {
            Some(j) => &rest[i + j + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// The element with `id` (from its opening tag to the matching `</tag>`; no
/// nesting of the same tag inside, as for tables and SVGs here).
fn element<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id}"));
    let open = html[..at].rfind(&format!("<{tag}")).unwrap();
    assert!(!html[open..at].contains('>'), "#{id} is a <{tag}>");
    let end = at + html[at..].find(&format!("</{tag}>")).unwrap();
    &html[open..end]
}

/// A table's body rows, each as its cells' text.
pub fn rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let t = element(html, "table", id);
    let body = &t[t.find("<tbody").expect("a body")..];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('d') || c.starts_with('h'))
                .map(|c| text(&format!("<t{}", c.split("</t").next().unwrap())))
                .collect()
        })
        .collect()
}

/// A table's column headings.
fn headings(html: &str, id: &str) -> Vec<String> {
    let t = element(html, "table", id);
    let head = &t[t.find("<thead").unwrap()..t.find("</thead>").unwrap()];
    head.split("<th")
        .skip(1)
        .filter(|c| !c.starts_with("ead"))
        .map(|c| text(&format!("<th{}", c.split("</th>").next().unwrap())))
        .collect()
}

fn column(rows: &[Vec<String>], i: usize) -> Vec<i64> {
    rows.iter()
        .map(|r| {
            r[i].replace(',', "")
                .parse()
                .unwrap_or_else(|_| panic!("{r:?}"))
        })
        .collect()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

async fn seeded() -> TestApp {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "1.0.0")).await;
    seed_history(&app).await;
    let bob = app.user("bob").await;
    download(&bob, "acme.hello", "1.0.0").await;
    download(&bob, "acme.hello", "1.0.0").await;
    download_from(
        &app.client(),
        "acme.hello",
        "1.0.0",
        "198.51.100.7",
        "curl/8.5",
    )
    .await;
    flush(&app).await;
    app
}

#[tokio::test]
async fn the_stats_page_draws_each_chart_with_a_table_of_the_api_numbers() {
    let app = seeded().await;
    let api = stats(&app, "acme.hello", "90d").await;
    let r = page(&app, "/plugins/acme.hello/stats").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let html = &r.text;
    assert!(html.contains(r#"id="stats-title""#));

    // Downloads per day: an SVG image with its description, 90 bars, a table of 90 days.
    let fig = element(html, "figure", "stats-downloads");
    assert!(fig.contains("<svg") && fig.contains(r#"role="img""#));
    assert!(fig.contains(r#"aria-labelledby="stats-downloads-title stats-downloads-desc""#));
    assert_eq!(fig.matches("<rect ").count(), 90, "{fig}");
    assert_eq!(fig.matches(r#"class="bar""#).count(), 90);
    let desc = text(element(fig, "desc", "stats-downloads-desc"));
    assert!(
        desc.starts_with(&format!("{} downloads from", api["range_downloads"])),
        "{desc}"
    );
    let days = rows(html, "stats-downloads-table");
    assert_eq!(days.len(), 90);
    let series = api["series"].as_array().unwrap();
    assert_eq!(
        days.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        series
            .iter()
            .map(|p| p["start"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        column(&days, 1),
        series
            .iter()
            .map(|p| p["downloads"].as_i64().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        column(&days, 1).iter().sum::<i64>(),
        23,
        "20 seeded and 3 today"
    );

    // Unique installs per day: bob and one anonymous client today, beside the seeded ones.
    let installs = rows(html, "stats-installs-table");
    assert_eq!(
        column(&installs, 1),
        series
            .iter()
            .map(|p| p["unique_installs"].as_i64().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(column(&installs, 1)[89], 4 + 2);
    assert_eq!(column(&installs, 1).iter().sum::<i64>(), 12);

    // Per version: stacked bars, a column per top version, the others, a total.
    assert_eq!(
        headings(html, "stats-versions-table"),
        [
            "Day (UTC)",
            "1.0.0",
            "0.9.0",
            "0.8.0",
            "0.5.0",
            "0.7.0",
            "Other versions",
            "Total"
        ]
    );
    let per = rows(html, "stats-versions-table");
    for (i, top) in api["top_versions"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            column(&per, i + 1),
            ints(&top["downloads"]),
            "{}",
            top["version"]
        );
    }
    assert_eq!(column(&per, 6), ints(&api["other_versions"]));
    assert_eq!(
        column(&per, 7),
        column(&days, 1),
        "the totals are the day's downloads"
    );
    let versions_fig = element(html, "figure", "stats-versions");
    assert!(versions_fig.contains(r#"class="series-0""#));
    assert!(versions_fig.contains(r#"class="series-other""#));
    assert!(
        versions_fig.contains("chart-keys"),
        "stacked charts have a key"
    );
    // Every version's totals.
    let totals = rows(html, "stats-version-totals");
    assert_eq!(totals.len(), 7);
    assert_eq!(totals[0], ["1.0.0", "15", "1015"]);

    // Key figures and the ranges as plain links, the current one marked.
    assert!(
        html.contains(r#"data-figure="range-downloads">23<"#),
        "{html}"
    );
    for range in ["90d", "1y", "all"] {
        assert!(html.contains(&format!(
            r#"href="/plugins/acme.hello/stats?range={range}""#
        )));
    }
    assert!(html.contains(r#"aria-current="page" data-range="90d""#));
}

#[tokio::test]
async fn other_ranges_bucket_by_week_or_month_and_a_bad_range_reads_as_90_days() {
    let app = seeded().await;
    let r = page(&app, "/plugins/acme.hello/stats?range=1y").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"data-bucket="week""#));
    assert!(r.text.contains(r#"aria-current="page" data-range="1y""#));
    let weeks = rows(&r.text, "stats-downloads-table");
    assert_eq!(weeks.len(), 53);
    assert!(weeks[0][0].contains(" to "), "{:?}", weeks[0]);
    let api = stats(&app, "acme.hello", "1y").await;
    assert_eq!(
        column(&weeks, 1),
        api["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["downloads"].as_i64().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(column(&weeks, 1).iter().sum::<i64>(), 63);

    let r = page(&app, "/plugins/acme.hello/stats?range=all").await;
    assert!(r.text.contains(r#"data-bucket="month""#));
    let months = rows(&r.text, "stats-installs-table");
    assert_eq!(column(&months, 1).iter().sum::<i64>(), 92);

    for bad in ["bogus", "", "%00"] {
        let r = page(&app, &format!("/plugins/acme.hello/stats?range={bad}")).await;
        assert_eq!(r.status, 200, "{bad}");
        assert!(
            r.text.contains(r#"data-range="90d" data-bucket="day""#),
            "{bad}"
        );
    }
    let r = page(&app, "/plugins/acme.nope/stats").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_plugin_page_links_to_its_statistics_and_says_what_its_numbers_are() {
    let app = seeded().await;
    let r = page(&app, "/plugins/acme.hello").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"href="/plugins/acme.hello/stats""#));
    assert!(
        r.text.contains("12 unique installs in the last 90 days"),
        "{}",
        r.text
    );
    // The summary's "installs" are distinct signed-in users, and it says so.
    let facts = element(&r.text, "dd", "signed-in-installers");
    assert_eq!(text(facts), "1 signed-in user");
}
