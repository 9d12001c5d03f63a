//! Several registry instances under fault: three real `mxcert-registry` processes on one
//! PostgreSQL database (a throwaway cluster this test starts: never the machine's shared server)
//! behind a real nginx, with a mixed load (submissions through the real `mxcert submit`,
//! approvals, revocations, public reads) while one instance is SIGKILLed and restarted, and then
//! while PostgreSQL itself is restarted; and one SQLite instance SIGKILLed under submissions.
//!
//! Afterwards: every acknowledged submission is stored exactly once and counted in the public
//! index, certificate numbers are unique and gap-free (`admin check`), the audit log has one row
//! per change, and no request saw a 5xx except during the database restart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mxcert_tests::fleet::{missing_tools, Instance, Ledger, Load, Nginx, Parties, PgCluster};
use mxcert_tests::{admin, http};

/// Every 5xx or unanswered request of `ledger`, except those between `from` and `to`.
fn failures_outside(ledger: &Ledger, window: Option<(Instant, Instant)>) -> Vec<String> {
    ledger
        .lock()
        .requests
        .iter()
        .filter(|r| r.status == 0 || r.status >= 500)
        .filter(|r| !window.is_some_and(|(from, to)| r.at >= from && r.at <= to))
        .map(|r| format!("{} {}: {}", r.op, r.status, r.detail))
        .collect()
}

/// The errors the instances logged (for a failure's message).
fn errors_logged(dir: &std::path::Path) -> String {
    (0..3)
        .map(|n| std::fs::read_to_string(dir.join(format!("instance-{n}.log"))).unwrap_or_default())
        .flat_map(|log| {
            log.lines()
                .filter(|l| l.contains("ERROR"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the ledger counts of each operation's answers: (2xx, 409, other).
fn tally(ledger: &Ledger, op: &str) -> (usize, usize, usize) {
    let l = ledger.lock();
    let of = |f: &dyn Fn(u16) -> bool| {
        l.requests
            .iter()
            .filter(|r| r.op == op && f(r.status))
            .count()
    };
    (
        of(&|s| (200..300).contains(&s)),
        of(&|s| s == 409),
        of(&|s| !(200..300).contains(&s) && s != 409),
    )
}

/// The database agrees with what the load was told.
fn check_database(pg: &PgCluster, ledgers: &[&Ledger]) {
    // The indexer (one of the instances, whichever takes the lock) drains the queue.
    let start = Instant::now();
    while pg.count("SELECT count(*) FROM index_queue") > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "index queue never drained"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let submissions = pg.count("SELECT count(*) FROM submissions");
    let mut acked = std::collections::BTreeSet::new();
    let (mut approved, mut revoked) = (Vec::new(), Vec::new());
    for l in ledgers {
        let l = l.lock();
        for (id, _) in &l.submitted {
            assert!(
                acked.insert(id.clone()),
                "submission {id} acknowledged twice"
            );
        }
        approved.extend(l.approved.iter().cloned());
        revoked.extend(l.revoked.iter().cloned());
    }
    // Exactly once: every acknowledged submission is there, once, and nothing else is (every
    // `mxcert submit` of the load succeeded, so nothing was stored unacknowledged).
    let stored: std::collections::BTreeSet<String> =
        pg.query("SELECT id FROM submissions").into_iter().collect();
    assert_eq!(stored, acked, "stored submissions = acknowledged ones");
    assert_eq!(
        pg.count("SELECT count(*) FROM (SELECT report_id FROM submissions GROUP BY report_id HAVING count(*) > 1) d"),
        0
    );
    // Counted in the public index, each once.
    assert_eq!(
        pg.count("SELECT count(*) FROM indexed_submissions"),
        submissions
    );
    // Acknowledged approvals and revocations are there.
    for (id, cert) in &approved {
        assert_eq!(
            pg.query(&format!(
                "SELECT id FROM certificates WHERE submission_id = '{id}'"
            )),
            std::slice::from_ref(cert)
        );
    }
    for cert in &revoked {
        assert_eq!(
            pg.query(&format!(
                "SELECT status FROM certificates WHERE id = '{cert}'"
            )),
            ["revoked"]
        );
    }
    // One audit row per change.
    let certificates = pg.count("SELECT count(*) FROM certificates");
    let revocations = pg.count("SELECT count(*) FROM certificates WHERE status = 'revoked'");
    let audit = |action: &str| {
        pg.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = '{action}'"
        ))
    };
    assert_eq!(audit("submission.create"), submissions);
    assert_eq!(audit("submission.approve"), certificates);
    assert_eq!(audit("certificate.issue"), certificates);
    assert_eq!(audit("certificate.revoke"), revocations);
    assert!(certificates >= i64::try_from(approved.len()).unwrap());
    // Numbers unique (the primary key) and gap-free, every signature verifies.
    let checked = admin(&pg.url, &["admin", "check"]);
    assert!(
        checked.contains(&format!("{certificates} certificates")),
        "{checked}"
    );
    eprintln!(
        "stored {submissions} submissions, {certificates} certificates, {revocations} revoked; \
         check: {checked}"
    );
}

#[test]
fn three_instances_behind_nginx_survive_a_killed_instance_and_a_database_restart() {
    if let Some(why) = missing_tools(true) {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pg = PgCluster::start(&d.join("pg"));
    let mark = d.join("published").to_str().unwrap().to_owned();
    let ports: Vec<u16> = (0..3).map(|_| mxcert_tests::fleet::free_port()).collect();
    // A public POST limit low enough to see: a burst of 20, then 6 a minute, per client address
    // and per instance.
    let args: Vec<String> = [
        "--trusted-proxy",
        mxcert_tests::fleet::PROXY_ADDR,
        "--published-mark",
        &mark,
        "--public-posts-per-minute",
        "6",
    ]
    .map(str::to_owned)
    .to_vec();
    // All three start at once on an empty database: migrations run once (the others wait), one
    // registry key is made.
    let starting: Vec<_> = ports
        .iter()
        .enumerate()
        .map(|(n, port)| {
            let (url, port, log) = (pg.url.clone(), *port, d.join(format!("instance-{n}.log")));
            let args = args.clone();
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                Instance::start(&url, port, &args, &log)
            })
        })
        .collect();
    let mut instances: Vec<Instance> = starting.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(pg.count("SELECT count(*) FROM registry_keys"), 1);
    let keys: Vec<String> = instances
        .iter()
        .map(|i| {
            http(
                "GET",
                &format!("{}/api/v1/registry-key", i.url()),
                None,
                None,
            )
            .1
        })
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for all: {keys:?}"
    );

    let nginx = Nginx::start(&d.join("nginx"), &ports);
    let url = nginx.url();
    let parties = Arc::new(Parties::new(&pg.url, &url, d));

    // Sessions and CSRF tokens are the database's and the shared key's, not an instance's: the
    // sign-in form of one instance is accepted by another, and the session it opens is known to
    // the third.
    sign_in_across(&instances, &parties.reviewer_token);

    // The client's address is the proxy's word, not the client's: a forged X-Forwarded-For is
    // the left of what nginx appends, and the instances take the right-most untrusted hop. The
    // public POST limit (per instance: a burst of 20) then refuses this one client once the
    // three instances' buckets are empty; had the forged addresses been believed, each would
    // have had a bucket of its own and nothing would be refused.
    let mut limited = 0;
    for n in 0..120 {
        let (status, body) = forged_check(&url, n);
        assert!(status == 200 || status == 429, "{status}: {body}");
        limited += usize::from(status == 429);
    }
    assert!(
        limited >= 40,
        "only {limited} of 120 limited: the forged addresses were believed"
    );

    // Phase 1: one instance is SIGKILLed under load, and restarted.
    let load = Load::start(&parties, &url, d, 3, 2);
    std::thread::sleep(Duration::from_secs(4));
    instances[1].kill();
    std::thread::sleep(Duration::from_secs(3));
    let recovery = instances[1].restart();
    std::thread::sleep(Duration::from_secs(4));
    let killed = load.finish();
    eprintln!("killed instance ready again after {recovery:?}");
    let failures = failures_outside(&killed, None);
    assert!(
        failures.is_empty(),
        "5xx or no answer: {failures:#?}\n{}",
        errors_logged(d)
    );
    let (subs, _, _) = tally(&killed, "submit");
    let (approvals, _, _) = tally(&killed, "approve");
    assert!(
        subs >= 10 && approvals >= 5,
        "too little load: {subs} submissions, {approvals} approvals"
    );

    // Phase 2: PostgreSQL restarts (immediate stop: as a crash) under load. Requests may fail
    // while it is away; `mxcert submit` retries them.
    let load = Load::start(&parties, &url, d, 3, 2);
    std::thread::sleep(Duration::from_secs(3));
    let down = Instant::now();
    let away = pg.restart();
    let up = Instant::now();
    std::thread::sleep(Duration::from_secs(6));
    let restarted = load.finish();
    eprintln!("PostgreSQL away {away:?}");
    let failures = failures_outside(&restarted, Some((down, up + Duration::from_secs(5))));
    assert!(
        failures.is_empty(),
        "5xx or no answer outside the restart: {failures:#?}\n{}",
        errors_logged(d)
    );
    let (subs, _, _) = tally(&restarted, "submit");
    assert!(subs >= 5, "too little load after the restart: {subs}");
    let (_, _, failed) = tally(&restarted, "submit");
    assert_eq!(failed, 0, "every mxcert submit succeeded, retries included");

    check_database(&pg, &[&killed, &restarted]);
    drop(instances);
    drop(nginx);
}

/// The `name=value` pairs of a response's `Set-Cookie` headers, as one `Cookie` header.
fn cookies_of(r: &reqwest::blocking::Response, into: &mut Vec<String>) {
    for v in r.headers().get_all("set-cookie") {
        let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
        let name = pair.split('=').next().unwrap().to_owned();
        into.retain(|c| !c.starts_with(&format!("{name}=")));
        into.push(pair);
    }
}

/// The value of the page's hidden `csrf` field.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\"").expect("a csrf field");
    let tag_start = page[..at].rfind('<').unwrap();
    let tag = &page[tag_start..tag_start + page[tag_start..].find('>').unwrap()];
    let v = tag.find("value=\"").expect("a value") + 7;
    tag[v..v + tag[v..].find('"').unwrap()].replace("&amp;", "&")
}

fn sign_in_across(instances: &[Instance], token: &str) {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies = Vec::new();
    let form = http
        .get(format!("{}/acceder", instances[0].url()))
        .send()
        .unwrap();
    cookies_of(&form, &mut cookies);
    let csrf = csrf_of(&form.text().unwrap());
    let signed_in = http
        .post(format!("{}/acceder", instances[1].url()))
        .header("Cookie", cookies.join("; "))
        .form(&[("csrf", csrf.as_str()), ("token", token)])
        .send()
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303, "{:?}", signed_in.text());
    cookies_of(&signed_in, &mut cookies);
    let home = http
        .get(format!("{}/", instances[2].url()))
        .header("Cookie", cookies.join("; "))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        home.contains("Cerrar sesión"),
        "not signed in on the third instance"
    );
    let out = http
        .post(format!("{}/salir", instances[0].url()))
        .header("Cookie", cookies.join("; "))
        .form(&[("csrf", csrf_of(&home).as_str())])
        .send()
        .unwrap();
    assert_eq!(out.status().as_u16(), 303);
}

/// `POST /api/v1/check` through the proxy with a forged `X-Forwarded-For` (a new address each
/// time).
fn forged_check(url: &str, n: usize) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/api/v1/check"))
        .header("X-Forwarded-For", format!("203.0.113.{}", n % 250 + 1))
        .header("Content-Type", "text/plain")
        .body("00:02.0 VGA compatible controller [0300]: Intel Corporation HD Graphics 620 [8086:5916] (rev 02)\n")
        .send()
        .expect("check through nginx");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

#[test]
fn a_sqlite_registry_killed_under_load_loses_no_acknowledged_submission() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = mxcert_tests::sqlite_url(d, "registry.db");
    let port = mxcert_tests::fleet::free_port();
    let mut instance = Instance::start(&db, port, &[], &d.join("instance.log"));
    let url = instance.url();
    let parties = Arc::new(Parties::new(&db, &url, d));
    let load = Load::start(&parties, &url, d, 3, 1);
    std::thread::sleep(Duration::from_secs(3));
    instance.kill();
    std::thread::sleep(Duration::from_secs(1));
    let recovery = instance.restart();
    std::thread::sleep(Duration::from_secs(3));
    let ledger = load.finish();
    eprintln!("SQLite instance ready again after {recovery:?}");
    let (subs, _, failed) = tally(&ledger, "submit");
    assert!(subs >= 5, "too little load: {subs}");
    assert_eq!(failed, 0, "mxcert submit retried through the restart");
    // Every acknowledged submission is there, byte for byte.
    let submitted = ledger.lock().submitted.clone();
    for (id, bytes) in &submitted {
        let (status, body) = http(
            "GET",
            &format!("{url}/api/v1/submissions/{id}/envelope"),
            Some(&parties.vendor_token),
            None,
        );
        assert_eq!(status, 200, "acknowledged submission {id} lost: {body}");
        assert_eq!(body.as_bytes(), bytes.as_slice(), "submission {id} changed");
    }
    let checked = admin(&db, &["admin", "check"]);
    assert!(
        checked.contains(&format!("{} submissions", submitted.len())),
        "{checked}"
    );
}
