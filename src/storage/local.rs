//! Recordings in a directory of this node (the default): names are the paths the recorder wrote.

use super::{ByteRange, ByteStream, RecordingStorage, StorageError};
use async_trait::async_trait;
use futures_util::StreamExt;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// Files under `root`; a name is a path, relative names are taken under `root`.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        LocalDir { root: root.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }
}

#[async_trait]
impl RecordingStorage for LocalDir {
    async fn len(&self, name: &str) -> Result<u64, StorageError> {
        let path = self.path(name);
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| StorageError::io(&path, e))?;
        if !meta.is_file() {
            return Err(StorageError::NotFound(name.to_string()));
        }
        Ok(meta.len())
    }

    async fn read(&self, name: &str, range: Option<ByteRange>) -> Result<ByteStream, StorageError> {
        let path = self.path(name);
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| StorageError::io(&path, e))?;
        let shown = path.display().to_string();
        let io = move |source| StorageError::Io {
            path: shown.clone(),
            source,
        };
        match range {
            None => Ok(ReaderStream::new(file).map(move |r| r.map_err(&io)).boxed()),
            Some(ByteRange { start, end }) => {
                file.seek(SeekFrom::Start(start))
                    .await
                    .map_err(|e| StorageError::io(&path, e))?;
                let reader = file.take(end - start + 1);
                Ok(ReaderStream::new(reader)
                    .map(move |r| r.map_err(&io))
                    .boxed())
            }
        }
    }

    async fn store_verified(
        &self,
        name: &str,
        local: &Path,
        sha256: &str,
    ) -> Result<(), StorageError> {
        let target = self.path(name);
        if target != local {
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| StorageError::io(dir, e))?;
            }
            tokio::fs::copy(local, &target)
                .await
                .map_err(|e| StorageError::io(local, e))?;
        }
        let check = target.clone();
        let got = tokio::task::spawn_blocking(move || crate::recording::sha256_file(&check))
            .await
            .map_err(|e| StorageError::Setup(e.to_string()))?
            .map_err(|e| StorageError::Io {
                path: target.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
        if got != sha256 {
            if target != local {
                // A copy that does not match is not evidence: never leave it looking like one.
                if let Err(e) = tokio::fs::remove_file(&target).await {
                    tracing::warn!(path = %target.display(), error = %e, "cannot remove a bad copy");
                }
            }
            return Err(StorageError::Mismatch {
                name: name.to_string(),
                want: sha256.to_string(),
                got,
            });
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<(), StorageError> {
        let path = self.path(name);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::io(&path, e)),
        }
    }
}
