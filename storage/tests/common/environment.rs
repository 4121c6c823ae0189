//! What a test takes from its machine, decided here for every Rust test and bench of the
//! workspace (the server's tests and the storage bench include this file): temporary folders,
//! which it gives back, and services (PostgreSQL, an SMTP receiver), which may be missing.
//!
//! A temporary folder is a [`tempfile::TempDir`] named `rdv-<what>-…` in the system's temp
//! folder (`TMPDIR`), removed when dropped, so also when the test panics; `scripts/test.sh`
//! fails when the tests leave any entry behind.
//!
//! With the variable `CI` set ([`in_ci`]) a missing service is a failure that names it and
//! says how to provide it. Otherwise the test is skipped: it says so on stderr and appends a
//! line `<test>\t<what is missing>` to the file named by `RDV_SKIP_LOG`, which
//! `scripts/test.sh` sums up after the tests.
#![allow(
    dead_code,
    reason = "each test crate needs a different part of these helpers"
)]

use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs as _};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// A new empty folder `<prefix>…` in the system's temp folder, removed with its content when
/// the guard is dropped.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a temporary folder")
}

/// Whether `CI` is set (non-empty, and neither `0` nor `false`): then nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The running test as `crate test::path` (the harness names each test's thread after it).
fn current_test() -> String {
    let thread = std::thread::current();
    format!(
        "{}/{} {}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_CRATE_NAME"),
        thread.name().unwrap_or("?")
    )
}

/// The running test cannot run without `missing`. In CI this panics with `missing` and
/// `remedy`; otherwise it reports the skip and returns, and the caller returns at once.
pub fn skip(missing: &str, remedy: &str) {
    let test = current_test();
    assert!(
        !in_ci(),
        "{test}: {missing}. CI is set, so a missing test service is a failure: {remedy}"
    );
    eprintln!("skipped: {test}: {missing} ({remedy})");
    let Some(log) = std::env::var_os("RDV_SKIP_LOG").filter(|v| !v.is_empty()) else {
        return;
    };
    // One write of one short line to a file opened for appending: lines of tests running in
    // parallel processes do not interleave.
    let line = format!("{test}\t{missing}\n");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("cannot record the skip in RDV_SKIP_LOG={log:?}: {e}");
    }
}

const POSTGRES_REMEDY: &str = "run `bash scripts/test.sh tests`, which starts PostgreSQL and \
    sets it, or set TEST_DATABASE_URL=postgres://USER@127.0.0.1:5432/rdv_test to a running \
    server";

/// `TEST_DATABASE_URL` when it is set and its server accepts connections; otherwise `None`
/// after [`skip`] (which fails the test in CI).
pub fn postgres_url() -> Option<String> {
    static REACHABLE: OnceLock<Result<String, String>> = OnceLock::new();
    let found = REACHABLE.get_or_init(|| {
        let url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| "PostgreSQL: TEST_DATABASE_URL is not set".to_owned())?;
        match postgres_address(&url) {
            Some(address) => match connect(&address) {
                Ok(()) => Ok(url),
                Err(e) => Err(format!(
                    "PostgreSQL: TEST_DATABASE_URL names {address}, which is unreachable ({e})"
                )),
            },
            // A Unix socket: the connection itself will tell.
            None => Ok(url),
        }
    });
    match found {
        Ok(url) => Some(url.clone()),
        Err(missing) => {
            skip(missing, POSTGRES_REMEDY);
            None
        }
    }
}

/// `host:port` of a `postgres://user:password@host:port/db?…` URL (port 5432 when absent);
/// `None` when it names no host (a Unix socket).
pub fn postgres_address(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return None;
    }
    let has_port = match host_port.rsplit_once(':') {
        Some((host, _)) => !host.starts_with('[') || host.ends_with(']'),
        None => false,
    };
    Some(if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    })
}

fn connect(address: &str) -> Result<(), String> {
    let addrs = address.to_socket_addrs().map_err(|e| e.to_string())?;
    let mut last = "no address".to_owned();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Whether the SMTP receiver of the notification tests (aiosmtpd, imported by `python3` with
/// `PYTHONPATH=python_path`) can start; when it cannot, [`skip`] (which fails in CI) and
/// `false`.
pub fn smtp_receiver(python_path: &str) -> bool {
    static IMPORTABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let found = IMPORTABLE.get_or_init(|| {
        let status = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .env("PYTHONPATH", python_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Ok(()),
            Ok(_) => Err(format!(
                "SMTP receiver: python3 cannot import aiosmtpd with PYTHONPATH={python_path}"
            )),
            Err(e) => Err(format!("SMTP receiver: python3 does not run ({e})")),
        }
    });
    match found {
        Ok(()) => true,
        Err(missing) => {
            skip(
                missing,
                "run `bash scripts/test.sh tests`, or `python3 -m pip install --target \
                 .tools/python aiosmtpd==1.4.6` and set RDV_TEST_PYTHONPATH to that folder",
            );
            false
        }
    }
}
