//! Submissions: who may read one (its organisation, or a reviewer), and the decisions on it —
//! approve (which issues the certificate) and reject (reviewers), withdraw (its own vendor),
//! comment (anyone who may read it) — plus what changed since the previous submission of the
//! same model.
//!
//! Separation of duties: nobody reviews their own organisation's submissions ([`may_review`]).
//! A submission signed by a key revoked as compromised cannot be approved (checked again in the
//! approval's transaction by the store).

use super::{optional_text, required_text};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::review::{self, Side};
use crate::state::AppState;
use crate::store::{Comment, Submission, SubmissionStatus};

/// Whether `caller` may review (approve, reject, revoke the certificate of) what organisation
/// `org_id` submitted: a reviewer or admin of another organisation.
pub fn may_review(caller: &Caller, org_id: &str) -> bool {
    caller.role.can_review() && caller.org_id != org_id
}

/// Refuses a review of organisation `org_id`'s work by `caller` unless [`may_review`]; `what`
/// completes "failed to ..." (e.g. `approve submission 0190...`).
pub fn require_review(caller: &Caller, org_id: &str, what: &str) -> ApiResult<()> {
    if !caller.role.can_review() {
        return Err(ApiError::forbidden(format!(
            "failed to {what}: only reviewers and admins review"
        )));
    }
    if caller.org_id == org_id {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "own_organisation",
            format!(
                "failed to {what}: it comes from your own organisation ({}); a reviewer of \
                 another organisation must decide",
                caller.org_name
            ),
        ));
    }
    Ok(())
}

/// The submission, if the caller may read it (its organisation, or a reviewer).
pub async fn readable(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Submission> {
    let s = state.store.get_submission(id).await?;
    caller.require_org_or_review(&s.org_id)?;
    Ok(s)
}

/// What changed since the previous submission of the same model, if there is one (the API's
/// `/diff` and the web portal's submission page).
pub async fn diff_to_previous(
    state: &AppState,
    current: &Submission,
) -> ApiResult<Option<review::Diff>> {
    let Some(previous_id) = current.previous_id.clone() else {
        return Ok(None);
    };
    let previous = state.store.get_submission(&previous_id).await?;
    let store = &state.store;
    let (pd, pr) = (
        store.submission_devices(&previous_id).await?,
        store.submission_results(&previous_id).await?,
    );
    let (cd, cr) = (
        store.submission_devices(&current.id).await?,
        store.submission_results(&current.id).await?,
    );
    Ok(Some(review::diff(
        Side {
            submission: &previous,
            devices: &pd,
            results: &pr,
        },
        Side {
            submission: current,
            devices: &cd,
            results: &cr,
        },
    )))
}

/// Adds a comment as `caller`, who must be able to read the submission.
pub async fn comment(
    state: &AppState,
    caller: &Caller,
    id: &str,
    comment: &str,
) -> ApiResult<Comment> {
    readable(state, caller, id).await?;
    let text = required_text("comment", comment, 10_000)?;
    Ok(state.store.add_comment(id, &text, &caller.actor()).await?)
}

/// Approves a submission in review as `caller` (a reviewer, checked by the caller) and issues
/// its certificate (the API's `/approve` and the web portal's approve button).
pub async fn approve(
    state: &AppState,
    caller: &Caller,
    id: &str,
    comment: Option<&str>,
) -> ApiResult<Submission> {
    let s = state.store.get_submission(id).await?;
    require_review(caller, &s.org_id, &format!("approve submission {id}"))?;
    let signer = state.store.get_key(&s.keyid).await?;
    if let Some(at) = signer.compromised_at {
        return Err(ApiError::conflict(
            "signing_key_compromised",
            format!(
                "failed to approve submission {id}: its signing key {} was revoked as \
                 compromised on {at}",
                s.keyid
            ),
        ));
    }
    let comment = optional_text("comment", comment, 10_000)?;
    let key = &state.registry_key;
    let validity = state.config.certificate_validity;
    let published = state.published.as_ref();
    let (s, certificate) = state
        .store
        .approve_submission(id, comment.as_deref(), &caller.actor(), |s, cert_id| {
            // A number the registry already published (this database was restored from an
            // older backup) is never signed a second time.
            if let Some(mark) = published {
                mark.check(cert_id)?;
            }
            Ok(key.issue(s, cert_id, chrono::Utc::now(), validity))
        })
        .await?;
    if let Some(mark) = published {
        // Committed: the number is published. A failure here is caught up on the next start.
        if let Err(e) = mark.raise(&certificate.id) {
            tracing::error!("certificate {} was issued but {e}", certificate.id);
        }
    }
    crate::published::raise_log(published, &state.store).await;
    state.witnesses.poke();
    Ok(s)
}

/// Rejects a submission with a reason as `caller` (a reviewer, checked by the caller).
pub async fn reject(
    state: &AppState,
    caller: &Caller,
    id: &str,
    reason: &str,
) -> ApiResult<Submission> {
    let s = state.store.get_submission(id).await?;
    require_review(caller, &s.org_id, &format!("reject submission {id}"))?;
    let reason = required_text("reason", reason, 10_000)?;
    Ok(state
        .store
        .decide(
            id,
            &review::REJECTABLE,
            SubmissionStatus::Rejected,
            Some(&reason),
            &caller.actor(),
        )
        .await?)
}

/// Withdraws a submission as `caller` (a vendor of the submitting organisation).
pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    id: &str,
    reason: Option<&str>,
) -> ApiResult<Submission> {
    let s = state.store.get_submission(id).await?;
    if s.org_id != caller.org_id {
        return Err(ApiError::forbidden(
            "this submission belongs to another organisation",
        ));
    }
    let reason = optional_text("reason", reason, 10_000)?;
    Ok(state
        .store
        .decide(
            id,
            &review::WITHDRAWABLE,
            SubmissionStatus::Withdrawn,
            reason.as_deref(),
            &caller.actor(),
        )
        .await?)
}
