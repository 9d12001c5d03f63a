//! The throughput protocol between `network.throughput` and `mxcert peer`.
//!
//! One TCP connection per direction. The client sends one line, `MXCERT-PEER/1 UPLOAD <s>` or
//! `MXCERT-PEER/1 DOWNLOAD <s>`. For an upload the client streams data for `<s>` seconds and
//! closes its side; the peer answers `OK <bytes> <microseconds>` measured on its side. For a
//! download the peer streams for `<s>` seconds and closes; the client measures. Anything else
//! gets `ERR <reason>`. The responder is bounded: at most 3600 s per request, 16 connections at
//! once, and a 30 s read timeout, so a stray client cannot tie it up.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MAGIC: &str = "MXCERT-PEER/1";
const BUF: usize = 128 * 1024;
const MAX_SECONDS: u64 = 3600;
const MAX_CONNECTIONS: usize = 16;
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves clients on `listener` until `stop` is set. Each connection gets its own thread.
pub fn serve(listener: TcpListener, stop: Arc<AtomicBool>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                if active.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    let _ = (&stream).write_all(b"ERR busy\n");
                    continue;
                }
                active.fetch_add(1, Ordering::Relaxed);
                let active = active.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream);
                    active.fetch_sub(1, Ordering::Relaxed);
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Handles one connection.
pub fn handle(stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    (&mut reader).take(128).read_line(&mut line)?;
    let mut w = &stream;
    let words: Vec<&str> = line.split_whitespace().collect();
    let (dir, secs) = match words[..] {
        [m, dir, s] if m == MAGIC => match s.parse::<u64>() {
            Ok(s) if (1..=MAX_SECONDS).contains(&s) => (dir, s),
            _ => return w.write_all(format!("ERR seconds must be 1..{MAX_SECONDS}\n").as_bytes()),
        },
        _ => return w.write_all(b"ERR expected MXCERT-PEER/1 UPLOAD|DOWNLOAD SECONDS\n"),
    };
    match dir {
        "UPLOAD" => {
            let start = Instant::now();
            let mut buf = vec![0u8; BUF];
            let mut total = 0u64;
            // The client stops after `secs`; allow it some slack, then stop reading.
            let limit = Duration::from_secs(secs) + IO_TIMEOUT;
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 || start.elapsed() > limit {
                    break;
                }
                total += n as u64;
            }
            let micros = start.elapsed().as_micros();
            w.write_all(format!("OK {total} {micros}\n").as_bytes())
        }
        "DOWNLOAD" => {
            let buf = vec![0x5au8; BUF];
            let end = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < end {
                w.write_all(&buf)?;
            }
            stream.shutdown(Shutdown::Write)
        }
        other => w.write_all(format!("ERR unknown direction {other}\n").as_bytes()),
    }
}

/// Bytes moved and the time it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transfer {
    pub bytes: u64,
    pub seconds: f64,
}

impl Transfer {
    /// Megabits per second (10⁶ bits).
    pub fn mbps(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes as f64 * 8.0 / self.seconds / 1e6
        } else {
            0.0
        }
    }
}

/// A TCP connection to `a` leaving through the network interface `device` (SO_BINDTODEVICE,
/// which needs CAP_NET_RAW), with a 5 s bound on connecting.
fn connect_through(a: &SocketAddr, device: &str) -> io::Result<TcpStream> {
    use nix::sys::socket::{self, sockopt, AddressFamily, SockFlag, SockType, SockaddrStorage};
    use std::os::fd::AsRawFd;
    let family = if a.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let fd = socket::socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)?;
    socket::setsockopt(
        &fd,
        sockopt::BindToDevice,
        &std::ffi::OsString::from(device),
    )?;
    let bound = nix::sys::time::TimeVal::new(5, 0);
    socket::setsockopt(&fd, sockopt::SendTimeout, &bound)?;
    socket::connect(fd.as_raw_fd(), &SockaddrStorage::from(*a))?;
    Ok(TcpStream::from(fd))
}

fn connect_via(addr: &str, device: Option<&str>) -> io::Result<TcpStream> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{addr} resolves to no address"),
    );
    for a in addrs {
        let attempt = match device {
            Some(d) => connect_through(&a, d),
            None => TcpStream::connect_timeout(&a, Duration::from_secs(5)),
        };
        match attempt {
            Ok(s) => {
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Sends data to the peer for `secs` seconds; the peer measures what arrived.
pub fn upload(addr: &str, secs: u64) -> io::Result<Transfer> {
    upload_via(addr, secs, None)
}

/// [`upload`] through the network interface `device` when given (needs root).
pub fn upload_via(addr: &str, secs: u64, device: Option<&str>) -> io::Result<Transfer> {
    let mut s = connect_via(addr, device)?;
    s.write_all(format!("{MAGIC} UPLOAD {secs}\n").as_bytes())?;
    let buf = vec![0xa5u8; BUF];
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        s.write_all(&buf)?;
    }
    s.shutdown(Shutdown::Write)?;
    let mut answer = String::new();
    BufReader::new(&s).take(256).read_line(&mut answer)?;
    match answer.split_whitespace().collect::<Vec<_>>()[..] {
        ["OK", bytes, micros] => {
            let bytes = bytes
                .parse()
                .map_err(|_| bad(format!("bad answer {answer:?}")))?;
            let micros: u64 = micros
                .parse()
                .map_err(|_| bad(format!("bad answer {answer:?}")))?;
            Ok(Transfer {
                bytes,
                seconds: micros as f64 / 1e6,
            })
        }
        _ => Err(bad(format!("peer answered {:?}", answer.trim()))),
    }
}

/// Receives data from the peer for `secs` seconds.
pub fn download(addr: &str, secs: u64) -> io::Result<Transfer> {
    download_via(addr, secs, None)
}

/// [`download`] through the network interface `device` when given (needs root).
pub fn download_via(addr: &str, secs: u64, device: Option<&str>) -> io::Result<Transfer> {
    let mut s = connect_via(addr, device)?;
    s.write_all(format!("{MAGIC} DOWNLOAD {secs}\n").as_bytes())?;
    let mut buf = vec![0u8; BUF];
    let start = Instant::now();
    let mut total = 0u64;
    let mut first = true;
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if first && buf[..n].starts_with(b"ERR") {
            return Err(bad(format!(
                "peer answered {:?}",
                String::from_utf8_lossy(&buf[..n]).trim()
            )));
        }
        first = false;
        total += n as u64;
    }
    Ok(Transfer {
        bytes: total,
        seconds: start.elapsed().as_secs_f64(),
    })
}
