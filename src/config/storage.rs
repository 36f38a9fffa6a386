//! `[storage]`: where finished recordings are kept. `local` (the default) keeps them in the node's
//! recordings directory; `s3` uploads each finished recording to an S3-compatible bucket (AWS S3,
//! MinIO, Ceph RGW…), checks the stored copy's SHA-256 and removes the local file, so every node
//! can serve it. See docs/configuration.md.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Local,
    S3,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    pub kind: StorageKind,
    /// Bucket name (s3).
    pub bucket: Option<String>,
    /// The S3 endpoint URL; unset means AWS's own for `region`.
    pub endpoint: Option<String>,
    pub region: String,
    /// Credentials; unset means the usual AWS sources (environment, instance profile).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Object names start with this (`recordings/2026-11-27/<call id>.wav`).
    pub prefix: String,
    /// Plain `http://` endpoints are refused unless this is true (an in-cluster MinIO).
    pub allow_http: bool,
    /// Path-style requests (`endpoint/bucket/key`), which most S3-compatible servers want.
    pub path_style: bool,
    /// One storage request (upload, check, a played range) may take this long.
    pub request_timeout_seconds: u64,
    /// A failed upload is tried again after this, doubling per failure up to `retry_max_seconds`;
    /// it is never given up: the recording stays on the node's disk until it is stored.
    pub retry_min_seconds: u64,
    pub retry_max_seconds: u64,
}

/// Secrets stay out of logs and error messages.
impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("kind", &self.kind)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<hidden>"),
            )
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            kind: StorageKind::Local,
            bucket: None,
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            prefix: "recordings/".into(),
            allow_http: false,
            path_style: true,
            request_timeout_seconds: 30,
            retry_min_seconds: 5,
            retry_max_seconds: 300,
        }
    }
}

impl Storage {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let key = |key: &'static str, message: &str| {
            Err(ConfigError::Key {
                key,
                message: message.into(),
            })
        };
        if self.kind == StorageKind::S3 {
            match self.bucket.as_deref() {
                None | Some("") => return key("storage.bucket", "required when kind = \"s3\""),
                Some(_) => {}
            }
            if let Some(ep) = &self.endpoint {
                if ep.starts_with("http://") && !self.allow_http {
                    return key(
                        "storage.endpoint",
                        "a plain http:// endpoint needs allow_http = true",
                    );
                }
                if !ep.starts_with("http://") && !ep.starts_with("https://") {
                    return key("storage.endpoint", "must be an http:// or https:// URL");
                }
            }
            if self.access_key_id.is_some() != self.secret_access_key.is_some() {
                return key(
                    "storage.access_key_id",
                    "give both access_key_id and secret_access_key, or neither",
                );
            }
        }
        if self.prefix.starts_with('/') || self.prefix.contains("..") {
            return key(
                "storage.prefix",
                "must be a relative object name prefix without ..",
            );
        }
        if !(1..=3600).contains(&self.request_timeout_seconds) {
            return key(
                "storage.request_timeout_seconds",
                "must be between 1 and 3600",
            );
        }
        if self.retry_min_seconds == 0 || self.retry_min_seconds > self.retry_max_seconds {
            return key(
                "storage.retry_min_seconds",
                "must be at least 1 and at most retry_max_seconds",
            );
        }
        if self.retry_max_seconds > 86_400 {
            return key("storage.retry_max_seconds", "must be at most 86400 (a day)");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_by_default_and_valid() {
        let s = Storage::default();
        assert_eq!(s.kind, StorageKind::Local);
        s.validate().unwrap();
    }

    #[test]
    fn s3_needs_a_bucket_and_safe_settings() {
        let s3 = |f: fn(&mut Storage)| {
            let mut s = Storage {
                kind: StorageKind::S3,
                bucket: Some("rec".into()),
                ..Storage::default()
            };
            f(&mut s);
            s.validate().err().map(|e| e.to_string())
        };
        assert_eq!(s3(|_| {}), None);
        let e = s3(|s| s.bucket = None).unwrap();
        assert!(e.contains("storage.bucket"), "{e}");
        let e = s3(|s| s.endpoint = Some("http://127.0.0.1:9000".into())).unwrap();
        assert!(e.contains("allow_http"), "{e}");
        assert_eq!(
            s3(|s| {
                s.endpoint = Some("http://127.0.0.1:9000".into());
                s.allow_http = true;
            }),
            None
        );
        assert!(s3(|s| s.endpoint = Some("ftp://x".into())).is_some());
        assert!(s3(|s| s.access_key_id = Some("k".into())).is_some());
        assert!(s3(|s| s.prefix = "../x".into()).is_some());
        assert!(s3(|s| s.retry_min_seconds = 0).is_some());
        assert!(s3(|s| s.retry_min_seconds = 1000).is_some());
    }

    #[test]
    fn debug_hides_the_secret() {
        let s = Storage {
            secret_access_key: Some("very-secret".into()),
            ..Storage::default()
        };
        assert!(!format!("{s:?}").contains("very-secret"));
    }
}
