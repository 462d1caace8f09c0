//! Tests for `signature.rs`; signatures are created with the `minisign` crate.

use std::io::Cursor;

use super::*;
use crate::archive::assemble;
use crate::package_problem::has_code;
use crate::testkit::minimal_files;

struct Signer {
    kp: minisign::KeyPair,
}

impl Signer {
    fn new() -> Self {
        Signer {
            kp: minisign::KeyPair::generate_unencrypted_keypair().unwrap(),
        }
    }

    fn public_b64(&self) -> String {
        self.kp.pk.to_base64()
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        minisign::sign(
            Some(&self.kp.pk),
            &self.kp.sk,
            Cursor::new(data),
            Some("acme.hello 0.1.0"),
            Some("signed by test"),
        )
        .unwrap()
        .to_string()
        .into_bytes()
    }
}

/// Adds DIGESTS and a signature by `signer` to the files and reads them as a package.
fn signed_package(files: &mut BTreeMap<String, Vec<u8>>, signer: &Signer) -> Package {
    let digests = digests_file(files);
    files.insert(DIGESTS_FILE.into(), digests.clone().into_bytes());
    files.insert(SIGNATURE_FILE.into(), signer.sign(digests.as_bytes()));
    assemble(files.clone(), Vec::new()).unwrap()
}

fn package(files: BTreeMap<String, Vec<u8>>) -> Package {
    assemble(files, Vec::new()).unwrap()
}

#[test]
fn digests_file_format() {
    let mut files = minimal_files();
    files.insert(SIGNATURE_FILE.into(), b"x".to_vec());
    let d = digests_file(&files);
    let lines: Vec<&str> = d.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        format!("{}  README.md", sha256_hex(&files["README.md"]))
    );
    assert!(lines[1].ends_with("  plugin.toml") && lines[2].ends_with("  plugin.wasm"));
    assert_eq!(parse_digests(&d).unwrap().len(), 3);
}

#[test]
fn unsigned_packages() {
    let pkg = package(minimal_files());
    assert_eq!(verify_package_signature(&pkg, &[], false), Ok(None));
    let ps = verify_package_signature(&pkg, &["k".into()], true).unwrap_err();
    assert!(has_code(&ps, "signature_required"), "{ps:?}");
}

#[test]
fn good_signature_reports_the_key_index() {
    let (other, signer) = (Signer::new(), Signer::new());
    let pkg = signed_package(&mut minimal_files(), &signer);
    let keys = vec![other.public_b64(), signer.public_b64()];
    assert_eq!(verify_package_signature(&pkg, &keys, true), Ok(Some(1)));
    assert_eq!(verify_package_signature(&pkg, &keys, false), Ok(Some(1)));
    // The whole .pub file is accepted as a key too.
    let pub_file = signer.kp.pk.to_box().unwrap().to_string();
    assert_eq!(
        verify_package_signature(&pkg, &[pub_file], true),
        Ok(Some(0))
    );
}

#[test]
fn wrong_key_or_garbage_signature() {
    let (other, signer) = (Signer::new(), Signer::new());
    let mut files = minimal_files();
    let pkg = signed_package(&mut files, &signer);
    let ps = verify_package_signature(&pkg, &[other.public_b64()], false).unwrap_err();
    assert!(has_code(&ps, "signature_invalid"), "{ps:?}");
    files.insert(
        SIGNATURE_FILE.into(),
        b"untrusted comment: x\nnot a signature\n".to_vec(),
    );
    let ps = verify_package_signature(&package(files), &[signer.public_b64()], false).unwrap_err();
    assert!(has_code(&ps, "signature_invalid"), "{ps:?}");
}

#[test]
fn tampered_file_is_a_digest_mismatch() {
    let signer = Signer::new();
    let mut files = minimal_files();
    signed_package(&mut files, &signer);
    files.insert(
        "README.md".into(),
        b"# Hello\n\nNow with malware.\n".to_vec(),
    );
    let ps = verify_package_signature(&package(files), &[signer.public_b64()], false).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "digest_mismatch" && p.field == "archive/README.md"),
        "{ps:?}"
    );
}

#[test]
fn rewritten_digests_break_the_signature() {
    let signer = Signer::new();
    let mut files = minimal_files();
    signed_package(&mut files, &signer);
    files.insert("README.md".into(), b"# evil\n".to_vec());
    let d = digests_file(&files);
    files.insert(DIGESTS_FILE.into(), d.into_bytes());
    let ps = verify_package_signature(&package(files), &[signer.public_b64()], true).unwrap_err();
    assert_eq!(
        ps.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        ["signature_invalid"]
    );
}

#[test]
fn unlisted_and_phantom_files() {
    let signer = Signer::new();
    let mut files = minimal_files();
    signed_package(&mut files, &signer);
    files.insert("extra.js".into(), b"evil()".to_vec());
    let ps = verify_package_signature(&package(files.clone()), &[signer.public_b64()], false)
        .unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "digest_mismatch" && p.field == "archive/extra.js"),
        "{ps:?}"
    );
    files.remove("extra.js");
    let mut digests = String::from_utf8(files[DIGESTS_FILE].clone()).unwrap();
    digests.push_str(&format!("{}  ghost.txt\n", sha256_hex(b"boo")));
    files.insert(DIGESTS_FILE.into(), digests.into_bytes());
    let ps = verify_package_signature(&package(files), &[signer.public_b64()], false).unwrap_err();
    assert!(
        ps.iter()
            .any(|p| p.code == "digest_mismatch" && p.field == "archive/ghost.txt"),
        "{ps:?}"
    );
}

#[test]
fn malformed_digests_and_missing_digests() {
    let signer = Signer::new();
    let mut files = minimal_files();
    files.insert(DIGESTS_FILE.into(), b"not a digest line\n".to_vec());
    files.insert(SIGNATURE_FILE.into(), signer.sign(b"not a digest line\n"));
    let ps = verify_package_signature(&package(files.clone()), &[signer.public_b64()], false)
        .unwrap_err();
    assert!(has_code(&ps, "invalid_digests"), "{ps:?}");
    files.remove(DIGESTS_FILE);
    let ps = verify_package_signature(&package(files), &[signer.public_b64()], false).unwrap_err();
    assert!(has_code(&ps, "signature_invalid"), "{ps:?}");
}

#[test]
fn no_registered_keys() {
    let signer = Signer::new();
    let pkg = signed_package(&mut minimal_files(), &signer);
    assert_eq!(verify_package_signature(&pkg, &[], false), Ok(None));
    assert!(has_code(
        &verify_package_signature(&pkg, &[], true).unwrap_err(),
        "signature_invalid"
    ));
}

#[test]
fn public_keys() {
    let signer = Signer::new();
    let b64 = signer.public_b64();
    let info = parse_public_key(&b64).unwrap();
    assert_eq!(info.base64, b64);
    assert_eq!(info.key_id.len(), 16);
    let whole = signer.kp.pk.to_box().unwrap().to_string();
    assert!(
        whole.contains(&info.key_id),
        "minisign prints the same key id: {whole}"
    );
    assert_eq!(parse_public_key(&whole).unwrap(), info);
    for bad in ["", "hello", "RWQ=", &format!("{b64}\n{b64}")] {
        assert_eq!(
            parse_public_key(bad).unwrap_err().code,
            "invalid_public_key",
            "{bad}"
        );
    }
}
