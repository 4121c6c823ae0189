//! Headless Chromium for the link tests, driven through WebDriver: `chromedriver` started on a
//! free port of 127.0.0.1 in its own process group, a fresh Chromium profile in a temporary
//! folder, and a `fantoccini` session. Dropping the [`Browser`] ends chromedriver and the
//! Chromium it started (the whole group) and removes the profile, also when a test fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The Chromium binary (`RDV_TEST_CHROMIUM` overrides Debian's `/usr/bin/chromium`).
pub fn chromium() -> PathBuf {
    std::env::var_os("RDV_TEST_CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from)
}

/// What is missing to drive a browser: chromium, chromedriver (each named once).
pub fn missing() -> Vec<String> {
    let mut missing = Vec::new();
    if !chromium().is_file() {
        missing.push(format!("chromium ({})", chromium().display()));
    }
    let driver = Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !driver.is_ok_and(|s| s.success()) {
        missing.push("chromedriver (on PATH)".into());
    }
    missing
}

/// A WebDriver session in headless Chromium.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver and opens a session.
    pub async fn start() -> Browser {
        let profile =
            std::env::temp_dir().join(format!("rdv-links-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).expect("profile folder");
        let port = free_port();
        let driver = {
            use std::os::unix::process::CommandExt as _;
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .arg(format!("--log-path={}", profile.join("chromedriver.log").display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own group, so that Drop ends the Chromium processes it starts too.
                .process_group(0)
                .spawn()
                .expect("chromedriver starts")
        };
        // Owned from here: whatever fails below, Drop stops chromedriver and cleans up.
        let mut guard = Guard {
            driver: Some(driver),
            profile: Some(profile.clone()),
        };
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url).await;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.join("data").display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .unwrap_or_else(|e| {
                let log =
                    std::fs::read_to_string(profile.join("chromedriver.log")).unwrap_or_default();
                panic!("no WebDriver session: {e}\n{log}")
            });
        Browser {
            client,
            driver: guard.driver.take().expect("kept"),
            profile: guard.profile.take().expect("kept"),
        }
    }

    /// Opens `url` and waits for its load.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    /// The text of the first element matching `css`, once there is one (at most 15 s).
    pub async fn text(&self, css: &str) -> String {
        self.element(css).await.text().await.expect("text")
    }

    /// The first element matching `css`, once there is one (at most 15 s).
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no element {css} on {}: {e}", self.page().await),
        }
    }

    /// Types `text` into the field matching `css` (emptied first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.element(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.element(css).await.click().await.expect("click");
    }

    /// The current address.
    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("url").to_string()
    }

    /// The address and visible text of the page, for failure messages.
    async fn page(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let body = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        format!("{url}: {body:?}")
    }

    /// Ends the session (Chromium exits), then Drop stops chromedriver.
    pub async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        stop(&mut self.driver);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// What [`Browser::start`] owns before the session exists.
struct Guard {
    driver: Option<Child>,
    profile: Option<PathBuf>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(driver) = &mut self.driver {
            stop(driver);
        }
        if let Some(profile) = &self.profile {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

/// Ends chromedriver's process group (chromedriver and the Chromium it started), reaps
/// chromedriver and waits until no process of the group is left (at most 10 s), so that the
/// profile can be removed after.
fn stop(driver: &mut Child) {
    let group = format!("-{}", driver.id());
    let signal = |signal: &str| {
        Command::new("kill")
            .args(["-s", signal, "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    signal("KILL");
    let _ = driver.kill();
    let _ = driver.wait();
    let deadline = Instant::now() + Duration::from_secs(10);
    while signal("0") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

async fn wait_ready(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{url}/status")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
