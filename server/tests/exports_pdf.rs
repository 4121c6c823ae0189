//! PDF exports (issue 18 item 3, ADV-2) over HTTP on both backends, read back with poppler's
//! `pdftotext` and `pdffonts`: the day sheet of a resource (local times, accented names,
//! phones, statuses in French and English) and the monthly statement (counts and amounts by
//! service and resource), fonts embedded; typed errors for a bad date, month or language.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::process::Command;

use common::Srv;
use reqwest::StatusCode;
use serde_json::json;

/// What `tool` (pdftotext, pdffonts) prints for the PDF `bytes`, given as its argument between
/// `args` and `after`; `None` (and a recorded skip, a failure with CI set) when poppler-utils
/// is not installed.
fn poppler(tool: &str, args: &[&str], bytes: &[u8], after: &[&str]) -> Option<String> {
    if Command::new(tool).arg("-v").output().is_err() {
        common::environment::skip(
            &format!("{tool} (poppler-utils)"),
            "run `bash scripts/test.sh tests`, which installs it, or `apt-get install poppler-utils`",
        );
        return None;
    }
    let dir = common::environment::temp_dir("rdv-pdf-");
    let path = dir.path().join("export.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(after)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The text of a PDF, its lines' runs of spaces squeezed to one.
fn text_of(bytes: &[u8]) -> Option<String> {
    let text = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], bytes, &["-"])?;
    Some(
        text.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

async fn download(srv: &Srv, path: &str, token: Option<&str>) -> (String, String, Vec<u8>) {
    let mut req = srv.http.get(format!("{}{path}", srv.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    (kind, disposition, r.bytes().await.unwrap().to_vec())
}

async fn pdf_exports_read_back_with_accents_and_embedded_fonts(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("client@example.com").await;
    let r = srv
        .put(
            "/api/client/mon-profil/",
            Some(&client),
            json!({"email": "client@example.com", "first_name": "Zoë",
                   "last_name": "Ångström-Éluard", "phone": "+33 6 12 34 56 78"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut ids = Vec::new();
    for hhmm in ["10:00", "11:00"] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(&client),
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let r = srv
        .delete(
            &format!("/api/client/reservations/{}/", ids[1]),
            Some(&client),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let local = |hhmm: &str| {
        chrono::DateTime::parse_from_rfc3339(&owner.at(hhmm))
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%H:%M")
            .to_string()
    };

    // The day sheet, in French.
    let path = format!(
        "/api/entreprise/exports/feuille-du-jour/?date={}&lang=fr",
        owner.day
    );
    let (kind, disposition, body) = download(&srv, &path, owner.t()).await;
    assert_eq!(kind, "application/pdf");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"day-sheet-{}.pdf\"", owner.day)
    );
    assert!(body.starts_with(b"%PDF-"));
    let Some(text) = text_of(&body) else { return };
    assert!(text.contains("Salon Test"), "{text}");
    assert!(text.contains("Feuille du jour · Alice ·"), "{text}");
    assert!(text.contains("Horaires: 00:00–24:00"), "{text}");
    assert!(
        text.contains("Heure Client Téléphone Prestation Statut"),
        "{text}"
    );
    let first = format!(
        "{}–{} Zoë Ångström-Éluard +33612345678 Coupe en attente",
        local("10:00"),
        local("10:30")
    );
    assert!(text.contains(&first), "{first} in:\n{text}");
    let second = format!(
        "{}–{} Zoë Ångström-Éluard +33612345678 Coupe annulé par le client",
        local("11:00"),
        local("11:30")
    );
    assert!(text.contains(&second), "{second} in:\n{text}");
    let fonts = poppler("pdffonts", &[], &body, &[]).unwrap();
    let embedded: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| l.contains("DejaVuSans"))
        .collect();
    assert_eq!(embedded.len(), 2, "regular and bold:\n{fonts}");
    for line in embedded {
        let columns: Vec<&str> = line.split_whitespace().collect();
        // name type encoding emb sub uni object ID
        let emb = columns[columns.len() - 5];
        assert_eq!(emb, "yes", "{line}");
    }

    // In English, the staff member's own resource only.
    let path = format!(
        "/api/entreprise/exports/feuille-du-jour/?date={}&resource_id={}",
        owner.day, owner.resource
    );
    let (_, _, body) = download(&srv, &path, owner.t()).await;
    let text = text_of(&body).unwrap();
    assert!(text.contains("Day sheet · Alice ·"), "{text}");
    assert!(text.contains("cancelled by the client"), "{text}");

    // The monthly statement of the month of the bookings, in French, with the logo.
    let logo = {
        let img = image::RgbImage::from_fn(600, 300, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    };
    let boundary = "rdv-pdf-logo-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&logo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = srv
        .http
        .put(format!("{}/api/entreprise/mon-entreprise/logo/", srv.base))
        .bearer_auth(&owner.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let month = &owner.day[..7];
    let path = format!("/api/entreprise/exports/releve-mensuel/?month={month}&lang=fr");
    let (kind, disposition, body) = download(&srv, &path, owner.t()).await;
    assert_eq!(kind, "application/pdf");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"statement-{month}.pdf\"")
    );
    let text = text_of(&body).unwrap();
    assert!(text.contains("Relevé mensuel ·"), "{text}");
    // One image, the logo's medium size (600 × 300 fits in it unchanged), on page 1.
    let images = poppler("pdfimages", &["-list"], &body, &[]).unwrap();
    let rows: Vec<Vec<&str>> = images
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 1, "{images}");
    assert_eq!(
        (rows[0][0], rows[0][3], rows[0][4]),
        ("1", "600", "300"),
        "{images}"
    );
    for line in [
        "Rendez-vous 2",
        "Honorés 0",
        "Absences 0",
        "Annulés 1",
        "Chiffre d’affaires réalisé 0",
        "Chiffre d’affaires réservé (à venir) 25,00 €",
        "Coupe 2 0 0",
        "Alice 2 0 0",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }

    // Typed errors, and who may ask.
    for (path, field, code) in [
        (
            format!(
                "/api/entreprise/exports/feuille-du-jour/?date={}&lang=de",
                owner.day
            ),
            "lang",
            "invalid_choice",
        ),
        (
            "/api/entreprise/exports/feuille-du-jour/?date=27/03/2026".to_owned(),
            "date",
            "invalid_format",
        ),
        (
            "/api/entreprise/exports/releve-mensuel/?month=2026-13".to_owned(),
            "month",
            "invalid_format",
        ),
        (
            "/api/entreprise/exports/releve-mensuel/?month=1999-12".to_owned(),
            "month",
            "out_of_range",
        ),
    ] {
        let r = srv.get(&path, owner.t()).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
            "{path}: {r:?}"
        );
        assert_eq!(r.body["errors"][0]["field"], field, "{path}");
        assert_eq!(r.body["errors"][0]["code"], code, "{path}");
    }
    let r = srv
        .get(
            &format!(
                "/api/entreprise/exports/feuille-du-jour/?date={}",
                owner.day
            ),
            Some(&client),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    let r = srv
        .get(
            "/api/entreprise/exports/releve-mensuel/?month=2026-03",
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
}

server_tests!(pdf_exports_read_back_with_accents_and_embedded_fonts);
