//! Size limits enforced while reading an uploaded package. The server fills
//! [`PublishLimits`] from the `[registry]` section of its configuration (every limit but
//! `max_compression_ratio`, which keeps its default); deserialised on its own, every
//! field has a default.

/// One MiB.
pub const MIB: u64 = 1024 * 1024;

/// Limits applied by [`crate::archive::read_package`] while it streams an upload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishLimits {
    /// Maximum size of the `.tar.gz` upload itself (default 20 MiB).
    pub max_compressed_bytes: u64,
    /// Maximum number of bytes the archive may decompress to, tar headers included
    /// (default 100 MiB).
    pub max_uncompressed_bytes: u64,
    /// Maximum number of tar entries, directories included (default 500).
    pub max_entries: usize,
    /// Maximum ratio of decompressed to compressed bytes (default 100). Only checked once
    /// at least [`RATIO_CHECK_FLOOR`] bytes have been decompressed, so tiny packages of
    /// repetitive text are not refused.
    pub max_compression_ratio: f64,
    /// Maximum size of any single file (default 50 MiB).
    pub max_file_bytes: u64,
}

/// Decompressed size below which the compression ratio is not checked.
pub const RATIO_CHECK_FLOOR: u64 = MIB;

impl Default for PublishLimits {
    fn default() -> Self {
        PublishLimits {
            max_compressed_bytes: 20 * MIB,
            max_uncompressed_bytes: 100 * MIB,
            max_entries: 500,
            max_compression_ratio: 100.0,
            max_file_bytes: 50 * MIB,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_partial_config() {
        let d = PublishLimits::default();
        assert_eq!(d.max_compressed_bytes, 20 * MIB);
        assert_eq!(d.max_uncompressed_bytes, 100 * MIB);
        assert_eq!(d.max_entries, 500);
        assert_eq!(d.max_compression_ratio, 100.0);
        assert_eq!(d.max_file_bytes, 50 * MIB);
        let partial: PublishLimits = toml::from_str("max_entries = 10").unwrap();
        assert_eq!(partial.max_entries, 10);
        assert_eq!(partial.max_file_bytes, 50 * MIB);
        assert!(toml::from_str::<PublishLimits>("max_entrys = 10").is_err());
    }
}
