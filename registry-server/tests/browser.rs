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
use mxcert_core::keys::SigningKey;
use webdriver::{Browser, DESKTOP};

/// A registry with one certified system and one submission waiting for review.
struct Seeded {
    registry: LiveRegistry,
    reviewer: String,
    admin: String,
    vendor: String,
    certificate: String,
    waiting: String,
    _plans: tempfile::TempDir,
}

fn seed() -> Seeded {
    let plans = common::plans_dir();
    let registry = LiveRegistry::start(plans.path());
    let (foundation, reviewer) = registry.org_with_token("Fundación MxOS", "reviewer");
    let admin = registry.admin(&["create-token", "--org", &foundation, "--role", "admin"]);
    let (_, vendor) = registry.org_with_token("Cómputo Acme <S.A.>", "vendor");
    let key = SigningKey::from_bytes(&[9u8; 32]);
    registry.register_key(&vendor, &key);
    let certified = registry.submit(
        &vendor,
        common::sign(
            &common::report(common::ReportSpec {
                model: Some("ThinkPad X1 Carbon Gen 11"),
                ..Default::default()
            }),
            &key,
        ),
    );
    let certificate = registry.approve(&reviewer, &certified);
    let waiting = registry.submit(
        &vendor,
        common::sign(
            &common::report(common::ReportSpec {
                vendor: Some("Dell Inc."),
                model: Some("Latitude 7440"),
                extra_device: true,
                ..Default::default()
            }),
            &key,
        ),
    );
    Seeded {
        registry,
        reviewer,
        admin,
        vendor,
        certificate,
        waiting,
        _plans: plans,
    }
}

#[test]
fn the_portal_in_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let s = seed();
    let base = &s.registry.url;

    // Home, in Spanish by default, on a phone-sized screen, with the recent certification.
    browser.goto(&format!("{base}/"));
    assert_eq!(browser.find("html").attr("lang").as_deref(), Some("es-MX"));
    assert!(browser.find("h1").text().contains("¿Funciona con MxOS?"));
    browser.screenshot("01-home-es-phone");

    // Search by model from the home page's one box, then by a device ID.
    browser.find("#q").send_keys("thinkpad carbon");
    browser
        .find("form[role=search] button[type=submit]")
        .click();
    browser.wait_until("the certified systems", |b| {
        b.url().contains("/sistemas?q=")
    });
    assert_eq!(
        browser.find("#result-count").text(),
        "1 equipos encontrados."
    );
    browser.screenshot("01b-search-results-phone");
    browser.goto(&format!("{base}/"));
    browser.find("#q").send_keys("8086:a7a1");
    browser
        .find("form[role=search] button[type=submit]")
        .click();
    browser.wait_until("the device page", |b| {
        b.url().ends_with("/dispositivos/pci/8086:a7a1")
    });
    assert_eq!(browser.find("#device-status").text(), "Certificado");
    assert!(browser.find("h1").text().contains("Iris Xe Graphics"));
    browser.full_page_screenshot("01c-device-phone", webdriver::PHONE.0);
    browser.goto(&format!("{base}/"));

    // Open the certificate page from the home page.
    browser
        .find(&format!("a[href='/certificados/{}']", s.certificate))
        .click();
    browser.wait_until("the certificate page", |b| {
        b.text_of("h1")
            .unwrap_or_default()
            .contains("ThinkPad X1 Carbon Gen 11")
    });
    assert_eq!(browser.find("#certificate-status").text(), "Vigente");
    assert!(browser.find("#verify-commands").text().contains(&format!(
        "mxcert certificate verify {}.dsse.json",
        s.certificate
    )));
    assert!(browser.text().contains("Cómputo Acme <S.A.>"));
    browser.full_page_screenshot("02-certificate-phone", webdriver::PHONE.0);

    // "¿Funciona mi equipo?": paste what `lspci -nn` printed on an X1 Carbon and read the answer
    // device by device.
    browser.find("nav a[href='/funciona']").click();
    browser.wait_until("the check page", |b| b.url().ends_with("/funciona"));
    browser.find("#check-text").send_keys(LSPCI_NN);
    browser.screenshot("02a-check-pasted-phone");
    browser.find("#check-submit").click();
    browser.wait_until("the answer", |b| b.text_of("#check-summary").is_some());
    assert!(browser.text().contains("Leímos la salida de lspci -nn."));
    let status_of = |identity: &str| {
        browser
            .find(&format!("tr[data-identity='{identity}'] .badge"))
            .text()
    };
    assert_eq!(status_of("pci:8086:a7a1"), "Certificado");
    assert_eq!(status_of("pci:144d:a80a"), "Certificado");
    assert_eq!(status_of("pci:8086:a706"), "Sin datos");
    // lspci -nn does not say which drivers are bound, so nothing claims one is missing.
    assert!(!browser.text().contains("Sin controlador en tu equipo"));
    assert!(browser
        .find("#check-summary")
        .text()
        .starts_with("Encontramos 4 dispositivos:"));
    browser.full_page_screenshot("02b-check-answer-phone", webdriver::PHONE.0);
    browser.goto(&format!("{base}/certificados/{}", s.certificate));

    // The visible switch changes the language, and the choice sticks.
    browser.find("a.lang-switch").click();
    browser.wait_until("the page is in English", |b| {
        b.attr_of("html", "lang").as_deref() == Some("en")
    });
    assert_eq!(browser.find("#certificate-status").text(), "Valid");
    browser.screenshot("03-certificate-en-phone");
    browser.goto(&format!("{base}/acceder"));
    assert_eq!(browser.find("label[for=token]").text(), "Access token");
    browser.find("a.lang-switch").click();
    browser.wait_until("the page is in Spanish again", |b| {
        b.attr_of("html", "lang").as_deref() == Some("es-MX")
    });

    // A reviewer signs in, opens the queue and approves the waiting submission.
    browser.find("#token").send_keys(&s.reviewer);
    browser.screenshot("04-signin-phone");
    browser.find("form.card button[type=submit]").click();
    browser.wait_until("the review queue", |b| b.url().ends_with("/revision"));
    assert!(browser.text().contains("Cerrar sesión"));
    browser.screenshot("05-review-queue-phone");
    browser
        .find(&format!("a[href='/envios/{}']", s.waiting))
        .click();
    browser.wait_until("the submission page", |b| {
        b.text_of("h1")
            .unwrap_or_default()
            .contains("Dell Inc. Latitude 7440")
    });
    assert_eq!(browser.find("#submission-status").text(), "En revisión");
    browser.full_page_screenshot("06-submission-desktop", DESKTOP.0);
    browser
        .find("#approve-comment")
        .send_keys("Revisado en el laboratorio.");
    browser.find("#approve-button").click();
    browser.wait_until("approved", |b| {
        b.text_of("#submission-status").as_deref() == Some("Aprobado")
    });
    let link = browser.find("#certificate-link");
    let new_certificate = link.text();
    assert!(new_certificate.starts_with("MX-"), "{new_certificate}");
    assert_ne!(new_certificate, s.certificate);
    browser.screenshot("07-approved-phone");
    link.click();
    browser.wait_until("the new certificate page", |b| {
        b.text_of("h1")
            .unwrap_or_default()
            .contains("Latitude 7440")
    });
    browser.screenshot("08-new-certificate-phone");

    // The API agrees with what the browser did.
    let (status, api) = s.registry.api(
        "GET",
        &format!("/api/v1/submissions/{}", s.waiting),
        &s.reviewer,
        Vec::new(),
    );
    assert_eq!(status, 200);
    assert_eq!(api["status"], "approved");
    assert_eq!(api["certificate_id"], new_certificate.as_str());

    // Sign out.
    sign_out(&browser);

    // The vendor reads its submissions and edits its directory entry.
    sign_in(&browser, base, &s.vendor);
    browser.wait_until("the vendor area", |b| b.url().ends_with("/proveedor"));
    assert!(browser.text().contains("Latitude 7440"));
    browser.full_page_screenshot("09-vendor-submissions-phone", webdriver::PHONE.0);
    browser.find("a[href='/proveedor/directorio']").click();
    browser.wait_until("the directory form", |b| {
        !b.find_all("#entry-description").is_empty()
    });
    browser
        .find("#entry-description")
        .send_keys("Vendemos laptops con MxOS preinstalado en Guadalajara.");
    browser.find("#state-JAL").click();
    browser.find("#service-technical_support").click();
    browser.find("#sla-hours").send_keys("8");
    browser.find("#product-name-0").send_keys("Acme Book 14");
    browser
        .find("#product-certificate-0")
        .send_keys(&s.certificate);
    browser.find("#entry-save").click();
    browser.wait_until("saved", |b| b.url().ends_with("?ok=saved"));
    assert_eq!(browser.find("#entry-status").text(), "Esperando revisión");
    browser.full_page_screenshot("10-directory-edit-desktop", DESKTOP.0);
    sign_out(&browser);

    // An admin publishes it from the review area.
    sign_in(&browser, base, &s.admin);
    browser.wait_until("the review queue", |b| b.url().ends_with("/revision"));
    browser.find("a[href='/revision/directorio']").click();
    browser.wait_until("the pending entries", |b| {
        b.url().ends_with("/revision/directorio")
    });
    browser.screenshot("11-directory-review-phone");
    browser.find("form[action$='/aprobar'] button").click();
    browser.wait_until("published", |b| b.url().ends_with("?ok=approved"));
    sign_out(&browser);

    // The public finds the partner by state and reads its page.
    browser.goto(&format!("{base}/socios"));
    let state = browser.find("#state");
    state.click();
    browser.find("#state option[value='JAL']").click();
    browser.wait_until("filtered by the script", |b| b.url().contains("state=JAL"));
    browser.screenshot("12-partners-phone");
    browser.find("ul.partners h2 a").click();
    browser.wait_until("the partner page", |b| b.url().contains("/socios/"));
    assert!(browser.text().contains("Acme Book 14"));
    assert!(!browser
        .find_all(&format!("a[href='/certificados/{}']", s.certificate))
        .is_empty());
    browser.full_page_screenshot("13-partner-phone", webdriver::PHONE.0);

    // A page that does not exist, in the language chosen.
    browser.goto(&format!("{base}/no-existe"));
    assert_eq!(browser.find("h1").text(), "Página no encontrada");
    browser.screenshot("14-not-found-phone");
}

fn sign_in(browser: &Browser, base: &str, token: &str) {
    browser.goto(&format!("{base}/acceder"));
    browser.find("#token").send_keys(token);
    browser.find("form.card button[type=submit]").click();
    browser.wait_until("signed in", |b| b.text().contains("Cerrar sesión"));
}

fn sign_out(browser: &Browser) {
    browser.find("form[action='/salir'] button").click();
    browser.wait_until("signed out", |b| b.text().contains("Iniciar sesión"));
}

/// `lspci -nn` as printed on a ThinkPad X1 Carbon Gen 11: three devices the seeded certificate
/// covers and a host bridge no report contains.
const LSPCI_NN: &str = "\
00:00.0 Host bridge [0600]: Intel Corporation Raptor Lake-P/U 4p+8e cores Host Bridge/DRAM Controller [8086:a706]
00:02.0 VGA compatible controller [0300]: Intel Corporation Raptor Lake-P [Iris Xe Graphics] [8086:a7a1] (rev 04)
00:14.3 Network controller [0280]: Intel Corporation Raptor Lake PCH CNVi WiFi [8086:51f1] (rev 01)
04:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO [144d:a80a]
";
