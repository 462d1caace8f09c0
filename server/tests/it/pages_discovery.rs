//! The marketplace pages as the server renders them, through the in-process
//! router and with no script: search (a plain GET, with the hit, its highlight
//! and the facet counts; a bad sort falls back instead of failing), the plugin
//! page (README, download chart and its table), a listing imported without a
//! package (its origin, no download link), the namespace and category pages,
//! 404s for what does not exist, and the home page's lists shared between renders.

use trellis_platform::registry::import::{self, ImportOptions};

use crate::harness::{eventually, Resp, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, Pkg};

const README: &str = "# Calendar Sync\n\nMirrors events between **calendars**.\n";

fn manifest(name: &str, display: &str, kind: &str, description: &str) -> String {
    format!(
        "schema_version = 1\n\n[plugin]\nid = \"acme.{name}\"\ndisplay_name = \"{display}\"\n\
         version = \"1.0.0\"\nkind = \"{kind}\"\ndescription = \"{description}\"\nlicense = \"MIT\"\n\
         api = \"^1\"\ncategories = [\"productivity\"]\nkeywords = [\"sync\"]\n\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n"
    )
}

/// Two published plugins (one downloaded twice) and two demo listings imported
/// into `catalogue`: one without versions, one with catalogue versions only.
pub(crate) async fn seed(app: &TestApp) {
    let (_, t) = publisher(app, "alice", "acme").await;
    let calendar = Pkg::new("acme.calendar-sync", "1.0.0")
        .file(
            "plugin.toml",
            manifest(
                "calendar-sync",
                "Calendar Sync",
                "integration",
                "Keeps team calendars in step.",
            ),
        )
        .file("README.md", README);
    publish_ok(&t, &calendar).await;
    let logs = Pkg::new("acme.log-watch", "1.0.0").file(
        "plugin.toml",
        manifest(
            "log-watch",
            "Log Watch",
            "agent",
            "Watches logs for errors.",
        ),
    );
    publish_ok(&t, &logs).await;
    for _ in 0..2 {
        assert_eq!(
            download(&app.client(), "acme.calendar-sync", "1.0.0")
                .await
                .status,
            200
        );
    }
    flush(app).await;

    let lines = [
        r#"{"id": "someone/dial.nvim", "name": "dial.nvim", "summary": "Increments dates and numbers.", "author": "someone", "categories": ["Editing Support"], "tags": [], "repository": "https://github.com/someone/dial.nvim", "versions": [], "source": "example/awesome-list"}"#,
        r#"{"id": "someone/tabs.nvim", "name": "tabs.nvim", "summary": "Tabs with names.", "author": "someone", "categories": ["Editing Support"], "tags": [], "repository": "https://github.com/someone/tabs.nvim", "versions": [{"version": "1.2.0", "downloads": 4}], "source": "example/awesome-list"}"#,
    ];
    let opts = ImportOptions {
        namespace: "catalogue".into(),
        demo: true,
        owner: None,
    };
    import::import(&app.state, lines.join("\n").as_bytes(), &opts)
        .await
        .unwrap();
    eventually("the index to list every plugin", || async {
        let r = app.client().get("/api/v1/search?q=").await;
        r.status == 200 && r.json()["total"] == 4
    })
    .await;
}

/// The targets of the page's links (`href="…"`).
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// Whether the page lists the plugin `id` (a card in a list of results).
fn lists(r: &Resp, id: &str) -> bool {
    r.text.contains(&format!(r#"data-plugin-id="{id}""#))
}

async fn page(app: &TestApp, path: &str) -> Resp {
    let r = app.client().get(path).await;
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{path} is a page"
    );
    r
}

#[tokio::test]
async fn search_is_a_plain_get_with_hits_highlights_and_facet_counts() {
    let app = TestApp::new().await;
    seed(&app).await;

    // A typo still finds the plugin; its name is marked.
    let r = page(&app, "/search?q=calender").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(lists(&r, "acme.calendar-sync"), "{}", r.text);
    assert!(r.text.contains("<mark>"), "the match is highlighted");
    assert!(!lists(&r, "acme.log-watch"));

    // Every plugin, with the facet counts as checkboxes of the one GET form.
    let r = page(&app, "/search").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"method="get""#) && r.text.contains(r#"action="/search""#));
    assert!(r.text.contains("All plugins: 4 plugins"), "{}", r.text);
    assert!(r.text.contains(r#"data-facet="kind""#));
    assert!(r.text.contains(r#"value="agent""#));
    assert!(
        r.text.contains(r#"aria-label="1 plugin""#),
        "the agent facet counts one"
    );
    assert!(
        r.text.contains(r#"aria-label="3 plugins""#),
        "three integrations"
    );
    assert!(
        r.text.contains("License not stated"),
        "NOASSERTION reads as people say it"
    );

    // A facet in the URL narrows the results and is checked.
    let r = page(&app, "/search?kind=agent").await;
    assert!(lists(&r, "acme.log-watch"));
    assert!(!lists(&r, "acme.calendar-sync"));
    assert!(r.text.contains("Kind: agent"), "the filter shows as a chip");

    // A bad sort (or page) is dropped, never a 500.
    for bad in ["sort=bogus", "sort=", "page=-3", "page=x&sort=%00"] {
        let r = page(&app, &format!("/search?q=calendar&{bad}")).await;
        assert_eq!(r.status, 200, "{bad}: {}", r.text);
        assert!(lists(&r, "acme.calendar-sync"), "{bad}");
    }
}

#[tokio::test]
async fn the_plugin_page_has_its_readme_chart_and_download() {
    let app = TestApp::new().await;
    seed(&app).await;
    let r = page(&app, "/plugins/acme.calendar-sync").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("<strong>calendars</strong>"),
        "the README, rendered"
    );
    assert!(r.text.contains(r#"id="download-chart""#));
    assert!(r.text.contains("<svg"));
    assert_eq!(r.text.matches(r#"class="bar""#).count(), 90);
    assert!(r.text.contains(r#"id="chart-desc""#));
    assert!(r.text.contains("2 downloads in the 90 days"), "{}", r.text);
    // The chart's numbers as a table: a header row and one row a day.
    let at = r
        .text
        .find(r#"id="download-table""#)
        .expect("the chart's table");
    let open = r.text[..at].rfind("<table").unwrap();
    assert!(!r.text[open..at].contains('>'), "the id is the table's");
    let end = at + r.text[at..].find("</table>").unwrap();
    assert_eq!(r.text[at..end].matches("<tr").count(), 91);
    assert!(r.text.contains(r#"id="version-table""#));
    assert!(r.text.contains(r#"id="download-latest""#));
    assert!(hrefs(&r.text)
        .iter()
        .any(|h| h.ends_with("/api/v1/plugins/acme.calendar-sync/versions/1.0.0/download")));
    assert!(!r.text.contains("Demo content"));
}

#[tokio::test]
async fn a_listing_shows_its_origin_and_offers_no_download() {
    let app = TestApp::new().await;
    seed(&app).await;
    for (id, versions) in [
        ("catalogue.someone-dial-nvim", false),
        ("catalogue.someone-tabs-nvim", true),
    ] {
        let r = page(&app, &format!("/plugins/{id}")).await;
        assert_eq!(r.status, 200, "{id}: {}", r.text);
        assert!(
            r.text
                .contains("Demo content imported from example/awesome-list"),
            "{id}"
        );
        assert!(r.text.contains(r#"id="listing-note""#), "{id}");
        assert!(r.text.contains(r#"id="listing-repository""#), "{id}");
        assert!(!r.text.contains(r#"id="download-latest""#), "{id}");
        assert!(
            !hrefs(&r.text).iter().any(|h| h.contains("/download")),
            "{id}: no download link that would 404"
        );
        assert!(
            !r.text.contains(r#"id="download-chart""#),
            "{id}: nothing to chart"
        );
        assert!(
            !r.text.contains(r#"id="permissions""#),
            "{id}: nothing known"
        );
        assert_eq!(r.text.contains(r#"data-version="1.2.0""#), versions, "{id}");
    }
    // Lists mark demo content and show no download count for what cannot be downloaded.
    let r = page(&app, "/search?namespace=catalogue").await;
    assert_eq!(r.text.matches("Demo listing").count(), 2, "{}", r.text);
    assert!(!r.text.contains("0 downloads"));
    let r = page(&app, "/").await;
    assert!(r.text.contains(r#"id="demo-note""#), "{}", r.text);
    assert!(r.text.contains("example/awesome-list"));
    // The home page's categories by name: Trellis's own (Productivity) and the
    // catalogue's (Editing Support) in one list.
    let at = |slug: &str| {
        r.text
            .find(&format!(r#"href="/categories/{slug}""#))
            .unwrap_or_else(|| panic!("no {slug} tile"))
    };
    assert!(at("editing-support") < at("productivity"));
}

#[tokio::test]
async fn namespace_and_category_pages_list_their_plugins() {
    let app = TestApp::new().await;
    seed(&app).await;
    let r = page(&app, "/namespaces/acme").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(lists(&r, "acme.log-watch"));
    assert!(!r.text.contains(r#"data-plugin-id="catalogue."#));
    let r = page(&app, "/categories/editing-support").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(lists(&r, "catalogue.someone-dial-nvim"));
    assert!(!r.text.contains(r#"data-plugin-id="acme."#));
}

#[tokio::test]
async fn what_does_not_exist_is_a_404_page() {
    let app = TestApp::new().await;
    seed(&app).await;
    for path in [
        "/plugins/acme.nothing-here",
        "/plugins/not-an-id",
        "/namespaces/nobody",
        "/categories/no-such-category",
    ] {
        let r = page(&app, path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert!(r.text.contains("Page not found"), "{path}");
        assert!(
            r.text.contains(r#"action="/search""#),
            "{path} offers a search"
        );
    }
}

#[tokio::test]
async fn home_lists_are_shared_between_renders_for_page_cache_ms() {
    use std::sync::Arc;
    use trellis_platform::home;

    // Shared: two renders in the window get the very same lists; once the window
    // has passed, a render computes them again and sees what changed.
    let app = TestApp::with_env(&[("TRELLIS_SERVER__PAGE_CACHE_MS", "3000")]).await;
    let first = home::lists(&app.state).await.unwrap();
    let again = home::lists(&app.state).await.unwrap();
    assert!(Arc::ptr_eq(&first, &again), "computed twice in the window");
    assert!(first.newest.is_empty());
    seed(&app).await;
    let bob = app.user("bob").await;
    eventually(
        "a signed-in home page to list what was published",
        || async {
            let r = bob.get("/").await;
            r.status == 200 && lists(&r, "acme.calendar-sync")
        },
    )
    .await;
    let later = home::lists(&app.state).await.unwrap();
    assert_eq!(later.total, Some(4));
    assert!(later.popular.iter().any(|h| h.id == "acme.calendar-sync"));

    // page_cache_ms = 0: every call computes them.
    let app = TestApp::with_env(&[("TRELLIS_SERVER__PAGE_CACHE_MS", "0")]).await;
    let first = home::lists(&app.state).await.unwrap();
    let again = home::lists(&app.state).await.unwrap();
    assert!(
        !Arc::ptr_eq(&first, &again),
        "kept although page_cache_ms = 0"
    );
}
