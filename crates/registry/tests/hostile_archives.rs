//! Hostile uploads: every archive here is built in the test itself (raw tar headers where
//! the `tar` crate would refuse to write them) and must be refused with an exact code.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use trellis_registry::archive::read_package;
use trellis_registry::limits::{PublishLimits, MIB};
use trellis_registry::package_problem::PackageProblem;
use trellis_registry::testkit::minimal_files;

/// An entry to write into a test archive.
struct Raw<'a> {
    name: &'a [u8],
    kind: tar::EntryType,
    data: &'a [u8],
    link: Option<&'a str>,
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name: name.as_bytes(),
        kind: tar::EntryType::Regular,
        data,
        link: None,
    }
}

/// Writes entries with raw header names (bypassing the tar crate's path checks), after the
/// files of a minimal valid package so the hostile entry is the only problem.
fn archive(extra: &[Raw<'_>], with_valid: bool) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    let valid = minimal_files();
    let mut all: Vec<Raw<'_>> = Vec::new();
    if with_valid {
        all.extend(valid.iter().map(|(k, v)| file(k, v)));
    }
    for r in extra {
        all.push(Raw {
            name: r.name,
            kind: r.kind,
            data: r.data,
            link: r.link,
        });
    }
    for r in all {
        let mut h = tar::Header::new_gnu();
        {
            let old = h.as_old_mut();
            assert!(r.name.len() < old.name.len());
            old.name[..r.name.len()].copy_from_slice(r.name);
        }
        h.set_entry_type(r.kind);
        h.set_mode(0o644);
        h.set_size(r.data.len() as u64);
        if let Some(link) = r.link {
            h.set_link_name(link).unwrap();
        }
        if matches!(r.kind, tar::EntryType::Char | tar::EntryType::Block) {
            h.set_device_major(1).unwrap();
            h.set_device_minor(3).unwrap();
        }
        h.set_cksum();
        b.append(&h, r.data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn refuse(bytes: &[u8], limits: &PublishLimits) -> Vec<PackageProblem> {
    read_package(bytes, limits).expect_err("archive must be refused")
}

fn assert_problem(ps: &[PackageProblem], field: &str, code: &str) {
    assert!(
        ps.iter().any(|p| p.field == field && p.code == code),
        "expected {field} / {code}, got {ps:#?}"
    );
}

#[test]
fn the_valid_baseline_is_accepted() {
    let bytes = archive(
        &[Raw {
            name: b"assets/",
            kind: tar::EntryType::Directory,
            data: b"",
            link: None,
        }],
        true,
    );
    let pkg = read_package(bytes.as_slice(), &PublishLimits::default()).unwrap();
    assert_eq!(pkg.files.len(), 3, "directories are ignored");
}

#[test]
fn dot_dot_components() {
    let bytes = archive(&[file("../evil.sh", b"rm -rf /")], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/../evil.sh",
        "path_traversal",
    );
    let bytes = archive(&[file("assets/../../evil.sh", b"x")], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/assets/../../evil.sh",
        "path_traversal",
    );
    let bytes = archive(
        &[Raw {
            name: b"../up/",
            kind: tar::EntryType::Directory,
            data: b"",
            link: None,
        }],
        true,
    );
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/../up/",
        "path_traversal",
    );
}

#[test]
fn absolute_paths() {
    let bytes = archive(&[file("/etc/cron.d/evil", b"* * * * * root sh")], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive//etc/cron.d/evil",
        "absolute_path",
    );
}

#[test]
fn symlinks() {
    let bytes = archive(
        &[Raw {
            name: b"passwd",
            kind: tar::EntryType::Symlink,
            data: b"",
            link: Some("/etc/passwd"),
        }],
        true,
    );
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/passwd",
        "symlink",
    );
}

#[test]
fn hardlinks() {
    let bytes = archive(
        &[Raw {
            name: b"copy.toml",
            kind: tar::EntryType::Link,
            data: b"",
            link: Some("plugin.toml"),
        }],
        true,
    );
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/copy.toml",
        "hardlink",
    );
}

#[test]
fn devices_and_fifos() {
    for kind in [
        tar::EntryType::Char,
        tar::EntryType::Block,
        tar::EntryType::Fifo,
    ] {
        let bytes = archive(
            &[Raw {
                name: b"dev-null",
                kind,
                data: b"",
                link: None,
            }],
            true,
        );
        assert_problem(
            &refuse(&bytes, &PublishLimits::default()),
            "archive/dev-null",
            "special_file",
        );
    }
}

#[test]
fn other_entry_types() {
    // 'V' is a GNU volume header: not a file, not a directory.
    let bytes = archive(
        &[Raw {
            name: b"volume",
            kind: tar::EntryType::new(b'V'),
            data: b"",
            link: None,
        }],
        true,
    );
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/volume",
        "unsupported_entry",
    );
}

#[test]
fn backslash_names() {
    let bytes = archive(&[file("..\\..\\evil.bat", b"x")], true);
    let ps = refuse(&bytes, &PublishLimits::default());
    assert!(ps.iter().any(|p| p.code == "invalid_path"), "{ps:#?}");
}

#[test]
fn duplicates_after_normalisation() {
    let bytes = archive(&[file("./README.md", b"# shadow")], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/README.md",
        "duplicate_entry",
    );
    let bytes = archive(&[file("readme.MD", b"# shadow")], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "archive/readme.MD",
        "duplicate_entry",
    );
}

#[test]
fn non_utf8_names() {
    let bytes = archive(
        &[Raw {
            name: b"caf\xe9.txt",
            kind: tar::EntryType::Regular,
            data: b"x",
            link: None,
        }],
        true,
    );
    let ps = refuse(&bytes, &PublishLimits::default());
    assert!(ps.iter().any(|p| p.code == "non_utf8_path"), "{ps:#?}");
}

#[test]
fn too_many_entries() {
    let names: Vec<String> = (0..20).map(|i| format!("extra/{i}.txt")).collect();
    let extra: Vec<Raw<'_>> = names.iter().map(|n| file(n, b"x")).collect();
    let bytes = archive(&extra, true);
    let limits = PublishLimits {
        max_entries: 10,
        ..PublishLimits::default()
    };
    assert_problem(&refuse(&bytes, &limits), "package", "too_many_entries");
    // Exactly at the limit is fine.
    let limits = PublishLimits {
        max_entries: 23,
        ..PublishLimits::default()
    };
    assert!(read_package(bytes.as_slice(), &limits).is_ok());
}

#[test]
fn single_file_too_large() {
    let big = vec![7u8; 300 * 1024];
    let bytes = archive(&[file("assets/big.bin", &big)], true);
    let limits = PublishLimits {
        max_file_bytes: 256 * 1024,
        ..PublishLimits::default()
    };
    assert_problem(
        &refuse(&bytes, &limits),
        "archive/assets/big.bin",
        "too_large",
    );
}

/// Incompressible bytes (xorshift) so the compressed size is the data size.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn upload_too_large() {
    let data = noise(3 * MIB as usize);
    let bytes = archive(&[file("assets/noise.bin", &data)], true);
    let limits = PublishLimits {
        max_compressed_bytes: MIB,
        ..PublishLimits::default()
    };
    assert_problem(&refuse(&bytes, &limits), "package", "too_large");
}

#[test]
fn total_uncompressed_too_large() {
    let a = noise(600 * 1024);
    let b = noise(600 * 1024);
    let bytes = archive(&[file("a.bin", &a), file("b.bin", &b)], true);
    let limits = PublishLimits {
        max_uncompressed_bytes: MIB,
        ..PublishLimits::default()
    };
    assert_problem(&refuse(&bytes, &limits), "package", "too_large");
}

#[test]
fn high_compression_ratio() {
    let zeros = vec![0u8; 10 * MIB as usize];
    let bytes = archive(&[file("assets/zeros.bin", &zeros)], true);
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "package",
        "compression_ratio",
    );
    // Below the ratio floor, very compressible small packages are fine.
    let small = vec![0u8; 512 * 1024];
    let bytes = archive(&[file("assets/zeros.bin", &small)], true);
    assert!(read_package(bytes.as_slice(), &PublishLimits::default()).is_ok());
}

/// An endless tar stream: one header claiming an 8 GB file, then zeros. Counts how many
/// bytes were pulled from it.
struct ZeroBomb {
    header: Vec<u8>,
    pos: usize,
    pulled: Rc<Cell<u64>>,
}

impl ZeroBomb {
    fn new(pulled: Rc<Cell<u64>>) -> Self {
        let mut h = tar::Header::new_gnu();
        h.set_path("bomb.bin").unwrap();
        h.set_size(8_000_000_000);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        ZeroBomb {
            header: h.as_bytes().to_vec(),
            pos: 0,
            pulled,
        }
    }
}

impl Read for ZeroBomb {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.pos < self.header.len() {
            let n = buf.len().min(self.header.len() - self.pos);
            buf[..n].copy_from_slice(&self.header[self.pos..self.pos + n]);
            self.pos += n;
            n
        } else {
            buf.fill(0);
            buf.len()
        };
        self.pulled.set(self.pulled.get() + n as u64);
        Ok(n)
    }
}

fn bomb(pulled: &Rc<Cell<u64>>) -> impl Read {
    // Compressed lazily: only what read_package pulls is ever produced.
    flate2::read::GzEncoder::new(ZeroBomb::new(pulled.clone()), flate2::Compression::fast())
}

#[test]
fn decompression_bomb_is_stopped_by_the_ratio() {
    let pulled = Rc::new(Cell::new(0));
    let ps = refuse_reader(bomb(&pulled), &PublishLimits::default());
    assert_problem(&ps, "package", "compression_ratio");
    assert!(
        pulled.get() < 64 * MIB,
        "read {} bytes of the bomb",
        pulled.get()
    );
}

#[test]
fn decompression_bomb_is_stopped_by_the_size_limit() {
    let pulled = Rc::new(Cell::new(0));
    let limits = PublishLimits {
        max_compression_ratio: f64::INFINITY,
        max_uncompressed_bytes: 4 * MIB,
        max_file_bytes: 8_000_000_000,
        ..PublishLimits::default()
    };
    let ps = refuse_reader(bomb(&pulled), &limits);
    assert_problem(&ps, "package", "too_large");
    // Bounded: the limit plus what sits in the encoder's and decoder's buffers.
    assert!(
        pulled.get() < 4 * MIB + 64 * MIB,
        "read {} bytes of the bomb",
        pulled.get()
    );
}

#[test]
fn lying_header_size_is_not_trusted() {
    // The header claims 8 GB but the stream ends after a few bytes: no huge allocation,
    // just a truncated-archive error.
    let mut h = tar::Header::new_gnu();
    h.set_path("liar.bin").unwrap();
    h.set_size(8_000_000_000);
    h.set_mode(0o644);
    h.set_cksum();
    let mut tar_bytes = h.as_bytes().to_vec();
    tar_bytes.extend_from_slice(b"only a few bytes");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &tar_bytes).unwrap();
    let bytes = enc.finish().unwrap();
    assert_problem(
        &refuse(&bytes, &PublishLimits::default()),
        "package",
        "invalid_archive",
    );
}

fn refuse_reader(r: impl Read, limits: &PublishLimits) -> Vec<PackageProblem> {
    read_package(r, limits).expect_err("bomb must be refused")
}
