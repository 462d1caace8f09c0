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
/// chunk ahead of the one being sent (reading overlaps writing), into buffers
/// reused from chunk to chunk ([`POOL`]), and the stream ends without another
/// task once the range is read. (`GetResult::into_stream`
/// reads 8 KiB per blocking task, only when asked, plus one task to seek and one
/// more to find the end: 640 tasks and as many small writes for 5 MB.) Other
/// stores stream as they deliver.
pub fn into_stream(got: GetResult) -> BoxStream<'static, Result<Bytes, object_store::Error>> {
    match got.payload {
        GetResultPayload::File(file, path) => file_stream(file, path, got.range),
        GetResultPayload::Stream(s) => s,
    }
}

/// Chunks of at least this size are read into buffers from [`POOL`]; smaller
/// ones (a whole small artifact) into a buffer of their own size.
const POOLED_FROM: usize = 64 * 1024;

/// At most this many idle chunk buffers are kept (8 MiB).
const POOL_MAX: usize = 32;

/// Chunk buffers of [`FILE_CHUNK`] bytes whose chunk was sent: the next read
/// takes one instead of allocating. Downloads would otherwise allocate 256 KiB
/// on a blocking thread for every chunk and free it on a worker thread once
/// hyper has written it; allocators that hand such blocks back to the system
/// (mimalloc, jemalloc) then fault fresh zeroed pages in for each chunk.
static POOL: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// The bytes of one chunk, in a buffer that goes back to [`POOL`] when the
/// last [`Bytes`] viewing it is dropped.
struct Pooled {
    buf: Vec<u8>,
    len: usize,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(buf);
        }
    }
}

/// Reads the next `len` bytes of `file` as one chunk.
fn read_into_chunk(file: &mut std::fs::File, len: usize) -> std::io::Result<Bytes> {
    if len < POOLED_FROM {
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf)?;
        return Ok(Bytes::from(buf));
    }
    let taken = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut buf = taken.unwrap_or_else(|| vec![0u8; FILE_CHUNK as usize]);
    file.read_exact(&mut buf[..len])?;
    Ok(Bytes::from_owner(Pooled { buf, len }))
}

type Chunk = tokio::task::JoinHandle<std::io::Result<(std::fs::File, Bytes)>>;

/// Starts reading `len` bytes at `seek_to` (or where the file is) on the blocking pool.
fn read_chunk(mut file: std::fs::File, seek_to: Option<u64>, len: usize) -> Chunk {
    tokio::task::spawn_blocking(move || {
        if let Some(at) = seek_to {
            file.seek(SeekFrom::Start(at))?;
        }
        let chunk = read_into_chunk(&mut file, len)?;
        Ok((file, chunk))
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
            let (file, chunk) = pending
                .await
                .map_err(|e| fail(std::io::Error::other(e)))?
                .map_err(fail)?;
            let pos = pos + chunk.len() as u64;
            let next = (pos < end).then(|| read_chunk(file, None, chunk_len(pos)));
            Ok(Some((chunk, (next, pos))))
        }
    })
    .boxed()
}

fn short(e: &object_store::Error) -> String {
    let s = e.to_string();
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::{GetOptions, GetRange};

    /// A file of several chunks streams back byte for byte, whole and from a
    /// range starting inside a chunk, also while every chunk sent is still held
    /// (so no buffer can be taken back and reused under it).
    #[tokio::test]
    async fn a_local_file_streams_back_whole_and_in_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileSystem::new_with_prefix(dir.path()).unwrap();
        let len = 3 * FILE_CHUNK as usize + 17;
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let path = Path::from("a/b.bin");
        store
            .put(&path, PutPayload::from(data.clone()))
            .await
            .unwrap();
        for start in [0, 5, FILE_CHUNK as usize + 3] {
            let opts = GetOptions {
                range: Some(GetRange::Offset(start as u64)),
                ..Default::default()
            };
            let got = store.get_opts(&path, opts).await.unwrap();
            let held: Vec<Bytes> = into_stream(got)
                .map(|c| c.unwrap())
                .collect::<Vec<_>>()
                .await;
            assert_eq!(held.len(), (len - start).div_ceil(FILE_CHUNK as usize));
            assert_eq!(held.concat(), data[start..], "from {start}");
        }
        // Chunks dropped as they come: buffers are reused, bytes still right.
        let got = store.get(&path).await.unwrap();
        let mut stream = into_stream(got);
        let mut at = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert_eq!(chunk[..], data[at..at + chunk.len()]);
            at += chunk.len();
        }
        assert_eq!(at, len);
    }
}
