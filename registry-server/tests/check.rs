//! `POST /api/v1/check` through the real router on a real database: every accepted input (an
//! mxcert probe, a report, a signed report; the text dumps once imported), from the project's own
//! recordings of the reference machine and the shared real-world fixtures; matching certified
//! systems (exact model, same board, same family); and every refusal (empty, wrong type,
//! malformed, too large, too many requests).

mod common;
mod public_world;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{redact, report, sign, ReportSpec};
use http_body_util::BodyExt as _;
use mxcert_core::inventory::Inventory;
use public_world::{machine_report, x1_carbon, Machine, World};
use serde_json::{json, Value};
use tower::ServiceExt as _;

use common::check_fixture as fixture;

async fn check(w: &World, content_type: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(Method::POST).uri("/api/v1/check");
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = mxcert_registry::server::app(w.r.state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes))),
    )
}

fn statuses(answer: &Value) -> Vec<(String, String)> {
    answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["identity"].as_str().unwrap().to_owned(),
                d["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn certs(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["certificate_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_probe_of_a_certified_model_lists_each_device_with_its_status() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let mut machine = machine_report(&x1_carbon());
        machine.devices.push(public_world::dev(
            "usb",
            "usb:06cb:00fc",
            mxcert_core::category::Category::Fingerprint,
            ("Synaptics, Inc.", "Fingerprint Reader"),
            None,
        ));
        machine.devices.push(public_world::dev(
            "usb",
            "usb:ffff:0001",
            mxcert_core::category::Category::Other,
            ("Nobody", "Never Reported"),
            Some("usbhid"),
        ));
        let inventory = machine.inventory();
        let (status, answer) = check(
            &w,
            Some("application/json"),
            mxcert_core::format::to_json_pretty(&inventory),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {answer}");
        assert_eq!(answer["format"], "inventory");
        assert_eq!(answer["model_certified"], true);
        assert_eq!(
            statuses(&answer),
            [
                ("pci:8086:a7a1:17aa:22e4".into(), "certified".into()),
                ("pci:8086:51f1:8086:0094".into(), "certified".into()),
                ("usb:8087:0033".into(), "certified".into()),
                ("usb:06cb:00fc".into(), "problem".into()),
                ("usb:ffff:0001".into(), "unknown".into()),
            ]
        );
        assert_eq!(
            answer["summary"],
            json!({"devices": 5, "certified": 3, "works": 0, "problem": 1, "seen": 0, "unknown": 1})
        );
        let fp = &answer["devices"][3];
        assert_eq!(fp["driver_missing"], true);
        assert_eq!(fp["base_identity"], "usb:06cb:00fc");
        assert_eq!(fp["url"], "/api/v1/devices/usb/06cb:00fc");
        // The registry's name, not the input's, when it has one.
        assert_eq!(fp["device_name"], "Prometheus MIS Touch Fingerprint Reader");
        assert_eq!(answer["devices"][4]["device_name"], "Never Reported");
        assert_eq!(answer["devices"][4]["systems"], 0);
        assert_eq!(
            certs(&answer["certified_systems"]["exact"]),
            [w.x1.as_str()]
        );
        assert_eq!(answer["certified_systems"]["same_board"], json!([]));
        assert_eq!(answer["certified_systems"]["same_family"], json!([]));
        assert_eq!(answer["system"]["category"], "laptop");
        insta::assert_json_snapshot!("check_inventory", redact(&answer));
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn reports_and_signed_reports_find_related_models() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        // Another model name on the X1's board: a report (unsigned).
        let same_board = machine_report(&Machine {
            model: "21HK",
            ..x1_carbon()
        });
        let (status, answer) =
            check(&w, Some("application/json"), same_board.to_json_pretty()).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {answer}");
        assert_eq!(answer["format"], "report");
        assert_eq!(answer["model_certified"], false);
        assert_eq!(answer["certified_systems"]["exact"], json!([]));
        assert_eq!(
            certs(&answer["certified_systems"]["same_board"]),
            [w.x1.as_str()]
        );
        assert_eq!(answer["certified_systems"]["same_family"], json!([]));

        // Same vendor family, other board: a signed report (its signature is not needed).
        let family = machine_report(&Machine {
            vendor: "Lenovo",
            model: "21ZZ",
            board: "21ZZCTO1WW",
            family: "thinkpad x1 CARBON gen 11",
            ..x1_carbon()
        });
        let other_key = mxcert_core::keys::SigningKey::from_bytes(&[9u8; 32]);
        let (status, answer) = check(&w, None, sign(&family, &other_key)).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {answer}");
        assert_eq!(answer["format"], "signed_report");
        assert_eq!(
            certs(&answer["certified_systems"]["same_family"]),
            [w.x1.as_str()]
        );
        assert_eq!(answer["certified_systems"]["same_board"], json!([]));
        assert_eq!(answer["certified_systems"]["exact"], json!([]));
        w.r.db.cleanup().await;
    }
}

/// The reference machine's own probe, after a report of it was certified.
#[tokio::test]
async fn the_reference_machines_recorded_probe_is_checked() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let probe = fixture("firecracker-vm.probe.json");
        let inventory = Inventory::from_json(&probe).unwrap();
        let (status, answer) = check(&w, Some("application/json"), probe.clone()).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {answer}");
        assert_eq!(answer["summary"]["devices"], inventory.devices.len());
        assert_eq!(answer["summary"]["unknown"], inventory.devices.len());
        assert_eq!(answer["model_certified"], false);

        let mut r = report(ReportSpec::default());
        r.system = inventory.system.clone();
        r.os = inventory.os.clone();
        r.devices = inventory.devices.clone();
        let id = World::submit_report(&w.r, &r).await;
        World::approve(&w.r, &id).await;
        assert_eq!(w.r.indexed().await, 0, "the approval counted it");
        let (status, answer) = check(&w, Some("application/json"), probe).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let got = statuses(&answer);
        assert_eq!(got.len(), inventory.devices.len());
        assert!(got.len() >= 6, "the six virtio PCI devices at least");
        for (identity, status) in got {
            // Every device is in the certified report.
            assert_eq!(status, "certified", "{identity}");
        }
        // No system identity (no DMI in a VM): nothing to match models against.
        assert_eq!(answer["system"]["vendor"], Value::Null);
        assert_eq!(answer["certified_systems"]["exact"], json!([]));
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_checks_are_refused_with_the_right_status() {
    let w = World::new("sqlite").await;
    let inventory = mxcert_core::format::to_json_pretty(&machine_report(&x1_carbon()).inventory());
    let cases: Vec<(Option<&str>, Vec<u8>, StatusCode, &str)> = vec![
        (None, vec![], StatusCode::BAD_REQUEST, "malformed_body"),
        (
            Some("application/json"),
            b"   ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            Some("application/json"),
            b"{".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            Some("application/json"),
            b"[]".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            Some("application/json"),
            b"null".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            Some("application/json"),
            b"{}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            Some("application/json"),
            br#"{"report_id": 1}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            Some("application/json"),
            br#"{"payloadType": "x", "payload": "!!", "signatures": []}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            Some("application/json"),
            String::from_utf8_lossy(&inventory)
                .replace("\"schema_version\": 1", "\"schema_version\": 2")
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            Some("image/png"),
            inventory.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Some("multipart/form-data; boundary=x"),
            inventory.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Some("application/json"),
            vec![0xff, 0xfe, 0x00],
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
    ];
    for (ct, body, status, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let (got, answer) = check(&w, ct, body).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{ct:?} {shown}"
        );
    }
    // A valid check still works after all that.
    assert_eq!(
        check(&w, Some("application/json"), inventory).await.0,
        StatusCode::OK
    );
    w.r.db.cleanup().await;
}

#[tokio::test]
async fn checks_are_size_and_rate_limited() {
    let r = common::Registry::with_config("sqlite", |c| {
        c.check_max_body_bytes = 4096;
        c.public_posts_per_minute = 1;
        c.public_post_burst = 3;
    })
    .await;
    let w = World::from_registry(r).await;
    let big = vec![b' '; 5000];
    let (status, answer) = check(&w, Some("application/json"), big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["error"]["code"], "body_too_large");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("4096"));
    let small = mxcert_core::format::to_json_pretty(&machine_report(&x1_carbon()).inventory());
    assert!(small.len() < 4096);
    // The burst is 3 (one was used by the refused body above).
    for _ in 0..2 {
        assert_eq!(
            check(&w, Some("application/json"), small.clone()).await.0,
            StatusCode::OK
        );
    }
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/check")
        .header("content-type", "application/json");
    req = req.header("x-request-id", "test-429");
    let resp = mxcert_registry::server::app(w.r.state.clone())
        .oneshot(req.body(Body::from(small)).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(resp.headers()["x-request-id"], "test-429");
    // Searches are not limited.
    for _ in 0..5 {
        assert_eq!(w.r.get("/api/v1/systems", None).await.0, StatusCode::OK);
    }
    w.r.db.cleanup().await;
}

/// Certifies a report of the reference machine, made from its recorded probe.
async fn certify_reference_machine(w: &World) {
    let inventory = Inventory::from_json(&fixture("firecracker-vm.probe.json")).unwrap();
    let mut r = report(ReportSpec::default());
    r.system = inventory.system;
    r.os = inventory.os;
    r.devices = inventory.devices;
    let id = World::submit_report(&w.r, &r).await;
    World::approve(&w.r, &id).await;
    assert_eq!(w.r.indexed().await, 0, "the approval counted it");
}

fn base_ids(answer: &Value) -> Vec<String> {
    answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["base_identity"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lspci_text_of_the_reference_machine_is_checked() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        certify_reference_machine(&w).await;
        let expected = [
            "pci:8086:0d57",
            "pci:1af4:1045",
            "pci:1af4:1042",
            "pci:1af4:1041",
            "pci:1af4:1053",
            "pci:1af4:1044",
        ];
        for (file, drivers) in [
            ("firecracker-vm.lspci-nn.txt", false),
            ("firecracker-vm.lspci-nnk.txt", true),
        ] {
            let (status, answer) = check(&w, Some("text/plain"), fixture(file)).await;
            assert_eq!(status, StatusCode::OK, "{kind} {file}: {answer}");
            assert_eq!(answer["format"], "lspci", "{file}");
            assert_eq!(base_ids(&answer), expected, "{file}");
            for d in answer["devices"].as_array().unwrap() {
                assert_eq!(d["status"], "certified", "{file}: {d}");
                assert_eq!(d["bus"], "pci");
            }
            // Names: the registry's (from the certified probe, which had them from pci.ids).
            let block = &answer["devices"][2];
            assert_eq!(block["vendor_name"], "Red Hat, Inc.", "{file}: {block}");
            assert_eq!(
                block["device_name"], "Virtio 1.0 block device",
                "{file}: {block}"
            );
            let driver = answer["devices"][2]["driver"].as_str();
            assert_eq!(driver, drivers.then_some("virtio-pci"), "{file}");
        }
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn lsusb_text_is_checked() {
    let w = World::new("sqlite").await;
    let (status, answer) = check(&w, None, fixture("dell-studio-xps-1340.lsusb.txt")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["format"], "lsusb");
    let ids = base_ids(&answer);
    for id in [
        "usb:413c:8156",
        "usb:413c:8157",
        "usb:413c:8158",
        "usb:0a5c:4500",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} not in {ids:?}");
    }
    let bt = answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["base_identity"] == "usb:413c:8156")
        .unwrap();
    assert_eq!(bt["status"], "unknown");
    assert_eq!(bt["vendor_name"], "Dell Computer Corp.");
    assert_eq!(bt["device_name"], "Wireless 370 Bluetooth Mini-card");
    assert_eq!(answer["summary"]["unknown"], answer["summary"]["devices"]);
    w.r.db.cleanup().await;
}

/// Captures as users paste them, with the tools' own messages mixed in (the importers' fixtures in
/// `core/tests/fixtures/import/`): each is checked, none refused.
#[tokio::test]
async fn messy_real_captures_are_checked() {
    let w = World::new("sqlite").await;
    for (file, format, devices) in [
        ("dell-xps-m1340.lsusb-v.user.txt", "lsusb", 6),
        ("dell-xps-m1340.lsusb-v.root.txt", "lsusb", 6),
        ("firecracker-vm.lspci-vvnn.vpd-warning.txt", "lspci", 6),
        ("firecracker-vm.udevadm-cmdline.txt", "udevadm", 0),
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/import")
            .join(file);
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (status, answer) = check(&w, None, body).await;
        assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        assert_eq!(answer["format"], format, "{file}");
        let listed = answer["devices"].as_array().unwrap().len();
        if devices > 0 {
            assert_eq!(listed, devices, "{file}");
        } else {
            assert!(listed > 0, "{file}");
        }
    }
    w.r.db.cleanup().await;
}

/// `../shared/fixtures` (or `MXCERT_SHARED_FIXTURES`), when present.
fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    dir.is_dir().then_some(dir)
}

/// The PCI and USB devices a udev dump lists, read straight from its text (independently of the
/// importer): `PCI_ID=VVVV:DDDD` of PCI records and `PRODUCT=v/p/r` of USB device records.
fn dump_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for record in text.split("\n\n") {
        let prop = |key: &str| {
            record
                .lines()
                .find_map(|l| l.strip_prefix("E: ")?.strip_prefix(key))
                .map(str::to_owned)
        };
        if let Some(pci) = prop("PCI_ID=") {
            ids.push(format!("pci:{}", pci.to_ascii_lowercase()));
        }
        if prop("DEVTYPE=").as_deref() == Some("usb_device") {
            if let Some(product) = prop("PRODUCT=") {
                let mut parts = product.split('/');
                let (v, p) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                ids.push(format!(
                    "usb:{:04x}:{:04x}",
                    u16::from_str_radix(v, 16).unwrap(),
                    u16::from_str_radix(p, 16).unwrap()
                ));
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test]
async fn real_world_dumps_from_the_shared_fixtures_are_checked() {
    let Some(dir) = shared_fixtures() else {
        eprintln!("skipping: ../shared/fixtures is not present (set MXCERT_SHARED_FIXTURES)");
        return;
    };
    let w = World::new("sqlite").await;
    let mut checked = 0;
    for (file, format) in [
        ("udevadm/DELL_XPS1340.txt", "udevadm"),
        ("udevadm/QEMU_KVM.txt", "udevadm"),
        ("udevadm/RPI4B4G.txt", "udevadm"),
        ("udevadm/NVIDIA_DGX_STATION.txt", "udevadm"),
        ("umockdev/usbkbd.umockdev", "umockdev"),
        ("umockdev/synaptics-touchpad.umockdev", "umockdev"),
    ] {
        let path = dir.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipping {}: not readable", path.display());
            continue;
        };
        let (status, answer) = check(&w, Some("text/plain; charset=utf-8"), bytes.clone()).await;
        assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        assert_eq!(answer["format"], format, "{file}");
        let found = base_ids(&answer);
        let n = answer["devices"].as_array().unwrap().len();
        assert_eq!(answer["summary"]["devices"], n, "{file}");
        if format == "udevadm" {
            let expected = dump_ids(&String::from_utf8_lossy(&bytes));
            assert!(!expected.is_empty(), "{file}");
            for id in &expected {
                assert!(found.contains(id), "{file}: {id} missing from the answer");
            }
        } else {
            assert!(n > 0, "{file}: no devices");
        }
        checked += 1;
    }
    assert_eq!(checked, 6);

    // The Dell's identity comes from its dmi record; once a report of that model is certified,
    // its own dump finds it.
    let dell = std::fs::read(dir.join("udevadm/DELL_XPS1340.txt")).unwrap();
    let (_, answer) = check(&w, Some("text/plain"), dell.clone()).await;
    let vendor = answer["system"]["vendor"].as_str().unwrap().to_owned();
    let model = answer["system"]["model"].as_str().unwrap().to_owned();
    assert!(model.contains("1340"), "{model}");
    assert_eq!(answer["model_certified"], false);
    let id = World::submit(
        &w.r,
        &Machine {
            vendor: &vendor,
            model: &model,
            ..x1_carbon()
        },
    )
    .await;
    let cert = World::approve(&w.r, &id).await;
    let (_, answer) = check(&w, Some("text/plain"), dell).await;
    assert_eq!(answer["model_certified"], true);
    assert_eq!(
        certs(&answer["certified_systems"]["exact"]),
        [cert.as_str()]
    );
    w.r.db.cleanup().await;
}

/// Text with a NUL character in a checked probe (a device id, a system's name) or in a dump is
/// never a server error, on either database (PostgreSQL can neither store nor compare NUL).
#[tokio::test]
async fn nul_characters_in_a_check_are_not_server_errors() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let probe = String::from_utf8(fixture("firecracker-vm.probe.json")).unwrap();
        let mut hostile = probe.clone();
        for at in ["\"id\": \"acpi:", "\"id\": \"debian"] {
            let at = hostile.find(at).expect("the fixture's ids") + "\"id\": \"".len();
            hostile.insert_str(at, "\\u0000");
        }
        let lspci =
            "00:02.0 VGA compatible controller [0300]: Intel\u{0} Corporation Device [8086:9a49]\n";
        let udevadm = "P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nE: PCI_ID=8086:9A\u{0}49\nE: DRIVER=i915\n\n";
        for (content_type, body) in [
            ("application/json", hostile.into_bytes()),
            ("text/plain", lspci.as_bytes().to_vec()),
            ("text/plain", udevadm.as_bytes().to_vec()),
        ] {
            let (status, answer) = check(&w, Some(content_type), body).await;
            assert!(
                status.is_success() || status.is_client_error(),
                "{kind}: {status} {answer}"
            );
        }
        w.r.db.cleanup().await;
    }
}
