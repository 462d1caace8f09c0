//! Object storage for artifacts: the local filesystem by default, any
//! S3-compatible store by configuration, both behind `object_store`.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::StorageConfig;

/// A handle on the configured store, cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    describe: String,
}

/// Why the store could not be opened or reached.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

const PROBE: &str = ".trellis/probe";

impl Storage {
    /// Builds the store from configuration (no network traffic yet).
    pub fn open(cfg: &StorageConfig) -> Result<Storage, StorageError> {
        match cfg {
            StorageConfig::File { root } => {
                std::fs::create_dir_all(root).map_err(|e| {
                    StorageError(format!(
                        "cannot create storage directory {}: {e}",
                        root.display()
                    ))
                })?;
                let fs = LocalFileSystem::new_with_prefix(root).map_err(|e| {
                    StorageError(format!(
                        "cannot open storage directory {}: {e}",
                        root.display()
                    ))
                })?;
                Ok(Storage {
                    store: Arc::new(fs),
                    describe: format!("file {}", root.display()),
                })
            }
            StorageConfig::S3 {
                bucket,
                region,
                endpoint,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http);
                if let Some(ep) = endpoint {
                    b = b.with_endpoint(ep).with_virtual_hosted_style_request(false);
                }
                if !access_key_id.is_empty() {
                    b = b
                        .with_access_key_id(access_key_id)
                        .with_secret_access_key(secret_access_key);
                }
                let s3 = b
                    .build()
                    .map_err(|e| StorageError(format!("invalid S3 settings: {e}")))?;
                let where_ = endpoint.as_deref().unwrap_or("AWS");
                Ok(Storage {
                    store: Arc::new(s3),
                    describe: format!("s3 bucket {bucket} at {where_}"),
                })
            }
        }
    }

    /// Writes and reads back a probe object: proves the store is reachable and writable.
    pub async fn check_writable(&self) -> Result<(), StorageError> {
        let path = Path::from(PROBE);
        self.store
            .put(&path, PutPayload::from_static(b"ok"))
            .await
            .map_err(|e| {
                StorageError(format!("cannot write to {}: {}", self.describe, short(&e)))
            })?;
        self.check_reachable().await
    }

    /// Reads the probe object's metadata: cheap readiness check.
    pub async fn check_reachable(&self) -> Result<(), StorageError> {
        match self.store.head(&Path::from(PROBE)).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StorageError(format!(
                "cannot reach {}: {}",
                self.describe,
                short(&e)
            ))),
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Human description (no secrets).
    pub fn describe(&self) -> &str {
        &self.describe
    }
}

fn short(e: &object_store::Error) -> String {
    let s = e.to_string();
    s.chars().take(300).collect()
}
