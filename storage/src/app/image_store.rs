//! [`ImageStore`] for every [`SqlBackend`]: one SQL text for SQLite and PostgreSQL.

use rdv_core::{Error, Result, Timestamp, Uuid};

use super::images::{ImageKind, ImageStore, StoredImage};
use super::{parse_uuid, read_one};
use crate::sql::{SqlBackend, SqlRow, Statement, Value};

/// The columns every read returns.
const COLUMNS: &str = "id, business_id, service_id, kind, position, content_type, width, \
                       height, thumb_key, medium_key, original_key, created_at";

/// Reads an `images` row.
fn image_from_row(row: &impl SqlRow) -> Result<StoredImage> {
    let kind = row.text("kind")?;
    Ok(StoredImage {
        id: parse_uuid(&row.text("id")?)?,
        business_id: parse_uuid(&row.text("business_id")?)?,
        service_id: row
            .opt_text("service_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        kind: ImageKind::parse(&kind).ok_or_else(|| Error::DataIntegrity {
            field: format!("images.kind {kind:?}"),
        })?,
        position: row.int("position")?,
        content_type: row.text("content_type")?,
        width: row.int("width")?,
        height: row.int("height")?,
        thumb_key: row.text("thumb_key")?,
        medium_key: row.text("medium_key")?,
        original_key: row.text("original_key")?,
        created_at: Timestamp::from_secs(row.int("created_at")?),
    })
}

/// Reads the rows of `statement` as images.
async fn images<B: SqlBackend>(store: &B, statement: Statement) -> Result<Vec<StoredImage>> {
    store
        .read(&statement)
        .await?
        .iter()
        .map(image_from_row)
        .collect()
}

/// The business's logo or cover.
fn business_image(business: Uuid, kind: ImageKind) -> Statement {
    Statement::new(format!(
        "SELECT {COLUMNS} FROM images WHERE business_id = $1 AND kind = $2"
    ))
    .text(business.to_string())
    .text(kind.as_str())
}

impl<B: SqlBackend> ImageStore for B {
    async fn put_image(&self, image: &StoredImage) -> Result<Option<StoredImage>> {
        let mut tx = self.begin().await?;
        let mut replaced = None;
        if image.kind != ImageKind::Service {
            let old = B::fetch(&mut tx, &business_image(image.business_id, image.kind)).await?;
            replaced = old.first().map(image_from_row).transpose()?;
            let delete = Statement::new("DELETE FROM images WHERE business_id = $1 AND kind = $2")
                .text(image.business_id.to_string())
                .text(image.kind.as_str());
            B::execute(&mut tx, &delete).await?;
        }
        // A service's next position, computed inside the insert (writes of one service take
        // turns: SQLite's write transactions, and a PostgreSQL advisory lock on the service).
        if let Some(service) = image.service_id {
            B::serialise_on(&mut tx, service).await?;
        }
        let insert = Statement::new(
            "INSERT INTO images (id, business_id, service_id, kind, position, content_type, \
             width, height, thumb_key, medium_key, original_key, created_at) \
             SELECT $1, $2, $3, $4, \
             COALESCE((SELECT MAX(position) + 1 FROM images WHERE service_id = $3), 0), \
             $5, $6, $7, $8, $9, $10, $11",
        )
        .text(image.id.to_string())
        .text(image.business_id.to_string())
        .bind(Value::OptText(image.service_id.map(|s| s.to_string())))
        .text(image.kind.as_str())
        .text(image.content_type.clone())
        .int(image.width)
        .int(image.height)
        .text(image.thumb_key.clone())
        .text(image.medium_key.clone())
        .text(image.original_key.clone())
        .int(image.created_at.secs());
        B::execute(&mut tx, &insert).await?;
        B::commit(tx).await?;
        Ok(replaced)
    }

    async fn business_images(&self, business: Uuid) -> Result<Vec<StoredImage>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM images WHERE business_id = $1 \
             ORDER BY kind, service_id, position, id"
        ))
        .text(business.to_string());
        images(self, query).await
    }

    async fn logos_and_covers(&self, businesses: &[Uuid]) -> Result<Vec<StoredImage>> {
        if businesses.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = Statement::new(format!(
            "SELECT {COLUMNS} FROM images WHERE kind IN ('logo', 'cover') AND business_id IN ("
        ));
        query.push_list(businesses.iter().map(|b| Value::Text(b.to_string())));
        query.push(")");
        images(self, query).await
    }

    async fn service_images(&self, service: Uuid) -> Result<Vec<StoredImage>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM images WHERE service_id = $1 ORDER BY position, id"
        ))
        .text(service.to_string());
        images(self, query).await
    }

    async fn delete_image(&self, business: Uuid, id: Uuid) -> Result<Option<StoredImage>> {
        let mut tx = self.begin().await?;
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM images WHERE business_id = $1 AND id = $2"
        ))
        .text(business.to_string())
        .text(id.to_string());
        let found = B::fetch(&mut tx, &query).await?;
        let Some(image) = found.first().map(image_from_row).transpose()? else {
            B::rollback(tx).await?;
            return Ok(None);
        };
        let delete = Statement::new("DELETE FROM images WHERE business_id = $1 AND id = $2")
            .text(business.to_string())
            .text(id.to_string());
        B::execute(&mut tx, &delete).await?;
        B::commit(tx).await?;
        Ok(Some(image))
    }

    async fn delete_business_image(
        &self,
        business: Uuid,
        kind: ImageKind,
    ) -> Result<Option<StoredImage>> {
        let found = read_one(self, business_image(business, kind)).await?;
        match found.as_ref().map(image_from_row).transpose()? {
            Some(image) => self.delete_image(business, image.id).await,
            None => Ok(None),
        }
    }

    async fn reorder_images(&self, business: Uuid, service: Uuid, order: &[Uuid]) -> Result<bool> {
        let mut tx = self.begin().await?;
        B::serialise_on(&mut tx, service).await?;
        let query =
            Statement::new("SELECT id FROM images WHERE business_id = $1 AND service_id = $2")
                .text(business.to_string())
                .text(service.to_string());
        let mut current = B::fetch(&mut tx, &query)
            .await?
            .iter()
            .map(|row| parse_uuid(&row.text("id")?))
            .collect::<Result<Vec<_>>>()?;
        let mut asked = order.to_vec();
        current.sort_unstable();
        asked.sort_unstable();
        if current != asked {
            B::rollback(tx).await?;
            return Ok(false);
        }
        for (position, id) in order.iter().enumerate() {
            let update = Statement::new(
                "UPDATE images SET position = $1 WHERE business_id = $2 AND service_id = $3 \
                 AND id = $4",
            )
            .int(i64::try_from(position).unwrap_or(i64::MAX))
            .text(business.to_string())
            .text(service.to_string())
            .text(id.to_string());
            B::execute(&mut tx, &update).await?;
        }
        B::commit(tx).await?;
        Ok(true)
    }

    async fn image_key_in_use(&self, key: &str) -> Result<bool> {
        let query = Statement::new(
            "SELECT id FROM images WHERE original_key = $1 OR medium_key = $1 \
             OR thumb_key = $1 LIMIT 1",
        )
        .text(key);
        Ok(read_one(self, query).await?.is_some())
    }
}
