//! Object storage for artifacts: the local filesystem by default, any
//! S3-compatible store by configuration, both behind `object_store`; and
//! [`into_stream`], which reads a local file in large chunks one ahead of the
//! one being sent.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetResult, GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::StorageConfig;

/// A handle on the configured store, cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    describe: Arc<str>,
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
                    describe: format!("file {}", root.display()).into(),
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
                    describe: format!("s3 bucket {bucket} at {where_}").into(),
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

/// How much of a local file one blocking read takes when streaming it.
const FILE_CHUNK: u64 = 256 * 1024;

/// The body of a fetched object as a stream.
///
/// A local file is read in chunks of up to 256 KiB, one blocking task each, one
/// chunk ahead of the one being sent (reading overlaps writing), and the stream
/// ends without another task once the range is read. (`GetResult::into_stream`
/// reads 8 KiB per blocking task, only when asked, plus one task to seek and one
/// more to find the end: 640 tasks and as many small writes for 5 MB.) Other
/// stores stream as they deliver.
pub fn into_stream(got: GetResult) -> BoxStream<'static, Result<Bytes, object_store::Error>> {
    match got.payload {
        GetResultPayload::File(file, path) => file_stream(file, path, got.range),
        GetResultPayload::Stream(s) => s,
    }
}

type Chunk = tokio::task::JoinHandle<std::io::Result<(std::fs::File, Vec<u8>)>>;

/// Starts reading `len` bytes at `seek_to` (or where the file is) on the blocking pool.
fn read_chunk(mut file: std::fs::File, seek_to: Option<u64>, len: usize) -> Chunk {
    tokio::task::spawn_blocking(move || {
        if let Some(at) = seek_to {
            file.seek(SeekFrom::Start(at))?;
        }
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf)?;
        Ok((file, buf))
    })
}

fn file_stream(
    file: std::fs::File,
    path: std::path::PathBuf,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, object_store::Error>> {
    let path = Arc::new(path);
    let end = range.end;
    let chunk_len = move |pos: u64| (end - pos).min(FILE_CHUNK) as usize;
    // Always seek: object_store may hand over a file that is not at offset 0.
    let first =
        (range.start < end).then(|| read_chunk(file, Some(range.start), chunk_len(range.start)));
    futures::stream::try_unfold((first, range.start), move |(pending, pos)| {
        let path = path.clone();
        async move {
            let Some(pending) = pending else {
                return Ok(None);
            };
            let fail = |e: std::io::Error| object_store::Error::Generic {
                store: "LocalFileSystem",
                source: format!("reading {}: {e}", path.display()).into(),
            };
            let (file, buf) = pending
                .await
                .map_err(|e| fail(std::io::Error::other(e)))?
                .map_err(fail)?;
            let pos = pos + buf.len() as u64;
            let next = (pos < end).then(|| read_chunk(file, None, chunk_len(pos)));
            Ok(Some((Bytes::from(buf), (next, pos))))
        }
    })
    .boxed()
}

fn short(e: &object_store::Error) -> String {
    let s = e.to_string();
    s.chars().take(300).collect()
}
