//! [`DirectoryStore`] on PostgreSQL: businesses, resources, services, clients, search.

use rdv_core::error::Entity;
use rdv_core::model::*;
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore, Page, PageRequest};
use rdv_core::search::{SearchHit, SearchQuery};
use rdv_core::{Error, Result, Timestamp};
use sqlx::Row as _;

use super::{PgStore, SERVICE_SELECT, backend};
use crate::codec::db_error;
use crate::sql::{Statement, Value, queries, rows};

impl DirectoryStore for PgStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        let sql = format!(
            "SELECT {} FROM businesses WHERE id = $1",
            queries::business_columns::<PgStore>()
        );
        let row = self
            .fetch_one(Statement::new(sql).bind(Value::Id(id.0)))
            .await?;
        row.as_ref().map(|r| rows::business(r, "")).transpose()
    }

    async fn save_business(&self, b: &Business) -> Result<()> {
        self.run(&queries::upsert_business::<PgStore>(b)?).await
    }

    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        let sql = Statement::new(format!(
            "SELECT {} FROM resources WHERE id = $1 AND deleted_at IS NULL",
            queries::resource_columns::<PgStore>()
        ))
        .bind(Value::Id(id.0));
        let row = self.fetch_one(sql).await?;
        row.as_ref().map(rows::resource).transpose()
    }

    async fn save_resource(&self, r: &Resource) -> Result<()> {
        self.run(&queries::upsert_resource::<PgStore>(r)?).await
    }

    async fn delete_resource(&self, id: ResourceId, now: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // Locked like a move to it locks it (advisory lock), and against new reservations
        // referencing it (their foreign key check waits for this row lock), so the check
        // below sees every reservation written before.
        super::lock_in_order(&mut tx, &[id.0]).await?;
        self.counted();
        let found: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM resources WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        if found.is_none() {
            return Err(Error::NotFound {
                entity: Entity::Resource,
            });
        }
        let with_now =
            |sql: &'static str| Statement::new(sql).bind(Value::Id(id.0)).int(now.secs());
        self.counted();
        let held: i64 = backend::query(&with_now(queries::RESOURCE_HELD))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?
            .try_get("held")
            .map_err(db_error)?;
        if held > 0 {
            return Err(Error::ResourceHasReservations {
                reservations: Vec::new(),
            });
        }
        for statement in [
            with_now(queries::RESOURCE_DELETE).bind(Value::Bool(false)),
            Statement::new(queries::RESOURCE_UNLIST).bind(Value::Id(id.0)),
            with_now(queries::RESOURCE_WINDOWS_DELETE),
        ] {
            self.counted();
            backend::query(&statement)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        let sql = Statement::new(format!(
            "SELECT {} FROM resources WHERE business_id = $1 AND deleted_at IS NULL \
             ORDER BY name, id",
            queries::resource_columns::<PgStore>()
        ))
        .bind(Value::Id(business.0));
        let rows = self.fetch_statement(&sql).await?;
        rows.iter().map(rows::resource).collect()
    }

    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        let sql = Statement::new(format!("{SERVICE_SELECT} WHERE s.id = $1")).bind(Value::Id(id.0));
        let row = self.fetch_one(sql).await?;
        row.as_ref().map(rows::service).transpose()
    }

    async fn save_service(&self, s: &Service) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        self.write_service(&mut tx, s).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn save_directory(&self, resources: &[Resource], services: &[Service]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for r in resources {
            self.counted();
            backend::query(&queries::upsert_resource::<PgStore>(r)?)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for s in services {
            self.write_service(&mut tx, s).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        let sql = format!("{SERVICE_SELECT} WHERE s.business_id = $1 ORDER BY s.name, s.id");
        let rows = self
            .fetch_statement(&Statement::new(sql).bind(Value::Id(business.0)))
            .await?;
        rows.iter().map(rows::service).collect()
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        let sql = Statement::new(
            "SELECT id, email, first_name, last_name, phone, address::text AS address \
             FROM clients WHERE id = $1",
        )
        .bind(Value::Id(id.0));
        let row = self.fetch_one(sql).await?;
        row.as_ref()
            .map(|r| rows::client(r, &self.cipher))
            .transpose()
    }

    async fn business_clients(&self, business: BusinessId) -> Result<Vec<ClientProfile>> {
        self.fetch_statement(&queries::business_clients::<PgStore>(business))
            .await?
            .iter()
            .map(|r| rows::client(r, &self.cipher))
            .collect()
    }

    async fn save_client(&self, c: &ClientProfile) -> Result<()> {
        let phone = c
            .phone
            .as_deref()
            .map(|p| self.cipher.encrypt(p))
            .transpose()?;
        self.run(&queries::upsert_client::<PgStore>(c, phone)?)
            .await
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let words = query.words()?;
        let tsquery = words.join(" & ");
        let mut sql = Statement::new("WITH q AS (SELECT to_tsquery('simple', ");
        sql.push_bind(Value::Text(tsquery));
        sql.push(") AS q), hits AS (SELECT 'business' AS kind, b.id AS entity_id, b.id AS business_id, b.name, \
                  ts_rank(b.search, q.q)::float8 AS rank, b.city, b.domain FROM businesses b, q \
                  WHERE b.validated AND b.search @@ q.q \
                  UNION ALL SELECT 'service', s.id, s.business_id, s.name, ts_rank(s.search, q.q)::float8, b.city, b.domain \
                  FROM services s JOIN businesses b ON b.id = s.business_id, q \
                  WHERE s.active AND b.validated AND s.search @@ q.q) SELECT * FROM hits WHERE true");
        queries::push_search_tail(&mut sql, query, ["city", "domain"], "name, entity_id");
        let rows = self.fetch_statement(&sql).await?;
        rows.iter().map(rows::search_hit).collect()
    }

    async fn categories_in_use(&self) -> Result<Vec<rdv_core::catalog::CategoryCount>> {
        let rows = self
            .fetch_statement(&queries::categories_in_use::<PgStore>())
            .await?;
        rows.iter().map(rows::category_count).collect()
    }

    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        let (sql, limit) = queries::business_list::<PgStore>(filter, sort, page)?;
        rows::business_page(&self.fetch_statement(&sql).await?, limit)
    }
}

impl PgStore {
    /// Writes a service and its resources in order inside `tx`.
    async fn write_service(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        s: &Service,
    ) -> Result<()> {
        self.counted();
        backend::query(&queries::upsert_service::<PgStore>(s)?)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        self.counted();
        sqlx::query("DELETE FROM service_resources WHERE service_id = $1")
            .bind(s.id.0)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        let ids: Vec<Uuid> = s.resource_ids.iter().map(|r| r.0).collect();
        self.counted();
        sqlx::query(
            "INSERT INTO service_resources (service_id, resource_id, position) \
             SELECT $1, r, p - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(r, p)",
        )
        .bind(s.id.0)
        .bind(&ids)
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}
