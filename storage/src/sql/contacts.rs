//! The client file's SQL ([`rdv_core::ports::ContactStore`]), written once over
//! [`SqlBackend`]; each backend's impl only forwards to these functions. An email is unique
//! per business case aside (the index `contacts_one_email_per_business`); an insert skips a
//! contact that index already holds, so a concurrent import of the same file adds nobody
//! twice. Phones are encrypted with the store's field cipher, like a client profile's.

use rdv_core::contacts::Contact;
use rdv_core::model::{BusinessId, ContactId};
use rdv_core::{Result, Timestamp};

use super::{SqlBackend, SqlRow, Statement, Value};

/// Rows per insert statement (7 parameters each, under SQLite's and PostgreSQL's limits).
const ROWS_PER_INSERT: usize = 1_000;

/// Inserts `contacts` in one transaction, skipping emails their business already has.
pub async fn insert<B: SqlBackend>(store: &B, contacts: &[Contact]) -> Result<()> {
    let mut tx = store.begin().await?;
    for chunk in contacts.chunks(ROWS_PER_INSERT) {
        let mut insert = Statement::new(
            "INSERT INTO contacts (id, business_id, first_name, last_name, email, phone, \
             created_at) VALUES ",
        );
        for (k, c) in chunk.iter().enumerate() {
            let phone = c
                .phone
                .as_deref()
                .map(|p| store.cipher().encrypt(p))
                .transpose()?;
            insert.push(if k == 0 { "(" } else { ", (" });
            insert.push_list([
                Value::Id(c.id.0),
                Value::Id(c.business_id.0),
                Value::Text(c.first_name.clone()),
                Value::Text(c.last_name.clone()),
                Value::Text(c.email.clone()),
                Value::OptText(phone),
                Value::Int(c.created_at.secs()),
            ]);
            insert.push(")");
        }
        insert.push(" ON CONFLICT DO NOTHING");
        B::execute(&mut tx, &insert).await?;
    }
    B::commit(tx).await?;
    Ok(())
}

/// The contacts of `business`, phones decrypted.
pub async fn of_business<B: SqlBackend>(store: &B, business: BusinessId) -> Result<Vec<Contact>> {
    let statement = Statement::new(
        "SELECT id, business_id, first_name, last_name, email, phone, created_at \
         FROM contacts WHERE business_id = $1",
    )
    .bind(Value::Id(business.0));
    store
        .read(&statement)
        .await?
        .iter()
        .map(|row| {
            let phone = row.opt_text("phone")?;
            Ok(Contact {
                id: ContactId(row.id("id")?),
                business_id: BusinessId(row.id("business_id")?),
                first_name: row.text("first_name")?,
                last_name: row.text("last_name")?,
                email: row.text("email")?,
                phone: phone
                    .map(|p| store.cipher().decrypt("phone", &p))
                    .transpose()?,
                created_at: Timestamp::from_secs(row.int("created_at")?),
            })
        })
        .collect()
}
