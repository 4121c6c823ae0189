//! [`ContactStore`] on PostgreSQL: the shared SQL of [`crate::sql::contacts`].

use rdv_core::Result;
use rdv_core::contacts::Contact;
use rdv_core::model::BusinessId;
use rdv_core::ports::ContactStore;

use super::PgStore;
use crate::sql::contacts;

impl ContactStore for PgStore {
    async fn insert_contacts(&self, contacts: &[Contact]) -> Result<()> {
        contacts::insert(self, contacts).await
    }

    async fn business_contacts(&self, business: BusinessId) -> Result<Vec<Contact>> {
        contacts::of_business(self, business).await
    }
}
