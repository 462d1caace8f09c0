//! Trellis registry logic: a pure library (no database, HTTP or async) used by the
//! server at publish time and by the publisher CLI.
//!
//! The server reads an upload once with [`read_package`] (size limits, archive safety,
//! the manifest and the files it names), looks up the namespace, keys and popular
//! plugins the manifest's id calls for, then runs [`check_package`] on the package
//! already read: [`check_wasm`], [`scan_secrets`] over every file,
//! [`verify_package_signature`] and, when given popular plugins (the server gives them
//! for a new plugin id only), [`check_typosquat`].
//! [`validate_package`] is the two in one call; the publisher CLI uses it (with no keys
//! and no popular plugins) to check a package before uploading it. Every check is also
//! callable on its own and reports [`PackageProblem`]s; see [`codes`] for the list of
//! problem codes.
//!
//! Also here: [`check_namespace_name`] (the rules for a new namespace's name, reserved
//! names included), [`resolve()`] (dependency resolution), [`render_markdown`] (README
//! HTML), [`pack_dir`] (building a package) and [`manifest_json_schema`].

pub mod archive;
pub mod limits;
pub mod manifest;
pub mod manifest_rules;
pub mod manifest_schema;
mod manifest_tables;
mod manifest_walker;
mod pack;
pub mod package_problem;
pub mod plugin_id;
pub mod readme;
pub mod reserved;
pub mod resolve;
mod resolve_ranges;
pub mod secrets;
pub mod signature;
pub mod spdx;
#[doc(hidden)]
pub mod testkit;
pub mod typosquat;
pub mod wasm;

mod validate;

pub use archive::{pack_dir, read_package, Package};
pub use limits::PublishLimits;
pub use manifest::{parse_manifest, Events, Manifest, Permissions, PluginMeta, Runtime};
pub use manifest_schema::manifest_json_schema;
pub use package_problem::PackageProblem;
pub use plugin_id::{PluginId, PluginKind, CATEGORIES, HOST_FUNCTIONS, PLUGIN_API_VERSIONS};
pub use readme::render_markdown;
pub use reserved::{check_namespace_name, NameRefusal};
pub use resolve::{resolve, Conflict, Index, IndexVersion, Plan, PlannedPlugin, Request};
pub use secrets::scan_secrets;
pub use signature::{digests_file, parse_public_key, verify_package_signature, PublicKeyInfo};
pub use typosquat::{check_typosquat, confusable_with, ExistingPlugin};
pub use validate::{check_package, validate_package, PublishContext, ValidatedPackage};
pub use wasm::{check_wasm, WasmInfo};

/// Every problem code this crate emits, with what it means. Codes are stable.
pub mod codes {
    /// `(code, meaning)` pairs.
    pub const ALL: &[(&str, &str)] = &[
        // manifest
        ("toml_syntax", "plugin.toml is not valid TOML"),
        ("missing_field", "a required field or table is missing"),
        ("unknown_field", "a field the manifest format does not define"),
        ("invalid_type", "a field has the wrong TOML type"),
        ("unsupported_schema_version", "schema_version is not 1"),
        ("invalid_id", "a plugin id is not namespace.name in lowercase"),
        ("invalid_semver", "plugin.version is not MAJOR.MINOR.PATCH[-pre]"),
        ("invalid_version_req", "a SemVer requirement does not parse"),
        ("invalid_value", "a value outside a fixed set (e.g. plugin.kind) or with control characters"),
        ("invalid_length", "a string is too short or too long"),
        ("invalid_license", "plugin.license is not a known SPDX expression"),
        ("invalid_url", "repository/homepage is not an http(s) URL"),
        ("invalid_path", "a path is not a clean relative path with the right extension, or an archive entry has `\\`, `:` or control characters"),
        ("invalid_category", "a category is not in CATEGORIES"),
        ("invalid_keyword", "a keyword is not 1-32 lowercase characters"),
        ("too_many", "a list has more entries than allowed"),
        ("duplicate", "a list contains the same entry twice"),
        ("empty_list", "runtime.exports is empty"),
        ("invalid_export", "an export name is not an identifier"),
        ("out_of_range", "memory_mb / timeout_ms outside their bounds"),
        ("invalid_host", "a network permission is not host[:port] or *.domain.tld[:port]"),
        ("unknown_host_function", "a host function not in HOST_FUNCTIONS"),
        ("invalid_secret_name", "a secret name is not [A-Z][A-Z0-9_]*"),
        ("invalid_event", "an event name is not dotted lowercase"),
        ("self_dependency", "a plugin depends on itself"),
        // archive
        ("invalid_archive", "the upload is not a readable .tar.gz"),
        ("too_large", "the upload, the decompressed package or one file exceeds its limit"),
        ("too_many_entries", "the archive has more entries than allowed"),
        ("compression_ratio", "the archive decompresses suspiciously well (decompression bomb)"),
        ("absolute_path", "an entry has an absolute path"),
        ("path_traversal", "an entry has a `..` component"),
        ("non_utf8_path", "an entry name is not UTF-8"),
        ("symlink", "an entry is a symbolic link"),
        ("hardlink", "an entry is a hard link"),
        ("special_file", "an entry is a device or FIFO"),
        ("unsupported_entry", "an entry of another tar type"),
        ("duplicate_entry", "two entries have the same path (after normalisation, ignoring case)"),
        ("missing_file", "plugin.toml, README.md or a file the manifest names is missing"),
        ("invalid_utf8", "plugin.toml, README.md or CHANGELOG.md is not UTF-8"),
        ("invalid_icon", "the icon is not a PNG or a script-free SVG under 1 MiB"),
        ("invalid_config_schema", "the config schema file is not a JSON object"),
        ("io_error", "pack_dir could not read the plugin directory"),
        // wasm
        ("invalid_wasm", "the entry module does not parse or validate, or is a component"),
        ("missing_export", "a declared export is not an exported function"),
        // secrets, names
        ("secret_detected", "a file contains what looks like a credential"),
        ("typosquat", "the id or display name is confusable with a popular plugin"),
        // signatures
        ("signature_required", "the namespace requires a signature and there is none"),
        ("signature_invalid", "the signature is malformed, lacks DIGESTS or does not verify with a registered key"),
        ("digest_mismatch", "DIGESTS does not match the package's files"),
        ("invalid_digests", "DIGESTS is malformed"),
        ("invalid_public_key", "a minisign public key does not parse"),
    ];
}
