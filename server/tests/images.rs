//! Images (issue 18 item 1, BIZ-2, SVC-4, VAL-6) over HTTP on both backends: uploads of a
//! logo, a cover and ordered service images, each answer read back byte by byte. A JPEG with
//! EXIF GPS comes back without it, in three sizes of exact dimensions; a PNG with alpha stays
//! PNG; hostile files (SVG, a GIF/JavaScript polyglot, one byte over the limit, 6 MB sent
//! slowly, a decompression bomb's header, a truncated JPEG, names and declared types that lie)
//! are refused with their field code and leave no row and no file; order and deletion;
//! the files' cache headers; the public answers' URLs; another business's service is 404; and
//! the same through S3 (moto in server mode on 127.0.0.1, started by the test).
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::{Backend, Srv};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use rdv_storage::images::ImageStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Each server keeps its image files in a folder of its own, removed after the test.
fn own_folder(config: &mut rdv_server::config::Config) {
    let dir = std::env::temp_dir().join(format!("rdv-images-{}", uuid::Uuid::new_v4().simple()));
    config.images_dir = dir.display().to_string();
}

/// Removes the image folder when the test ends (also when it panics).
struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn folder(srv: &Srv) -> Folder {
    Folder(PathBuf::from(&srv.state.config.images_dir))
}

/// Every file under the image folder.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return out;
    };
    for dir in dirs {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out
}

/// A multipart body with one field `file`.
fn multipart(bytes: &[u8], filename: &str) -> (String, Vec<u8>) {
    let boundary = "rdv-test-boundary-7f3a9c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    srv: &Srv,
    method: reqwest::Method,
    path: &str,
    token: &str,
    bytes: &[u8],
) -> common::Resp {
    let (content_type, body) = multipart(bytes, "upload.bin");
    let req = srv
        .http
        .request(method, format!("{}{path}", srv.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    Srv::finish(req).await
}

async fn add_service_image(srv: &Srv, token: &str, service: &str, bytes: &[u8]) -> common::Resp {
    let path = format!("/api/entreprise/services/{service}/images/");
    upload(srv, reqwest::Method::POST, &path, token, bytes).await
}

/// An opaque gradient of `w` × `h` as JPEG.
fn jpeg(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, seed]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// A half-transparent `w` × `h` PNG.
fn png_alpha(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| Rgba([200, 10, 10, (x % 256) as u8]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(img)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// `jpeg` with an EXIF APP1 segment carrying a GPS IFD pointer (tag 0x8825) and a GPS
/// latitude reference, right after SOI.
fn with_exif_gps(jpeg: &[u8]) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: one entry, GPSInfo (0x8825, LONG, 1) → offset 26.
    exif.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD: GPSLatitudeRef (1, ASCII, 2) "N".
    exif.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    exif.extend_from_slice(b"GPS 45.7640N 4.8357E");
    let len = u16::try_from(exif.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers of a JPEG's header segments, up to the start of scan.
fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "not a JPEG");
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= bytes.len() {
        assert_eq!(bytes[at], 0xFF, "marker expected at {at}");
        let marker = bytes[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + len;
    }
    markers
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A 60-byte PNG declaring 30000 × 30000 RGBA pixels (3.6 GB once decoded): a valid
/// signature and IHDR, a tiny IDAT, IEND.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = 30_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// GET of a file URL answered by the server; status, headers, bytes.
async fn fetch(
    srv: &Srv,
    url: &str,
    etag: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let path = &url[url.find("/images/").unwrap()..];
    let mut req = srv.http.get(format!("{}{path}", srv.base));
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    let r = req.send().await.unwrap();
    (
        r.status(),
        r.headers().clone(),
        r.bytes().await.unwrap().to_vec(),
    )
}

async fn dimensions(srv: &Srv, url: &str) -> (u32, u32, Vec<u8>) {
    let (status, _, bytes) = fetch(srv, url, None).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    let img = image::load_from_memory(&bytes).unwrap();
    (img.width(), img.height(), bytes)
}

async fn rows(srv: &Srv, business: &str) -> usize {
    srv.state
        .store()
        .business_images(business.parse().unwrap())
        .await
        .unwrap()
        .len()
}

async fn a_jpeg_loses_its_exif_and_comes_in_three_sizes(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-owner@example.com").await;
    let upload = with_exif_gps(&jpeg(3000, 1500, 7));
    assert!(
        jpeg_markers(&upload).contains(&0xE1),
        "the upload carries EXIF"
    );
    let r = add_service_image(&srv, &owner.token, &owner.service, &upload).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["content_type"], "image/jpeg");
    assert_eq!(
        (r.body["width"].as_i64(), r.body["height"].as_i64()),
        (Some(2560), Some(1280))
    );
    for (size, expected) in [
        ("thumb", (256, 128)),
        ("medium", (1024, 512)),
        ("original", (2560, 1280)),
    ] {
        let url = r.body[size].as_str().unwrap();
        assert!(url.ends_with(".jpg"), "{url}");
        let (w, h, bytes) = dimensions(&srv, url).await;
        assert_eq!((w, h), expected, "{size}");
        assert!(
            !jpeg_markers(&bytes).contains(&0xE1),
            "{size} has an APP1 segment"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{size} names Exif");
        assert!(
            !bytes.windows(3).any(|w| w == b"GPS"),
            "{size} carries the GPS text"
        );
    }
}

async fn a_png_with_alpha_stays_png(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-alpha@example.com").await;
    let r = upload(
        &srv,
        reqwest::Method::PUT,
        "/api/entreprise/mon-entreprise/logo/",
        &owner.token,
        &png_alpha(512, 256),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["content_type"], "image/png");
    for (size, expected) in [
        ("thumb", (256, 128)),
        ("medium", (512, 256)),
        ("original", (512, 256)),
    ] {
        let url = r.body[size].as_str().unwrap();
        assert!(url.ends_with(".png"), "{url}");
        let (status, headers, bytes) = fetch(&srv, url, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "image/png");
        let img = image::load_from_memory_with_format(&bytes, ImageFormat::Png).unwrap();
        assert!(img.color().has_alpha(), "{size} lost its alpha");
        assert_eq!((img.width(), img.height()), expected, "{size}");
    }
    // A second logo replaces the first; the first's files go with it.
    let first: Vec<PathBuf> = files(Path::new(&srv.state.config.images_dir));
    assert_eq!(
        first.len(),
        2,
        "thumb, and medium = original (same bytes, one key)"
    );
    let r = upload(
        &srv,
        reqwest::Method::PUT,
        "/api/entreprise/mon-entreprise/logo/",
        &owner.token,
        &jpeg(300, 300, 1),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(rows(&srv, &owner.business).await, 1);
    for f in first {
        assert!(!f.exists(), "{} is left behind", f.display());
    }
    let r = srv
        .delete("/api/entreprise/mon-entreprise/logo/", owner.t())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(rows(&srv, &owner.business).await, 0);
    assert!(files(Path::new(&srv.state.config.images_dir)).is_empty());
    let r = srv
        .delete("/api/entreprise/mon-entreprise/logo/", owner.t())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND"),
        "{r:?}"
    );
}

/// A refusal: its status, top code and field code, and nothing stored.
async fn refused(
    srv: &Srv,
    owner: &common::Owner,
    bytes: &[u8],
    expected: (StatusCode, &str, &str),
) {
    let r = add_service_image(srv, &owner.token, &owner.service, bytes).await;
    assert_eq!(
        (
            r.status,
            r.code(),
            r.body["errors"][0]["field"].as_str(),
            r.body["errors"][0]["code"].as_str()
        ),
        (expected.0, expected.1, Some("file"), Some(expected.2)),
        "{r:?}"
    );
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let r = upload(
        srv,
        reqwest::Method::PUT,
        "/api/entreprise/mon-entreprise/couverture/",
        &owner.token,
        bytes,
    )
    .await;
    assert_eq!(r.status, expected.0, "{r:?}");
    assert_eq!(rows(srv, &owner.business).await, 0, "a row was stored");
    assert!(
        files(Path::new(&srv.state.config.images_dir)).is_empty(),
        "a file was stored"
    );
}

async fn hostile_files_are_refused_and_leave_nothing(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-hostile@example.com").await;
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    refused(
        &srv,
        &owner,
        svg,
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "unsupported_type",
        ),
    )
    .await;
    // A GIF is a real image, but not one of the accepted formats.
    refused(
        &srv,
        &owner,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;alert(1)//",
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "unsupported_type",
        ),
    )
    .await;
    // One byte over 5 MB, starting like a PNG.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    refused(
        &srv,
        &owner,
        &big,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "too_large",
        ),
    )
    .await;
    let bomb = png_bomb();
    assert!(bomb.len() < 100, "{}", bomb.len());
    refused(
        &srv,
        &owner,
        &bomb,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_IMAGE",
            "too_many_pixels",
        ),
    )
    .await;
    let whole = jpeg(400, 300, 3);
    refused(
        &srv,
        &owner,
        &whole[..whole.len() / 3],
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_IMAGE",
            "undecodable",
        ),
    )
    .await;
    // Exactly the limit passes the size check (and is then judged by its bytes).
    let mut exact = b"\x89PNG\r\n\x1a\n".to_vec();
    exact.resize(5 * 1024 * 1024, 0);
    let r = add_service_image(&srv, &owner.token, &owner.service, &exact).await;
    assert_eq!(
        (r.status, r.body["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("undecodable")),
        "{r:?}"
    );
    // Another field beside `file`: refused like an unknown JSON field, nothing stored.
    let (content_type, mut body) = multipart(&jpeg(20, 20, 1), "a.jpg");
    let extra =
        b"--rdv-test-boundary-7f3a9c\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n";
    body.splice(0..0, extra.iter().copied());
    let r = Srv::finish(
        srv.http
            .post(format!(
                "{}/api/entreprise/services/{}/images/",
                srv.base, owner.service
            ))
            .bearer_auth(&owner.token)
            .header("content-type", content_type)
            .body(body),
    )
    .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field")),
        "{r:?}"
    );
    assert_eq!(rows(&srv, &owner.business).await, 0);
    // Not multipart at all.
    let r = srv
        .post(
            &format!("/api/entreprise/services/{}/images/", owner.service),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("not_multipart")),
        "{r:?}"
    );
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn service_images_are_ordered_and_deleted(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-order@example.com").await;
    let mut added = Vec::new();
    for seed in [10, 20, 30] {
        let r = add_service_image(&srv, &owner.token, &owner.service, &jpeg(64, 48, seed)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        added.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let public = srv
        .get(&format!("/api/services/{}/", owner.service), None)
        .await;
    assert_eq!(ids(&public.body["images"]), added, "upload order");
    let order = vec![added[2].clone(), added[0].clone(), added[1].clone()];
    let path = format!("/api/entreprise/services/{}/images/ordre/", owner.service);
    let r = srv.put(&path, owner.t(), json!(order)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(ids(&r.body), order);
    let public = srv
        .get(&format!("/api/services/{}/", owner.service), None)
        .await;
    assert_eq!(ids(&public.body["images"]), order);
    let listed = srv
        .get(
            &format!("/api/entreprises/{}/services/", owner.business),
            None,
        )
        .await;
    assert_eq!(ids(&listed.body["items"][0]["images"]), order, "{listed:?}");
    // Not a permutation: refused, order unchanged.
    for bad in [
        json!([order[0], order[1]]),
        json!([order[0], order[0], order[1]]),
        json!([order[0], order[1], order[2], uuid::Uuid::new_v4()]),
    ] {
        let r = srv.put(&path, owner.t(), bad).await;
        assert_eq!(
            (r.status, r.body["errors"][0]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_permutation")),
            "{r:?}"
        );
    }
    let thumb = public.body["images"][1]["thumb"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = srv
        .delete(
            &format!(
                "/api/entreprise/services/{}/images/{}/",
                owner.service, order[1]
            ),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let public = srv
        .get(&format!("/api/services/{}/", owner.service), None)
        .await;
    assert_eq!(
        ids(&public.body["images"]),
        vec![order[0].clone(), order[2].clone()]
    );
    let (status, _, _) = fetch(&srv, &thumb, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the deleted image's file is gone"
    );
    let r = srv
        .delete(
            &format!(
                "/api/entreprise/services/{}/images/{}/",
                owner.service, order[1]
            ),
            owner.t(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND"),
        "{r:?}"
    );
}

async fn files_are_served_with_cache_headers(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-serve@example.com").await;
    let r = add_service_image(&srv, &owner.token, &owner.service, &jpeg(100, 80, 5)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let url = r.body["thumb"].as_str().unwrap();
    let (status, headers, bytes) = fetch(&srv, url, None).await;
    assert_eq!(status, StatusCode::OK);
    let hash = url.rsplit('/').next().unwrap().trim_end_matches(".jpg");
    assert_eq!(
        hash,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        "content-addressed"
    );
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{hash}\""));
    let (status, headers, body) = fetch(&srv, url, Some(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers["etag"], etag.as_str());
    let (status, _, _) = fetch(&srv, url, Some("\"other\"")).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        format!("/images/{}.jpg", "0".repeat(64)),
        "/images/..%2Fetc%2Fpasswd".into(),
        "/images/abc.svg".into(),
    ] {
        let r = srv.get(&path, None).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND"),
            "{path} {r:?}"
        );
    }
}

async fn public_answers_carry_the_urls(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-public@example.com").await;
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(
        (r.body["logo"].clone(), r.body["cover"].clone()),
        (Value::Null, Value::Null),
        "{r:?}"
    );
    let logo = upload(
        &srv,
        reqwest::Method::PUT,
        "/api/entreprise/mon-entreprise/logo/",
        &owner.token,
        &jpeg(200, 200, 1),
    )
    .await;
    let cover = upload(
        &srv,
        reqwest::Method::PUT,
        "/api/entreprise/mon-entreprise/couverture/",
        &owner.token,
        &jpeg(1600, 400, 2),
    )
    .await;
    assert_eq!(
        (logo.status, cover.status),
        (StatusCode::OK, StatusCode::OK),
        "{logo:?} {cover:?}"
    );
    // The cached detail was dropped by the writes.
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(r.body["logo"], logo.body, "{r:?}");
    assert_eq!(r.body["cover"], cover.body);
    assert_eq!(
        r.body["cover"]["medium"]
            .as_str()
            .unwrap()
            .split("/images/")
            .next()
            .unwrap(),
        srv.state.config.links_base()
    );
    let list = srv.get("/api/entreprises/", None).await;
    let mine = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == owner.business.as_str())
        .unwrap();
    assert_eq!(mine["logo"]["thumb"], logo.body["thumb"]);
    let (w, h, _) = dimensions(&srv, cover.body["medium"].as_str().unwrap()).await;
    assert_eq!((w, h), (1024, 256));
    let services = srv
        .get(
            &format!("/api/entreprises/{}/services/", owner.business),
            None,
        )
        .await;
    assert_eq!(
        services.body["items"][0]["images"],
        json!([]),
        "{services:?}"
    );
    let added = add_service_image(&srv, &owner.token, &owner.service, &jpeg(50, 50, 9)).await;
    let services = srv
        .get(
            &format!("/api/entreprises/{}/services/", owner.business),
            None,
        )
        .await;
    assert_eq!(
        services.body["items"][0]["images"],
        json!([added.body]),
        "{services:?}"
    );
    assert_eq!(
        services.body["items"][0]["name"], "Coupe",
        "the service's own fields stay"
    );
    let r = srv
        .delete("/api/entreprise/mon-entreprise/couverture/", owner.t())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(r.body["cover"], Value::Null);
}

async fn another_business_service_is_not_found(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-a@example.com").await;
    let other = srv.owner("img-b@example.com").await;
    let r = add_service_image(&srv, &owner.token, &owner.service, &jpeg(40, 40, 1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let image = r.body["id"].as_str().unwrap().to_owned();
    let r = add_service_image(&srv, &other.token, &owner.service, &jpeg(40, 40, 2)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = srv
        .delete(
            &format!("/api/entreprise/services/{}/images/{image}/", owner.service),
            other.t(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    // Its own service, someone else's image id.
    let r = srv
        .delete(
            &format!("/api/entreprise/services/{}/images/{image}/", other.service),
            other.t(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND"),
        "{r:?}"
    );
    let r = srv
        .put(
            &format!("/api/entreprise/services/{}/images/ordre/", owner.service),
            other.t(),
            json!([image]),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    assert_eq!(rows(&srv, &owner.business).await, 1);
    assert_eq!(rows(&srv, &other.business).await, 0);
}

/// A multipart body with one field `file` named `filename` and declared as `content_type`.
fn multipart_as(bytes: &[u8], filename: &str, content_type: &str) -> (String, Vec<u8>) {
    let boundary = "rdv-test-boundary-lies";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn lying_names_and_types_change_nothing_and_a_slow_oversized_upload_is_cut(srv: Srv) {
    let _folder = folder(&srv);
    let owner = srv.owner("img-lies@example.com").await;
    let path = format!("/api/entreprise/services/{}/images/", owner.service);
    let send = |(content_type, body): (String, Vec<u8>)| {
        let req = srv
            .http
            .post(format!("{}{path}", srv.base))
            .bearer_auth(&owner.token)
            .header("content-type", content_type)
            .body(body);
        Srv::finish(req)
    };
    // A PNG with transparency named and declared as a JPEG is read as the PNG it is.
    let r = send(multipart_as(&png_alpha(40, 20), "photo.jpg", "image/jpeg")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert!(r.text.contains(".png\""), "{r:?}");
    assert!(!r.text.contains(".jpg\""), "{r:?}");
    // Text named and declared as a PNG is refused by its bytes.
    let r = send(multipart_as(
        b"<script>alert(1)</script>",
        "logo.png",
        "image/png",
    ))
    .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_type")),
        "{r:?}"
    );
    assert_eq!(rows(&srv, &owner.business).await, 1);

    // 6 MB sent slowly (256 KiB every 20 ms): the answer is 413 as soon as the limit is
    // crossed, before the client has sent the rest, and nothing is stored.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(6 * 1024 * 1024, 0);
    let (content_type, body) = multipart_as(&big, "big.png", "image/png");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        srv.addr,
        owner.token,
        body.len()
    );
    let stream = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let total = body.len();
    let writer = {
        let sent = sent.clone();
        tokio::spawn(async move {
            if write.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for chunk in body.chunks(256 * 1024) {
                if write.write_all(chunk).await.is_err() {
                    return; // the server closed the connection: expected after its answer
                }
                sent.fetch_add(chunk.len(), Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), read.read(&mut answer))
        .await
        .expect("an answer before the upload ends")
        .unwrap();
    let sent_then = sent.load(Ordering::SeqCst);
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("too_large"), "{text}");
    assert!(
        sent_then < total,
        "answered after {sent_then} of {total} bytes"
    );
    writer.abort();
    assert_eq!(rows(&srv, &owner.business).await, 1, "nothing more stored");
}

server_tests!(config = super::own_folder;
    a_jpeg_loses_its_exif_and_comes_in_three_sizes,
    lying_names_and_types_change_nothing_and_a_slow_oversized_upload_is_cut,
    a_png_with_alpha_stays_png,
    hostile_files_are_refused_and_leave_nothing,
    service_images_are_ordered_and_deleted,
    files_are_served_with_cache_headers,
    public_answers_carry_the_urls,
    another_business_service_is_not_found,
);

mod s3 {
    //! The same uploads with S3 storage: moto 5.2.5 in server mode on 127.0.0.1, installed by
    //! `scripts/test.sh` into `.tools/python` and started here on a free port. With `CI` set a
    //! missing moto fails the test.
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

    use super::*;

    /// The moto server, killed when the test ends.
    struct Moto(Child, u16);

    impl Drop for Moto {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn python_path() -> String {
        std::env::var("RDV_TEST_PYTHONPATH").unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../.tools/python")
                .display()
                .to_string()
        })
    }

    fn start_moto() -> Option<Moto> {
        let found = Command::new("python3")
            .env("PYTHONPATH", python_path())
            .args(["-c", "import moto.server, flask"])
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            common::environment::skip(
                "moto (S3-compatible server) is not installed",
                "run `bash scripts/test.sh tests`, which installs moto[server]==5.2.5 into .tools/python",
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .env("PYTHONPATH", python_path())
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts moto");
        let moto = Moto(child, port);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto did not listen on 127.0.0.1:{port} within 20 s");
    }

    fn bucket(port: u16) -> (Bucket, Credentials) {
        let url = format!("http://127.0.0.1:{port}").parse().unwrap();
        (
            Bucket::new(url, UrlStyle::Path, "rdv-images", "us-east-1").unwrap(),
            Credentials::new("test-key", "test-secret"),
        )
    }

    async fn object_status(port: u16, key: &str) -> StatusCode {
        let (bucket, creds) = bucket(port);
        let url = bucket
            .get_object(Some(&creds), key)
            .sign(Duration::from_secs(60));
        reqwest::get(url).await.unwrap().status()
    }

    async fn uploads_go_to_the_bucket(srv: Srv, port: u16) {
        let (bucket, creds) = bucket(port);
        let url = bucket.create_bucket(&creds).sign(Duration::from_secs(60));
        let r = srv
            .http
            .put(url)
            .header("content-length", "0")
            .body(Vec::new())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        assert!(matches!(
            srv.state.images,
            rdv_server::images::Objects::S3(_)
        ));
        let owner = srv.owner("img-s3@example.com").await;
        let r = add_service_image(
            &srv,
            &owner.token,
            &owner.service,
            &with_exif_gps(&jpeg(1200, 600, 4)),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let image = r.body["id"].as_str().unwrap().to_owned();
        for (size, expected) in [
            ("thumb", (256, 128)),
            ("medium", (1024, 512)),
            ("original", (1200, 600)),
        ] {
            let url = r.body[size].as_str().unwrap();
            let key = url.rsplit('/').next().unwrap();
            assert_eq!(
                object_status(port, key).await,
                StatusCode::OK,
                "{size} is in the bucket"
            );
            let (w, h, bytes) = dimensions(&srv, url).await;
            assert_eq!((w, h), expected, "{size}");
            assert!(!bytes.windows(4).any(|w| w == b"Exif"));
        }
        let refused = add_service_image(&srv, &owner.token, &owner.service, &png_bomb()).await;
        assert_eq!(
            refused.body["errors"][0]["code"], "too_many_pixels",
            "{refused:?}"
        );
        let key = r.body["medium"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let d = srv
            .delete(
                &format!("/api/entreprise/services/{}/images/{image}/", owner.service),
                owner.t(),
            )
            .await;
        assert_eq!(d.status, StatusCode::NO_CONTENT, "{d:?}");
        assert_eq!(
            object_status(port, &key).await,
            StatusCode::NOT_FOUND,
            "deleted from the bucket"
        );
        assert_eq!(rows(&srv, &owner.business).await, 0);
    }

    fn on(backend: Backend) {
        let Some(moto) = start_moto() else { return };
        let port = moto.1;
        common::run(
            backend,
            move |c| {
                c.s3_endpoint = format!("http://127.0.0.1:{port}");
                c.s3_bucket = "rdv-images".into();
                c.s3_access_key = "test-key".into();
                c.s3_secret_key = rdv_server::config::Secret::new("test-secret");
            },
            move |srv| uploads_go_to_the_bucket(srv, port),
        );
        drop(moto);
    }

    #[test]
    fn sqlite_uploads_go_to_the_bucket() {
        on(Backend::Sqlite);
    }

    #[test]
    fn postgres_uploads_go_to_the_bucket() {
        on(Backend::Postgres);
    }
}
