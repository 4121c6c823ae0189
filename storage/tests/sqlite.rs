//! The core's conformance suite and the SQLite-specific guarantees.

use std::future::Future;

use rdv_storage::{FieldCipher, SqliteStore};

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

fn temp_url() -> String {
    let dir = std::env::temp_dir().join("rdv-storage-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{}.db", uuid::Uuid::new_v4()));
    format!("sqlite://{}", file.display())
}

fn cipher() -> FieldCipher {
    FieldCipher::new("test", &[42u8; 32]).expect("cipher")
}

async fn fresh() -> SqliteStore {
    SqliteStore::open(&temp_url(), cipher())
        .await
        .expect("open sqlite")
}

mod conformance {
    use super::*;
    rdv_core::storage_conformance_tests!(make = fresh(), block_on = run);
}
