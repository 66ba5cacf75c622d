//! Tutorial servers as real processes on 127.0.0.1, one per configuration, killed on drop.

use std::fmt;
use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::{self, Request, Response};
use crate::token::SECRET_KEY;

/// How long a server may take to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The tutorial chapter (`--variant`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// `jwt`
    Jwt,
    /// `scopes`
    Scopes,
}

/// The error style (`--style`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// `rfc`
    Rfc,
    /// `fastapi`
    FastApi,
}

impl Variant {
    /// The option value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Scopes => "scopes",
        }
    }
}

impl Style {
    /// The option value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rfc => "rfc",
            Self::FastApi => "fastapi",
        }
    }
}

/// A configuration: variant and style.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cfg {
    /// `--variant`
    pub variant: Variant,
    /// `--style`
    pub style: Style,
}

impl Cfg {
    /// A configuration.
    #[must_use]
    pub const fn new(variant: Variant, style: Style) -> Self {
        Self { variant, style }
    }

    /// `--variant` and `--style` arguments.
    #[must_use]
    pub fn args(self) -> Vec<String> {
        vec![
            "--variant".into(),
            self.variant.as_str().into(),
            "--style".into(),
            self.style.as_str().into(),
        ]
    }
}

impl fmt::Display for Cfg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.variant.as_str(), self.style.as_str())
    }
}

/// Which implementation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Impl {
    /// `rocket-tutorial`
    Rocket,
    /// `warp-tutorial`
    Warp,
    /// `axum-tutorial`
    Axum,
}

impl Impl {
    /// Every implementation.
    pub const ALL: [Self; 3] = [Self::Rocket, Self::Warp, Self::Axum];

    /// `rocket` or `warp`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Rocket => "rocket",
            Self::Warp => "warp",
            Self::Axum => "axum",
        }
    }

    /// The binary's file name.
    #[must_use]
    pub fn binary_name(self) -> String {
        let base = match self {
            Self::Rocket => "rocket-tutorial",
            Self::Warp => "warp-tutorial",
            Self::Axum => "axum-tutorial",
        };
        format!("{base}{}", std::env::consts::EXE_SUFFIX)
    }

    /// The environment variable that overrides the binary's path.
    #[must_use]
    pub const fn override_var(self) -> &'static str {
        match self {
            Self::Rocket => "TESSERA_ROCKET_BIN",
            Self::Warp => "TESSERA_WARP_BIN",
            Self::Axum => "TESSERA_AXUM_BIN",
        }
    }

    /// The binary: the override variable, else next to the test executable's profile
    /// directory (`target/<profile>/`).
    ///
    /// # Errors
    /// A message saying how to build it when it is not there.
    pub fn binary(self) -> Result<PathBuf, String> {
        if let Some(p) = std::env::var_os(self.override_var()) {
            let p = PathBuf::from(p);
            return if p.is_file() {
                Ok(p)
            } else {
                Err(format!(
                    "{} points at {}, which is not a file",
                    self.override_var(),
                    p.display()
                ))
            };
        }
        let p = profile_dir()?.join(self.binary_name());
        if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "{} not found; run `cargo build --workspace --bins` (with the same CARGO_TARGET_DIR \
                 and profile as the tests) or set {}",
                p.display(),
                self.override_var()
            ))
        }
    }
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The implementations to test: `TESSERA_SERVERS` (a comma-separated list of `rocket`, `warp`,
/// `axum`) or all three. With one, the parity checks have nothing to compare and only the spec is checked.
///
/// # Panics
/// On a name that is neither `rocket` nor `warp`.
#[must_use]
pub fn selected() -> Vec<Impl> {
    match std::env::var("TESSERA_SERVERS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "rocket" => Impl::Rocket,
                "warp" => Impl::Warp,
                "axum" => Impl::Axum,
                other => panic!("TESSERA_SERVERS: unknown server {other:?} (rocket, warp, axum)"),
            })
            .collect(),
        _ => Impl::ALL.to_vec(),
    }
}

/// `target/<profile>/`: the test executable lives in its `deps/`.
///
/// # Errors
/// When the executable's path cannot be found.
pub fn profile_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .ok_or_else(|| format!("no profile directory above {}", exe.display()))
}

/// A free port on 127.0.0.1 (bound, read, released).
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

/// The environment of a server: `SECRET_KEY` set to the tutorial key unless told otherwise;
/// `ACCESS_TOKEN_EXPIRE_MINUTES` removed unless given.
#[derive(Clone, Debug)]
pub struct Env {
    /// `SECRET_KEY`: `None` removes it.
    pub secret_key: Option<String>,
    /// `ACCESS_TOKEN_EXPIRE_MINUTES`: `None` removes it.
    pub expire_minutes: Option<String>,
    /// Further variables, set as given.
    pub extra: Vec<(String, String)>,
}

impl Default for Env {
    fn default() -> Self {
        Self {
            secret_key: Some(SECRET_KEY.to_string()),
            expire_minutes: None,
            extra: Vec::new(),
        }
    }
}

/// A running server process. Killed when dropped.
#[derive(Debug)]
pub struct Server {
    imp: Impl,
    label: String,
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

/// How a process that was expected to refuse to start ended.
#[derive(Debug)]
pub struct Exited {
    /// Its exit status, or `None` when it was still running at the deadline (it was killed).
    pub status: Option<ExitStatus>,
    /// Whether something accepted a connection on its port meanwhile.
    pub listened: bool,
    /// Its output.
    pub log: String,
}

fn spawn(
    imp: Impl,
    args: &[String],
    env: &Env,
    tag: &str,
) -> Result<(Child, SocketAddr, PathBuf), String> {
    let bin = imp.binary()?;
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let dir = profile_dir()?.join("tessera-tests-logs");
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let log = dir.join(format!("{}-{tag}-{port}.log", imp.name()));
    let out = File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("clone log file: {e}"))?;
    let mut cmd = Command::new(&bin);
    cmd.args(args)
        .args(["--address", "127.0.0.1", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    match &env.secret_key {
        Some(k) => cmd.env("SECRET_KEY", k),
        None => cmd.env_remove("SECRET_KEY"),
    };
    match &env.expire_minutes {
        Some(m) => cmd.env("ACCESS_TOKEN_EXPIRE_MINUTES", m),
        None => cmd.env_remove("ACCESS_TOKEN_EXPIRE_MINUTES"),
    };
    // The machine's shared stores and login settings reach a server only when a test asks.
    for name in [
        "REDIS_URL",
        "REDIS_KEY_PREFIX",
        "DATABASE_URL",
        "DATABASE_SCHEMA",
        "PREVIOUS_SECRET_KEYS",
        "TRUSTED_PROXY_HOPS",
        "LOGIN_FAILURE_LIMIT",
        "LOGIN_CLIENT_FAILURE_LIMIT",
        "LOGIN_USERNAME_FAILURE_LIMIT",
        "REFRESH_TOKEN_EXPIRE_DAYS",
        "TOKEN_REVOCATION",
    ] {
        cmd.env_remove(name);
    }
    for (name, value) in &env.extra {
        cmd.env(name, value);
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
    Ok((child, addr, log))
}

/// The last `n` lines of a log file.
#[must_use]
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Server {
    /// Starts `imp` in `cfg` with the tutorial `SECRET_KEY`, and waits until it accepts
    /// connections.
    ///
    /// # Errors
    /// A message with the log's tail when the binary is missing, exits, or is not listening
    /// within [`START_TIMEOUT`].
    pub fn start(imp: Impl, cfg: Cfg) -> Result<Self, String> {
        Self::start_with(imp, cfg, &Env::default())
    }

    /// [`start`](Self::start) with another environment.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_with(imp: Impl, cfg: Cfg, env: &Env) -> Result<Self, String> {
        let tag = format!("{}-{}", cfg.variant.as_str(), cfg.style.as_str());
        let (child, addr, log) = spawn(imp, &cfg.args(), env, &tag)?;
        let mut server = Self {
            imp,
            label: format!("{imp} {cfg}"),
            child,
            addr,
            log,
        };
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before accepting connections on {addr}; log {}:\n{}",
                    server.label,
                    server.log.display(),
                    tail(&server.log_text(), 30)
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if start.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "{} did not accept connections on {addr} within {START_TIMEOUT:?}; log {}:\n{}",
                    server.label,
                    server.log.display(),
                    tail(&server.log_text(), 30)
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `imp` with `args` and `env`, expecting it to refuse to start: waits up to `wait`
    /// for it to exit, noting whether it accepted a connection meanwhile.
    ///
    /// # Errors
    /// When the binary is missing or cannot be spawned.
    pub fn run_expecting_exit(
        imp: Impl,
        args: &[String],
        env: &Env,
        wait: Duration,
    ) -> Result<Exited, String> {
        let (mut child, addr, log) = spawn(imp, args, env, "refused")?;
        let start = Instant::now();
        let mut listened = false;
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break Some(status);
            }
            if !listened && TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                listened = true;
            }
            if start.elapsed() > wait {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(50));
        };
        Ok(Exited {
            status,
            listened,
            log: fs::read_to_string(&log).unwrap_or_default(),
        })
    }

    /// Which implementation this is.
    #[must_use]
    pub const fn imp(&self) -> Impl {
        self.imp
    }

    /// `rocket jwt/rfc`, for messages.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Where it listens.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `request`.
    ///
    /// # Errors
    /// When no complete response came back (with the server's log tail).
    pub fn send(&self, request: &Request) -> Result<Response, String> {
        client::send(self.addr, request).map_err(|e| {
            format!(
                "{}: {e}\nlog tail:\n{}",
                self.label,
                tail(&self.log_text(), 10)
            )
        })
    }

    /// Everything the process has printed so far.
    #[must_use]
    pub fn log_text(&self) -> String {
        fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The log file.
    #[must_use]
    pub fn log_path(&self) -> &std::path::Path {
        &self.log
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `Err` with the offending lines when the log mentions a panic.
    ///
    /// # Errors
    /// The lines that contain `panicked`.
    pub fn check_no_panic(&self) -> Result<(), String> {
        let log = self.log_text();
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("panicked")).collect();
        if lines.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} log {} mentions a panic:\n{}",
                self.label,
                self.log.display(),
                lines.join("\n")
            ))
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
