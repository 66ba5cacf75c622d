//! A std-only HTTP/1.1 client that writes exact request bytes and parses whatever comes back.
//!
//! Every exchange uses a fresh connection with `Connection: close`. Requests are written from a
//! second thread while the answer is read, so a server that answers early (413 before the body
//! is in) and closes is still heard. Every socket has 10-second read and write timeouts.

use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Read and write timeout of every socket.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A request, rendered to bytes by [`Request::to_bytes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method token, sent verbatim.
    pub method: String,
    /// The request target (path and query), sent verbatim.
    pub target: String,
    /// Extra header fields, in order, duplicates kept; values are raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body; `Content-Length` is added unless a header already frames the body.
    pub body: Option<Vec<u8>>,
    /// Sent as HTTP/1.0 without a `Host` header (see [`Request::without_host`]).
    pub no_host: bool,
}

impl Request {
    /// A request with no headers and no body.
    #[must_use]
    pub fn new(method: &str, target: &str) -> Self {
        Self {
            method: method.to_string(),
            target: target.to_string(),
            headers: Vec::new(),
            body: None,
            no_host: false,
        }
    }

    /// The same request as HTTP/1.0 with no `Host` header (HTTP/1.1 requires one).
    #[must_use]
    pub fn without_host(mut self) -> Self {
        self.no_host = true;
        self
    }

    /// `GET target`.
    #[must_use]
    pub fn get(target: &str) -> Self {
        Self::new("GET", target)
    }

    /// `POST target`.
    #[must_use]
    pub fn post(target: &str) -> Self {
        Self::new("POST", target)
    }

    /// Adds a header field (raw value bytes).
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_string(), value.as_ref().to_vec()));
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    #[must_use]
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// The same request with another method.
    #[must_use]
    pub fn with_method(mut self, method: &str) -> Self {
        self.method = method.to_string();
        self
    }

    /// The same request with another target.
    #[must_use]
    pub fn with_target(mut self, target: &str) -> Self {
        self.target = target.to_string();
        self
    }

    /// Replaces every value of header `name` with `value`.
    #[must_use]
    pub fn with_header_value(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.header(name, value)
    }

    /// Sets a body, with a `Content-Type` when given.
    #[must_use]
    pub fn body(mut self, content_type: Option<&str>, body: impl AsRef<[u8]>) -> Self {
        if let Some(ct) = content_type {
            self = self.header("Content-Type", ct);
        }
        self.body = Some(body.as_ref().to_vec());
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn form(self, body: &str) -> Self {
        self.body(Some("application/x-www-form-urlencoded"), body)
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The exact bytes sent: request line, `Host`, the headers, `Connection: close`, a
    /// `Content-Length` for the body when no header frames it, and the body.
    #[must_use]
    pub fn to_bytes(&self, addr: SocketAddr) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        if self.no_host {
            out.extend_from_slice(b" HTTP/1.0\r\n");
        } else {
            out.extend_from_slice(b" HTTP/1.1\r\n");
        }
        if !self.has_header("host") && !self.no_host {
            out.extend_from_slice(format!("Host: {addr}\r\n").as_bytes());
        }
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Connection: close\r\n");
        if let Some(body) = &self.body
            && !self.has_header("content-length")
            && !self.has_header("transfer-encoding")
        {
            out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if let Some(body) = &self.body {
            out.extend_from_slice(body);
        }
        out
    }

    /// A one-line description for failure messages (long parts shortened).
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} {}",
            shorten(self.method.as_bytes()),
            shorten(self.target.as_bytes())
        );
        for (n, v) in &self.headers {
            let _ = write!(s, " | {n}: {}", shorten(v));
        }
        if let Some(b) = &self.body {
            let _ = write!(s, " | body: {}", shorten(b));
        }
        s
    }
}

/// Printable form of `bytes`, cut to about 120 characters.
#[must_use]
pub fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text: String = text.escape_debug().collect();
    if text.chars().count() > 120 {
        let head: String = text.chars().take(100).collect();
        format!("{head}…({} bytes)", bytes.len())
    } else {
        text
    }
}

/// A parsed response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Header fields in order, names lower-cased, duplicates kept, values raw.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name` (case-insensitive), as text.
    #[must_use]
    pub fn headers_named(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The first value of header `name`, as text.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers_named(name).into_iter().next()
    }

    /// The body as text (lossy).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    #[must_use]
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How the client ends its side after writing the request bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Keep the connection open and read the answer.
    Read,
    /// Half-close (shut down writing), then read the answer.
    HalfClose,
    /// Close the connection at once without reading anything.
    Abandon,
}

/// What an exchange produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A complete response.
    Answered(Response),
    /// The server closed (or reset) the connection without a response.
    Closed,
    /// The client closed the connection on purpose ([`End::Abandon`]).
    Abandoned,
    /// Something else: a timeout, a malformed or truncated response.
    Broken(String),
}

impl Outcome {
    /// The response, if there is one.
    #[must_use]
    pub fn response(&self) -> Option<&Response> {
        match self {
            Self::Answered(r) => Some(r),
            _ => None,
        }
    }

    /// The status code, or a word for the other outcomes (`closed`, `abandoned`, `broken`).
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Answered(r) => r.status.to_string(),
            Self::Closed => "closed".into(),
            Self::Abandoned => "abandoned".into(),
            Self::Broken(_) => "broken".into(),
        }
    }
}

/// Sends `request` and returns the parsed response.
///
/// # Errors
/// A description of what went wrong when no complete response came back.
pub fn send(addr: SocketAddr, request: &Request) -> Result<Response, String> {
    match exchange(addr, request.to_bytes(addr), End::Read) {
        Outcome::Answered(r) => Ok(r),
        Outcome::Closed => Err(format!(
            "connection closed without an answer to {}",
            request.describe()
        )),
        Outcome::Abandoned => Err("abandoned".into()),
        Outcome::Broken(e) => Err(format!("{e} (request: {})", request.describe())),
    }
}

/// Writes `bytes` on a new connection (from a second thread), ends as `end` says, and reads
/// the answer until it is complete, the server closes, or the timeouts expire.
#[must_use]
pub fn exchange(addr: SocketAddr, bytes: Vec<u8>, end: End) -> Outcome {
    exchange_from(None, addr, bytes, end)
}

/// [`send`] from the local address `source` (a loopback address other than 127.0.0.1 is a
/// second client).
///
/// # Errors
/// As [`send`].
pub fn send_from(source: IpAddr, addr: SocketAddr, request: &Request) -> Result<Response, String> {
    match exchange_from(Some(source), addr, request.to_bytes(addr), End::Read) {
        Outcome::Answered(r) => Ok(r),
        other => Err(format!(
            "{} (request: {})",
            other.label(),
            request.describe()
        )),
    }
}

/// A connection to `addr`, from `source` when given.
fn connect(source: Option<IpAddr>, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect_timeout(&addr, IO_TIMEOUT);
    };
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.bind(&SocketAddr::new(source, 0).into())?;
    socket.connect_timeout(&addr.into(), IO_TIMEOUT)?;
    Ok(socket.into())
}

/// [`exchange`] from the local address `source` when given.
#[must_use]
pub fn exchange_from(
    source: Option<IpAddr>,
    addr: SocketAddr,
    bytes: Vec<u8>,
    end: End,
) -> Outcome {
    let stream = match connect(source, addr) {
        Ok(s) => s,
        Err(e) => return Outcome::Broken(format!("connect to {addr}: {e}")),
    };
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    // The answer to HEAD has framing headers but no body.
    let head = bytes.starts_with(b"HEAD ");
    let writer = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => return Outcome::Broken(format!("clone socket: {e}")),
    };
    let handle = thread::spawn(move || {
        let mut w = writer;
        let mut result = Ok(());
        for chunk in bytes.chunks(64 * 1024) {
            if let Err(e) = w.write_all(chunk) {
                result = Err(e);
                break;
            }
        }
        let _ = w.flush();
        match end {
            End::Read => {}
            End::HalfClose => {
                let _ = w.shutdown(Shutdown::Write);
            }
            End::Abandon => {
                let _ = w.shutdown(Shutdown::Both);
            }
        }
        result
    });
    if end == End::Abandon {
        let _ = handle.join();
        return Outcome::Abandoned;
    }
    let outcome = read_response(stream, head);
    let _ = handle.join();
    outcome
}

fn read_response(mut stream: TcpStream, head: bool) -> Outcome {
    let deadline = Instant::now() + 2 * IO_TIMEOUT;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut eof = false;
    let mut error = None;
    loop {
        if let Some(done) = parse(&buf, false, head) {
            let _ = stream.shutdown(Shutdown::Both);
            return done;
        }
        if Instant::now() > deadline {
            error = Some("no complete answer before the deadline".to_string());
            break;
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                error = Some(format!("read timed out after {IO_TIMEOUT:?}"));
                break;
            }
            Err(e) => {
                // A reset: keep what arrived before it.
                eof = true;
                if buf.is_empty() {
                    let _ = stream.shutdown(Shutdown::Both);
                    return Outcome::Closed;
                }
                error = Some(format!("read: {e}"));
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    if buf.is_empty() && eof {
        return Outcome::Closed;
    }
    match parse(&buf, eof, head) {
        Some(done) => done,
        None => Outcome::Broken(format!(
            "{}; incomplete answer: {}",
            error.unwrap_or_else(|| "connection closed".into()),
            shorten(&buf)
        )),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses one response from `buf`; `None` while more bytes are needed. Interim 1xx responses
/// are skipped. With `eof`, a body without framing runs to the end. With `head` (the answer to
/// a HEAD request) there is no body.
fn parse(buf: &[u8], eof: bool, head_request: bool) -> Option<Outcome> {
    let mut rest = buf;
    loop {
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = &rest[..head_end];
        let after = &rest[head_end + 4..];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let status_line = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let Some(status) = parts.next().and_then(|s| s.parse::<u16>().ok()) else {
            return Some(Outcome::Broken(format!("bad status line {status_line:?}")));
        };
        if !version.starts_with("HTTP/1.") {
            return Some(Outcome::Broken(format!("bad status line {status_line:?}")));
        }
        let reason = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        for line in lines {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Some(Outcome::Broken(format!(
                    "bad header line {}",
                    shorten(line)
                )));
            };
            let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
            let value = trim(&line[colon + 1..]).to_vec();
            headers.push((name, value));
        }
        if (100..200).contains(&status) {
            rest = after;
            continue;
        }
        let get = |n: &str| {
            headers
                .iter()
                .find(|(h, _)| h == n)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        let chunked =
            get("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
        let body = if head_request {
            Vec::new()
        } else if chunked {
            match dechunk(after) {
                Dechunk::Done(b) => b,
                Dechunk::More if eof => {
                    return Some(Outcome::Broken("truncated chunked body".into()));
                }
                Dechunk::More => return None,
                Dechunk::Bad => return Some(Outcome::Broken("malformed chunked body".into())),
            }
        } else if let Some(len) = get("content-length") {
            let Ok(len) = len.trim().parse::<usize>() else {
                return Some(Outcome::Broken(format!("bad content-length {len:?}")));
            };
            if after.len() < len {
                if eof {
                    return Some(Outcome::Broken(format!(
                        "truncated body: {} of {len} bytes",
                        after.len()
                    )));
                }
                return None;
            }
            after[..len].to_vec()
        } else if status == 204 || status == 304 {
            Vec::new()
        } else if eof {
            after.to_vec()
        } else {
            return None;
        };
        return Some(Outcome::Answered(Response {
            status,
            reason,
            headers,
            body,
        }));
    }
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

enum Dechunk {
    Done(Vec<u8>),
    More,
    Bad,
}

fn dechunk(mut data: &[u8]) -> Dechunk {
    let mut out = Vec::new();
    loop {
        let Some(eol) = find(data, b"\r\n") else {
            return Dechunk::More;
        };
        let line = String::from_utf8_lossy(&data[..eol]).into_owned();
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Dechunk::Bad;
        };
        data = &data[eol + 2..];
        if size == 0 {
            // Trailers end with an empty line.
            return if find(data, b"\r\n").is_some() {
                Dechunk::Done(out)
            } else {
                Dechunk::More
            };
        }
        if data.len() < size + 2 {
            return Dechunk::More;
        }
        out.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Dechunk::Bad;
        }
        data = &data[size + 2..];
    }
}

/// Encodes `body` with chunked transfer coding, in chunks of `size` bytes.
#[must_use]
pub fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / size.max(1) * 8 + 8);
    for c in body.chunks(size.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(o: Option<Outcome>) -> Response {
        match o {
            Some(Outcome::Answered(r)) => r,
            other => panic!("not answered: {other:?}"),
        }
    }

    #[test]
    fn parses_content_length_and_duplicates() {
        let raw = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\nhello";
        let r = answered(parse(raw, false, false));
        assert_eq!((r.status, r.reason.as_str()), (401, "Unauthorized"));
        assert_eq!(r.headers_named("x-a"), ["1", "2"]);
        assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
        assert_eq!(r.body, b"hello");
        assert!(parse(&raw[..raw.len() - 1], false, false).is_none());
    }

    #[test]
    fn parses_chunked_and_skips_continue() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let r = answered(parse(raw, false, false));
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abcde"[..]));
        assert!(parse(&raw[..raw.len() - 2], false, false).is_none());
        assert!(matches!(
            parse(&raw[..raw.len() - 2], true, false),
            Some(Outcome::Broken(_))
        ));
    }

    #[test]
    fn head_answers_have_no_body() {
        let raw = b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 31\r\n\r\n";
        assert_eq!(answered(parse(raw, false, true)).status, 405);
        assert!(parse(raw, false, false).is_none());
    }

    #[test]
    fn unframed_body_runs_to_eof() {
        let raw = b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /a/\r\n\r\nxy";
        assert!(parse(raw, false, false).is_none());
        assert_eq!(answered(parse(raw, true, false)).body, b"xy");
    }

    #[test]
    fn chunked_round_trip() {
        let body = b"0123456789abcdef0";
        let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        wire.extend_from_slice(&chunked(body, 4));
        assert_eq!(answered(parse(&wire, false, false)).body, body);
    }

    #[test]
    fn request_bytes() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let r = Request::post("/token").form("a=b").header("X", [0xffu8]);
        let bytes = r.to_bytes(addr);
        let expected = b"POST /token HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Type: application/x-www-form-urlencoded\r\nX: \xff\r\nConnection: close\r\nContent-Length: 3\r\n\r\na=b";
        assert_eq!(bytes, expected);
    }
}
