//! The scenario the public-side tests start from: a registry with two approved systems (a Lenovo
//! ThinkPad X1 Carbon and a Dell XPS 13), a sibling X1 model whose blocker failed, a rack server
//! under review whose storage test failed, and a rejected report; plus helpers to build machines.
#![allow(dead_code)]

use axum::http::{Method, StatusCode};
use mxcert_core::category::Category;
use mxcert_core::inventory::{Board, Device};
use mxcert_core::report::{Report, Status};
use serde_json::{json, Value};

use crate::common::{report, sign, Registry, ReportSpec};

pub fn dev(
    bus: &str,
    id: &str,
    category: Category,
    names: (&str, &str),
    driver: Option<&str>,
) -> Device {
    Device {
        bus: bus.into(),
        id: id.into(),
        category,
        class: None,
        vendor_name: Some(names.0.into()),
        device_name: Some(names.1.into()),
        driver: driver.map(Into::into),
        needs_driver: true,
        ..Device::default()
    }
}

/// A machine as reported.
pub struct Machine<'a> {
    pub vendor: &'a str,
    pub model: &'a str,
    pub family: &'a str,
    pub board: &'a str,
    pub chassis: &'a str,
    pub devices: Vec<Device>,
    /// The `devices.drivers` blocker.
    pub blocker: Status,
    /// The `storage.health` test (not a blocker).
    pub storage: Status,
}

pub fn machine_report(m: &Machine<'_>) -> Report {
    let mut r = report(ReportSpec {
        vendor: Some(m.vendor),
        model: Some(m.model),
        blocker_status: m.blocker,
        ..ReportSpec::default()
    });
    r.system.family = Some(m.family.into());
    r.system.board = Some(Board {
        vendor: Some(m.vendor.into()),
        product: Some(m.board.into()),
        version: None,
    });
    r.system.chassis_type = Some(m.chassis.into());
    r.devices.clone_from(&m.devices);
    if let Some(t) = r.results.iter_mut().find(|t| t.check == "storage.health") {
        t.status = m.storage;
        t.message = (m.storage != Status::Pass).then(|| "SMART reports reallocated sectors".into());
    }
    r.summary = mxcert_core::report::Summary::of(&r.results);
    r
}

pub fn x1_gpu() -> Device {
    dev(
        "pci",
        "pci:8086:a7a1:17aa:22e4",
        Category::Graphics,
        ("Intel Corporation", "Raptor Lake-P [Iris Xe Graphics]"),
        Some("i915"),
    )
}

pub fn x1_carbon() -> Machine<'static> {
    Machine {
        vendor: "LENOVO",
        model: "21HM",
        family: "ThinkPad X1 Carbon Gen 11",
        board: "21HMCTO1WW",
        chassis: "Notebook",
        devices: vec![
            x1_gpu(),
            dev(
                "pci",
                "pci:8086:51f1:8086:0094",
                Category::Wireless,
                ("Intel Corporation", "Raptor Lake PCH CNVi WiFi"),
                Some("iwlwifi"),
            ),
            dev(
                "usb",
                "usb:8087:0033",
                Category::Bluetooth,
                ("Intel Corp.", "AX211 Bluetooth"),
                Some("btusb"),
            ),
        ],
        blocker: Status::Pass,
        storage: Status::Pass,
    }
}

/// The scenario every test starts from (ids of what it made).
pub struct World {
    pub r: Registry,
    /// LENOVO 21HM, approved.
    pub x1: String,
    /// Dell XPS 13 9340, approved.
    pub xps: String,
    pub xps_submission: String,
    /// LENOVO 21HN (same family as the X1), blocker failed: checks_failed.
    pub x1_sibling: String,
    /// Acme rack server, in review, its storage test failed.
    pub server: String,
    /// A rejected report.
    pub rejected: String,
}

impl World {
    pub async fn submit(r: &Registry, m: &Machine<'_>) -> String {
        World::submit_report(r, &machine_report(m)).await
    }

    /// Submits a report as vendor A; returns the submission id.
    pub async fn submit_report(r: &Registry, report: &Report) -> String {
        let (status, body) = r.submit(&sign(report, &r.key_a)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn approve(r: &Registry, id: &str) -> String {
        let (status, body) = r
            .post(
                &format!("/api/v1/submissions/{id}/approve"),
                Some(&r.reviewer),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["certificate_id"].as_str().unwrap().to_owned()
    }

    pub async fn new(kind: &str) -> World {
        World::from_registry(Registry::new(kind).await).await
    }

    /// The scenario on a registry made by the caller (to change its settings).
    pub async fn from_registry(r: Registry) -> World {
        let x1_sub = World::submit(&r, &x1_carbon()).await;
        let x1 = World::approve(&r, &x1_sub).await;
        let xps_submission = World::submit(
            &r,
            &Machine {
                vendor: "Dell Inc.",
                model: "XPS 13 9340",
                family: "XPS",
                board: "0K5T8T",
                chassis: "Laptop",
                devices: vec![
                    dev(
                        "pci",
                        "pci:8086:7d55:1028:0c7d",
                        Category::Graphics,
                        ("Intel Corporation", "Meteor Lake-P [Intel Arc Graphics]"),
                        Some("i915"),
                    ),
                    dev(
                        "usb",
                        "usb:0c45:6730",
                        Category::Camera,
                        ("Microdia", "Integrated Webcam"),
                        Some("uvcvideo"),
                    ),
                ],
                blocker: Status::Pass,
                storage: Status::Pass,
            },
        )
        .await;
        let xps = World::approve(&r, &xps_submission).await;
        let x1_sibling = World::submit(
            &r,
            &Machine {
                model: "21HN",
                board: "21HNCTO1WW",
                devices: vec![
                    x1_gpu(),
                    dev(
                        "usb",
                        "usb:06cb:00fc",
                        Category::Fingerprint,
                        ("Synaptics, Inc.", "Prometheus MIS Touch Fingerprint Reader"),
                        None,
                    ),
                ],
                blocker: Status::Fail,
                ..x1_carbon()
            },
        )
        .await;
        let server = World::submit(
            &r,
            &Machine {
                vendor: "Acme Cómputo",
                model: "Servidor R1000",
                family: "R",
                board: "R1000-MB",
                chassis: "Rack Mount Chassis",
                devices: vec![
                    dev(
                        "pci",
                        "pci:1c5c:174a",
                        Category::Storage,
                        ("SK hynix", "Gold P31/BC711/PC711 NVMe Solid State Drive"),
                        Some("nvme"),
                    ),
                    dev(
                        "pci",
                        "pci:8086:1521",
                        Category::Network,
                        ("Intel Corporation", "I350 Gigabit Network Connection"),
                        Some("igb"),
                    ),
                ],
                blocker: Status::Pass,
                storage: Status::Fail,
            },
        )
        .await;
        let rejected = World::submit(
            &r,
            &Machine {
                vendor: "Beta",
                model: "Mini",
                family: "Mini",
                board: "MINI-1",
                chassis: "Mini PC",
                devices: vec![dev(
                    "usb",
                    "usb:1234:5678",
                    Category::Input,
                    ("Example", "Keyboard"),
                    Some("usbhid"),
                )],
                blocker: Status::Pass,
                storage: Status::Pass,
            },
        )
        .await;
        let (status, body) = r
            .post(
                &format!("/api/v1/submissions/{rejected}/reject"),
                Some(&r.reviewer),
                json!({"reason": "the report was made on a pre-release board"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The approvals and the rejection counted their submissions; the indexer counts the two
        // in review.
        assert_eq!(r.indexed().await, 2);
        World {
            r,
            x1,
            xps,
            xps_submission,
            x1_sibling,
            server,
            rejected,
        }
    }

    /// Revokes a certificate as a reviewer.
    pub async fn revoke(&self, certificate_id: &str, reason: &str) {
        let (status, body) = self
            .r
            .post(
                &format!("/api/v1/certificates/{certificate_id}/revoke"),
                Some(&self.r.reviewer),
                json!({ "reason": reason }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.r.get(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    pub async fn error(&self, method: Method, path: &str, body: &str) -> (StatusCode, String) {
        let (status, value) = self.r.call(method, path, None, body.to_owned()).await;
        (
            status,
            value["error"]["code"]
                .as_str()
                .unwrap_or("(not the error shape)")
                .to_owned(),
        )
    }
}
