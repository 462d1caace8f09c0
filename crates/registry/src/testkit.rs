//! Helpers for tests here and in dependent crates (server, CLI): a tiny valid WebAssembly
//! module, a minimal valid package and a plain `.tar.gz` builder. Not part of the stable
//! API.

use std::collections::BTreeMap;

/// `(module (func (export "run")))` as raw bytes.
pub const HELLO_WASM: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic + version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
    0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
    0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00, // export "run" = func 0
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: empty body
];

/// The minimal manifest used by [`minimal_files`] (id `acme.hello`, exports `run`).
pub const MINIMAL_MANIFEST: &str = "schema_version = 1

[plugin]
id = \"acme.hello\"
display_name = \"Hello\"
version = \"0.1.0\"
kind = \"agent\"
description = \"Says hello.\"
license = \"MIT\"
api = \"^1\"

[runtime]
entry = \"plugin.wasm\"
exports = [\"run\"]
";

/// Files of a minimal valid package: `plugin.toml`, `README.md`, `plugin.wasm`.
pub fn minimal_files() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert(
        "plugin.toml".to_string(),
        MINIMAL_MANIFEST.as_bytes().to_vec(),
    );
    files.insert(
        "README.md".to_string(),
        b"# Hello\n\nSays hello.\n".to_vec(),
    );
    files.insert("plugin.wasm".to_string(), HELLO_WASM.to_vec());
    files
}

/// Builds a `.tar.gz` holding the given regular files, in order, with mode 0644.
pub fn tar_gz<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, data).expect("append");
    }
    b.into_inner().expect("tar").finish().expect("gzip")
}

/// [`tar_gz`] of a file map.
pub fn tar_gz_map(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    tar_gz(files.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
}
