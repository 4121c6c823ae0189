//! A real SMTP server for the link tests: `smtp_receiver.py` (aiosmtpd) in a child process,
//! writing each message it accepts to a folder that is removed with it, and the links each
//! received email carries.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdv_server::config::Config;

/// Where aiosmtpd is installed (`scripts/test.sh` puts it in `.tools/python`).
pub fn python_path() -> String {
    std::env::var("RDV_TEST_PYTHONPATH").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.tools/python")
            .display()
            .to_string()
    })
}

/// Whether `python3` can import aiosmtpd from [`python_path`].
pub fn receiver_available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .env("PYTHONPATH", python_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The receiver; dropping it stops the process and removes its folder.
pub struct Mailbox {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Mailbox {
    /// Starts the receiver on a free port of 127.0.0.1.
    pub fn start() -> Mailbox {
        use std::io::BufRead as _;
        let dir = std::env::temp_dir().join(format!("rdv-links-smtp-{}", uuid::Uuid::new_v4()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", "0", "--out"])
            .arg(&dir)
            .env("PYTHONPATH", python_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        let read = std::io::BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line);
        // Built before the check so that a failed start still stops the child and cleans up.
        let mut mailbox = Mailbox {
            port: 0,
            dir,
            child,
        };
        mailbox.port = read
            .ok()
            .and(line.strip_prefix("READY "))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP receiver did not start: {line:?}"));
        mailbox
    }

    /// Points the server's email delivery at this receiver.
    pub fn configure(&self, c: &mut Config) {
        c.smtp_host = "127.0.0.1".into();
        c.smtp_port = u32::from(self.port);
        c.smtp_tls = "none".into();
        c.smtp_from = "Rdv Test <no-reply@rdv.test>".into();
    }

    /// Every message received so far, in the order of arrival.
    pub fn all(&self) -> Vec<Mail> {
        let mut out = Vec::new();
        for n in 1.. {
            let Ok(bytes) = std::fs::read(self.dir.join(format!("{n}.eml"))) else {
                break;
            };
            out.push(Mail::parse(&bytes));
        }
        out
    }

    /// The messages to `to`, once there are `count` of them (at most 20 s).
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mails: Vec<Mail> = self.all().into_iter().filter(|m| m.to == to).collect();
            if mails.len() >= count {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{to} received {} emails, not {count}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One received email: recipient, subject, and the links of its text and HTML parts.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The links of the text part, in order.
    pub text_links: Vec<String>,
    /// The `href`s of the HTML part, in order, unescaped.
    pub html_links: Vec<String>,
}

impl Mail {
    fn parse(bytes: &[u8]) -> Mail {
        let m = mail_parser::MessageParser::default()
            .parse(bytes)
            .expect("a MIME message");
        let text = m.body_text(0).map(|s| s.into_owned()).unwrap_or_default();
        let html = m.body_html(0).map(|s| s.into_owned()).unwrap_or_default();
        Mail {
            to: m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or("")
                .to_owned(),
            subject: m.subject().unwrap_or("").to_owned(),
            text_links: text_links(&text),
            html_links: html_links(&html),
        }
    }

    /// The one link of this email whose path (after `base`) starts with `path`.
    pub fn link(&self, base: &str, path: &str) -> String {
        let found: Vec<&String> = self
            .text_links
            .iter()
            .filter(|l| {
                l.strip_prefix(base)
                    .is_some_and(|rest| rest.split('?').next() == Some(path))
            })
            .collect();
        assert_eq!(found.len(), 1, "one {path} link in {self:?}");
        found[0].clone()
    }
}

/// Every `http://` or `https://` URL of a text, up to the next white space.
fn text_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(i) = [rest.find("http://"), rest.find("https://")]
        .into_iter()
        .flatten()
        .min()
    {
        let link: String = rest[i..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '>' && *c != '"')
            .collect();
        rest = &rest[i + link.len()..];
        links.push(link);
    }
    links
}

/// Every `href="…"` of an HTML text, with the entities templates escape decoded.
fn html_links(html: &str) -> Vec<String> {
    html.match_indices("href=\"")
        .map(|(i, attr)| {
            let rest = &html[i + attr.len()..];
            let value = &rest[..rest.find('"').expect("closed href")];
            value
                .replace("&#x2f;", "/")
                .replace("&#x3d;", "=")
                .replace("&#x3f;", "?")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}
