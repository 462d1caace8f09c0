//! Unit tests for `archive.rs`; hostile archives live in `tests/hostile_archives.rs`.

use super::*;
use crate::package_problem::has_code;
use crate::testkit::{minimal_files, tar_gz_map, HELLO_WASM};

fn read(files: &BTreeMap<String, Vec<u8>>) -> Result<Package, Vec<PackageProblem>> {
    read_package(tar_gz_map(files).as_slice(), &PublishLimits::default())
}

#[test]
fn reads_a_valid_package() {
    let mut files = minimal_files();
    files.insert("CHANGELOG.md".into(), b"## 0.1.0\n".to_vec());
    files.insert("LICENSE".into(), b"MIT".to_vec());
    let pkg = read(&files).unwrap();
    assert_eq!(pkg.manifest.plugin.id.to_string(), "acme.hello");
    assert_eq!(pkg.wasm, HELLO_WASM);
    assert!(pkg.readme.starts_with("# Hello"));
    assert_eq!(pkg.changelog.as_deref(), Some("## 0.1.0\n"));
    assert_eq!(pkg.files.len(), 5);
    assert_eq!(pkg.digests["LICENSE"], sha256_hex(b"MIT"));
    assert_eq!(pkg.digests.len(), 5);
}

#[test]
fn dot_slash_prefixes_are_normalised() {
    let files = minimal_files();
    let bytes = crate::testkit::tar_gz(files.iter().map(|(k, v)| {
        (
            if k == "README.md" {
                "./README.md"
            } else {
                k.as_str()
            },
            v.as_slice(),
        )
    }));
    let pkg = read_package(bytes.as_slice(), &PublishLimits::default()).unwrap();
    assert!(pkg.files.contains_key("README.md"));
}

#[test]
fn required_files() {
    let mut files = minimal_files();
    files.remove("README.md");
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "missing_file" && p.field == "archive/README.md"),
        "{ps:?}"
    );
    let mut files = minimal_files();
    files.remove("plugin.toml");
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "missing_file" && p.field == "archive/plugin.toml"),
        "{ps:?}"
    );
    let mut files = minimal_files();
    files.remove("plugin.wasm");
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "missing_file" && p.field == "runtime.entry"),
        "{ps:?}"
    );
    let mut files = minimal_files();
    files.insert("README.md".into(), vec![0xff, 0xfe, 0x00]);
    assert!(has_code(&read(&files).unwrap_err(), "invalid_utf8"));
}

#[test]
fn manifest_problems_surface() {
    let mut files = minimal_files();
    let text = String::from_utf8(files["plugin.toml"].clone())
        .unwrap()
        .replace("0.1.0", "0.1");
    files.insert("plugin.toml".into(), text.into_bytes());
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "invalid_semver" && p.field == "plugin.version"),
        "{ps:?}"
    );
}

fn with_manifest_extra(extra_top: &str, extra_plugin: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = minimal_files();
    let text = String::from_utf8(files["plugin.toml"].clone()).unwrap();
    let text = format!(
        "{extra_top}{}",
        text.replace("api = \"^1\"", &format!("api = \"^1\"\n{extra_plugin}"))
    );
    files.insert("plugin.toml".into(), text.into_bytes());
    files
}

#[test]
fn icon_cross_checks() {
    let files = with_manifest_extra("", "icon = \"icon.png\"");
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "missing_file" && p.field == "plugin.icon"),
        "{ps:?}"
    );
    let mut f = files.clone();
    f.insert("icon.png".into(), b"GIF89a....".to_vec());
    assert!(has_code(&read(&f).unwrap_err(), "invalid_icon"));
    f.insert("icon.png".into(), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec());
    assert!(read(&f).is_ok());
    let mut f = with_manifest_extra("", "icon = \"icon.svg\"");
    f.insert(
        "icon.svg".into(),
        b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>".to_vec(),
    );
    assert!(read(&f).is_ok());
    f.insert("icon.svg".into(), b"<svg onload='alert(1)'></svg>".to_vec());
    assert!(has_code(&read(&f).unwrap_err(), "invalid_icon"));
    f.insert(
        "icon.svg".into(),
        b"<svg><script>alert(1)</script></svg>".to_vec(),
    );
    assert!(has_code(&read(&f).unwrap_err(), "invalid_icon"));
}

#[test]
fn config_schema_cross_checks() {
    let files = with_manifest_extra("config_schema = \"config.json\"\n", "");
    let ps = read(&files).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "missing_file" && p.field == "config_schema"),
        "{ps:?}"
    );
    let mut f = files.clone();
    f.insert("config.json".into(), b"[1, 2]".to_vec());
    assert!(has_code(&read(&f).unwrap_err(), "invalid_config_schema"));
    f.insert("config.json".into(), b"{not json".to_vec());
    assert!(has_code(&read(&f).unwrap_err(), "invalid_config_schema"));
    f.insert("config.json".into(), br#"{"type": "object"}"#.to_vec());
    assert!(read(&f).is_ok());
}

#[test]
fn not_a_gzip() {
    let ps = read_package(&b"definitely not gzip"[..], &PublishLimits::default()).unwrap_err();
    assert!(has_code(&ps, "invalid_archive"), "{ps:?}");
    // A valid archive with a corrupted gzip trailer (CRC) is refused too.
    let mut bytes = tar_gz_map(&minimal_files());
    let n = bytes.len();
    bytes[n - 8] ^= 0xff;
    assert!(has_code(
        &read_package(bytes.as_slice(), &PublishLimits::default()).unwrap_err(),
        "invalid_archive"
    ));
}

#[test]
fn entry_path_normalisation() {
    assert_eq!(normalize_entry_path(b"./a/./b//c").unwrap(), "a/b/c");
    assert_eq!(
        normalize_entry_path(b"/etc/passwd").unwrap_err().0,
        "absolute_path"
    );
    assert_eq!(
        normalize_entry_path(b"a/../../x").unwrap_err().0,
        "path_traversal"
    );
    assert_eq!(
        normalize_entry_path(b"a\\..\\x").unwrap_err().0,
        "invalid_path"
    );
    assert_eq!(normalize_entry_path(b"C:x").unwrap_err().0, "invalid_path");
    assert_eq!(
        normalize_entry_path(b"\xff.txt").unwrap_err().0,
        "non_utf8_path"
    );
}

#[test]
fn pack_dir_is_deterministic_and_skips_hidden_and_target() {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in minimal_files() {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("assets/deep")).unwrap();
    std::fs::write(dir.path().join("assets/deep/notes.txt"), "hi").unwrap();
    std::fs::create_dir_all(dir.path().join("target/debug")).unwrap();
    std::fs::write(dir.path().join("target/debug/big.bin"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/config"), "x").unwrap();
    std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
    let a = pack_dir(dir.path()).unwrap();
    let b = pack_dir(dir.path()).unwrap();
    assert_eq!(a, b, "packing twice gives identical bytes");
    let pkg = read_package(a.as_slice(), &PublishLimits::default()).unwrap();
    let names: Vec<&str> = pkg.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "README.md",
            "assets/deep/notes.txt",
            "plugin.toml",
            "plugin.wasm"
        ]
    );
    // Headers are normalised.
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(a.as_slice()));
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        assert_eq!(e.header().mode().unwrap(), 0o644);
        assert_eq!(e.header().mtime().unwrap(), 0);
    }
}

#[test]
fn pack_dir_refuses_symlinks_and_needs_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "x").unwrap();
    let ps = pack_dir(dir.path()).unwrap_err();
    assert!(has_code(&ps, "missing_file"), "{ps:?}");
    #[cfg(unix)]
    {
        std::fs::write(dir.path().join("plugin.toml"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd")).unwrap();
        let ps = pack_dir(dir.path()).unwrap_err();
        assert!(
            ps.iter()
                .any(|p| p.code == "symlink" && p.field == "archive/passwd"),
            "{ps:?}"
        );
    }
}

#[test]
fn oversized_icons_are_refused() {
    let mut f = with_manifest_extra("", "icon = \"icon.png\"");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(1024 * 1024 + 1, 0);
    f.insert("icon.png".into(), png);
    let ps = assemble(f, Vec::new()).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "invalid_icon" && p.detail.contains("1 MiB")),
        "{ps:?}"
    );
}
