//! Measurements over time in a real browser: a certified report whose `cpu-stress` result
//! carries samples (the CPU busy, getting hot, its frequency halving: throttling) is drawn on the
//! certificate page as an SVG chart with its table, in headless Chromium against the real
//! `mxcert-registry` binary. The screenshot is kept in `target/browser-screenshots/`.
//!
//! Skips, saying why, when Chromium or chromedriver is not installed.

mod common;
mod live_registry;
mod webdriver;

use live_registry::LiveRegistry;
use mxcert_core::keys::SigningKey;
use mxcert_core::samples::{Sample, Samples};
use serde_json::Value;
use webdriver::{Browser, DESKTOP};

/// Two minutes of `cpu.stress` on a machine that throttles after a minute.
fn throttling() -> Samples {
    let points: Vec<Sample> = (0..120u64)
        .map(|i| Sample {
            at_ms: i * 1000 + 7,
            cpu_busy_percent: if i < 2 { 4.0 } else { 99.5 },
            cpu_mhz: Some(if i < 60 { 3400 } else { 1700 }),
            memory_used_mib: 2100 + i,
            load_1m: (i as f32 / 30.0).min(4.0),
            temperature_max_c: Some((45.0 + i as f32 * 0.5).min(98.0)),
        })
        .collect();
    Samples::from_points(&points)
}

#[test]
fn the_certificate_page_draws_the_measurements_in_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let plans = common::plans_dir();
    let registry = LiveRegistry::start(plans.path());
    let (_, reviewer) = registry.org_with_token("Fundación MxOS", "reviewer");
    let (_, vendor) = registry.org_with_token("Cómputo Acme", "vendor");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    registry.register_key(&vendor, &key);
    let mut report = common::report(common::ReportSpec {
        model: Some("ThinkPad T14 Gen 4"),
        ..Default::default()
    });
    let stress = report
        .results
        .iter_mut()
        .find(|r| r.check == "cpu.stress")
        .expect("the quick plan has cpu.stress");
    stress.samples = Some(Box::new(throttling()));
    let submitted = registry.submit(&vendor, common::sign(&report, &key));
    let certificate = registry.approve(&reviewer, &submitted);

    browser.set_viewport(DESKTOP);
    browser.goto(&format!("{}/certificados/{certificate}", registry.url));
    browser.wait_until("the certificate page", |b| {
        b.text_of("h1")
            .unwrap_or_default()
            .contains("ThinkPad T14 Gen 4")
    });
    assert!(browser
        .find("#charts-heading")
        .text()
        .contains("Mediciones durante las pruebas"));
    assert!(browser
        .find("#chart-1 figcaption")
        .text()
        .contains("cpu-stress (cpu.stress)"));
    // The SVG is drawn, and is as wide as its box allows (not collapsed by the CSP).
    let size = browser.execute(
        "const r = document.querySelector('#chart-1 svg.chart').getBoundingClientRect(); return [r.width, r.height];",
        vec![],
    );
    let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
    assert!(w >= 300.0 && h >= 100.0, "chart is {w}x{h}");
    // Three lines: CPU, temperature, frequency, each with a stroke from the stylesheet.
    for line in ["chart-cpu", "chart-temp", "chart-mhz"] {
        let stroke = browser.execute(
            &format!(
                "const l = document.querySelector('#chart-1 svg polyline.{line}'); return l ? getComputedStyle(l).stroke : null;"
            ),
            vec![],
        );
        assert!(
            matches!(&stroke, Value::String(s) if s.starts_with("rgb(")),
            "{line}: {stroke}"
        );
    }
    // The table: one row in two of the 120 samples, with the throttled frequency.
    let rows = browser.find_all("#chart-1 table.chart-table tbody tr");
    assert_eq!(rows.len(), 60);
    assert!(browser
        .find("#chart-1 table caption")
        .text()
        .contains("120 muestras"));
    let last = rows.last().unwrap().text();
    assert!(last.contains("1700") && last.contains("98.0"), "{last}");
    let table_height = browser.execute(
        "return document.querySelector('#chart-1 table.chart-table').getBoundingClientRect().height;",
        vec![],
    );
    assert!(table_height.as_f64().unwrap() > 200.0, "{table_height}");
    browser.execute(
        "document.querySelector('#mediciones').scrollIntoView();",
        vec![],
    );
    let shot = browser.screenshot("20-certificate-chart-desktop");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    println!("screenshot: {}", shot.display());

    // In English, the same chart with English labels.
    browser.goto(&format!(
        "{}/certificados/{certificate}?lang=en",
        registry.url
    ));
    assert!(browser
        .find("#charts-heading")
        .text()
        .contains("Measurements during the tests"));
    assert_eq!(browser.find_all("#chart-1 svg.chart").len(), 1);
}
