//! The rows the store hands out. Timestamps are the stored RFC 3339 text. Records that the API
//! returns as they are derive `Serialize`; their field names are part of the API.

use serde::Serialize;

/// A role a token (and the member behind it) acts in. The public has no token and no role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The Foundation's administrators: organisations, members, tokens; everything a reviewer can.
    Admin,
    /// The Foundation's reviewers: every submission, approve, reject, revoke.
    Reviewer,
    /// A member of a vendor organisation: its own keys and submissions.
    Vendor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            "vendor" => Some(Role::Vendor),
            _ => None,
        }
    }

    /// Whether this role may review (read every submission, approve, reject, revoke).
    pub fn can_review(self) -> bool {
        matches!(self, Role::Admin | Role::Reviewer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a submission is in its lifecycle:
/// `submitted -> (automated checks) -> in_review | checks_failed -> approved | rejected | withdrawn`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Stored; automated checks not yet recorded (only inside the ingest transaction).
    Submitted,
    /// At least one automated check failed: a reviewer may reject it, nobody may approve it.
    ChecksFailed,
    /// Automated checks passed (possibly with warnings): waiting for a reviewer.
    InReview,
    Approved,
    Rejected,
    Withdrawn,
}

impl SubmissionStatus {
    pub const ALL: [SubmissionStatus; 6] = [
        SubmissionStatus::Submitted,
        SubmissionStatus::ChecksFailed,
        SubmissionStatus::InReview,
        SubmissionStatus::Approved,
        SubmissionStatus::Rejected,
        SubmissionStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Submitted => "submitted",
            SubmissionStatus::ChecksFailed => "checks_failed",
            SubmissionStatus::InReview => "in_review",
            SubmissionStatus::Approved => "approved",
            SubmissionStatus::Rejected => "rejected",
            SubmissionStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<SubmissionStatus> {
        SubmissionStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether a decision has been made (nothing more can happen to the submission).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            SubmissionStatus::Approved | SubmissionStatus::Rejected | SubmissionStatus::Withdrawn
        )
    }
}

impl std::fmt::Display for SubmissionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// An API token as listed: never the token itself, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub org_id: String,
    pub member_id: Option<String>,
    pub role: Role,
    pub label: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// What a valid token authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    pub token_id: String,
    pub org_id: String,
    pub org_name: String,
    pub member_id: Option<String>,
    pub member_name: Option<String>,
    pub role: Role,
    pub label: String,
    /// The stored SHA-256 (hex), compared again in constant time by the caller.
    pub sha256: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// When the token last authenticated a request, to the precision of
    /// [`crate::store::TOKEN_USE_PRECISION`].
    pub last_used_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SigningKey {
    pub keyid: String,
    pub org_id: String,
    pub public_key_pem: String,
    pub label: String,
    /// `active`, `retired` (replaced by rotation) or `revoked`. Only active keys sign new submissions.
    pub status: String,
    pub created_at: String,
    pub created_by: String,
    pub status_changed_at: Option<String>,
    pub status_reason: Option<String>,
    pub replaced_by: Option<String>,
    /// When the key was revoked as compromised: nothing it signed can be approved any more.
    pub compromised_at: Option<String>,
}

/// A submission's index row (everything but the envelope bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Submission {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub report_id: String,
    pub envelope_sha256: String,
    pub payload_sha256: String,
    pub keyid: String,
    pub status: SubmissionStatus,
    pub system: SystemIdentity,
    pub os: OsIdentity,
    pub plan: PlanIdentity,
    pub tool: ToolIdentity,
    pub summary: SubmissionSummary,
    pub device_count: i64,
    pub report_created_at: String,
    pub submitted_at: String,
    pub previous_id: Option<String>,
    pub decided_at: Option<String>,
    pub decision_comment: Option<String>,
    pub certificate_id: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SystemIdentity {
    pub system_id: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub family: Option<String>,
    pub sku: Option<String>,
    pub board: Option<String>,
    pub chassis_type: Option<String>,
    pub bios_version: Option<String>,
    /// What to show for this system: `Vendor Model`, or a placeholder when the report carried no
    /// identity (machines without DMI, such as virtual machines).
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OsIdentity {
    pub id: Option<String>,
    pub version: Option<String>,
    pub name: Option<String>,
    pub kernel: Option<String>,
    pub arch: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanIdentity {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ToolIdentity {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SubmissionSummary {
    pub verdict: String,
    pub total: i64,
    pub pass: i64,
    pub fail: i64,
    pub skip: i64,
    pub error: i64,
    pub timeout: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeviceRow {
    pub bus: String,
    pub identity: String,
    pub base_identity: String,
    pub category: String,
    pub class: Option<String>,
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    pub driver: Option<String>,
    pub needs_driver: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub test_id: String,
    pub check: String,
    pub area: String,
    pub blocker: bool,
    pub status: String,
    pub duration_ms: i64,
    pub message: Option<String>,
}

/// The outcome of one automated check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    /// Worth a reviewer's attention; does not block approval.
    Warn,
    /// Blocks approval.
    Fail,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Warn => "warn",
            CheckOutcome::Fail => "fail",
        }
    }

    pub fn parse(s: &str) -> Option<CheckOutcome> {
        match s {
            "pass" => Some(CheckOutcome::Pass),
            "warn" => Some(CheckOutcome::Warn),
            "fail" => Some(CheckOutcome::Fail),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AutomatedCheck {
    /// `signature`, `schema`, `plan`, `blockers`, `tool_version`, `system_identity`, ...
    pub name: String,
    pub outcome: CheckOutcome,
    /// In English; `code` and `args` say the same for other languages (`review::MESSAGES`).
    pub message: String,
    /// The message's stable code (`plan.not_current`, ...); empty for checks recorded before
    /// codes existed.
    pub code: String,
    /// The values filled into the message's `{0}`, `{1}`, ...
    pub args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: String,
    pub submission_id: String,
    pub author_role: String,
    pub author_name: String,
    pub author_org_id: Option<String>,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertificateRecord {
    pub id: String,
    pub submission_id: String,
    pub system_id: String,
    pub org_id: String,
    pub org_name: String,
    pub system_vendor: String,
    pub system_model: String,
    pub mxos_release: String,
    pub plan_id: String,
    pub plan_version: String,
    pub issued_at: String,
    pub expires_at: String,
    /// `valid` or `revoked` (expiry is computed from `expires_at`).
    pub status: String,
    pub envelope_sha256: String,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    pub revocation_envelope_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertificateEvent {
    pub seq: i64,
    pub certificate_id: String,
    /// `issued` or `revoked`.
    pub kind: String,
    pub at: String,
    pub envelope_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_org_id: Option<String>,
    pub actor_role: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub org_id: Option<String>,
    pub details: serde_json::Value,
}

/// An approved system in the public list (`GET /api/v1/certified`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertifiedEntry {
    pub certificate_id: String,
    pub submission_id: String,
    pub vendor: String,
    pub model: String,
    pub organisation: String,
    pub mxos_release: String,
    pub plan_id: String,
    pub plan_version: String,
    pub approved_at: String,
    pub expires_at: String,
}
