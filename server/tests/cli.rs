//! The binary's commands: `migrate`, `create-admin`, `seed-demo`, `openapi`, and the prod
//! profile refusing insecure settings.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::process::Command;

#[path = "../../storage/tests/common/environment.rs"]
mod environment;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rdv-server"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RDV_LOG_LEVEL", "error")
        .current_dir(std::env::temp_dir());
    c
}

/// A database URL in a folder the command must create, inside a temporary folder removed
/// when the guard is dropped.
/// How many reservations of the SQLite database at `url`, live or archived, ended before `cut`
/// (seconds).
fn ended_before(url: &str, cut: i64) -> u64 {
    use sqlx::Connection as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM reservations WHERE end_at < ?1) \
             + (SELECT COUNT(*) FROM reservations_archive WHERE end_at < ?1)",
        )
        .bind(cut)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        u64::try_from(n).unwrap()
    })
}

fn temp_db() -> (tempfile::TempDir, String) {
    let dir = environment::temp_dir("rdv-cli-");
    let url = format!("sqlite://{}/nested/rdv.db", dir.path().display());
    (dir, url)
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let (_dir, db) = temp_db();
    let out = bin()
        .args(["migrate"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
    let path = db.strip_prefix("sqlite://").unwrap();
    assert!(std::path::Path::new(path).exists());
}

#[test]
fn create_admin_then_seed_demo_twice() {
    let (_dir, db) = temp_db();
    let out = bin()
        .args(["create-admin", "--email", "Root@Example.com"])
        .env("DATABASE_URL", &db)
        .env("RDV_ADMIN_PASSWORD", "a long admin passphrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let weak = bin()
        .args(["create-admin", "--email", "other@example.com"])
        .env("DATABASE_URL", &db)
        .env("RDV_ADMIN_PASSWORD", "password")
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("too_short")
            || String::from_utf8_lossy(&weak.stderr).contains("too_common")
    );
    let seeded = bin()
        .args(["seed-demo"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(String::from_utf8_lossy(&seeded.stdout).contains("demo data loaded"));
    let again = bin()
        .args(["seed-demo"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already loaded"));
}

#[test]
fn prod_refuses_insecure_settings_and_names_them() {
    let (_dir, db) = temp_db();
    let out = bin()
        .args(["serve"])
        .env("RDV_PROFILE", "prod")
        .env("RDV_JWT_SECRET", "too-short")
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jwt_secret is shorter than 32 bytes"), "{err}");
    assert!(err.contains("encryption_key is missing"), "{err}");
    assert!(
        !err.contains("too-short"),
        "the secret itself is never printed: {err}"
    );
}

#[test]
fn openapi_command_prints_the_document() {
    let out = bin().args(["openapi"]).output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["paths"]["/api/client/mon-profil/"].is_object());
}

#[test]
fn archive_command_reports_what_it_moved_and_checks_its_delay() {
    let (_dir, url) = temp_db();
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["seed-demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The demo salon's history ended more than a day ago, all of it, and so did those of
    // yesterday's reservations that ended before this time of day: the command archives
    // exactly the rows that ended before its cut (counted here just before and just after it
    // runs; a row ending in between is the one case where both counts differ).
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();
    let past: u64 = summary
        .split(" past reservations")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no history in {summary}"));
    assert!(past > 100, "{summary}");
    let before = ended_before(&url, chrono::Utc::now().timestamp() - 86_400);
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["archive", "--older-than-days", "1"])
        .output()
        .unwrap();
    let after = ended_before(&url, chrono::Utc::now().timestamp() - 86_400);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        before >= past,
        "{before} rows ended a day ago, {past} in the history"
    );
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let archived = (before..=after)
        .find(|n| text == format!("archived {n} reservations that ended more than 1 days ago"));
    assert!(archived.is_some(), "{text}: {before}..={after} expected");
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["archive", "--older-than-days", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("archive_after_days must be between 1 and 3650"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How many reservations of the business named `name` the SQLite database at `url` holds
/// (live, or live and archived), and the business's id.
fn business_rows(url: &str, name: &str, archived_too: bool) -> (String, u64) {
    use sqlx::Connection as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let id: String = sqlx::query_scalar("SELECT id FROM businesses WHERE name = ?1")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let sql = if archived_too {
            "SELECT (SELECT COUNT(*) FROM reservations WHERE business_id = ?1) \
             + (SELECT COUNT(*) FROM reservations_archive WHERE business_id = ?1)"
        } else {
            "SELECT COUNT(*) FROM reservations WHERE business_id = ?1"
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        (id, u64::try_from(n).unwrap())
    })
}

/// The header and the number of data rows of a CSV file, as Python's `csv` module reads it.
fn csv_shape(path: &std::path::Path) -> (Vec<String>, usize) {
    let script = "import csv, json, sys\n\
        rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''), strict=True))\n\
        print(json.dumps([rows[0], len(rows) - 1]))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn export_command_writes_the_reservations_csv_and_a_summary() {
    let (dir, url) = temp_db();
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["seed-demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (id, live) = business_rows(&url, "Coiffeur Élégance", false);
    assert!(live > 400, "{live}");
    let file = dir.path().join("salon.csv");
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["export", "--business", &id, "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        summary.starts_with(&format!(
            "exported {live} reservations of Coiffeur Élégance to {}",
            file.display()
        )),
        "{summary}"
    );
    let (header, rows) = csv_shape(&file);
    assert_eq!(header[..3], ["id", "status", "start_utc"]);
    assert_eq!(rows as u64, live);
    // After archiving, the archived ones come only on request.
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["archive", "--older-than-days", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, still_live) = business_rows(&url, "Coiffeur Élégance", false);
    let (_, all) = business_rows(&url, "Coiffeur Élégance", true);
    assert!(still_live < all, "{still_live} {all}");
    for (flag, expected) in [(None, still_live), (Some("--include-archived"), all)] {
        let mut cmd = bin();
        cmd.env("DATABASE_URL", &url)
            .args(["export", "--business", &id, "--bom", "--output"])
            .arg(&file);
        if let Some(flag) = flag {
            cmd.arg(flag);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::read(&file).unwrap().starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(csv_shape(&file).1 as u64, expected, "{flag:?}");
    }
    // An unknown business is an error that names it, and writes nothing.
    let missing = "01a23b43-0000-7000-8000-000000000000";
    let other = dir.path().join("none.csv");
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["export", "--business", missing, "--output"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("no business has the id {missing}")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!other.exists());
}

#[test]
fn import_command_reports_what_it_imported_and_refuses_a_second_time_by_row() {
    let (dir, url) = temp_db();
    let out = bin()
        .env("DATABASE_URL", &url)
        .args(["seed-demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (id, _) = business_rows(&url, "Coiffeur Élégance", false);
    let file = dir.path().join("rooms.csv");
    std::fs::write(&file, "name,kind\nCabine 9,room\nCabine 10,room\n").unwrap();
    let import = |dry_run: bool| {
        let mut cmd = bin();
        cmd.env("DATABASE_URL", &url)
            .args(["import", "--business", &id, "--kind", "resources", "--file"])
            .arg(&file);
        if dry_run {
            cmd.arg("--dry-run");
        }
        cmd.output().unwrap()
    };
    let out = import(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "would import 2 resources from 2 rows of {} into Coiffeur Élégance\n",
            file.display()
        )
    );
    let out = import(false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imported 2 resources"));
    let out = import(false);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .starts_with("row 2: name: \"Cabine 9\" already exists (already_exists)\nrow 3: name:"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: 2 problem(s) in 2 row(s): nothing was imported\n"),
        "{stderr}"
    );
    // The clients and services files too, as the HTTP exports write them.
    let out_file = dir.path().join("services.csv");
    let out = bin()
        .env("DATABASE_URL", &url)
        .args([
            "export",
            "--business",
            &id,
            "--kind",
            "services",
            "--output",
        ])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (header, rows) = csv_shape(&out_file);
    assert_eq!(header[..2], ["id", "name"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!(
            "exported {rows} services of Coiffeur Élégance to "
        )),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(rows > 0);
}
