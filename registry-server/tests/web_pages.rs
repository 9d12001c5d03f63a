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
    // Signed in, the 404 keeps the reader's header; signed out, it shows none.
    let page = c.get("/no/such/page?lang=es").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_lacks("Cerrar sesión");
    c.sign_in(&r.vendor_a).await;
    let page = c.get("/no/such/page?lang=es").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_has("Página no encontrada");
    page.assert_has("Cerrar sesión");
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
    // The right token is not refused because of the failures (issue 13, item 6).
    let page = c.sign_in(&r.reviewer).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/revision");
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
    // The automated checks speak the reader's language; the arguments are as recorded.
    page.assert_has("pruebas obligatorias que no pasaron: devices-drivers (fail)");
    page.assert_lacks("blocker tests did not pass");
    // Checks failed: it can be rejected, not approved.
    page.assert_lacks("id=\"approve-form\"");
    page.assert_has("action=\"/envios/");
    page.assert_has("/rechazar\"");
    let en = rev.get(&format!("/envios/{second}?lang=en")).await;
    en.assert_has("Changes since the previous submission");
    en.assert_has("Automated checks failed");
    en.assert_has("blocker tests did not pass: devices-drivers (fail)");
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
    let cert = certify(&r, "LENOVO", "21HM").await;
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
    let id =
        r.db.store
            .get_certificate(&cert)
            .await
            .unwrap()
            .submission_id;
    let report_url = format!("/api/v1/submissions/{id}/envelope");
    page.assert_has(&format!("href=\"{report_url}\""));
    let (s, envelope) = r.get(&cert_url, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        envelope["payloadType"],
        "application/vnd.mxos.certificate.v1+json"
    );
    assert_eq!(r.get(&report_url, None).await.0, StatusCode::OK);
    // How to verify: no public URL is configured, so the address is a placeholder to replace.
    page.assert_has("curl -o mxcert-registry.pem https://REGISTRY.EXAMPLE/api/v1/registry-key");
    page.assert_has("Sustituya https://REGISTRY.EXAMPLE por la dirección de este registro.");
    page.assert_has(&format!(
        "mxcert certificate verify {cert}.dsse.json --registry-key mxcert-registry.pem"
    ));
    // Beside the certificate: its transparency-log proof and the log's key.
    page.assert_has(&format!("/api/v1/certificates/{cert}/proof"));
    page.assert_has(&format!(
        "--proof {cert}.tlog-proof --log-key mxcert-log.vkey"
    ));
    let en = c.get(&format!("/certificados/{cert}?lang=en")).await;
    en.assert_has("How to verify it");
    en.assert_has("Valid");
    check_accessibility(&en, "en");
    // The public and vendors get no revoke form; a reviewer revokes with a reason.
    c.get(&format!("/certificados/{cert}?lang=es"))
        .await
        .assert_lacks("id=\"revoke\"");
    let mut vendor = Client::new(&r.state);
    vendor.sign_in(&r.vendor_a).await;
    let vendor_page = vendor.get(&format!("/certificados/{cert}")).await;
    vendor_page.assert_lacks("id=\"revoke\"");
    let denied = vendor
        .submit(
            &vendor_page,
            &format!("/certificados/{cert}/revocar"),
            &[("text", "no")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let form = rev.get(&format!("/certificados/{cert}")).await;
    form.assert_has("id=\"revoke\"");
    check_accessibility(&form, "es-MX");
    let empty = rev
        .submit(
            &form,
            &format!("/certificados/{cert}/revocar"),
            &[("text", "")],
        )
        .await;
    assert_eq!(
        empty.location(),
        format!("/certificados/{cert}?error=reason#revoke")
    );
    let done = rev
        .submit(
            &form,
            &format!("/certificados/{cert}/revocar"),
            &[("text", "firmware <defect>")],
        )
        .await;
    assert_eq!(done.location(), format!("/certificados/{cert}?ok=revoked"));
    let (_, api) = r.get(&format!("/api/v1/certificates/{cert}"), None).await;
    assert_eq!(api["current_status"], "revoked");
    let again = rev
        .submit(
            &form,
            &format!("/certificados/{cert}/revocar"),
            &[("text", "twice")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
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
    let cert = certify(&r, "LENOVO", "21HM").await;
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

/// Submits and approves a report of `vendor` `model` as vendor A; returns the certificate id.
async fn certify(r: &Registry, vendor: &str, model: &str) -> String {
    let id = submit_report(
        r,
        model,
        common::ReportSpec {
            vendor: Some(vendor),
            ..Default::default()
        },
        false,
    )
    .await;
    let (status, body) = r
        .post(
            &format!("/api/v1/submissions/{id}/approve"),
            Some(&r.reviewer),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(r.indexed().await, 0, "the approval counted it");
    body["certificate_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn certified_systems_are_searched_filtered_sorted_and_paged() {
    let r = Registry::new("sqlite").await;
    let lenovo = certify(&r, "LENOVO", "21HM").await;
    let dell = certify(&r, "Dell Inc.", "Latitude 7440").await;
    let evil = certify(&r, "<b>Evil</b>", "Model \"X\"").await;
    let mut c = Client::new(&r.state);
    let page = c.get("/sistemas").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("3 equipos encontrados.");
    for cert in [&lenovo, &dell, &evil] {
        page.assert_has(&format!("href=\"/certificados/{cert}\""));
    }
    page.assert_has("&#60;b&#62;Evil&#60;/b&#62;");
    page.assert_lacks("<b>Evil</b>");
    // The vendor filter offers the current vendors, with counts.
    page.assert_has("<option value=\"LENOVO\">LENOVO (1)</option>");
    let only = c.get("/sistemas?vendor=LENOVO").await;
    only.assert_has("1 equipos encontrados.");
    only.assert_has(&lenovo);
    only.assert_lacks(&dell);
    only.assert_has("<option value=\"LENOVO\" selected>");
    let words = c.get("/sistemas?q=latitude").await;
    words.assert_has(&dell);
    words.assert_lacks(&lenovo);
    let by_model = c.get("/sistemas?sort=model").await;
    let (l, d) = (
        by_model.body.find(&lenovo).unwrap(),
        by_model.body.find(&dell).unwrap(),
    );
    assert!(d > l, "21HM sorts before Latitude");
    let newest = c.get("/sistemas?sort=newest").await;
    assert!(newest.body.find(&evil).unwrap() < newest.body.find(&lenovo).unwrap());
    let release = c.get("/sistemas?release=1.0&category=other&lang=en").await;
    release.assert_has("3 systems found.");
    check_accessibility(&release, "en");
    let none = c.get("/sistemas?release=9.9&lang=es").await;
    none.assert_has("Ningún equipo certificado coincide");
    let beyond = c.get("/sistemas?page=5").await;
    assert_eq!(beyond.status, StatusCode::OK);
    beyond.assert_has("rel=\"prev\"");
    for bad in ["/sistemas?category=spaceship", "/sistemas?sort=price"] {
        assert_eq!(c.get(bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_search_box_sends_device_ids_to_device_pages_and_words_to_systems() {
    let r = Registry::new("sqlite").await;
    certify(&r, "LENOVO", "21HM").await;
    let mut c = Client::new(&r.state);
    let cases = [
        ("8086:A7A1", "/dispositivos/pci/8086:a7a1"),
        ("[8087:0033]", "/dispositivos/usb/8087:0033"),
        ("abcd:ef01", "/dispositivos/pci/abcd:ef01"),
        ("usb:8087:0033", "/dispositivos/usb/8087:0033"),
        ("pci:8086:a7a1:17aa:22e4", "/dispositivos/pci/8086:a7a1"),
        ("ThinkPad X1", "/sistemas?q=ThinkPad+X1"),
        ("", "/sistemas"),
    ];
    for (q, to) in cases {
        let path = format!(
            "/buscar?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap()
        );
        let page = c.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{q}");
        assert_eq!(page.location(), to, "{q}");
    }
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_device_page_shows_status_names_systems_and_drivers() {
    let r = Registry::new("sqlite").await;
    let cert = certify(&r, "LENOVO", "21HM").await;
    let mut c = Client::new(&r.state);
    let page = c.get("/dispositivos/pci/8086:a7a1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("Intel Corporation Raptor Lake-P [Iris Xe Graphics]");
    page.assert_has("id=\"device-status\">Certificado<");
    page.assert_has("LENOVO 21HM");
    page.assert_has(&format!("href=\"/certificados/{cert}\""));
    page.assert_has("<code>i915</code>");
    page.assert_has("href=\"/sistemas?device=pci:8086:a7a1\"");
    let en = c.get("/dispositivos/pci/8086:A7A1:17aa:22e4?lang=en").await;
    en.assert_has("Certified");
    check_accessibility(&en, "en");
    let unknown = c.get("/dispositivos/pci/ffff:0001?lang=es").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    unknown.assert_has("Ningún reporte enviado al registro incluye este dispositivo");
    check_accessibility(&unknown, "es-MX");
    for bad in [
        "/dispositivos/pci/zz",
        "/dispositivos/pci/8086",
        "/dispositivos/%00/x",
    ] {
        assert_eq!(c.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let filtered = c.get("/sistemas?device=pci:8086:a7a1").await;
    filtered.assert_has(&cert);
    filtered.assert_has("Solo equipos con el dispositivo pci:8086:a7a1.");
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_check_page_reads_an_uploaded_probe_and_answers_per_device() {
    let r = Registry::new("sqlite").await;
    let cert = certify(&r, "LENOVO", "21HM").await;
    let mut c = Client::new(&r.state);
    let form = c.get("/funciona").await;
    assert_eq!(form.status, StatusCode::OK);
    check_accessibility(&form, "es-MX");
    form.assert_has("enctype=\"multipart/form-data\"");
    // The same machine's probe, with one device the registry has never seen and one missing
    // its driver.
    let mut inventory = common::report(common::ReportSpec::default()).inventory();
    inventory.devices[0].driver = None;
    let mut stranger = inventory.devices[1].clone();
    stranger.id = "pci:1234:5678".into();
    stranger.vendor_name = Some("<i>Unknown</i> Corp".into());
    inventory.devices.push(stranger);
    let probe = serde_json::to_vec(&inventory).unwrap();
    // Without the form's token nothing is read.
    let mut other = Client::new(&r.state);
    let other_form = other.get("/funciona").await;
    let refused = c
        .submit_multipart(
            &other_form,
            "/funciona",
            &[],
            Some(("probe", "probe.json", &probe)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let answer = c
        .submit_multipart(
            &form,
            "/funciona",
            &[("text", "")],
            Some(("probe", "probe.json", &probe)),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    check_accessibility(&answer, "es-MX");
    answer.assert_has("Leímos un archivo de mxcert probe.");
    answer.assert_has("Tu equipo: LENOVO 21HM");
    answer.assert_has("Modelo certificado");
    answer.assert_has("Encontramos 5 dispositivos:");
    answer.assert_has("data-identity=\"pci:1234:5678\"");
    answer.assert_has("Nadie lo ha reportado todavía.");
    answer.assert_has("Sin controlador en tu equipo");
    answer.assert_has("&#60;i&#62;Unknown&#60;/i&#62; Corp");
    answer.assert_has(&format!("href=\"/certificados/{cert}\""));
    // Problems and unknown devices come before the certified ones.
    let unknown_at = answer.body.find("pci:1234:5678").unwrap();
    let certified_at = answer.body.find("data-identity=\"usb:8087:0033\"").unwrap();
    assert!(unknown_at < certified_at);

    // Pasted JSON works too; garbage is shown back with the reason, not a 5xx.
    let pasted = c
        .submit_multipart(
            &form,
            "/funciona?lang=en",
            &[("text", &String::from_utf8_lossy(&probe))],
            None,
        )
        .await;
    assert_eq!(pasted.status, StatusCode::OK);
    pasted.assert_has("We read an mxcert probe file.");
    let garbage = c
        .submit_multipart(
            &form,
            "/funciona?lang=es",
            &[("text", "{\"not\": \"a probe\"")],
            None,
        )
        .await;
    assert_eq!(
        garbage.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        garbage.body
    );
    garbage.assert_has("No pudimos leer lo que enviaste:");
    garbage.assert_has("{&#34;not&#34;: &#34;a probe&#34;");
    check_accessibility(&garbage, "es-MX");
    let empty = c
        .submit_multipart(&form, "/funciona", &[("text", "  ")], None)
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.db.cleanup().await;
}

#[tokio::test]
async fn a_vendor_edits_its_directory_entry_and_the_public_sees_it_once_approved() {
    let r = Registry::new("sqlite").await;
    let cert = certify(&r, "LENOVO", "21HM").await;
    let slug = r.db.store.get_org(&r.org_a).await.unwrap().slug;
    let mut v = Client::new(&r.state);
    v.sign_in(&r.vendor_a).await;
    let form = v.get("/proveedor/directorio").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    check_accessibility(&form, "es-MX");
    // A javascript: website is refused, with the reason, and the typed values kept.
    let bad = v
        .submit(
            &form,
            "/proveedor/directorio",
            &[
                ("description", "Equipos <b>con</b> MxOS"),
                ("website", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    bad.assert_has("No se guardó:");
    bad.assert_has("website");
    bad.assert_has("Equipos &#60;b&#62;con&#60;/b&#62; MxOS");
    let saved = v
        .submit(
            &form,
            "/proveedor/directorio",
            &[
                ("name", "Cómputo Acme"),
                ("description", "Equipos <b>con</b> MxOS preinstalado"),
                ("description_en", "Machines with MxOS preinstalled"),
                ("website", "https://acme.example"),
                ("state", "JAL"),
                ("state", "CMX"),
                ("service_technical_support", "on"),
                ("sla_hours", "8"),
                ("sla_coverage", "business_hours"),
                ("service_training_certification", "on"),
                ("product_name_0", "Acme Book 14"),
                ("product_certificate_0", &cert),
                ("product_url_0", "https://acme.example/book14"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = v.get("/proveedor/directorio").await;
    after.assert_has("Esperando revisión");
    after.assert_has("value=\"JAL\" checked");
    // Not public until an admin approves.
    let mut public = Client::new(&r.state);
    public.get("/socios").await.assert_has("0 socios.");
    assert_eq!(
        public.get(&format!("/socios/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Reviewers see the pending entry; only an admin decides, and a rejection needs a reason.
    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let seen = rev.get("/revision/directorio").await;
    seen.assert_has("Equipos &#60;b&#62;con&#60;/b&#62; MxOS preinstalado");
    seen.assert_has("Solo un administrador puede aprobar o rechazar.");
    let denied = rev
        .submit(&after, &format!("/revision/directorio/{slug}/aprobar"), &[])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut admin = Client::new(&r.state);
    admin.sign_in(&r.admin).await;
    let queue = admin.get("/revision/directorio").await;
    assert_eq!(queue.status, StatusCode::OK);
    check_accessibility(&queue, "es-MX");
    let no_reason = admin
        .submit(
            &queue,
            &format!("/revision/directorio/{slug}/rechazar"),
            &[("text", " ")],
        )
        .await;
    assert_eq!(no_reason.location(), "/revision/directorio?error=reason");
    let rejected = admin
        .submit(
            &queue,
            &format!("/revision/directorio/{slug}/rechazar"),
            &[("text", "Falta el teléfono")],
        )
        .await;
    assert_eq!(rejected.location(), "/revision/directorio?ok=rejected");
    let told = v.get("/proveedor/directorio").await;
    told.assert_has("Rechazada");
    told.assert_has("Falta el teléfono");
    let resaved = v
        .submit(
            &told,
            "/proveedor/directorio",
            &[
                ("name", "Cómputo Acme"),
                ("description", "Equipos <b>con</b> MxOS preinstalado"),
                ("description_en", "Machines with MxOS preinstalled"),
                ("website", "https://acme.example"),
                ("phone", "+52 33 1234 5678"),
                ("state", "JAL"),
                ("state", "CMX"),
                ("service_technical_support", "on"),
                ("sla_hours", "8"),
                ("sla_coverage", "business_hours"),
                ("service_training_certification", "on"),
                ("product_name_0", "Acme Book 14"),
                ("product_certificate_0", &cert),
                ("product_url_0", "https://acme.example/book14"),
            ],
        )
        .await;
    assert_eq!(resaved.status, StatusCode::SEE_OTHER, "{}", resaved.body);
    let queue = admin.get("/revision/directorio").await;
    let approved = admin
        .submit(&queue, &format!("/revision/directorio/{slug}/aprobar"), &[])
        .await;
    assert_eq!(approved.location(), "/revision/directorio?ok=approved");
    admin
        .get("/revision/directorio")
        .await
        .assert_has("No hay entradas esperando revisión.");

    let list = public.get("/socios").await;
    check_accessibility(&list, "es-MX");
    list.assert_has("1 socios.");
    list.assert_has(&format!("href=\"/socios/{slug}\""));
    list.assert_has("Soporte técnico con SLA");
    assert!(public.get("/socios?state=JAL").await.has("1 socios."));
    assert!(public.get("/socios?state=YUC").await.has("0 socios."));
    assert!(public
        .get("/socios?service=training_certification")
        .await
        .has("1 socios."));
    assert!(public
        .get("/socios?service=consulting")
        .await
        .has("0 socios."));
    assert_eq!(
        public.get("/socios?state=XX").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        public.get("/socios?service=magic").await.status,
        StatusCode::BAD_REQUEST
    );
    let page = public.get(&format!("/socios/{slug}")).await;
    check_accessibility(&page, "es-MX");
    page.assert_has("<h1>Cómputo Acme</h1>");
    page.assert_has("Equipos &#60;b&#62;con&#60;/b&#62; MxOS preinstalado");
    page.assert_has("Tiempo de respuesta: 8 h, en horario laboral");
    page.assert_has("Jalisco");
    page.assert_has("Ciudad de México");
    page.assert_has(&format!("href=\"/certificados/{cert}\""));
    page.assert_has("href=\"https://acme.example/book14\"");
    let en = public.get(&format!("/socios/{slug}?lang=en")).await;
    en.assert_has("Machines with MxOS preinstalled");
    en.assert_has("Response time: 8 h, business hours");
    check_accessibility(&en, "en");
    // Reviewers and the public cannot edit entries in the portal.
    assert_eq!(
        rev.get("/proveedor/directorio").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        public.get("/proveedor/directorio").await.status,
        StatusCode::SEE_OTHER
    );
    r.db.cleanup().await;
}

#[tokio::test]
async fn every_form_refuses_a_post_without_its_csrf_token() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let slug = r.db.store.get_org(&r.org_a).await.unwrap().slug;
    for token in [&r.admin, &r.vendor_a] {
        let mut c = Client::new(&r.state);
        c.sign_in(token).await;
        let posts = [
            "/acceder".to_owned(),
            "/salir".to_owned(),
            format!("/envios/{id}/aprobar"),
            format!("/envios/{id}/rechazar"),
            format!("/envios/{id}/retirar"),
            format!("/envios/{id}/comentar"),
            "/proveedor/directorio".to_owned(),
            format!("/revision/directorio/{slug}/aprobar"),
            format!("/revision/directorio/{slug}/rechazar"),
            "/certificados/MX-2026-000001/revocar".to_owned(),
        ];
        for path in &posts {
            let page = c.post_form(path, &[("text", "x"), ("token", token)]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            page.assert_has("El formulario caducó");
        }
        let form = c.get("/").await;
        // The check form is multipart; a wrong token is refused the same way.
        let mut fake = form.clone();
        fake.body = "<input name=\"csrf\" value=\"forged\">".into();
        let page = c
            .submit_multipart(
                &fake,
                "/funciona",
                &[("text", "00:02.0 x [0300]: y [8086:9a49]")],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    // Nothing happened.
    let (_, api) = r
        .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
        .await;
    assert_eq!(api["status"], "in_review");
    r.db.cleanup().await;
}

#[tokio::test]
async fn no_page_answers_garbage_with_a_server_error() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let long = "x".repeat(5000);
    let weird = [
        "%00",
        "%FF%FE",
        "..%2F..%2Fetc%2Fpasswd",
        "%3Cscript%3E",
        "%27%3B%20DROP%20TABLE%20submissions%3B%20--",
        long.as_str(),
        "MX-9999-999999",
        "pci:zzzz",
        "%E2%80%AE",
    ];
    let mut anon = Client::new(&r.state);
    let mut admin = Client::new(&r.state);
    admin.sign_in(&r.admin).await;
    let mut vendor = Client::new(&r.state);
    vendor.sign_in(&r.vendor_a).await;
    for w in weird {
        let paths = [
            format!("/certificados/{w}"),
            format!("/envios/{w}"),
            format!("/envios/{w}/informe.dsse.json"),
            format!("/dispositivos/pci/{w}"),
            format!("/dispositivos/{w}/{w}"),
            format!("/socios/{w}"),
            format!("/static/{w}"),
            format!("/sistemas?q={w}&vendor={w}&release={w}&device={w}&page={w}"),
            format!("/buscar?q={w}"),
            format!("/socios?q={w}"),
            format!("/revision?status={w}&page={w}"),
            format!("/proveedor?page={w}"),
            format!("/envios/{id}?ok={w}&error={w}"),
            format!("/acceder?next={w}"),
            format!("/{w}"),
        ];
        for path in &paths {
            for c in [&mut anon, &mut admin, &mut vendor] {
                let page = c.get(path).await;
                assert!(
                    !page.status.is_server_error(),
                    "{path}: {} {}",
                    page.status,
                    page.body
                );
            }
        }
    }
    r.db.cleanup().await;
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn the_check_page_reads_pasted_lspci_lsusb_and_udevadm_output() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let form = c.get("/funciona").await;
    let cases = [
        (
            "firecracker-vm.lspci-nn.txt",
            "Leímos la salida de lspci -nn.",
            false,
        ),
        (
            "firecracker-vm.lspci-nnk.txt",
            "Leímos la salida de lspci -nn.",
            true,
        ),
        (
            "dell-studio-xps-1340.lsusb.txt",
            "Leímos la salida de lsusb.",
            false,
        ),
    ];
    for (file, said, drivers) in cases {
        let text = fixture(file);
        let page = c
            .submit_multipart(&form, "/funciona", &[("text", &text)], None)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{file}: {}", page.body);
        page.assert_has(said);
        check_accessibility(&page, "es-MX");
        let rows = page.body.matches("<tr data-identity=").count();
        assert!(rows >= 6, "{file}: {rows} devices");
        page.assert_has(&format!("Encontramos {rows} dispositivos:"));
        // Only an input that names drivers gets a driver column.
        assert_eq!(page.has("<code>virtio-pci</code>"), drivers, "{file}");
        assert!(!page.has("Sin controlador en tu equipo"), "{file}");
    }
    let lsusb = c
        .submit_multipart(
            &form,
            "/funciona",
            &[("text", &fixture("dell-studio-xps-1340.lsusb.txt"))],
            None,
        )
        .await;
    lsusb.assert_has("data-identity=\"usb:413c:8156\"");
    match common_shared_fixture("udevadm/DELL_XPS1340.txt") {
        Some(dump) => {
            let page = c
                .submit_multipart(&form, "/funciona", &[("text", &dump)], None)
                .await;
            assert_eq!(page.status, StatusCode::OK);
            page.assert_has("Leímos la salida de udevadm info --export-db.");
            page.assert_has("data-identity=\"usb:413c:8156\"");
        }
        None => eprintln!(
            "SKIPPED: the udevadm paste needs ../shared/fixtures (or MXCERT_SHARED_FIXTURES)"
        ),
    }
    r.db.cleanup().await;
}

/// A file of the shared real-world fixtures, if they are present.
fn common_shared_fixture(name: &str) -> Option<String> {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
        });
    std::fs::read_to_string(dir.join(name)).ok()
}

async fn api_check(r: &Registry, text: &str) -> (StatusCode, serde_json::Value) {
    r.call(
        axum::http::Method::POST,
        "/api/v1/check",
        None,
        text.to_owned(),
    )
    .await
}

/// `/funciona` and `POST /api/v1/check` take tokens from one bucket per address: 40 posts to the
/// form are limited like 40 checks (the burst passes, the rest get a 429 page in the reader's
/// language with `Retry-After`), and posts to one count against the other.
#[tokio::test]
async fn the_check_form_and_the_check_api_share_one_rate_limit() {
    const BURST: usize = 20;
    let limited = |c: &mut mxcert_registry::config::Config| {
        c.public_posts_per_minute = 1;
        c.public_post_burst = 20;
    };
    let lspci =
        "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:9a49] (rev 01)\n";
    let r = Registry::with_config("sqlite", limited).await;
    let mut c = Client::new(&r.state);
    let form = c.get("/funciona").await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..40 {
        let page = c
            .submit_multipart(&form, "/funciona", &[("text", lspci)], None)
            .await;
        statuses.push(page.status);
        last = Some(page);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        BURST,
        "{statuses:?}"
    );
    assert!(statuses[BURST..]
        .iter()
        .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    let refused = last.unwrap();
    let retry: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    check_accessibility(&refused, "es-MX");
    refused.assert_has("Enviaste demasiadas consultas en poco tiempo");
    c.accept_language = Some("en".into());
    let english = c
        .submit_multipart(&form, "/funciona", &[("text", lspci)], None)
        .await;
    assert_eq!(english.status, StatusCode::TOO_MANY_REQUESTS);
    english.assert_has("You sent too many checks in a short time");
    // The form used the address's tokens: the API is refused too.
    let (status, body) = api_check(&r, lspci).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");

    // And the other way round: checks through the API use up the form's tokens.
    let r = Registry::with_config("sqlite", limited).await;
    for _ in 0..BURST {
        let (status, body) = api_check(&r, lspci).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut c = Client::new(&r.state);
    let form = c.get("/funciona").await;
    let page = c
        .submit_multipart(&form, "/funciona", &[("text", lspci)], None)
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
}

/// Issue 13, item 5: links are never built from the request's `Host` (nor `X-Forwarded-Host`):
/// without a public URL the certificate page's commands carry a placeholder, with one they carry
/// it; no page or JSON answer contains the hostile host.
#[tokio::test]
async fn a_hostile_host_never_reaches_a_page_or_an_answer() {
    for public_url in [None, Some("https://registro.mxos.mx/")] {
        let r = Registry::with_config("sqlite", |c| {
            c.web.public_url = public_url.map(str::to_owned);
        })
        .await;
        let cert = certify(&r, "LENOVO", "21HM").await;
        let id =
            r.db.store
                .get_certificate(&cert)
                .await
                .unwrap()
                .submission_id;
        let mut c = Client::new(&r.state);
        c.host = Some("evil.example".into());
        let pages = [
            "/".to_owned(),
            format!("/certificados/{cert}"),
            format!("/certificados/{cert}?lang=en"),
            "/sistemas".into(),
            "/socios".into(),
            "/funciona".into(),
            "/no-such-page".into(),
        ];
        for path in &pages {
            let page = c.get(path).await;
            assert!(page.status.as_u16() < 500, "{path}");
            page.assert_lacks("evil.example");
            assert!(
                !format!("{:?}", page.headers).contains("evil.example"),
                "{path}"
            );
        }
        let page = c.get(&format!("/certificados/{cert}")).await;
        match public_url {
            None => page.assert_has(
                "curl -o mxcert-registry.pem https://REGISTRY.EXAMPLE/api/v1/registry-key",
            ),
            Some(_) => {
                page.assert_has(
                    "curl -o mxcert-registry.pem https://registro.mxos.mx/api/v1/registry-key",
                );
                page.assert_lacks("REGISTRY.EXAMPLE");
            }
        }
        let api = [
            format!("/api/v1/systems/{cert}"),
            format!("/api/v1/certificates/{cert}"),
            format!("/api/v1/submissions/{id}"),
            "/api/v1/systems".into(),
            "/api/v1/certified".into(),
            "/api/v1/export/certified.json".into(),
            "/api/v1/export/certified.csv".into(),
            "/api/v1/openapi.json".into(),
        ];
        for path in &api {
            let req = axum::http::Request::get(path.as_str())
                .header("host", "evil.example")
                .header("x-forwarded-host", "evil.example")
                .header("authorization", format!("Bearer {}", r.reviewer))
                .body(axum::body::Body::empty())
                .unwrap();
            let resp =
                tower::ServiceExt::oneshot(mxcert_registry::server::app(r.state.clone()), req)
                    .await
                    .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            let headers = format!("{:?}", resp.headers());
            let body = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body = String::from_utf8_lossy(&body);
            assert!(!body.contains("evil.example"), "{path}: {body}");
            assert!(!headers.contains("evil.example"), "{path}");
        }
        r.db.cleanup().await;
    }
}

/// A NUL character (`%00`) in a page's query or a form is a 400 page naming the field, on both
/// databases: PostgreSQL can neither store nor compare it, and the portal's searches answered 500.
#[tokio::test]
async fn nul_characters_in_queries_and_forms_are_refused_not_server_errors() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let mut c = Client::new(&r.state);
        for path in [
            "/sistemas?q=a%00b",
            "/buscar?q=a%00b",
            "/socios?q=a%00b",
            "/sistemas?vendor=%00",
        ] {
            let page = c.get(path).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{kind}: {path}");
            page.assert_has("NUL");
        }
        let page = c.sign_in(&r.reviewer).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
        let queue = c.get("/revision?org=a%00b").await;
        assert_eq!(queue.status, StatusCode::BAD_REQUEST, "{kind}");
        r.db.cleanup().await;
    }
}
