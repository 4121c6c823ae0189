//! Images of businesses and services (issue 18 item 1, BIZ-2, SVC-4, VAL-6): reading an
//! upload within its size limit ([`read_upload`]), validating and re-encoding it
//! ([`validate`]), and the file storage behind [`store::ImageStore`] (a local folder, or
//! S3-compatible object storage: [`s3`]). The routes are `routes::entreprise::images` (the
//! owner's uploads, deletions and order) and `routes::images` (`GET /images/{key}`); the rows
//! naming the files are `rdv_storage::images`. Limits, formats and sizes: `docs/images.md`.

pub mod s3;
pub mod store;
pub mod validate;

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use rdv_core::error::FieldError;

pub use self::store::{ImageStore, Objects};
use self::validate::Refusal;
use crate::config::{Config, ConfigError};
use crate::error::{ApiError, ApiResult, HttpCode};

/// The multipart field that carries the file.
pub const FILE_FIELD: &str = "file";

impl Objects {
    /// The store the configuration names: S3 when `s3_endpoint` is set, else the folder
    /// `images_dir` (by default `images` beside the SQLite file, `data/images` otherwise).
    pub fn open(config: &Config) -> Result<Objects, ConfigError> {
        if !config.s3_endpoint.is_empty() {
            return s3::S3::from_config(config)
                .map(Objects::S3)
                .map_err(ConfigError);
        }
        Ok(Objects::Local(store::LocalDir::new(images_dir(config))))
    }
}

/// The local image folder of `config`.
pub fn images_dir(config: &Config) -> PathBuf {
    if !config.images_dir.is_empty() {
        return PathBuf::from(&config.images_dir);
    }
    let file = config
        .database_url
        .strip_prefix("sqlite://")
        .or_else(|| config.database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.starts_with(':'));
    match file.and_then(|f| Path::new(f).parent()) {
        Some(folder) => folder.join("images"),
        None => PathBuf::from("data/images"),
    }
}

/// A refusal of the `file` field: `status_code` with the field `code`.
pub fn refused(http: HttpCode, code: &str, message: &str) -> ApiError {
    ApiError::new(http, message).with_errors(vec![FieldError::new(FILE_FIELD, code, message)])
}

/// The answer to a [`Refusal`].
pub fn refusal(r: Refusal, max_pixels: u32) -> ApiError {
    match r {
        Refusal::UnsupportedType => refused(
            HttpCode::UnsupportedMediaType,
            "unsupported_type",
            "file must be a JPEG, PNG or WebP image (judged by its bytes; SVG is refused)",
        ),
        Refusal::TooManyPixels { width, height } => refused(
            HttpCode::InvalidImage,
            "too_many_pixels",
            &format!("file declares {width}x{height} pixels, more than {max_pixels}"),
        ),
        Refusal::Undecodable => refused(
            HttpCode::InvalidImage,
            "undecodable",
            "file is not a readable image (truncated or corrupt)",
        ),
    }
}

fn too_large(max: usize) -> ApiError {
    refused(
        HttpCode::PayloadTooLarge,
        "too_large",
        &format!("file must be at most {max} bytes"),
    )
}

fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return refused(
            HttpCode::PayloadTooLarge,
            "too_large",
            "the body is too large",
        );
    }
    ApiError::new(
        HttpCode::InvalidBody,
        format!("multipart body: {}", e.body_text()),
    )
}

/// The bytes of the upload's one field, `file`, at most `max`: the field is read a chunk at a
/// time and reading stops as soon as one byte more than `max` has arrived (413 `too_large`),
/// so no more than `max` plus one chunk is ever held. Any other field (before or after) is
/// refused as soon as its header is read, like an unknown field of a JSON body.
pub async fn read_upload(mut multipart: Multipart, max: usize) -> ApiResult<Vec<u8>> {
    let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    else {
        return Err(refused(
            HttpCode::InvalidBody,
            "required",
            "send the image in a multipart field named file",
        ));
    };
    if field.name() != Some(FILE_FIELD) {
        return Err(unknown_field());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        if bytes.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    drop(field);
    let after = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?;
    if after.is_some() {
        return Err(unknown_field());
    }
    Ok(bytes)
}

fn unknown_field() -> ApiError {
    refused(
        HttpCode::InvalidBody,
        "unknown_field",
        "the body has one multipart field, file, and no other",
    )
}

/// The public URL of `key`.
pub fn url(config: &Config, key: &str) -> String {
    format!("{}/images/{key}", config.links_base())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_folder_is_beside_the_sqlite_file() {
        let mut config = Config {
            database_url: "sqlite:///var/lib/rdv/rdv.db?mode=rwc".into(),
            ..Config::default()
        };
        assert_eq!(images_dir(&config), PathBuf::from("/var/lib/rdv/images"));
        config.database_url = "sqlite://data/rdv.db".into();
        assert_eq!(images_dir(&config), PathBuf::from("data/images"));
        config.database_url = "postgres://u@127.0.0.1/rdv".into();
        assert_eq!(images_dir(&config), PathBuf::from("data/images"));
        config.images_dir = "/srv/images".into();
        assert_eq!(images_dir(&config), PathBuf::from("/srv/images"));
    }
}
