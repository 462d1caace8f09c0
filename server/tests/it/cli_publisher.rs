//! The publisher CLI (`trellis login | package | publish | info | search | yank`)
//! run as a real process against a real server on a loopback port.

use std::process::Output;

use serde_json::json;

use crate::harness::TestApp;

/// The CLI with its own credentials file.
struct Cli {
    creds: tempfile::TempDir,
}

impl Cli {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let path = self.creds.path().join("credentials.toml");
        let env = [(
            "TRELLIS_CREDENTIALS".to_string(),
            path.display().to_string(),
        )];
        crate::cli::run(&env, args, stdin)
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn login_package_publish_info_search_yank() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let r = alice
        .post_json(
            "/api/v1/tokens",
            json!({"name": "cli", "scopes": ["read", "publish"]}),
        )
        .await;
    let secret = r.json()["secret"].as_str().unwrap().to_owned();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let cli = Cli {
        creds: tempfile::tempdir().unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in trellis_registry::testkit::minimal_files() {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let plugin_dir = dir.path().to_str().unwrap().to_owned();
    let (b, pd) = (base.clone(), plugin_dir.clone());
    let out_file = dir.path().join("out.tar.gz");
    let out_s = out_file.to_str().unwrap().to_owned();
    let secret2 = secret.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let bad_login = cli.run(
            &["login", "--registry", &b, "--token-stdin"],
            Some("trls_nope"),
        );
        let login = cli.run(
            &["login", "--registry", &b, "--token-stdin"],
            Some(&secret2),
        );
        let package = cli.run(&["package", &pd, "--out", &out_s], None);
        let publish = cli.run(&["publish", &pd], None);
        let again = cli.run(&["publish", &out_s], None);
        let info = cli.run(&["info", "acme.hello"], None);
        let search = cli.run(&["search", "hello"], None);
        let yank = cli.run(&["yank", "acme.hello", "0.1.0"], None);
        let info_after = cli.run(&["info", "acme.hello"], None);
        (
            bad_login, login, package, publish, again, info, search, yank, info_after,
        )
    })
    .await
    .unwrap();
    let (bad_login, login, package, publish, again, info, search, yank, info_after) = outputs;

    assert_eq!(bad_login.status.code(), Some(2), "{}", text(&bad_login));
    assert!(
        text(&bad_login).contains("invalid_token"),
        "{}",
        text(&bad_login)
    );
    assert!(login.status.success(), "{}", text(&login));
    assert!(
        text(&login).contains("logged in to") && text(&login).contains("as alice"),
        "{}",
        text(&login)
    );
    assert!(package.status.success(), "{}", text(&package));
    assert!(std::fs::metadata(&out_file).unwrap().len() > 0);
    assert!(publish.status.success(), "{}", text(&publish));
    assert!(
        text(&publish).contains("published acme.hello 0.1.0"),
        "{}",
        text(&publish)
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("version_exists"), "{}", text(&again));
    assert!(info.status.success(), "{}", text(&info));
    assert!(
        text(&info).contains("acme.hello") && text(&info).contains("0.1.0"),
        "{}",
        text(&info)
    );
    assert!(search.status.success(), "{}", text(&search));
    assert!(text(&search).contains("acme.hello"), "{}", text(&search));
    assert!(yank.status.success(), "{}", text(&yank));
    assert!(
        text(&info_after).contains("(yanked)"),
        "{}",
        text(&info_after)
    );

    let r = app
        .bearer(&secret)
        .get("/api/v1/plugins/acme.hello/versions")
        .await;
    assert_eq!(r.json()["data"][0]["yanked"], true, "{}", r.text);
    server.abort();
}

#[test]
fn package_reports_every_problem_locally() {
    let cli = Cli {
        creds: tempfile::tempdir().unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plugin.toml"),
        "schema_version = 1\n[plugin]\nid = \"Acme.Hello\"\nversion = \"1.0\"\n",
    )
    .unwrap();
    let out = cli.run(&["package", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(t.contains("the package is not valid"), "{t}");
    assert!(
        t.contains("plugin.id") && t.contains("plugin.version"),
        "{t}"
    );
}
