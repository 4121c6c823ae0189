//! S3-compatible object storage of images (AWS S3, MinIO, Garage, Ceph, moto in the tests).
//!
//! Requests are signed with `rusty-s3`, a SigV4 signer without an HTTP client of its own (sans
//! I/O): the server already has `reqwest`, so a full SDK (aws-sdk-s3 and its own HTTP and
//! runtime stack, minutes of compile time) would bring a second client for three calls. Each
//! call presigns a URL valid for a minute and sends it through reqwest. Path-style URLs
//! (`endpoint/bucket/key`) work with every S3-compatible server.

use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::store::{ImageStore, ObjectResult, valid_key};
use crate::config::Config;

/// How long a presigned request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(60);

/// A bucket and the credentials to use it.
pub struct S3 {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("bucket", &self.bucket.name())
            .field("region", &self.bucket.region())
            .finish_non_exhaustive()
    }
}

impl S3 {
    /// The bucket of the configuration (`s3_endpoint`, `s3_bucket`, `s3_region`,
    /// `s3_access_key`, `s3_secret_key`).
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let endpoint =
            reqwest::Url::parse(&config.s3_endpoint).map_err(|e| format!("s3_endpoint: {e}"))?;
        if config.s3_bucket.is_empty() {
            return Err("s3_bucket is missing (s3_endpoint is set)".into());
        }
        let bucket = Bucket::new(
            endpoint,
            UrlStyle::Path,
            config.s3_bucket.clone(),
            config.s3_region.clone(),
        )
        .map_err(|e| format!("s3_endpoint: {e}"))?;
        let credentials = Credentials::new(
            config.s3_access_key.clone(),
            config.s3_secret_key.expose().to_owned(),
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("s3 client: {e}"))?;
        Ok(Self {
            bucket,
            credentials,
            http,
        })
    }

    fn check(key: &str) -> ObjectResult<()> {
        if valid_key(key) {
            Ok(())
        } else {
            Err(format!("invalid image key {key:?}"))
        }
    }
}

impl ImageStore for S3 {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> ObjectResult<()> {
        Self::check(key)?;
        let url = self
            .bucket
            .put_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let r = self
            .http
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            .map_err(|e| format!("s3 put {key}: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("s3 put {key}: {}", r.status()));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> ObjectResult<Option<Vec<u8>>> {
        Self::check(key)?;
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("s3 get {key}: {e}"))?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(format!("s3 get {key}: {}", r.status()));
        }
        let bytes = r.bytes().await.map_err(|e| format!("s3 get {key}: {e}"))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn delete(&self, key: &str) -> ObjectResult<()> {
        Self::check(key)?;
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let r = self
            .http
            .delete(url)
            .send()
            .await
            .map_err(|e| format!("s3 delete {key}: {e}"))?;
        if !(r.status().is_success() || r.status() == reqwest::StatusCode::NOT_FOUND) {
            return Err(format!("s3 delete {key}: {}", r.status()));
        }
        Ok(())
    }
}
