//! The registry as systemd runs it (`packaging/mxcert-registry.service`, `Type=notify`): the real
//! binary tells a real unix datagram socket named by `NOTIFY_SOCKET` that it is ready only once
//! it answers (`READY=1` after migrations and the bind), and that it is stopping on SIGTERM; a
//! request in flight when SIGTERM arrives still gets its whole answer, and the process exits 0.

use std::io::{Read, Write};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn registry(db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxcert-registry"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .env_remove("MXCERT_REGISTRY_CONFIG")
        .env("MXCERT_REGISTRY_LOG", "warn")
        .stdout(Stdio::null());
    cmd
}

/// The next datagram on `socket`, as text (waits at most a minute: a debug build migrating on a
/// busy machine).
fn next_message(socket: &UnixDatagram) -> String {
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = socket
        .recv(&mut buf)
        .expect("no notification within a minute");
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// One HTTP/1.1 exchange on a fresh connection: the whole answer.
fn get(addr: &str, path: &str) -> String {
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer
}

/// Starts the registry with `NOTIFY_SOCKET` and returns it, the socket and the address its
/// `READY=1` message announced.
fn start_notified(dir: &std::path::Path) -> (Child, UnixDatagram, String) {
    let socket_path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let db = format!("sqlite://{}", dir.join("r.db").display());
    let child = registry(&db)
        .env("NOTIFY_SOCKET", &socket_path)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = next_message(&socket);
    let lines: Vec<&str> = ready.lines().collect();
    assert_eq!(lines.first(), Some(&"READY=1"), "{ready:?}");
    let addr = ready
        .split("STATUS=listening on http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {ready:?}"))
        .trim()
        .to_owned();
    (child, socket, addr)
}

#[test]
fn ready_is_notified_once_migrated_and_listening_and_stopping_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, socket, addr) = start_notified(dir.path());
    // Ready means ready: the very first request after the message is answered, database included.
    let answer = get(&addr, "/readyz");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(dir.path().join("r.db").exists());

    sigterm(&child);
    let stopping = next_message(&socket);
    assert!(stopping.starts_with("STOPPING=1\n"), "{stopping:?}");
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit}");
}

#[test]
fn an_abstract_notify_socket_is_reached_too() {
    use std::os::linux::net::SocketAddrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let name = format!("mxcert-test-notify-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = UnixDatagram::bind_addr(&addr).unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let mut child = registry(&db)
        .env("NOTIFY_SOCKET", format!("@{name}"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = next_message(&socket);
    assert!(ready.starts_with("READY=1\n"), "{ready:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_request_in_flight_at_sigterm_gets_its_answer_and_the_process_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, socket, addr) = start_notified(dir.path());
    let body = "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:46a6]\n\
                00:14.0 USB controller [0c03]: Intel Corporation Device [8086:51ed]\n";
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    // The request has begun (headers and half its body are in); now the stop arrives.
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);
    let stopping = next_message(&socket);
    assert!(stopping.starts_with("STOPPING=1\n"), "{stopping:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the registry exited with a request in flight"
    );
    // New connections are no longer accepted...
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "the listener is still open after SIGTERM"
    );
    // ...but the request in flight completes.
    conn.write_all(rest.as_bytes()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"devices\""), "{answer}");
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit}");
}
