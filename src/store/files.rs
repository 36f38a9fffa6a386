//! Files the store's rows name (call recordings, complaint messages), removed when retention or
//! an erasure removes what they belong to.

use std::io::ErrorKind;
use std::path::Path;

/// What became of one file.
#[derive(Debug)]
pub enum Removed {
    Deleted,
    /// Already gone (deleted by hand, lost with a disk): nothing left to remove.
    Missing,
    Failed(std::io::Error),
}

/// Deletes `path` (a recording or a message the store wrote itself).
pub async fn remove(path: &str) -> Removed {
    match tokio::fs::remove_file(Path::new(path)).await {
        Ok(()) => Removed::Deleted,
        Err(e) if e.kind() == ErrorKind::NotFound => Removed::Missing,
        Err(e) => Removed::Failed(e),
    }
}
