//! Images (issue 18 item 1, BIZ-2, SVC-4): the metadata rows of a business's logo and cover and
//! of its services' ordered images. The server validates, re-encodes and stores the files
//! under content-addressed keys; this module keeps which keys belong to whom and in what order.
//! A business has at most one logo and one cover: putting a new one replaces the old row,
//! whose keys the server may then delete when no row names them any more
//! ([`ImageStore::image_key_in_use`]).

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};

/// What an image illustrates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ImageKind {
    /// The business's logo.
    Logo,
    /// The business's cover picture.
    Cover,
    /// One of a service's ordered images.
    Service,
}

impl ImageKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Logo => "logo",
            ImageKind::Cover => "cover",
            ImageKind::Service => "service",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "logo" => Some(ImageKind::Logo),
            "cover" => Some(ImageKind::Cover),
            "service" => Some(ImageKind::Service),
            _ => None,
        }
    }
}

/// One stored image: its three sizes' keys and the original's dimensions.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredImage {
    /// Identifier.
    pub id: Uuid,
    /// The business it belongs to.
    pub business_id: Uuid,
    /// The service it illustrates (service images only).
    pub service_id: Option<Uuid>,
    /// Logo, cover or service image.
    pub kind: ImageKind,
    /// Rank among the service's images, from 0 (0 for a logo or cover).
    pub position: i64,
    /// `image/jpeg` or `image/png` (every size has the same).
    pub content_type: String,
    /// Width of the original size, in pixels.
    pub width: i64,
    /// Height of the original size, in pixels.
    pub height: i64,
    /// Key of the thumbnail.
    pub thumb_key: String,
    /// Key of the medium size.
    pub medium_key: String,
    /// Key of the (re-encoded) original.
    pub original_key: String,
    /// When it was stored.
    pub created_at: Timestamp,
}

impl StoredImage {
    /// The keys of its three sizes.
    pub fn keys(&self) -> [&str; 3] {
        [&self.thumb_key, &self.medium_key, &self.original_key]
    }
}

/// Storage of image rows.
pub trait ImageStore: Send + Sync {
    /// Stores `image`. A logo or cover replaces the business's previous one, returned; a
    /// service image goes last (its `position` is set to one past the service's last).
    fn put_image(
        &self,
        image: &StoredImage,
    ) -> impl Future<Output = Result<Option<StoredImage>>> + Send;
    /// Every image of a business: logo, cover, then each service's in order.
    fn business_images(
        &self,
        business: Uuid,
    ) -> impl Future<Output = Result<Vec<StoredImage>>> + Send;
    /// The logos and covers of several businesses (a page of the public list).
    fn logos_and_covers(
        &self,
        businesses: &[Uuid],
    ) -> impl Future<Output = Result<Vec<StoredImage>>> + Send;
    /// The images of one service, in order.
    fn service_images(
        &self,
        service: Uuid,
    ) -> impl Future<Output = Result<Vec<StoredImage>>> + Send;
    /// Deletes the business's image `id`; the deleted row, `None` when it has no such image.
    fn delete_image(
        &self,
        business: Uuid,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<StoredImage>>> + Send;
    /// Deletes the business's logo or cover; the deleted row, `None` when it had none.
    fn delete_business_image(
        &self,
        business: Uuid,
        kind: ImageKind,
    ) -> impl Future<Output = Result<Option<StoredImage>>> + Send;
    /// Gives the images of `service` the positions of their ids in `order`, in one
    /// transaction. `false` (and nothing changed) unless `order` names each of the service's
    /// images exactly once.
    fn reorder_images(
        &self,
        business: Uuid,
        service: Uuid,
        order: &[Uuid],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Whether any row names `key` as one of its sizes.
    fn image_key_in_use(&self, key: &str) -> impl Future<Output = Result<bool>> + Send;
}
