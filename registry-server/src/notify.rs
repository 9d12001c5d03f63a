//! Telling the service manager how the registry is doing (`Type=notify` in
//! `mxcert-registry.service`): `READY=1` once migrations ran and the listener is bound,
//! `STOPPING=1` when a stop begins, each with a `STATUS=` line.
//!
//! This is systemd's `sd_notify(3)` protocol: one datagram of newline-separated `KEY=VALUE`
//! assignments to the unix socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written
//! with a leading `@`). Without the variable (not started by systemd) nothing is sent. A failure to
//! send is logged, never fatal: the registry serves either way, and systemd times the start out
//! on its own when it hears nothing.

use std::os::unix::net::UnixDatagram;

/// Sends `state` (e.g. `"READY=1\nSTATUS=listening"`) to `$NOTIFY_SOCKET`; `Ok(false)` when the
/// variable is not set.
pub fn notify(state: &str) -> std::io::Result<bool> {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let socket = UnixDatagram::unbound()?;
    let bytes = target.as_encoded_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt as _;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        socket.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        socket.send_to(state.as_bytes(), &target)?;
    }
    Ok(true)
}

/// [`notify`], logging a failure instead of returning it.
pub fn notify_or_log(state: &str) {
    if let Err(e) = notify(state) {
        tracing::warn!("failed to notify the service manager ($NOTIFY_SOCKET): {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_the_variable_nothing_is_sent() {
        // Tests of the crate never run under systemd's NOTIFY_SOCKET.
        if std::env::var_os("NOTIFY_SOCKET").is_none() {
            assert!(!super::notify("READY=1").unwrap());
        }
    }
}
