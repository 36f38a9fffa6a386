//! Recordings in S3-compatible object storage, through `object_store`: uploads go in parts of a
//! few MiB (a recording never has to fit in memory), and a stored copy is read back and hashed
//! before anyone may remove the local file.

use super::{ByteRange, ByteStream, RecordingStorage, StorageError};
use crate::config::Storage;
use async_trait::async_trait;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, RetryConfig};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Bytes read from the local file per part written.
const CHUNK: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    /// `s3://bucket` for logs.
    label: String,
}

impl ObjectStorage {
    /// The bucket `[storage]` names. Credentials from the section, else the usual `AWS_*`
    /// environment. Retries inside one attempt are few and short: the uploader retries later, and
    /// a supervisor's play request should fail fast rather than hang.
    pub fn s3(cfg: &Storage) -> Result<ObjectStorage, StorageError> {
        let bucket = cfg
            .bucket
            .clone()
            .ok_or_else(|| StorageError::Setup("storage.bucket is not set".into()))?;
        let timeout = Duration::from_secs(cfg.request_timeout_seconds);
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_region(&cfg.region)
            .with_virtual_hosted_style_request(!cfg.path_style)
            .with_allow_http(cfg.allow_http)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(cfg.allow_http)
                    .with_timeout(timeout)
                    .with_connect_timeout(Duration::from_secs(5)),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: timeout,
            });
        if let Some(endpoint) = &cfg.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let (Some(key), Some(secret)) = (&cfg.access_key_id, &cfg.secret_access_key) {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| StorageError::Setup(e.to_string()))?;
        Ok(ObjectStorage {
            store: Arc::new(store),
            label: format!("s3://{bucket}"),
        })
    }

    /// Any `object_store` backend (tests, other clouds later).
    pub fn with_store(store: Arc<dyn ObjectStore>, label: impl Into<String>) -> ObjectStorage {
        ObjectStorage {
            store,
            label: label.into(),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn path(name: &str) -> Result<ObjectPath, StorageError> {
        ObjectPath::parse(name).map_err(|_| StorageError::BadName(name.to_string()))
    }

    fn not_found(name: &str, e: object_store::Error) -> StorageError {
        match e {
            object_store::Error::NotFound { .. } => StorageError::NotFound(name.to_string()),
            e => StorageError::Object(e),
        }
    }

    /// Writes the local file in parts; returns the SHA-256 of what was sent.
    async fn upload(&self, path: &ObjectPath, local: &Path) -> Result<String, StorageError> {
        let mut file = tokio::fs::File::open(local)
            .await
            .map_err(|e| StorageError::io(local, e))?;
        let mut writer = BufWriter::new(self.store.clone(), path.clone());
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let written: Result<(), StorageError> = async {
            loop {
                let n = file
                    .read(&mut buf)
                    .await
                    .map_err(|e| StorageError::io(local, e))?;
                if n == 0 {
                    return Ok(());
                }
                hasher.update(&buf[..n]);
                writer.put(bytes::Bytes::copy_from_slice(&buf[..n])).await?;
            }
        }
        .await;
        if let Err(e) = written {
            // Parts already sent are abandoned so the bucket does not keep paying for them.
            if let Err(abort) = writer.abort().await {
                tracing::debug!(error = %abort, "abandoned upload not aborted");
            }
            return Err(e);
        }
        // Completes the upload (one PUT for a recording smaller than a part). A writer that failed
        // here has cleaned up after itself and must not be aborted again.
        tokio::io::AsyncWriteExt::shutdown(&mut writer)
            .await
            .map_err(|e| {
                StorageError::Object(object_store::Error::Generic {
                    store: "S3",
                    source: Box::new(e),
                })
            })?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// SHA-256 of the stored object, read back in full.
    async fn stored_sha256(&self, name: &str, path: &ObjectPath) -> Result<String, StorageError> {
        let got = self
            .store
            .get(path)
            .await
            .map_err(|e| Self::not_found(name, e))?;
        let mut stream = got.into_stream();
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(&chunk?);
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

#[async_trait]
impl RecordingStorage for ObjectStorage {
    async fn len(&self, name: &str) -> Result<u64, StorageError> {
        let path = Self::path(name)?;
        let meta = self
            .store
            .head(&path)
            .await
            .map_err(|e| Self::not_found(name, e))?;
        Ok(meta.size)
    }

    async fn read(&self, name: &str, range: Option<ByteRange>) -> Result<ByteStream, StorageError> {
        let path = Self::path(name)?;
        let options = GetOptions {
            range: range.map(|r| GetRange::Bounded(r.start..r.end + 1)),
            ..GetOptions::default()
        };
        let got = self
            .store
            .get_opts(&path, options)
            .await
            .map_err(|e| Self::not_found(name, e))?;
        Ok(got
            .into_stream()
            .map(|r| r.map_err(StorageError::Object))
            .boxed())
    }

    async fn store_verified(
        &self,
        name: &str,
        local: &Path,
        sha256: &str,
    ) -> Result<(), StorageError> {
        let path = Self::path(name)?;
        let sent = self.upload(&path, local).await?;
        if sent != sha256 {
            // The local file is not the recording that was hashed at the end of the call; keep
            // it for an operator and store nothing under the call's name.
            if let Err(e) = self.store.delete(&path).await {
                tracing::warn!(name, error = %e, "cannot remove a copy that does not match");
            }
            return Err(StorageError::Mismatch {
                name: local.display().to_string(),
                want: sha256.to_string(),
                got: sent,
            });
        }
        let got = self.stored_sha256(name, &path).await?;
        if got != sha256 {
            if let Err(e) = self.store.delete(&path).await {
                tracing::warn!(name, error = %e, "cannot remove a copy that does not match");
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
        let path = Self::path(name)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StorageError::Object(e)),
        }
    }
}
