//! The OpenAPI document (DOC-1): snapshot-tested, OpenAPI 3.1, every operation with an example
//! or schema and its error answers; the router serves no route the document does not list.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::path::Path;

fn doc_json() -> serde_json::Value {
    serde_json::to_value(rdv_server::app::openapi()).expect("serialisable")
}

/// The committed `server/openapi.json` equals the generated document. Regenerate it with
/// `cargo run -p rdv-server -- openapi > server/openapi.json` after an intended change.
#[test]
fn openapi_document_matches_the_committed_snapshot() {
    let generated = rdv_server::app::openapi()
        .to_pretty_json()
        .expect("serialisable");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, format!("{generated}\n")).expect("write snapshot");
    }
    let committed = std::fs::read_to_string(&path).expect("server/openapi.json is committed");
    assert!(
        committed.trim_end() == generated.trim_end(),
        "the API changed: review it and run `UPDATE_SNAPSHOTS=1 cargo test -p rdv-server --test openapi`"
    );
}

#[test]
fn openapi_is_3_1_and_every_operation_documents_its_answers() {
    let doc = doc_json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 40, "{} paths", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                !responses.is_empty(),
                "{method} {path} documents no response"
            );
            assert!(op["tags"].is_array(), "{method} {path} has no tag");
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{method} {path}"
            );
            let protected = path.starts_with("/api/client/")
                || path.starts_with("/api/entreprise/")
                || path.starts_with("/api/admin/");
            if protected {
                assert!(
                    op["security"].is_array(),
                    "{method} {path} does not say it needs a token"
                );
            }
            for (status, answer) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = &answer["content"]["application/problem+json"];
                    assert!(
                        content.is_object(),
                        "{method} {path} {status} is not problem+json"
                    );
                    assert!(
                        answer["description"]
                            .as_str()
                            .unwrap()
                            .chars()
                            .any(|c| c.is_ascii_uppercase()),
                        "{method} {path} {status} names no error code"
                    );
                }
            }
        }
    }
}

/// API routes are only registered through `utoipa-axum`'s `routes!`, which documents them by
/// construction; a plain `.route(` or `.nest(` in the server would serve an undocumented route.
#[test]
fn the_router_serves_no_undocumented_route() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    if code.contains(".route(")
                        || code.contains(".nest(")
                        || code.contains(".route_service(")
                    {
                        offenders.push(format!("{}:{}: {line}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "undocumented routes: {offenders:#?}");
    // And the served document is the generated one, next to the interactive docs.
    let doc = doc_json();
    assert!(doc["paths"]["/api/client/mon-profil/"].is_object());
    assert!(doc["paths"]["/api/entreprise/disponibilites/{id}/"].is_object());
}
