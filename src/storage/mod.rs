//! Where finished recordings are kept and read back from: the node's own directory (the default)
//! or S3-compatible object storage, behind one trait so the recording endpoint serves either the
//! same way (its strict Range handling applies to both).
//!
//! With object storage, `upload` moves each finished recording off its node: registered in the
//! store first (so a failure is never forgotten), uploaded and read back to check its SHA-256,
//! then the local file is removed. Nothing here runs on the packet path.

mod local;
mod object;
pub mod upload;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use local::LocalDir;
pub use object::ObjectStorage;

use crate::config::{Storage, StorageKind};

/// A recording's bytes as they arrive, in chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes, StorageError>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0} is not in the storage")]
    NotFound(String),
    #[error("storage I/O on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("object storage: {0}")]
    Object(#[from] object_store::Error),
    #[error("{name}: the stored copy's SHA-256 is {got}, the recording's is {want}")]
    Mismatch {
        name: String,
        want: String,
        got: String,
    },
    #[error("bad storage name {0:?}")]
    BadName(String),
    #[error("cannot set up object storage: {0}")]
    Setup(String),
}

impl StorageError {
    fn io(path: &Path, source: std::io::Error) -> StorageError {
        if source.kind() == std::io::ErrorKind::NotFound {
            return StorageError::NotFound(path.display().to_string());
        }
        StorageError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The inclusive byte range `start..=end`, already checked against the length (`http::range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

/// A place recordings can be kept in and served from.
#[async_trait]
pub trait RecordingStorage: Send + Sync + std::fmt::Debug {
    /// The length in bytes of the recording stored as `name`.
    async fn len(&self, name: &str) -> Result<u64, StorageError>;

    /// Its bytes: all of them, or one range already resolved against `len`.
    async fn read(&self, name: &str, range: Option<ByteRange>) -> Result<ByteStream, StorageError>;

    /// Stores the finished file `local` as `name` and reads the stored copy back: returns only
    /// once it hashed to `sha256`; a copy that does not is removed again and an error returned.
    async fn store_verified(
        &self,
        name: &str,
        local: &Path,
        sha256: &str,
    ) -> Result<(), StorageError>;

    /// Removes the recording stored as `name`; one that is not there counts as removed.
    async fn delete(&self, name: &str) -> Result<(), StorageError>;
}

/// The configured storage: `None` for `local` (recordings stay where they were written and are
/// served from there), or the object storage recordings are uploaded to.
pub fn from_config(cfg: &Storage) -> Result<Option<Arc<ObjectStorage>>, StorageError> {
    match cfg.kind {
        StorageKind::Local => Ok(None),
        StorageKind::S3 => Ok(Some(Arc::new(ObjectStorage::s3(cfg)?))),
    }
}

/// The object name of a finished recording: `prefix` + its path under the recordings directory
/// (`recordings/2026-11-27/<call id>.wav`); a file elsewhere keeps only its file name.
pub fn object_name(
    prefix: &str,
    recordings_dir: &Path,
    local: &Path,
) -> Result<String, StorageError> {
    let relative: PathBuf = match local.strip_prefix(recordings_dir) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => local
            .file_name()
            .map(PathBuf::from)
            .ok_or_else(|| StorageError::BadName(local.display().to_string()))?,
    };
    let mut parts = Vec::new();
    for c in relative.components() {
        match c {
            std::path::Component::Normal(p) => match p.to_str() {
                Some(s) => parts.push(s),
                None => return Err(StorageError::BadName(local.display().to_string())),
            },
            _ => return Err(StorageError::BadName(local.display().to_string())),
        }
    }
    if parts.is_empty() {
        return Err(StorageError::BadName(local.display().to_string()));
    }
    Ok(format!("{prefix}{}", parts.join("/")))
}
