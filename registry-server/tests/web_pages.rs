//! HTTP-level tests of the web portal: every page and form through the real router on a real
//! SQLite file (and PostgreSQL for the session story when `MXCERT_TEST_DATABASE_URL` is set):
//! status, key content, both languages, escaping, CSRF refusal, cookie flags, security headers
//! and the automated accessibility checks.

mod common;
mod web_client;

use axum::http::StatusCode;
use common::Registry;
use mxcert_registry::store::{Actor, Role};
use web_client::{check_accessibility, Client};

#[tokio::test]
async fn home_is_spanish_by_default_and_english_by_accept_language() {
    let r = Registry::new("sqlite").await;
    let mut es = Client::new(&r.state);
    let page = es.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("content-language"), "es-MX");
    page.assert_has("¿Funciona con MxOS?");
    page.assert_has("Aún no hay equipos certificados.");
    check_accessibility(&page, "es-MX");

    let mut en = Client::new(&r.state);
    en.accept_language = Some("en-US,en;q=0.9,es;q=0.5".into());
    let page = en.get("/").await;
    assert_eq!(page.header("content-language"), "en");
    page.assert_has("Does it work with MxOS?");
    page.assert_lacks("¿Funciona con MxOS?");
    check_accessibility(&page, "en");
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_that_later_pages_follow() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let home = c.get("/?q=x").await;
    // The visible switch links to the same page in English, keeping the query.
    home.assert_has("href=\"/?q=x&#38;lang=en\"");
    home.assert_has(">English</a>");
    let en = c.get("/?q=x&lang=en").await;
    let cookie = en.set_cookie("mxcert_lang").expect("language cookie");
    assert!(cookie.contains("mxcert_lang=en"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    en.assert_has("<html lang=\"en\">");
    en.assert_has(">Español</a>");
    // Without ?lang, the cookie keeps English even against the browser's Spanish.
    c.accept_language = Some("es-MX".into());
    let later = c.get("/acceder").await;
    later.assert_has("<html lang=\"en\">");
    later.assert_has("Access token");
    r.db.cleanup().await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_csrf_cookie() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let page = c.get("/").await;
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("referrer-policy"), "same-origin");
    let csrf = page.set_cookie("mxcert_csrf").expect("csrf cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"),
        "{csrf}"
    );
    assert!(
        !csrf.contains("Secure"),
        "plain HTTP must not set Secure: {csrf}"
    );
    // Once the browser has the nonce it is not set again.
    let again = c.get("/").await;
    assert!(again.set_cookie("mxcert_csrf").is_none());
    // Behind a TLS proxy every cookie is Secure.
    let mut tls = Client::new(&r.state);
    tls.forwarded_https = true;
    let page = tls.get("/?lang=en").await;
    for cookie in page.set_cookies() {
        assert!(cookie.contains("; Secure"), "{cookie}");
    }
    r.db.cleanup().await;
}

#[tokio::test]
async fn static_assets_are_versioned_and_cached() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let home = c.get("/").await;
    let tags = web_client::tags(&home.body);
    let css = tags
        .iter()
        .find(|t| t.name == "link" && t.attr("rel") == Some("stylesheet"))
        .and_then(|t| t.attr("href"))
        .expect("a stylesheet link")
        .to_owned();
    assert!(css.starts_with("/static/mxcert.css?v="), "{css}");
    let sheet = c.get(&css).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(sheet.header("content-type"), "text/css; charset=utf-8");
    assert!(sheet.header("cache-control").contains("immutable"));
    assert!(sheet.body.contains("--brand"));
    let etag = sheet.header("etag").to_owned();
    let js = tags
        .iter()
        .find(|t| t.name == "script")
        .and_then(|t| t.attr("src"))
        .expect("a script")
        .to_owned();
    assert_eq!(c.get(&js).await.status, StatusCode::OK);
    // An old version is served with a short cache life; an unknown file is a 404 page.
    let old = c.get("/static/mxcert.css?v=000000000000").await;
    assert_eq!(old.header("cache-control"), "public, max-age=300");
    assert_eq!(old.header("etag"), etag);
    let missing = c.get("/static/nope.css").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.assert_has("Página no encontrada");
    r.db.cleanup().await;
}

#[tokio::test]
async fn unknown_paths_get_a_page_for_browsers_and_json_for_the_api() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let page = c.get("/no/such/page?lang=en").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_has("Page not found");
    check_accessibility(&page, "en");
    let api = c.get("/api/v1/nothing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.starts_with("{\"error\""), "{}", api.body);
    let (status, body) = r.get("/no/such/page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["code"], "not_found",
        "no Accept: text/html, JSON answer"
    );
    r.db.cleanup().await;
}

#[tokio::test]
async fn malformed_queries_get_a_400_page_not_a_5xx() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    for path in [
        "/acceder?next=%ZZ%",
        "/acceder?next=a&next=b",
        "/static/mxcert.css?v=1&v=2",
        "/?lang=%FF%FE",
        "/acceder?next=%00",
    ] {
        let page = c.get(path).await;
        assert!(
            page.status.is_success() || page.status.is_client_error(),
            "{path}: {}",
            page.status
        );
    }
    r.db.cleanup().await;
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_or_from_another_origin_are_refused() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let form = c.get("/acceder").await;
    // No token.
    let page = c.post_form("/acceder", &[("token", &r.reviewer)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_has("El formulario caducó");
    assert!(page.set_cookie("mxcert_session").is_none());
    // A token made for another browser (another nonce).
    let mut other = Client::new(&r.state);
    let other_form = other.get("/acceder").await;
    let page = c
        .post_form(
            "/acceder",
            &[("csrf", &other_form.csrf()), ("token", &r.reviewer)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The right token, but posted from another site.
    c.origin = Some("https://evil.example".into());
    let page = c.submit(&form, "/acceder", &[("token", &r.reviewer)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Not a form at all.
    c.origin = Some("http://registro.test".into());
    let page = c
        .request(
            axum::http::Method::POST,
            "/acceder",
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Same origin and the page's token: accepted.
    let page = c.submit(&form, "/acceder", &[("token", &r.reviewer)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    r.db.cleanup().await;
}

#[tokio::test]
async fn sign_in_opens_a_strict_httponly_session_and_sign_out_ends_it() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let mut c = Client::new(&r.state);
        let page = c.sign_in(&r.reviewer).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
        assert_eq!(page.location(), "/revision");
        let cookie = page.set_cookie("mxcert_session").expect("session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Max-Age=28800"), "{cookie}");
        assert!(!cookie.contains(&r.reviewer), "the token is never a cookie");
        let home = c.get("/").await;
        home.assert_has("Cerrar sesión");
        home.assert_has("MxOS Foundation");
        assert_eq!(home.header("cache-control"), "private, no-store");
        // Sign-in and sign-out are audited.
        let (_, audit) = r.get("/api/v1/audit?limit=500", Some(&r.admin)).await;
        assert!(audit.to_string().contains("web_session.open"), "{kind}");
        // Signing out needs the page's token too.
        let refused = c.post_form("/salir", &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let out = c.submit(&home, "/salir", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let cleared = out.set_cookie("mxcert_session").expect("cleared cookie");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        let after = c.get("/").await;
        after.assert_has("Iniciar sesión");
        after.assert_lacks("Cerrar sesión");
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_replayed_session_cookie_after_sign_out_or_token_revocation_is_worthless() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    c.sign_in(&r.vendor_a).await;
    let stolen = c.cookies.clone();
    let home = c.get("/").await;
    home.assert_has("Cerrar sesión");
    c.submit(&home, "/salir", &[]).await;
    let mut thief = Client::new(&r.state);
    thief.cookies = stolen;
    thief.get("/").await.assert_lacks("Cerrar sesión");

    // Revoking the token ends the sessions opened with it.
    let store = &r.db.store;
    let token = common::token(store, &r.org_b, Role::Vendor).await;
    let mut v = Client::new(&r.state);
    assert_eq!(v.sign_in(&token).await.location(), "/proveedor");
    v.get("/").await.assert_has("Cerrar sesión");
    let id = store
        .list_tokens(Some(&r.org_b))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.revoked_at.is_none() && token.starts_with(&t.prefix) && t.label == "test")
        .map(|t| t.id)
        .unwrap();
    store.revoke_token(&id, &Actor::cli()).await.unwrap();
    v.get("/").await.assert_lacks("Cerrar sesión");
    r.db.cleanup().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_repeated_failures_are_rate_limited() {
    let r = Registry::with_config("sqlite", |c| c.auth_failures_per_window = 3).await;
    let mut c = Client::new(&r.state);
    for attempt in 0..3 {
        let page = c.sign_in("mxr_not-a-real-token").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        page.assert_has("Ese token no es válido");
        page.assert_has("role=\"alert\"");
        check_accessibility(&page, "es-MX");
    }
    let page = c.sign_in("mxr_not-a-real-token").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.header("retry-after").parse::<u64>().is_ok());
    page.assert_has("Demasiados intentos");
    // Even the right token waits until the window ends.
    let page = c.sign_in(&r.reviewer).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    r.db.cleanup().await;
}

#[tokio::test]
async fn sign_in_follows_local_next_paths_only() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let form = c.get("/acceder?next=/revision/abc").await;
    form.assert_has("value=\"/revision/abc\"");
    let page = c
        .submit(
            &form,
            "/acceder",
            &[("token", &r.reviewer), ("next", "/revision/abc")],
        )
        .await;
    assert_eq!(page.location(), "/revision/abc");
    let mut c = Client::new(&r.state);
    let form = c.get("/acceder?next=https://evil.example/").await;
    form.assert_has("name=\"next\" value=\"\"");
    let page = c
        .submit(
            &form,
            "/acceder",
            &[("token", &r.vendor_a), ("next", "//evil.example/x")],
        )
        .await;
    assert_eq!(page.location(), "/proveedor");
    r.db.cleanup().await;
}

#[tokio::test]
async fn organisation_names_are_escaped_everywhere_they_show() {
    let r = Registry::new("sqlite").await;
    let store = &r.db.store;
    let evil = store
        .create_org("<script>alert(1)</script>", &Actor::cli())
        .await
        .unwrap()
        .id;
    let token = common::token(store, &evil, Role::Vendor).await;
    let mut c = Client::new(&r.state);
    c.sign_in(&token).await;
    let home = c.get("/").await;
    home.assert_lacks("<script>alert(1)</script>");
    home.assert_has("&#60;script&#62;alert(1)&#60;/script&#62;");
    r.db.cleanup().await;
}

/// Submits a report of `model` for vendor A with the given blocker status, results in the given
/// order; returns the submission id.
async fn submit_report(
    r: &Registry,
    model: &str,
    spec: common::ReportSpec<'_>,
    reverse: bool,
) -> String {
    let mut report = common::report(common::ReportSpec {
        model: Some(model),
        ..spec
    });
    if reverse {
        report.results.reverse();
    }
    let (status, body) = r.submit(&common::sign(&report, &r.key_a)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_review_queue_is_for_reviewers_only() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let mut anon = Client::new(&r.state);
    let page = anon.get("/revision").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/acceder?next=%2Frevision");
    let mut vendor = Client::new(&r.state);
    vendor.sign_in(&r.vendor_a).await;
    let page = vendor.get("/revision").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_has("Acceso denegado");

    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let page = rev.get("/revision").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_has(&format!("href=\"/envios/{id}\""));
    page.assert_has("LENOVO 21HM");
    page.assert_has("Cómputo Acme");
    page.assert_has("En revisión");
    check_accessibility(&page, "es-MX");
    let other = rev.get("/revision?status=approved&lang=en").await;
    other.assert_lacks(&format!("/envios/{id}"));
    other.assert_has("There are no submissions here.");
    check_accessibility(&other, "en");
    assert_eq!(rev.get("/revision?status=all").await.status, StatusCode::OK);
    assert_eq!(
        rev.get("/revision?status=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(rev.get("/revision?page=-3").await.status, StatusCode::OK);
    r.db.cleanup().await;
}

#[tokio::test]
async fn a_reviewer_sees_failures_first_and_the_diff_to_the_previous_submission() {
    let r = Registry::new("sqlite").await;
    let first = r.submit_ok("T14").await;
    // The second submission of the same model: its passing test comes first in the report, its
    // failing blocker second; and it has a camera the first did not.
    let second = submit_report(
        &r,
        "T14",
        common::ReportSpec {
            blocker_status: mxcert_core::report::Status::Fail,
            extra_device: true,
            ..Default::default()
        },
        true,
    )
    .await;
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let page = rev.get(&format!("/envios/{second}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("Falló la revisión automática");
    let fail_at = page
        .body
        .find("<code>devices-drivers</code>")
        .expect("drivers row");
    let pass_at = page
        .body
        .find("<code>storage-rw</code>")
        .expect("storage row");
    assert!(fail_at < pass_at, "the failed test is listed first");
    page.assert_has("Cambios desde el envío anterior");
    page.assert_has(&format!("href=\"/envios/{first}\""));
    page.assert_has("usb:04f2:b7b6");
    page.assert_has("Dispositivo nuevo");
    // Checks failed: it can be rejected, not approved.
    page.assert_lacks("id=\"approve-form\"");
    page.assert_has("action=\"/envios/");
    page.assert_has("/rechazar\"");
    let en = rev.get(&format!("/envios/{second}?lang=en")).await;
    en.assert_has("Changes since the previous submission");
    en.assert_has("Automated checks failed");
    check_accessibility(&en, "en");
    r.db.cleanup().await;
}

#[tokio::test]
async fn approving_in_the_portal_issues_the_certificate_the_api_shows() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("X1 Carbon").await;
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let page = rev.get(&format!("/envios/{id}")).await;
    page.assert_has("id=\"approve-form\"");
    // Without the page's token nothing happens.
    let refused = rev
        .post_form(&format!("/envios/{id}/aprobar"), &[("text", "ok")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (_, api) = r
        .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
        .await;
    assert_eq!(api["status"], "in_review");
    // A vendor cannot approve, even with a valid token of its own page.
    let mut vendor = Client::new(&r.state);
    vendor.sign_in(&r.vendor_a).await;
    let own = vendor.get(&format!("/envios/{id}")).await;
    own.assert_lacks("id=\"approve-form\"");
    let page_for_token = vendor.get("/").await;
    let denied = vendor
        .submit(&page_for_token, &format!("/envios/{id}/aprobar"), &[])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let done = rev
        .submit(
            &page,
            &format!("/envios/{id}/aprobar"),
            &[("text", "Todo en orden")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/envios/{id}?ok=approved"));
    let after = rev.get(done.location()).await;
    after.assert_has("Aprobado: se emitió el certificado.");
    after.assert_has("Todo en orden");
    let (_, api) = r
        .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
        .await;
    assert_eq!(api["status"], "approved");
    let cert = api["certificate_id"].as_str().unwrap().to_owned();
    after.assert_has(&format!("href=\"/certificados/{cert}\""));
    // Approving twice is a conflict page, not a 5xx.
    let again = rev
        .submit(&after, &format!("/envios/{id}/aprobar"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_has("No se pudo hacer");
    r.db.cleanup().await;
}

#[tokio::test]
async fn rejecting_needs_a_reason_and_the_vendor_reads_it() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("E14").await;
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let page = rev.get(&format!("/envios/{id}")).await;
    let empty = rev
        .submit(&page, &format!("/envios/{id}/rechazar"), &[("text", "   ")])
        .await;
    assert_eq!(
        empty.location(),
        format!("/envios/{id}?error=reason#reject")
    );
    rev.get(&format!("/envios/{id}?error=reason"))
        .await
        .assert_has("Escribe el motivo del rechazo.");
    let done = rev
        .submit(
            &page,
            &format!("/envios/{id}/rechazar"),
            &[("text", "La cámara <b>no</b> funciona")],
        )
        .await;
    assert_eq!(done.location(), format!("/envios/{id}?ok=rejected"));
    let mut vendor = Client::new(&r.state);
    vendor.sign_in(&r.vendor_a).await;
    let mine = vendor.get("/proveedor").await;
    mine.assert_has("Rechazado");
    let detail = vendor.get(&format!("/envios/{id}")).await;
    detail.assert_has("La cámara &#60;b&#62;no&#60;/b&#62; funciona");
    detail.assert_lacks("<b>no</b>");
    r.db.cleanup().await;
}

#[tokio::test]
async fn vendors_see_only_their_own_submissions_and_may_withdraw_and_comment() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("L14").await;
    let mut b = Client::new(&r.state);
    b.sign_in(&r.vendor_b).await;
    let list = b.get("/proveedor").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_lacks(&id);
    list.assert_has("No hay envíos aquí.");
    assert_eq!(
        b.get(&format!("/envios/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.get(&format!("/envios/{id}/informe.dsse.json"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    assert_eq!(rev.get("/proveedor").await.status, StatusCode::FORBIDDEN);

    let mut a = Client::new(&r.state);
    a.sign_in(&r.vendor_a).await;
    let list = a.get("/proveedor").await;
    list.assert_has(&format!("href=\"/envios/{id}\""));
    check_accessibility(&list, "es-MX");
    let page = a.get(&format!("/envios/{id}")).await;
    check_accessibility(&page, "es-MX");
    let download = a.get(&format!("/envios/{id}/informe.dsse.json")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download
        .header("content-disposition")
        .starts_with("attachment"));
    assert!(download
        .body
        .contains("application/vnd.mxos.report.v1+json"));
    let commented = a
        .submit(
            &page,
            &format!("/envios/{id}/comentar"),
            &[("text", "<script>alert(1)</script> ¿Falta algo?")],
        )
        .await;
    assert_eq!(
        commented.location(),
        format!("/envios/{id}?ok=commented#comments")
    );
    let page = a.get(&format!("/envios/{id}")).await;
    page.assert_has("&#60;script&#62;alert(1)&#60;/script&#62; ¿Falta algo?");
    let empty = a
        .submit(&page, &format!("/envios/{id}/comentar"), &[("text", "")])
        .await;
    assert_eq!(
        empty.location(),
        format!("/envios/{id}?error=comment#comments")
    );
    let done = a
        .submit(&page, &format!("/envios/{id}/retirar"), &[("text", "")])
        .await;
    assert_eq!(done.location(), format!("/envios/{id}?ok=withdrawn"));
    a.get(&format!("/envios/{id}")).await.assert_has("Retirado");
    // Unknown and malformed ids are 404 pages.
    assert_eq!(a.get("/envios/nope").await.status, StatusCode::NOT_FOUND);
    let anon = Client::new(&r.state).get(&format!("/envios/{id}")).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_certificate_page_shows_identity_results_downloads_and_how_to_verify() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let (status, body) = r
        .post(
            &format!("/api/v1/submissions/{id}/approve"),
            Some(&r.reviewer),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cert = body["certificate_id"].as_str().unwrap().to_owned();
    let mut c = Client::new(&r.state);
    let page = c.get(&format!("/certificados/{cert}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("<h1>LENOVO 21HM</h1>");
    page.assert_has("Vigente");
    page.assert_has("para MxOS 1.0");
    page.assert_has("ThinkPad X1 Carbon Gen 11");
    page.assert_has("quick 1.0");
    page.assert_has("Cómputo Acme");
    // Results by area and devices by category.
    page.assert_has("<td>devices</td>");
    page.assert_has("<td>storage</td>");
    page.assert_has("pci:8086:a7a1:17aa:22e4");
    // Downloads are the API's own URLs, and they answer.
    let cert_url = format!("/api/v1/certificates/{cert}/envelope");
    page.assert_has(&format!("href=\"{cert_url}\""));
    let report_url = format!("/api/v1/submissions/{id}/envelope");
    page.assert_has(&format!("href=\"{report_url}\""));
    let (s, envelope) = r.get(&cert_url, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        envelope["payloadType"],
        "application/vnd.mxos.certificate.v1+json"
    );
    assert_eq!(r.get(&report_url, None).await.0, StatusCode::OK);
    // How to verify, with this site's address.
    page.assert_has("curl -o mxcert-registry.pem http://registro.test/api/v1/registry-key");
    page.assert_has(&format!(
        "mxcert certificate verify {cert}.dsse.json --registry-key mxcert-registry.pem"
    ));
    let en = c.get(&format!("/certificados/{cert}?lang=en")).await;
    en.assert_has("How to verify it");
    en.assert_has("Valid");
    check_accessibility(&en, "en");
    // Revoked certificates say so.
    let (status, _) = r
        .post(
            &format!("/api/v1/certificates/{cert}/revoke"),
            Some(&r.reviewer),
            serde_json::json!({ "reason": "firmware <defect>" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let revoked = c.get(&format!("/certificados/{cert}?lang=es")).await;
    revoked.assert_has("Revocado");
    revoked.assert_has("firmware &#60;defect&#62;");
    revoked.assert_has(&format!("/api/v1/certificates/{cert}/revocation"));
    // Unknown and malformed ids.
    assert_eq!(
        c.get("/certificados/MX-2026-999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/certificados/garbage%00").await.status,
        StatusCode::NOT_FOUND
    );
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_home_page_lists_recent_certifications() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let (_, body) = r
        .post(
            &format!("/api/v1/submissions/{id}/approve"),
            Some(&r.reviewer),
            serde_json::json!({}),
        )
        .await;
    let cert = body["certificate_id"].as_str().unwrap();
    let page = Client::new(&r.state).get("/").await;
    page.assert_has(&format!("href=\"/certificados/{cert}\""));
    page.assert_has("LENOVO 21HM");
    page.assert_lacks("Aún no hay equipos certificados.");
    r.db.cleanup().await;
}

#[tokio::test]
async fn a_form_over_the_size_limit_gets_a_413_page() {
    let r = Registry::with_config("sqlite", |c| c.web.max_form_bytes = 64 * 1024).await;
    let mut c = Client::new(&r.state);
    let form = c.get("/acceder").await;
    let big = "x".repeat(100 * 1024);
    let page = c.submit(&form, "/acceder", &[("token", &big)]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    page.assert_has("Lo que enviaste es demasiado grande.");
    r.db.cleanup().await;
}
