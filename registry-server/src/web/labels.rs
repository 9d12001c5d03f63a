//! The words for the registry's enumerations in the page's language: submission statuses, test
//! result statuses, automated-check outcomes, certificate statuses, device categories. Each
//! function maps a value to a catalogue key (or, for categories, to the names in
//! `mxcert_core::category`) and to the CSS class of its badge. Unknown values show as they are.
//!
//! This module must not decide anything about the values; it only names them.

use mxcert_core::category::Category;

use super::i18n::Lang;
use super::render::msg;
use crate::public::catalogue::ServiceKind;
use crate::public::devices::DeviceStatus;
use crate::public::system_category::SystemCategory;
use crate::public::systems::CertificateStatus;
use crate::store::SubmissionStatus;

/// The catalogue key of a submission status.
pub fn submission_status(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Submitted => msg("status.submitted"),
        SubmissionStatus::ChecksFailed => msg("status.checks_failed"),
        SubmissionStatus::InReview => msg("status.in_review"),
        SubmissionStatus::Approved => msg("status.approved"),
        SubmissionStatus::Rejected => msg("status.rejected"),
        SubmissionStatus::Withdrawn => msg("status.withdrawn"),
    }
}

/// The catalogue key of a test result status (`pass`, `fail`, `skip`, `error`, `timeout`).
pub fn result_status(s: &str) -> &'static str {
    match s {
        "pass" => msg("result.pass"),
        "fail" => msg("result.fail"),
        "skip" => msg("result.skip"),
        "error" => msg("result.error"),
        "timeout" => msg("result.timeout"),
        _ => msg("result.unknown"),
    }
}

/// How early a result status is listed for a reviewer: failures first, then skips, then passes.
pub fn result_rank(s: &str) -> u8 {
    match s {
        "fail" | "error" | "timeout" => 0,
        "skip" => 1,
        "pass" => 3,
        _ => 2,
    }
}

/// The catalogue key of an automated check's outcome (`pass`, `warn`, `fail`).
pub fn check_outcome(s: &str) -> &'static str {
    match s {
        "pass" => msg("autocheck.pass"),
        "warn" => msg("autocheck.warn"),
        "fail" => msg("autocheck.fail"),
        _ => msg("result.unknown"),
    }
}

/// The catalogue key of an automated check's name.
pub fn check_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "signature" => msg("autocheck.signature"),
        "schema" => msg("autocheck.schema"),
        "plan" => msg("autocheck.plan"),
        "blockers" => msg("autocheck.blockers"),
        "tool_version" => msg("autocheck.tool_version"),
        "system_identity" => msg("autocheck.system_identity"),
        "os" => msg("autocheck.os"),
        "declared" => msg("autocheck.declared"),
        _ => return None,
    })
}

/// The catalogue key of an automated check's message, by its code (`review::MESSAGES`); `None`
/// for checks recorded before messages had codes, which show their English text.
pub fn check_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "signature.pass" => msg("autocheck_msg.signature_pass"),
        "signature.key_compromised" => msg("autocheck_msg.signature_key_compromised"),
        "schema.pass" => msg("autocheck_msg.schema_pass"),
        "plan.unknown" => msg("autocheck_msg.plan_unknown"),
        "plan.not_current" => msg("autocheck_msg.plan_not_current"),
        "plan.modified" => msg("autocheck_msg.plan_modified"),
        "plan.pass" => msg("autocheck_msg.plan_pass"),
        "blockers.no_results" => msg("autocheck_msg.blockers_no_results"),
        "blockers.pass" => msg("autocheck_msg.blockers_pass"),
        "blockers.pass_not_applicable" => msg("autocheck_msg.blockers_pass_not_applicable"),
        "blockers.verdict" => msg("autocheck_msg.blockers_verdict"),
        "blockers.failed" => msg("autocheck_msg.blockers_failed"),
        "declared.list" => msg("autocheck_msg.declared_list"),
        "tool.not_mxcert" => msg("autocheck_msg.tool_not_mxcert"),
        "tool.pass" => msg("autocheck_msg.tool_pass"),
        "tool.too_old" => msg("autocheck_msg.tool_too_old"),
        "tool.bad_version" => msg("autocheck_msg.tool_bad_version"),
        "system.pass" => msg("autocheck_msg.system_pass"),
        "system.missing" => msg("autocheck_msg.system_missing"),
        "os.pass" => msg("autocheck_msg.os_pass"),
        "os.other" => msg("autocheck_msg.os_other"),
        _ => return None,
    })
}

/// The catalogue key of a certificate's current status (`valid`, `revoked`, `expired`).
pub fn certificate_status(s: &str) -> &'static str {
    match s {
        "valid" => msg("certificate.status_valid"),
        "revoked" => msg("certificate.status_revoked"),
        "expired" => msg("certificate.status_expired"),
        _ => msg("result.unknown"),
    }
}

/// A kind of machine's name (`laptop` -> `Laptop`), from its own table.
pub fn system_category(lang: Lang, c: SystemCategory) -> String {
    match lang {
        Lang::Es => c.name_es().to_owned(),
        Lang::En => c.name_en().to_owned(),
    }
}

/// A certificate status as the stored text (`valid`, `revoked`, `expired`).
pub fn status_str(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Valid => "valid",
        CertificateStatus::Revoked => "revoked",
        CertificateStatus::Expired => "expired",
    }
}

/// The catalogue key and badge of a device's compatibility status.
pub fn device_status(s: DeviceStatus) -> (&'static str, &'static str) {
    match s {
        DeviceStatus::Certified => (msg("device.status_certified"), "certified"),
        DeviceStatus::Works => (msg("device.status_works"), "works"),
        DeviceStatus::Problem => (msg("device.status_problem"), "problem"),
        DeviceStatus::Seen => (msg("device.status_seen"), "seen"),
        DeviceStatus::Unknown => (msg("device.status_unknown"), "unknown"),
    }
}

/// A service kind's name, from the partner programme's catalogue.
pub fn service(lang: Lang, k: ServiceKind) -> &'static str {
    match lang {
        Lang::Es => k.name_es(),
        Lang::En => k.name_en(),
    }
}

/// A device category's name (`graphics` -> `Gráficos`), or the raw value if unknown.
pub fn category(lang: Lang, name: &str) -> String {
    match Category::parse(name) {
        Some(c) => match lang {
            Lang::Es => c.name_es().to_owned(),
            Lang::En => c.name_en().to_owned(),
        },
        None => name.to_owned(),
    }
}

/// A CSS class fragment safe to put in `badge-...`: lowercase letters and `_` only.
pub fn badge(value: &str) -> String {
    let v: String = value
        .chars()
        .filter(|c| c.is_ascii_lowercase() || *c == '_')
        .collect();
    if v.is_empty() {
        "unknown".into()
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_automated_check_message_is_in_both_languages_and_matches_the_english() {
        let catalogue = crate::web::i18n::Catalogue::builtin().unwrap();
        for (code, english) in crate::review::MESSAGES {
            let key = check_message(code).unwrap_or_else(|| panic!("no key for {code}"));
            assert_eq!(catalogue.get(Lang::En, key), *english, "{code}");
            let spanish = catalogue.get(Lang::Es, key);
            for i in 0..4 {
                let p = format!("{{{i}}}");
                assert_eq!(english.contains(&p), spanish.contains(&p), "{code} {p}");
            }
        }
        assert_eq!(check_message("no.such"), None);
    }

    #[test]
    fn failures_sort_before_skips_before_passes() {
        let mut v = ["pass", "skip", "fail", "timeout", "pass", "error"];
        v.sort_by_key(|s| result_rank(s));
        assert_eq!(v[..3].iter().filter(|s| **s != "skip").count(), 3);
        assert_eq!(v[3], "skip");
        assert_eq!(&v[4..], ["pass", "pass"]);
    }

    #[test]
    fn categories_are_named_in_both_languages() {
        assert_eq!(category(Lang::En, "graphics"), "Graphics");
        assert_ne!(category(Lang::Es, "graphics"), "graphics");
        assert_eq!(category(Lang::Es, "nonsense"), "nonsense");
    }

    #[test]
    fn badge_classes_are_safe() {
        assert_eq!(badge("in_review"), "in_review");
        assert_eq!(badge("\" onload=x"), "onloadx");
        assert_eq!(badge(""), "unknown");
    }
}
