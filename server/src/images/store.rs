//! Where image files live: [`ImageStore`] (put, get, delete by key), a local folder by default
//! ([`LocalDir`], the embedded setup) or S3-compatible object storage ([`super::s3::S3`], for
//! several instances sharing the files). [`Objects`] is the one the configuration chose.
//!
//! Keys are content-addressed: the SHA-256 of the encoded bytes in hex, a dot and the
//! extension (`jpg`, `png`). The same file uploaded twice is stored once, a key never changes
//! meaning (so answers are cacheable forever), and [`valid_key`] accepts nothing else, so no
//! key can name a path outside the folder.

use std::future::Future;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The result of an object-store call; the error is logged, never answered.
pub type ObjectResult<T> = Result<T, String>;

/// Image file storage.
pub trait ImageStore: Send + Sync {
    /// Stores `bytes` under `key` (a no-op when the key exists: same key, same bytes).
    fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> impl Future<Output = ObjectResult<()>> + Send;
    /// The bytes under `key`, `None` when there are none.
    fn get(&self, key: &str) -> impl Future<Output = ObjectResult<Option<Vec<u8>>>> + Send;
    /// Deletes `key` (absent already: fine).
    fn delete(&self, key: &str) -> impl Future<Output = ObjectResult<()>> + Send;
}

/// The key of `bytes`.
pub fn key_of(bytes: &[u8], extension: &str) -> String {
    format!("{}.{extension}", hex::encode(Sha256::digest(bytes)))
}

/// Whether `key` is one this server makes: 64 lowercase hex digits, `.jpg` or `.png`.
pub fn valid_key(key: &str) -> bool {
    let Some((hash, ext)) = key.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && matches!(ext, "jpg" | "png")
}

/// The content type of a key's extension.
pub fn content_type_of(key: &str) -> &'static str {
    if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

/// Files in a local folder, two levels (`ab/abcdef….jpg`) to keep folders small.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// The folder `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> ObjectResult<PathBuf> {
        if !valid_key(key) {
            return Err(format!("invalid image key {key:?}"));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl ImageStore for LocalDir {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> ObjectResult<()> {
        let path = self.path(key)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let folder = path.parent().ok_or("image path without folder")?;
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|e| format!("{}: {e}", folder.display()))?;
        // Written beside, then renamed: a reader never sees half a file.
        let mut random = [0u8; 8];
        crate::auth::random_bytes(&mut random);
        let temp = folder.join(format!(".{key}.{}", hex::encode(random)));
        tokio::fs::write(&temp, bytes)
            .await
            .map_err(|e| format!("{}: {e}", temp.display()))?;
        tokio::fs::rename(&temp, &path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    async fn get(&self, key: &str) -> ObjectResult<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    async fn delete(&self, key: &str) -> ObjectResult<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// The image store the configuration chose.
#[derive(Debug)]
pub enum Objects {
    /// A local folder.
    Local(LocalDir),
    /// S3-compatible object storage.
    S3(super::s3::S3),
}

impl ImageStore for Objects {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> ObjectResult<()> {
        match self {
            Objects::Local(s) => s.put(key, bytes, content_type).await,
            Objects::S3(s) => s.put(key, bytes, content_type).await,
        }
    }

    async fn get(&self, key: &str) -> ObjectResult<Option<Vec<u8>>> {
        match self {
            Objects::Local(s) => s.get(key).await,
            Objects::S3(s) => s.get(key).await,
        }
    }

    async fn delete(&self, key: &str) -> ObjectResult<()> {
        match self {
            Objects::Local(s) => s.delete(key).await,
            Objects::S3(s) => s.delete(key).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_keys_are_valid() {
        let key = key_of(b"bytes", "jpg");
        assert!(valid_key(&key), "{key}");
        assert!(valid_key(&key_of(b"bytes", "png")));
        for bad in [
            "",
            "abc.jpg",
            &key.replace(".jpg", ".svg"),
            &key.to_uppercase(),
            &format!("../{key}"),
            &format!("{}/x.jpg", &key[..62]),
            &key.replace(".jpg", ""),
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
        assert_eq!(content_type_of(&key), "image/jpeg");
        assert_eq!(content_type_of(&key_of(b"x", "png")), "image/png");
    }
}
