//! The OpenAPI document (DOC-1): snapshot-tested, OpenAPI 3.1, every operation with an example
//! or schema and its error answers; the router serves no route the document does not list.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::path::Path;

use common::{Backend, Srv};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn doc_json() -> Value {
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

/// The `{name}`s of a path template, in order.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// Every parameter declared `in: path` is a `{name}` of its operation's template, and every
/// `{name}` is declared once as a required path parameter: a query parameter declared in the
/// path makes the document unusable by generated clients and the docs page.
#[test]
fn path_parameters_are_exactly_the_template_names() {
    let doc = doc_json();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let mut expected = template_names(path);
        expected.sort();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut declared: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{method} {path}: {p}");
                    p["name"].as_str().unwrap().to_owned()
                })
                .collect();
            declared.sort();
            assert_eq!(declared, expected, "{method} {path}: path parameters");
            for p in &params {
                let place = p["in"].as_str().unwrap();
                assert!(
                    ["path", "query", "header"].contains(&place),
                    "{method} {path}: {p}"
                );
            }
        }
    }
    assert!(operations >= 60, "{operations} operations");
}

/// The query structs say they are query parameters, whatever place the `#[utoipa::path]`
/// macro would default to; an optional field is then not required.
#[test]
fn query_structs_declare_query_parameters() {
    use utoipa::IntoParams;
    use utoipa::openapi::Required;
    use utoipa::openapi::path::{Parameter, ParameterIn};

    let path = || Some(ParameterIn::Path);
    let structs: [(&str, Vec<Parameter>); 22] = [
        (
            "PageParams",
            rdv_server::routes::PageParams::into_params(path),
        ),
        (
            "ReservationQuery",
            rdv_server::routes::client::ReservationQuery::into_params(path),
        ),
        (
            "CancelQuery",
            rdv_server::routes::client::CancelQuery::into_params(path),
        ),
        (
            "WindowQuery",
            rdv_server::routes::entreprise::WindowQuery::into_params(path),
        ),
        (
            "BusinessQuery",
            rdv_server::routes::public::BusinessQuery::into_params(path),
        ),
        (
            "ServiceQuery",
            rdv_server::routes::public::ServiceQuery::into_params(path),
        ),
        (
            "SearchParams",
            rdv_server::routes::public::SearchParams::into_params(path),
        ),
        (
            "RangeQuery",
            rdv_server::routes::public::RangeQuery::into_params(path),
        ),
        (
            "AdminBusinessQuery",
            rdv_server::routes::admin::AdminBusinessQuery::into_params(path),
        ),
        (
            "MessageQuery",
            rdv_server::routes::notifications::MessageQuery::into_params(path),
        ),
        (
            "StatisticsQuery",
            rdv_server::routes::entreprise::StatisticsQuery::into_params(path),
        ),
        (
            "CalendarQuery",
            rdv_server::routes::entreprise::CalendarQuery::into_params(path),
        ),
        (
            "ReservationExportQuery",
            rdv_server::routes::entreprise::ReservationExportQuery::into_params(path),
        ),
        (
            "StatisticsExportQuery",
            rdv_server::routes::entreprise::StatisticsExportQuery::into_params(path),
        ),
        (
            "ExportQuery",
            rdv_server::routes::entreprise::ExportQuery::into_params(path),
        ),
        (
            "DaySheetQuery",
            rdv_server::routes::entreprise::DaySheetQuery::into_params(path),
        ),
        (
            "MonthlyStatementQuery",
            rdv_server::routes::entreprise::MonthlyStatementQuery::into_params(path),
        ),
        (
            "DeleteWindowQuery",
            rdv_server::routes::entreprise::DeleteWindowQuery::into_params(path),
        ),
        (
            "ImportQuery",
            rdv_server::routes::entreprise::ImportQuery::into_params(path),
        ),
        (
            "BusyImportQuery",
            rdv_server::routes::entreprise::BusyImportQuery::into_params(path),
        ),
        (
            "BusyListQuery",
            rdv_server::routes::entreprise::BusyListQuery::into_params(path),
        ),
        (
            "BusyRemoveQuery",
            rdv_server::routes::entreprise::BusyRemoveQuery::into_params(path),
        ),
    ];
    for (name, params) in &structs {
        assert!(!params.is_empty(), "{name}");
        for p in params {
            assert!(p.parameter_in == ParameterIn::Query, "{name}.{}", p.name);
        }
    }
    let required = |name: &str, field: &str| {
        let (_, params) = structs.iter().find(|(n, _)| *n == name).unwrap();
        params.iter().find(|p| p.name == field).unwrap().required == Required::True
    };
    assert!(!required("PageParams", "limit"));
    assert!(!required("ReservationQuery", "status"));
    assert!(required("SearchParams", "q"));
    assert!(required("RangeQuery", "from"));
    assert!(required("StatisticsQuery", "from"));
    assert!(!required("StatisticsQuery", "bucket"));
    assert!(required("CalendarQuery", "view"));
    assert!(required("CalendarQuery", "date"));
    assert!(!required("CalendarQuery", "include_archived"));
    assert!(!required("DeleteWindowQuery", "reservations"));

    // Every `IntoParams` struct of the server is in the list above and says where it goes.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut derives = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let file = entry.unwrap().path();
            if file.is_dir() {
                stack.push(file);
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.trim_start().starts_with("#[derive(") && line.contains("IntoParams") {
                    derives += 1;
                    assert!(
                        lines[i + 1].contains("#[into_params(parameter_in = Query)]"),
                        "{}:{}: an IntoParams struct without `parameter_in = Query`",
                        file.display(),
                        i + 1
                    );
                }
            }
        }
    }
    assert_eq!(
        derives,
        structs.len(),
        "query structs not listed in this test"
    );
}

/// The answers the extractors give are documented (issue 16 item 11): 400 INVALID_PARAMETER
/// wherever a path id or a query is parsed, 400 MALFORMED_JSON, 413, 422 INVALID_BODY and 415
/// on every required JSON body; ids are UUIDs; the optional logout body; the metrics' media
/// type; the passwords' length; booking an unknown service.
#[test]
fn the_extractors_answers_and_formats_are_documented() {
    let doc = doc_json();
    let names = |op: &Value, status: &str, code: &str| {
        op["responses"][status]["description"]
            .as_str()
            .is_some_and(|d| d.contains(code))
    };
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params
                .iter()
                .any(|p| p["in"] == "path" || p["in"] == "query")
            {
                assert!(names(op, "400", "INVALID_PARAMETER"), "{method} {path}");
            }
            // A calendar feed's file name is its secret token, an image's key its hash: not ids.
            for p in params.iter().filter(|p| {
                p["in"] == "path" && path != "/calendrier/{file}" && path != "/images/{key}"
            }) {
                assert_eq!(p["schema"]["format"], "uuid", "{method} {path}: {p}");
            }
            let body = &op["requestBody"];
            if body["content"]["application/json"].is_object() {
                assert!(names(op, "400", "MALFORMED_JSON"), "{method} {path}");
                assert!(names(op, "413", "PAYLOAD_TOO_LARGE"), "{method} {path}");
                assert!(names(op, "422", "INVALID_BODY"), "{method} {path}");
                if body["required"] == true {
                    assert!(
                        names(op, "415", "UNSUPPORTED_MEDIA_TYPE"),
                        "{method} {path}"
                    );
                }
            }
        }
    }
    let paths = &doc["paths"];
    let logout = &paths["/api/auth/logout/"]["post"];
    assert_ne!(logout["requestBody"]["required"], true, "{logout}");
    assert!(names(
        &paths["/api/client/reservations/"]["post"],
        "404",
        "NOT_FOUND"
    ));
    let metrics = &paths["/metrics"]["get"]["responses"]["200"]["content"];
    assert!(
        metrics["application/openmetrics-text"].is_object(),
        "{metrics}"
    );
    let schemas = &doc["components"]["schemas"];
    let min = rdv_server::auth::MIN_PASSWORD_CHARS;
    for (schema, field) in [
        ("RegisterRequest", "password"),
        ("PasswordChangeRequest", "new_password"),
        ("PasswordResetConfirm", "new_password"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["minLength"], min,
            "{schema}.{field}"
        );
    }
}

/// The document is valid OpenAPI 3.1: it validates against the official schema of the
/// specification (`tests/support/openapi-3.1-schema.json`, id
/// `https://spec.openapis.org/oas/3.1/schema/2022-10-07`, as published by the OpenAPI
/// Initiative under the Apache 2.0 licence).
#[test]
fn openapi_document_validates_against_the_openapi_3_1_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("support/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = doc_json();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the check can fail: a path parameter that is not required is refused.
    let mut broken = doc.clone();
    broken["paths"]["/api/services/{id}/"]["get"]["parameters"][0]["required"] = false.into();
    assert!(!validator.is_valid(&broken));
}

/// The example of a request body's schema, if the document gives one.
fn body_example(doc: &Value, op: &Value) -> Option<Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    let named = &doc["components"]["schemas"][name];
    named["examples"]
        .get(0)
        .or_else(|| named.get("example"))
        .cloned()
}

/// The example ids of the document, replaced by the ids of what the test created.
const EXAMPLE_RESOURCE_ID: &str = "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6";
const EXAMPLE_SERVICE_ID: &str = "0196f1a2-4c5d-7e6f-8a70-8192a3b4c5d6";

/// Every request body example of the document is accepted as it is written (DOC-1): sent to
/// its operation, each answers the operation's documented success status. The only changes
/// are the example ids, replaced by those of the resource and service the examples create;
/// the server's clock is set to 30 March 2026, before the examples' dates, so the literal
/// dates stay in the future. A new example without a place in this journey fails the test.
#[test]
fn every_request_example_of_the_document_is_accepted() {
    common::run(
        Backend::Sqlite,
        |_| {},
        |srv| async move {
            let doc = doc_json();
            let target: i64 = 1_774_828_800; // 2026-03-30T00:00:00Z, a Monday
            srv.state.clock().advance(target - srv.state.now().secs());
            let mut examples = std::collections::BTreeMap::new();
            for (path, item) in doc["paths"].as_object().unwrap() {
                for (method, op) in item.as_object().unwrap() {
                    if let Some(example) = body_example(&doc, op) {
                        let success = op["responses"]
                            .as_object()
                            .unwrap()
                            .keys()
                            .find(|k| k.starts_with('2'))
                            .unwrap()
                            .parse::<u16>()
                            .unwrap();
                        examples.insert(
                            format!("{} {path}", method.to_uppercase()),
                            (example, success),
                        );
                    }
                }
            }
            let mut ids = Vec::<(String, String)>::new();
            let send = |key: &str,
                        token: Option<String>,
                        path_ids: &[(&str, &str)],
                        ids: &[(String, String)]| {
                let (example, success) = examples
                    .get(key)
                    .unwrap_or_else(|| panic!("{key} has no example"))
                    .clone();
                let mut body = example.to_string();
                for (from, to) in ids {
                    body = body.replace(from.as_str(), to.as_str());
                }
                let (method, path) = key.split_once(' ').unwrap();
                let mut path = path.to_owned();
                for (name, value) in path_ids {
                    path = path.replace(&format!("{{{name}}}"), value);
                }
                let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let body: Value = serde_json::from_str(&body).unwrap();
                let srv: &Srv = &srv;
                let key = key.to_owned();
                async move {
                    let r = srv.call(method, &path, token.as_deref(), Some(body)).await;
                    assert_eq!(
                        r.status.as_u16(),
                        success,
                        "the example of {key} was refused: {r:?}"
                    );
                    r
                }
            };
            let mut covered = Vec::new();
            let mut run = |key: &'static str| {
                covered.push(key);
                key
            };

            // A client registers with the example (national phone, French address), verifies and
            // signs in with the login example.
            let r = send(run("POST /api/auth/register/"), None, &[], &ids).await;
            let email = r.body["email"].as_str().unwrap().to_owned();
            let token = srv.outbox_token(&email, "email_verification").await;
            let r = srv
                .post("/api/auth/verify-email/", None, json!({"token": token}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let r = send(run("POST /api/auth/login/"), None, &[], &ids).await;
            let client = r.body["access_token"].as_str().unwrap().to_owned();
            send(
                run("PUT /api/client/mon-profil/"),
                Some(client.clone()),
                &[],
                &ids,
            )
            .await;
            send(
                run("PUT /api/client/notifications/"),
                Some(client.clone()),
                &[],
                &ids,
            )
            .await;

            // An owner creates and updates the example business, a resource (no example), the
            // example service, its example series of windows, settings and webhook.
            let owner = srv.account("owner@example.com", "owner").await["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = send(
                run("POST /api/entreprise/mon-entreprise/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;
            let business = r.body["id"].as_str().unwrap().to_owned();
            send(
                run("PUT /api/entreprise/mon-entreprise/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;
            srv.state
                .writes()
                .validate_business(business.parse().unwrap())
                .await
                .unwrap();
            let r = srv
                .post(
                    "/api/entreprise/ressources/",
                    Some(&owner),
                    json!({"name": "Alice", "kind": "staff"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            ids.push((
                EXAMPLE_RESOURCE_ID.into(),
                r.body["id"].as_str().unwrap().to_owned(),
            ));
            let r = send(
                run("POST /api/entreprise/services/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;
            let service = r.body["id"].as_str().unwrap().to_owned();
            ids.push((EXAMPLE_SERVICE_ID.into(), service.clone()));
            send(
                run("PUT /api/entreprise/services/{id}/"),
                Some(owner.clone()),
                &[("id", &service)],
                &ids,
            )
            .await;
            let r = send(
                run("POST /api/entreprise/disponibilites/recurrentes/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;
            assert_eq!(
                r.body.as_array().map(Vec::len),
                Some(9),
                "ten Mondays but the exdate: {r:?}"
            );
            send(
                run("PUT /api/entreprise/notifications/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;
            send(
                run("POST /api/entreprise/webhooks/"),
                Some(owner.clone()),
                &[],
                &ids,
            )
            .await;

            // The client books the example slot: Monday 20 April 2026, 10:30 in Lyon.
            let r = send(
                run("POST /api/client/reservations/"),
                Some(client.clone()),
                &[],
                &ids,
            )
            .await;
            assert_eq!(r.body["interval"]["start"], "2026-04-20T08:30:00Z", "{r:?}");

            let mut every: Vec<&str> = examples.keys().map(String::as_str).collect();
            every.sort_unstable();
            covered.sort_unstable();
            assert_eq!(
                covered, every,
                "every request example has its place in this journey"
            );
        },
    );
}
