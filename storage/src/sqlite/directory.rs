//! [`DirectoryStore`] on SQLite: reads on the store's read connections, writes through the
//! writer task.

use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore, Page, PageRequest};
use rdv_core::search::{SearchHit, SearchQuery};

use rdv_core::model::*;
use rdv_core::{Result, Timestamp};

use super::SqliteStore;
use super::writer::WriteOp;
use crate::sql::{Statement, Value, queries, rows};

const SERVICE_SELECT: &str = "SELECT s.*, (SELECT group_concat(resource_id, ',' ORDER BY \
    position) FROM service_resources sr WHERE sr.service_id = s.id) AS resource_list \
    FROM services s";

impl DirectoryStore for SqliteStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM businesses WHERE id = ?1").bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(|r| rows::business(r, "")).transpose()
    }

    async fn save_business(&self, business: &Business) -> Result<()> {
        self.write(WriteOp::SaveBusiness(Box::new(business.clone())))
            .await
            .map(|_| ())
    }

    async fn categories_in_use(&self) -> Result<Vec<rdv_core::catalog::CategoryCount>> {
        let rows = self
            .fetch_statement(&queries::categories_in_use::<SqliteStore>())
            .await?;
        rows.iter().map(rows::category_count).collect()
    }

    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        let (sql, limit) = queries::business_list::<SqliteStore>(filter, sort, page)?;
        rows::business_page(&self.fetch_statement(&sql).await?, limit)
    }

    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM resources WHERE id = ?1 AND deleted_at IS NULL")
                    .bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(rows::resource).transpose()
    }

    async fn save_resource(&self, resource: &Resource) -> Result<()> {
        self.write(WriteOp::SaveResource(resource.clone()))
            .await
            .map(|_| ())
    }

    async fn delete_resource(&self, id: ResourceId, now: Timestamp) -> Result<()> {
        self.write(WriteOp::DeleteResource(id, now))
            .await
            .map(|_| ())
    }

    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        let rows = self
            .fetch_all(
                sqlx::query(
                    "SELECT * FROM resources WHERE business_id = ?1 AND deleted_at IS NULL \
                     ORDER BY name, id",
                )
                .bind(business.to_string()),
            )
            .await?;
        rows.iter().map(rows::resource).collect()
    }

    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        let sql = format!("{SERVICE_SELECT} WHERE s.id = ?1");
        let row = self
            .fetch_optional(sqlx::query(&sql).bind(id.to_string()))
            .await?;
        row.as_ref().map(rows::service).transpose()
    }

    async fn save_service(&self, service: &Service) -> Result<()> {
        self.write(WriteOp::SaveService(Box::new(service.clone())))
            .await
            .map(|_| ())
    }

    async fn save_directory(&self, resources: &[Resource], services: &[Service]) -> Result<()> {
        let op = WriteOp::SaveDirectory(resources.to_vec(), services.to_vec());
        self.write(op).await.map(|_| ())
    }

    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        let sql = format!("{SERVICE_SELECT} WHERE s.business_id = ?1 ORDER BY s.name, s.id");
        let rows = self
            .fetch_all(sqlx::query(&sql).bind(business.to_string()))
            .await?;
        rows.iter().map(rows::service).collect()
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM clients WHERE id = ?1").bind(id.to_string()))
            .await?;
        row.as_ref()
            .map(|r| rows::client(r, &self.cipher))
            .transpose()
    }

    async fn business_clients(&self, business: BusinessId) -> Result<Vec<ClientProfile>> {
        self.fetch_statement(&queries::business_clients::<SqliteStore>(business))
            .await?
            .iter()
            .map(|r| rows::client(r, &self.cipher))
            .collect()
    }

    async fn save_client(&self, client: &ClientProfile) -> Result<()> {
        let mut stored = client.clone();
        stored.phone = client
            .phone
            .as_deref()
            .map(|p| self.cipher.encrypt(p))
            .transpose()?;
        self.write(WriteOp::SaveClient(Box::new(stored)))
            .await
            .map(|_| ())
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let words = query.words()?;
        let expression = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ");
        let mut sql = Statement::new(
            "SELECT x.kind, x.entity_id, x.business_id, x.name, \
             -bm25(search_index, 0, 0, 0, 3.0, 1.0, 2.0, 2.0, 2.0) AS rank \
             FROM search_index x JOIN businesses b ON b.id = x.business_id \
             LEFT JOIN services s ON s.id = x.entity_id \
             WHERE search_index MATCH ",
        );
        sql.push_bind(Value::Text(expression))
            .push(" AND b.validated = 1 AND (x.kind = 'business' OR s.active = 1)");
        queries::push_search_tail(
            &mut sql,
            query,
            ["b.city", "b.domain"],
            "x.name, x.entity_id",
        );
        let rows = self.fetch_statement(&sql).await?;
        rows.iter().map(rows::search_hit).collect()
    }
}
