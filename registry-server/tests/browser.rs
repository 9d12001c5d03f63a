//! The web portal in a real browser: Debian's headless Chromium, driven over WebDriver by
//! chromedriver, against the real `mxcert-registry` binary on 127.0.0.1:0 with a real SQLite file,
//! seeded through its admin commands and API as vendors and reviewers would. One browser session
//! walks the whole story (starting Chromium is the expensive part on a 2-core machine); each step
//! leaves a screenshot in `target/browser-screenshots/`.
//!
//! Skips, saying why, when Chromium or chromedriver is not installed.

mod common;
mod live_registry;
mod webdriver;

use live_registry::LiveRegistry;
use webdriver::{Browser, DESKTOP};

#[test]
fn the_portal_in_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let plans = common::plans_dir();
    let registry = LiveRegistry::start(plans.path());
    let (_, reviewer) = registry.org_with_token("Fundación MxOS", "reviewer");
    let base = &registry.url;

    // Home, in Spanish by default, on a phone-sized screen.
    browser.goto(&format!("{base}/"));
    assert_eq!(browser.find("html").attr("lang").as_deref(), Some("es-MX"));
    assert!(browser.find("h1").text().contains("¿Funciona con MxOS?"));
    browser.screenshot("01-home-es-phone");

    // The visible switch changes the language, and the choice sticks.
    browser.find("a.lang-switch").click();
    browser.wait_until("the page is in English", |b| {
        b.find("html").attr("lang").as_deref() == Some("en")
    });
    assert!(browser
        .find("h1")
        .text()
        .contains("Does it work with MxOS?"));
    browser.screenshot("02-home-en-phone");
    browser.goto(&format!("{base}/acceder?next=/"));
    assert_eq!(browser.find("label[for=token]").text(), "Access token");
    browser.find("a.lang-switch").click();
    browser.wait_until("the page is in Spanish again", |b| {
        b.find("html").attr("lang").as_deref() == Some("es-MX")
    });

    // Signing in as a reviewer with a token, then out.
    browser.find("#token").send_keys(&reviewer);
    browser.screenshot("03-signin-phone");
    browser.find("form.card button[type=submit]").click();
    browser.wait_until("signed in", |b| b.text().contains("Cerrar sesión"));
    assert!(browser.text().contains("Fundación MxOS"));
    browser.goto(&format!("{base}/"));
    browser.full_page_screenshot("04-home-signed-in-desktop", DESKTOP.0);
    browser.find("form[action='/salir'] button").click();
    browser.wait_until("signed out", |b| b.text().contains("Iniciar sesión"));
}
