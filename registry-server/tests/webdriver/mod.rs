//! A small WebDriver client for the browser tests: starts Debian's `chromedriver` on a free
//! loopback port, opens one headless Chromium session with a fresh profile, and speaks the W3C
//! WebDriver protocol (JSON over HTTP) with blocking reqwest. Screenshots go to
//! `target/browser-screenshots/`.
//!
//! [`Browser::start`] returns `None`, after printing why, when Chromium or chromedriver is not
//! installed (`scripts/ensure-deps test` installs them), so the tests skip instead of failing on
//! machines without a browser. `MXCERT_CHROMIUM` and `MXCERT_CHROMEDRIVER` override the paths.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The key W3C WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long `find` and `wait_until` wait.
const WAIT: Duration = Duration::from_secs(15);

/// Phone-sized viewport (a common Android phone), the portal's first target.
pub const PHONE: (u32, u32) = (412, 915);
/// A desktop viewport.
pub const DESKTOP: (u32, u32) = (1280, 900);

fn program(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

/// Where screenshots are written: `<target>/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // <target>/<profile>/deps/<test binary>
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("browser-screenshots")
}

/// A running chromedriver with one open Chromium session; both end when dropped.
pub struct Browser {
    driver: Child,
    endpoint: String,
    session: String,
    http: reqwest::blocking::Client,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
    /// The selector it was found by, for messages.
    pub selector: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (with the reason printed) when either
    /// is missing.
    pub fn start() -> Option<Browser> {
        let Some(chromium) = program("MXCERT_CHROMIUM", "/usr/bin/chromium") else {
            eprintln!("SKIPPED: chromium is not installed (scripts/ensure-deps test installs it)");
            return None;
        };
        let Some(chromedriver) = program("MXCERT_CHROMEDRIVER", "/usr/bin/chromedriver") else {
            eprintln!(
                "SKIPPED: chromedriver is not installed (Debian package chromium-driver; \
                 scripts/ensure-deps test installs it)"
            );
            return None;
        };
        let mut driver = Command::new(&chromedriver)
            .args(["--port=0", "--allowed-ips=127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", chromedriver.display()));
        let port = read_port(&mut driver);
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("http client");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-features=Translate,OptimizationHints,MediaRouter",
                        "--lang=es-MX",
                        format!("--window-size={},{}", PHONE.0, PHONE.1),
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                    "prefs": { "intl.accept_languages": "es-MX,es" }
                }
            }}
        });
        let mut browser = Browser {
            driver,
            endpoint,
            session: String::new(),
            http,
            shots: screenshot_dir(),
            _profile: profile,
        };
        let answer = browser.call("POST", "/session", Some(caps));
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {answer}"))
            .to_owned();
        // Start from an empty directory, so every screenshot there is from this run.
        let _ = std::fs::remove_dir_all(&browser.shots);
        std::fs::create_dir_all(&browser.shots).expect("screenshot dir");
        Some(browser)
    }

    /// One WebDriver command; the driver's message when it fails.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.endpoint);
        let req = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self
                .http
                .post(&url)
                .json(&body.unwrap_or_else(|| json!({}))),
        };
        let resp = req
            .send()
            .map_err(|e| format!("webdriver {method} {path}: {e}"))?;
        let status = resp.status();
        let value: Value = resp.json().unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!(
                "webdriver {method} {path} failed ({status}): {}",
                value["value"]["message"]
            ));
        }
        Ok(value.get("value").cloned().unwrap_or(Value::Null))
    }

    /// One WebDriver command; panics with the driver's message when it fails.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.try_call("GET", &format!("/session/{}/url", self.session), None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn title(&self) -> String {
        self.session_call("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn source(&self) -> String {
        self.session_call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn set_viewport(&self, (width, height): (u32, u32)) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Runs a script in the page and returns its result.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The elements matching a CSS selector now (possibly none).
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self.session_call(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        found
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v[ELEMENT].as_str())
                    .map(|id| Element {
                        browser: self,
                        id: id.to_owned(),
                        selector: css.to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    pub fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "no element {css:?} on {} ({}); the page was:\n{}",
                self.url(),
                self.title(),
                self.source()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `condition` holds (checked every 50 ms, up to 15 s).
    pub fn wait_until(&self, what: &str, condition: impl Fn(&Browser) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !condition(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting until {what}; at {}:\n{}",
                self.url(),
                self.source()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The visible text of the whole page ("" while a page is being replaced).
    pub fn text(&self) -> String {
        self.text_of("body").unwrap_or_default()
    }

    /// The visible text of the first element matching `css`, if there is one now. Safe to call
    /// while a page loads (for [`Browser::wait_until`]): it holds no element reference.
    pub fn text_of(&self, css: &str) -> Option<String> {
        self.try_call(
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(json!({
                "script": "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                "args": [css],
            })),
        )
        .ok()?
        .as_str()
        .map(str::to_owned)
    }

    /// An attribute of the first element matching `css`, if there is one now (see [`Browser::text_of`]).
    pub fn attr_of(&self, css: &str, name: &str) -> Option<String> {
        self.try_call(
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(json!({
                "script": "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                "args": [css, name],
            })),
        )
        .ok()?
        .as_str()
        .map(str::to_owned)
    }

    /// Saves a PNG of the viewport as `<target>/browser-screenshots/NAME.png` and returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Saves a PNG of the whole page (not just the viewport), resizing the window to fit it.
    pub fn full_page_screenshot(&self, name: &str, width: u32) -> PathBuf {
        let height = self
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .as_u64()
            .unwrap_or(900)
            .clamp(300, 6000);
        let height = u32::try_from(height).unwrap_or(900);
        self.set_viewport((width, height));
        let path = self.screenshot(name);
        self.set_viewport(PHONE);
        path
    }
}

impl Element<'_> {
    fn call(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        self.browser
            .session_call(method, &format!("/element/{}{what}", self.id), body)
    }

    pub fn text(&self) -> String {
        self.call("GET", "/text", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn click(&self) {
        self.call("POST", "/click", None);
    }

    pub fn clear(&self) {
        self.call("POST", "/clear", None);
    }

    /// Types `text` into the element.
    pub fn send_keys(&self, text: &str) {
        self.call("POST", "/value", Some(json!({ "text": text })));
    }

    /// Sets a text field's value at once (for long pastes that typing would make slow), and
    /// fires the input event a user's paste fires.
    pub fn paste(&self, text: &str) {
        self.browser.execute(
            "arguments[0].value = arguments[1]; \
             arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!({ ELEMENT: self.id }), json!(text)],
        );
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.call("GET", &format!("/attribute/{name}"), None)
            .as_str()
            .map(str::to_owned)
    }

    pub fn property(&self, name: &str) -> Value {
        self.call("GET", &format!("/property/{name}"), None)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.endpoint, self.session))
                .send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads chromedriver's "was started successfully on port N" line.
fn read_port(driver: &mut Child) -> u16 {
    let out = driver.stdout.take().expect("chromedriver stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(port) = digits.parse::<u16>() {
                    let _ = tx.send(port);
                }
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("chromedriver did not report its port within 30 s")
}
