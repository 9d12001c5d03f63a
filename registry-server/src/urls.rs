//! Every URL the registry hands out, built in one place: the API paths of its resources (what JSON
//! answers and pages link to) and the absolute URLs of copy-paste commands.
//!
//! Links are relative paths unless the operator configured the registry's public URL
//! (`--public-url`, `public_url`): the request's `Host`, `X-Forwarded-Host` or URI authority are
//! chosen by the client and never become part of a link (issue 13, item 5). Without a configured
//! public URL, commands meant to be copied get [`PLACEHOLDER_BASE`], which the reader replaces.

/// What stands for the registry's address in a copy-paste command when no public URL is
/// configured: visibly not a real address, and not a host anyone could register.
pub const PLACEHOLDER_BASE: &str = "https://REGISTRY.EXAMPLE";

/// The registry's public key (PEM; JSON with `Accept: application/json`).
pub const REGISTRY_KEY: &str = "/api/v1/registry-key";

/// A submission: `/api/v1/submissions/{id}`.
pub fn submission(id: &str) -> String {
    format!("/api/v1/submissions/{id}")
}

/// One attachment of a submission's report (attachment names are plain file names).
pub fn submission_attachment(id: &str, name: &str) -> String {
    format!("/api/v1/submissions/{id}/attachments/{name}")
}

/// A submission's signed report as submitted.
pub fn submission_envelope(id: &str) -> String {
    format!("{}/envelope", submission(id))
}

/// A submission's audit history.
pub fn submission_history(id: &str) -> String {
    format!("{}/history", submission(id))
}

/// What changed since a submission's previous one of the same model.
pub fn submission_diff(id: &str) -> String {
    format!("{}/diff", submission(id))
}

/// A certificate's record and status: `/api/v1/certificates/{id}`.
pub fn certificate(id: &str) -> String {
    format!("/api/v1/certificates/{id}")
}

/// A certificate as signed by the registry.
pub fn certificate_envelope(id: &str) -> String {
    format!("{}/envelope", certificate(id))
}

/// A certificate's signed revocation.
pub fn certificate_revocation(id: &str) -> String {
    format!("{}/revocation", certificate(id))
}

/// The proof that a certificate is in the transparency log (C2SP tlog-proof).
pub fn certificate_proof(id: &str) -> String {
    format!("{}/proof", certificate(id))
}

/// The transparency log's verifier key.
pub const LOG_KEY: &str = "/log/key";

/// A certified system: `/api/v1/systems/{certificate_id}`.
pub fn system(certificate_id: &str) -> String {
    mxcert_core::check::system_path(certificate_id)
}

/// A device: `/api/v1/devices/pci/8086:9a49`.
/// (The paths a check answer carries are built by `mxcert_core::check`, which `mxcert check
/// --offline` shares.)
pub fn device(base_identity: &str) -> String {
    mxcert_core::check::device_path(base_identity)
}

/// A partner's directory listing: `/api/v1/vendors/{slug}`.
/// A community report's public page (HTML; `GET /api/v1/community/reports/{id}` is its JSON).
pub fn community_report(id: &str) -> String {
    format!("/comunidad/{id}")
}

/// A community report in the API.
pub fn community_report_api(id: &str) -> String {
    format!("/api/v1/community/reports/{id}")
}

pub fn vendor(slug: &str) -> String {
    format!("/api/v1/vendors/{slug}")
}

/// The base of absolute URLs: the configured public URL without its trailing `/`, or `None`.
pub fn public_base(public_url: Option<&str>) -> Option<&str> {
    public_url
        .map(|u| u.trim_end_matches('/'))
        .filter(|u| !u.is_empty())
}

/// The base for copy-paste commands: the configured public URL, else [`PLACEHOLDER_BASE`]. Never
/// anything taken from the request.
pub fn command_base(public_url: Option<&str>) -> &str {
    public_base(public_url).unwrap_or(PLACEHOLDER_BASE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(submission_envelope("s1"), "/api/v1/submissions/s1/envelope");
        assert_eq!(
            certificate_revocation("c1"),
            "/api/v1/certificates/c1/revocation"
        );
        assert_eq!(device("pci:8086:9a49"), "/api/v1/devices/pci/8086:9a49");
        assert_eq!(device("acpi:pnp0c0a"), "/api/v1/devices/acpi/pnp0c0a");
    }

    #[test]
    fn absolute_urls_come_only_from_the_configured_public_url() {
        assert_eq!(
            command_base(Some("https://registro.mxos.mx/")),
            "https://registro.mxos.mx"
        );
        assert_eq!(command_base(None), PLACEHOLDER_BASE);
        assert_eq!(command_base(Some("")), PLACEHOLDER_BASE);
        assert_eq!(public_base(None), None);
    }
}
