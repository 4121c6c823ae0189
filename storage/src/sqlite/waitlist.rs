//! [`WaitlistStore`] on Sqlite: the shared statements of [`crate::sql::waitlist`].

use rdv_core::Result;
use rdv_core::model::{BusinessId, ClientId, WaitlistId};
use rdv_core::ports::WaitlistStore;
use rdv_core::waitlist::{WaitlistEntry, WaitlistStatus};

use super::SqliteStore;
use crate::sql::waitlist;

impl WaitlistStore for SqliteStore {
    async fn insert_waitlist_entry(&self, entry: &WaitlistEntry) -> Result<()> {
        waitlist::insert(self, entry).await
    }

    async fn get_waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        waitlist::get(self, id).await
    }

    async fn open_waitlist_entries(&self, limit: u32) -> Result<Vec<WaitlistEntry>> {
        waitlist::open(self, limit).await
    }

    async fn list_waitlist(
        &self,
        client: Option<ClientId>,
        business: Option<BusinessId>,
    ) -> Result<Vec<WaitlistEntry>> {
        waitlist::list(self, client, business).await
    }

    async fn update_waitlist_entry(
        &self,
        entry: &WaitlistEntry,
        expected: WaitlistStatus,
    ) -> Result<bool> {
        waitlist::update(self, entry, expected).await
    }
}
