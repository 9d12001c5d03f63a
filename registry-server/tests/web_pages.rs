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
