//! What a run of a plan consists of: its tests expanded per device (`for_each`) and copied after
//! each suspend (`after_suspend`), each with what the inventory and the tester's declarations
//! already decide about it.
//!
//! Expansion happens once, at the start of a run, from the inventory fixed in the session; the
//! registry expands the same plan over a report's signed inventory and declarations, so both
//! agree on which results a report must hold. Pure: no clock, no I/O.
//!
//! Rules, per test:
//! - a `{ declared = "id" }` condition the tester did not declare: not applicable;
//! - a device condition (in `requires`, or `for_each` matching nothing) that does not hold:
//!   not applicable, unless the test's `requires` names a declaration, which says the hardware
//!   is there: then the test **fails**, naming what is missing;
//! - `for_each`: one instance per distinct identity of the matching devices, in inventory order;
//! - `after_suspend`: after the instances of the N-th `power.suspend` test of the plan, a copy
//!   of every `after_suspend` test's instances with `phase = "after-suspend-N"`, which runs only
//!   when that suspend passed ([`copy_blocked`]).

use crate::inventory::Inventory;
use crate::report::{result_label, Status, TestResult};

use super::{CheckKind, Condition, Plan, Test};

/// What is known about an instance before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// It runs.
    Run,
    /// Skipped, not applicable, not a blocker; the reason.
    NotApplicable(String),
    /// A declaration says the hardware is there but the inventory has none: fails; the reason.
    Missing(String),
}

/// One result a run must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance<'p> {
    pub test: &'p Test,
    /// The device's identity, for `for_each` tests with a matching device.
    pub device: Option<String>,
    /// `after-suspend-N` for copies.
    pub phase: Option<String>,
    /// For copies: the id of the `power.suspend` test they follow.
    pub after: Option<&'p str>,
    pub decided: Decided,
}

impl Instance<'_> {
    /// `(id, device, phase)`, as in [`TestResult::key`].
    pub fn key(&self) -> (&str, Option<&str>, Option<&str>) {
        (&self.test.id, self.device.as_deref(), self.phase.as_deref())
    }

    /// `id [device] (phase)`, as in [`TestResult::label`].
    pub fn label(&self) -> String {
        result_label(&self.test.id, self.device.as_deref(), self.phase.as_deref())
    }

    /// Whether `r` is this instance's result.
    pub fn is_result(&self, r: &TestResult) -> bool {
        r.key() == self.key()
    }
}

/// The phase of copies made after the `n`-th (from 1) suspend.
pub fn after_suspend_phase(n: usize) -> String {
    format!("after-suspend-{n}")
}

/// Every instance of `plan`, in run order.
pub fn instances<'p>(
    plan: &'p Plan,
    inventory: &Inventory,
    declared: &[String],
) -> Vec<Instance<'p>> {
    let copied: Vec<&Test> = plan.tests.iter().filter(|t| t.after_suspend).collect();
    let mut out = Vec::new();
    let mut suspends = 0;
    for test in &plan.tests {
        out.extend(expand(test, inventory, declared, None, None));
        if test.check == CheckKind::PowerSuspend {
            suspends += 1;
            let phase = after_suspend_phase(suspends);
            for t in &copied {
                out.extend(expand(
                    t,
                    inventory,
                    declared,
                    Some(phase.clone()),
                    Some(&test.id),
                ));
            }
        }
    }
    out
}

fn expand<'p>(
    test: &'p Test,
    inventory: &Inventory,
    declared: &[String],
    phase: Option<String>,
    after: Option<&'p str>,
) -> Vec<Instance<'p>> {
    let one = |device: Option<String>, decided: Decided| Instance {
        test,
        device,
        phase: phase.clone(),
        after,
        decided,
    };
    let declarations: Vec<&str> = test
        .requires
        .iter()
        .filter_map(|c| c.declared.as_deref())
        .collect();
    if let Some(d) = declarations
        .iter()
        .find(|d| !declared.iter().any(|x| x == *d))
    {
        return vec![one(
            None,
            Decided::NotApplicable(format!(
                "not applicable: requires the declaration {d}, which the tester did not make"
            )),
        )];
    }
    let absent = |what: String| {
        if declarations.is_empty() {
            Decided::NotApplicable(format!("not applicable: {what}"))
        } else {
            Decided::Missing(format!("declared {} but {what}", declarations.join(", ")))
        }
    };
    if let Some(c) = Condition::first_unmet_with(&test.requires, inventory, declared) {
        return vec![one(
            None,
            absent(format!("requires {}; none in the inventory", c.describe())),
        )];
    }
    let Some(each) = &test.for_each else {
        return vec![one(None, Decided::Run)];
    };
    let mut ids: Vec<&str> = Vec::new();
    for d in inventory.devices.iter().filter(|d| each.matches_device(d)) {
        if !ids.contains(&d.id.as_str()) {
            ids.push(&d.id);
        }
    }
    if ids.is_empty() {
        return vec![one(
            None,
            absent(format!(
                "runs for each {}; none in the inventory",
                each.describe()
            )),
        )];
    }
    ids.into_iter()
        .map(|id| one(Some(id.to_owned()), Decided::Run))
        .collect()
}

/// Why a copy made after a suspend does not run, if it does not: the suspend it follows did not
/// pass (or has no result). `suspend_results` are the results of the `power.suspend` test.
pub fn copy_blocked<'r>(
    suspend: &str,
    suspend_results: impl IntoIterator<Item = &'r TestResult>,
) -> Option<String> {
    let mut any = false;
    for r in suspend_results {
        any = true;
        if r.status != Status::Pass {
            let why = r.message.as_deref().unwrap_or(r.status.as_str());
            return Some(format!(
                "not run: the suspend {suspend} did not happen ({}: {why})",
                r.status
            ));
        }
    }
    (!any).then(|| format!("not run: the suspend {suspend} has no result"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::Category;
    use crate::inventory::Device;
    use crate::plan::{resolve, Loader, Source};

    struct NoIncludes;
    impl Loader for NoIncludes {
        fn load(&mut self, r: &str, _: &str) -> Result<Source, String> {
            Err(format!("no {r}"))
        }
    }

    const PLAN: &str = r#"
schema_version = 1
id = "x"
version = "1"
title = { es = "x", en = "x" }
description = { es = "x", en = "x" }

[[declare]]
id = "fingerprint"
question = { es = "¿Huellas?", en = "Fingerprint reader?" }

[[test]]
id = "wifi"
check = "wifi.present"
title = { es = "w", en = "w" }
blocker = true
for_each = { category = "wireless" }
after_suspend = true

[[test]]
id = "fp"
check = "device.present"
title = { es = "f", en = "f" }
blocker = true
requires = [{ declared = "fingerprint" }]
for_each = { category = "fingerprint" }

[[test]]
id = "suspend"
check = "power.suspend"
title = { es = "s", en = "s" }
blocker = false
"#;

    fn device(id: &str, category: Category) -> Device {
        Device {
            bus: "pci".into(),
            id: id.into(),
            category,
            ..Device::default()
        }
    }

    fn plan() -> Plan {
        resolve(
            Source {
                name: "x.toml".into(),
                bytes: PLAN.as_bytes().to_vec(),
            },
            &mut NoIncludes,
        )
        .unwrap()
    }

    #[test]
    fn expands_per_device_declaration_and_suspend() {
        let plan = plan();
        let mut inv = Inventory {
            schema_version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            tool: crate::report::Tool {
                name: "mxcert".into(),
                version: "0".into(),
            },
            machine_id: None,
            system: Default::default(),
            os: Default::default(),
            hardware: Default::default(),
            devices: vec![],
            probe: Default::default(),
        };
        inv.devices = vec![
            device("pci:8086:2725", Category::Wireless),
            device("usb:0bda:8179", Category::Wireless),
            device("usb:0bda:8179", Category::Wireless),
        ];
        let got: Vec<(String, Decided)> = instances(&plan, &inv, &[])
            .iter()
            .map(|i| (i.label(), i.decided.clone()))
            .collect();
        let na =
            "not applicable: requires the declaration fingerprint, which the tester did not make";
        assert_eq!(
            got,
            vec![
                ("wifi [pci:8086:2725]".into(), Decided::Run),
                ("wifi [usb:0bda:8179]".into(), Decided::Run),
                ("fp".into(), Decided::NotApplicable(na.into())),
                ("suspend".into(), Decided::Run),
                (
                    "wifi [pci:8086:2725] (after-suspend-1)".into(),
                    Decided::Run
                ),
                (
                    "wifi [usb:0bda:8179] (after-suspend-1)".into(),
                    Decided::Run
                ),
            ]
        );
        // Declared but absent fails; present runs once per device.
        let declared = vec!["fingerprint".to_owned()];
        let all = instances(&plan, &inv, &declared);
        assert_eq!(
            all[2].decided,
            Decided::Missing(
                "declared fingerprint but runs for each a device with category = fingerprint; none in the inventory".into()
            )
        );
        inv.devices
            .push(device("usb:06cb:00bd", Category::Fingerprint));
        let all = instances(&plan, &inv, &declared);
        assert_eq!(all[2].label(), "fp [usb:06cb:00bd]");
        assert_eq!(all[2].decided, Decided::Run);
        // No wireless device: one not-applicable result, copies too.
        inv.devices.clear();
        let all = instances(&plan, &inv, &[]);
        assert_eq!(all[0].label(), "wifi");
        assert!(
            matches!(&all[0].decided, Decided::NotApplicable(m) if m.contains("runs for each a device with category = wireless"))
        );
        assert_eq!(all.last().unwrap().label(), "wifi (after-suspend-1)");
        assert_eq!(all.last().unwrap().after, Some("suspend"));
    }

    #[test]
    fn copies_run_only_after_a_suspend_that_passed() {
        let mut r = TestResult {
            id: "suspend".into(),
            check: "power.suspend".into(),
            device: None,
            phase: None,
            blocker: false,
            status: Status::Skip,
            started_at: None,
            duration_ms: 0,
            message: Some("suspend not allowed".into()),
            evidence: vec![],
            measurements: vec![],
            comment: None,
            samples: None,
        };
        assert_eq!(
            copy_blocked("suspend", [&r]).as_deref(),
            Some("not run: the suspend suspend did not happen (skip: suspend not allowed)")
        );
        r.status = Status::Pass;
        assert_eq!(copy_blocked("suspend", [&r]), None);
        assert!(copy_blocked("suspend", []).is_some());
    }
}
