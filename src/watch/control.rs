//! The control socket: `headsup snooze/pause/resume/status` talk to the
//! running watcher over a Unix socket in the runtime dir, owner-only. One
//! JSON [`Request`] line in, one JSON [`Reply`] line out; both sides use
//! these types. Its existence is also how a second watcher learns one is
//! running.

use std::io::{BufRead, BufReader, Read as _, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::clock::parse_duration;
use crate::posture::{Correction, PostureEngine, State};

/// What a client asks of the watcher.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    Snooze {
        seconds: f64,
    },
    Pause,
    Resume,
    Status,
    /// Judge against the saved profile of `setup` from now on.
    UseProfile {
        setup: Setup,
    },
    /// Take `seconds` of frames as the new baseline (the window's wizard),
    /// saved as the profile for `setup`.
    Calibrate {
        setup: Setup,
        seconds: f64,
        /// Screens to calibrate in turn, `seconds` each (1 to 4).
        #[serde(default = "one")]
        screens: u8,
    },
    /// The user's word on the last judgement: it moves the cut-off of the
    /// profile in use (saved), or takes corrections back.
    Correct {
        what: Correct,
    },
}

/// What `headsup feedback`, the notification, the tray and the window say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correct {
    /// "That alert was wrong": alerts should come later.
    Wrong,
    /// "I was slouching and you missed it": sooner.
    Missed,
    /// Take the last correction back.
    Undo,
    /// Forget every correction.
    Reset,
}

impl Correct {
    pub fn name(self) -> &'static str {
        match self {
            Correct::Wrong => "wrong",
            Correct::Missed => "missed",
            Correct::Undo => "undo",
            Correct::Reset => "reset",
        }
    }

    /// Applies it to `engine`'s baseline; false when there was nothing
    /// to apply it to (no baseline, or no correction to undo).
    pub fn apply(self, engine: &mut PostureEngine) -> bool {
        match self {
            Correct::Wrong => engine.correct(Correction::Wrong).is_some(),
            Correct::Missed => engine.correct(Correction::Missed).is_some(),
            Correct::Undo => engine.undo_correction().is_some(),
            Correct::Reset => {
                engine.reset_corrections();
                engine.baseline().is_some()
            }
        }
    }

    fn parse(word: &str) -> Option<Correct> {
        [Correct::Wrong, Correct::Missed, Correct::Undo, Correct::Reset]
            .into_iter()
            .find(|c| c.name() == word)
    }
}

impl Request {
    /// Parses "snooze 30m", "snooze 1800", "pause", "resume", "status",
    /// "profile desk", "calibrate 5s", "feedback wrong".
    pub fn parse(line: &str) -> Result<Request, String> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("snooze"), Some(d)) => parse_duration(d).map(|seconds| Request::Snooze { seconds }),
            (Some("snooze"), None) => Ok(Request::Snooze { seconds: 30.0 * 60.0 }),
            (Some("pause"), None) => Ok(Request::Pause),
            (Some("resume"), None) => Ok(Request::Resume),
            (Some("status"), None) => Ok(Request::Status),
            (Some("profile"), Some("desk")) => Ok(Request::UseProfile { setup: Setup::Desk }),
            (Some("profile"), Some("laptop")) => Ok(Request::UseProfile { setup: Setup::Laptop }),
            (Some("profile"), Some("default")) => Ok(Request::UseProfile { setup: Setup::Default }),
            (Some("feedback"), Some(w)) => Correct::parse(w)
                .map(|what| Request::Correct { what })
                .ok_or_else(|| format!("feedback {w:?}: expected wrong, missed, undo or reset")),
            (Some("calibrate"), d) => {
                let screens = match words.next() {
                    None => 1,
                    Some(n) => {
                        n.parse().map_err(|_| format!("calibrate {n:?}: expected a number of screens"))?
                    }
                };
                parse_duration(d.unwrap_or("5s")).map(|seconds| Request::Calibrate {
                    seconds,
                    setup: Setup::Default,
                    screens,
                })
            }
            _ => Err(format!(
                "unknown request {line:?}; expected snooze DURATION, pause, resume, status, profile NAME, calibrate DURATION or feedback wrong|missed|undo|reset"
            )),
        }
    }

    /// Refuses values no client should send: a snooze of 1 s to 24 h, a
    /// calibration of 3 to 60 s. Every path into the watcher checks this.
    pub fn check(self) -> Result<Request, String> {
        match self {
            Request::Snooze { seconds } if !(1.0..=86_400.0).contains(&seconds) => {
                Err(format!("snooze takes 1 s to 24 h, not {seconds} s"))
            }
            Request::Calibrate { seconds, .. } if !(3.0..=60.0).contains(&seconds) => {
                Err(format!("calibrate takes 3 to 60 s, not {seconds} s"))
            }
            Request::Calibrate { screens, .. } if !(1..=4).contains(&screens) => {
                Err(format!("calibrate takes 1 to 4 screens, not {screens}"))
            }
            ok => Ok(ok),
        }
    }

    /// One request line as a client sent it: JSON, checked.
    pub fn decode(line: &str) -> Result<Request, String> {
        let req = serde_json::from_str::<Request>(line.trim())
            .map_err(|e| format!("not a request ({e}): {:?}", line.trim()))?;
        req.check()
    }
}

/// The watcher's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Status(Status),
    /// A correction was taken: the cut-off now in force and what it says.
    Corrected {
        message: String,
        forward_below: f64,
        corrections: usize,
    },
    Error {
        error: String,
    },
}

/// What the watcher is doing and seeing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// `watching`, `paused` or `snoozed`.
    pub mode: String,
    pub snooze_left_s: Option<f64>,
    pub state: Option<State>,
    pub score: Option<f32>,
    pub reason: Option<String>,
    /// Seconds on the source's clock.
    pub t: f64,
    pub fps: f64,
    pub frames: u64,
    pub dropped: u64,
    pub source: String,
}

fn one() -> u8 {
    1
}

/// Which profile a calibration from the window is saved as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setup {
    /// The profile the watcher was started with (or `default`).
    Default,
    Desk,
    Laptop,
}

impl Setup {
    pub fn profile_name(self) -> Option<&'static str> {
        match self {
            Setup::Default => None,
            Setup::Desk => Some("desk"),
            Setup::Laptop => Some("laptop"),
        }
    }
}

/// A request with the channel its answer goes back on.
pub type Incoming = (Request, Sender<Reply>);

/// Sends `req` to the watcher without waiting for its answer (the window
/// and the tray see the outcome in the snapshot).
pub fn post(requests: &Sender<Incoming>, req: Request) {
    let (tx, _rx) = std::sync::mpsc::channel();
    let _ = requests.send((req, tx));
}

/// `$XDG_RUNTIME_DIR/headsup.sock`, or, when that is unset, a private
/// `headsup-UID` folder (0700) in the temp dir.
pub fn socket_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("headsup.sock"),
        _ => {
            // SAFETY: getuid has no preconditions.
            let uid = unsafe { libc::getuid() };
            std::env::temp_dir().join(format!("headsup-{uid}")).join("headsup.sock")
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(
        "another headsup watcher is already running (control socket {0}); stop it first, or talk to it with `headsup status`"
    )]
    AlreadyRunning(PathBuf),
    #[error("no headsup watcher is running (no control socket at {0})")]
    NotRunning(PathBuf),
    #[error(
        "{path} is not a private folder (it must be yours with mode 0700; found uid {uid}, mode {mode:o}); remove it or set XDG_RUNTIME_DIR"
    )]
    UnsafeDir { path: PathBuf, uid: u32, mode: u32 },
    #[error("control socket {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// Longest request line taken, bytes.
const MAX_REQUEST: u64 = 4096;
/// Connections served at once; the next is answered "busy".
const MAX_CONNECTIONS: usize = 8;
/// How long a client may take to send its line.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// Listens on `path`; requests arrive on the returned receiver. Fails
/// clearly when another watcher already answers there; a stale socket left
/// by a crash is replaced. Outside `XDG_RUNTIME_DIR` the socket's folder
/// must be private (created 0700 here, or refused as found otherwise).
pub fn serve(path: &Path) -> Result<(Receiver<Incoming>, SocketGuard), ControlError> {
    let io = |e: std::io::Error| ControlError::Io { path: path.to_path_buf(), message: e.to_string() };
    if UnixStream::connect(path).is_ok() {
        return Err(ControlError::AlreadyRunning(path.to_path_buf()));
    }
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    match path.parent() {
        Some(dir) if runtime_dir.as_deref() != Some(dir) => private_dir(dir)?,
        Some(dir) if !dir.exists() => std::fs::create_dir_all(dir).map_err(io)?,
        _ => {}
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || accept_loop(listener, tx))
        .map_err(io)?;
    Ok((rx, SocketGuard(path.to_path_buf())))
}

/// Creates `dir` with mode 0700 (atomically: the mode is set by mkdir), or
/// checks that an existing one is the user's own and private.
fn private_dir(dir: &Path) -> Result<(), ControlError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let io = |e: std::io::Error| ControlError::Io { path: dir.to_path_buf(), message: e.to_string() };
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io)?;
    // SAFETY: getuid has no preconditions.
    let me = unsafe { libc::getuid() };
    let mode = meta.mode() & 0o7777;
    if !meta.is_dir() || meta.uid() != me || mode != 0o700 {
        return Err(ControlError::UnsafeDir { path: dir.to_path_buf(), uid: meta.uid(), mode });
    }
    Ok(())
}

fn accept_loop(listener: UnixListener, tx: Sender<Incoming>) {
    let open = Arc::new(AtomicUsize::new(0));
    for mut stream in listener.incoming().flatten() {
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            answer(&mut stream, &Reply::Error { error: "busy: too many connections".into() });
            continue;
        }
        open.fetch_add(1, Ordering::Relaxed);
        let (tx, done) = (tx.clone(), open.clone());
        let spawned = std::thread::Builder::new().name("control-client".into()).spawn(move || {
            handle(stream, tx);
            done.fetch_sub(1, Ordering::Relaxed);
        });
        if let Err(e) = spawned {
            open.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!("control socket: cannot serve a connection: {e}");
        }
    }
}

fn answer(stream: &mut UnixStream, reply: &Reply) {
    if let Ok(text) = serde_json::to_string(reply) {
        let _ = writeln!(stream, "{text}");
    }
}

/// The uid of the process at the other end (Linux: SO_PEERCRED).
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: a valid socket descriptor, and a buffer of the size given.
    let r = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (r == 0).then_some(cred.uid)
}

fn handle(mut stream: UnixStream, tx: Sender<Incoming>) {
    // SAFETY: getuid has no preconditions.
    if peer_uid(&stream) != Some(unsafe { libc::getuid() }) {
        answer(&mut stream, &Reply::Error { error: "refused: the watcher answers only its own user".into() });
        return;
    }
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let Ok(reader) = stream.try_clone() else { return };
    let mut line = Vec::new();
    if BufReader::new(reader.take(MAX_REQUEST + 1)).read_until(b'\n', &mut line).is_err() {
        return;
    }
    let reply = if line.len() as u64 > MAX_REQUEST {
        Reply::Error { error: format!("request longer than {MAX_REQUEST} bytes") }
    } else {
        let decoded = std::str::from_utf8(&line)
            .map_err(|_| "a request is a line of UTF-8 JSON".to_string())
            .and_then(Request::decode);
        match decoded {
            Ok(req) => {
                let (rtx, rrx) = mpsc::channel();
                if tx.send((req, rtx)).is_err() {
                    return;
                }
                rrx.recv_timeout(Duration::from_secs(5))
                    .unwrap_or_else(|_| Reply::Error { error: "watcher busy".into() })
            }
            Err(error) => Reply::Error { error },
        }
    };
    answer(&mut stream, &reply);
    // Closing with unread input (a long or two-line request) would reset
    // the connection before the client reads the answer: say we are done,
    // then let the rest go by (bounded, and by the read timeout).
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = std::io::copy(&mut (&stream).take(1 << 20), &mut std::io::sink());
}

/// Removes the socket file when the watcher ends.
pub struct SocketGuard(PathBuf);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Sends one request to the running watcher and returns its answer.
pub fn request(path: &Path, req: Request) -> Result<Reply, ControlError> {
    let mut stream = UnixStream::connect(path).map_err(|_| ControlError::NotRunning(path.to_path_buf()))?;
    let io = |e: std::io::Error| ControlError::Io { path: path.to_path_buf(), message: e.to_string() };
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(io)?;
    let line = serde_json::to_string(&req).map_err(|e| io(e.into()))?;
    writeln!(stream, "{line}").map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    serde_json::from_str(answer.trim()).map_err(|e| ControlError::Io {
        path: path.to_path_buf(),
        message: format!("unreadable answer ({e}): {:?}", answer.trim()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_requests_are_refused_in_words() {
        let err = Request::decode(r#"{"request":"snooze","seconds":1e300}"#).expect_err("huge snooze");
        assert!(err.contains("snooze takes 1 s to 24 h"), "{err}");
        let err = Request::decode(r#"{"request":"calibrate","setup":"desk","seconds":2}"#).expect_err("2 s");
        assert!(err.contains("calibrate takes 3 to 60 s"), "{err}");
        assert_eq!(
            Request::decode("{\"request\":\"snooze\",\"seconds\":60}\n"),
            Ok(Request::Snooze { seconds: 60.0 })
        );
        assert!(Request::decode("snooze").expect_err("not json").starts_with("not a request"));
    }

    #[test]
    fn durations_and_requests_parse() {
        assert_eq!(parse_duration("30m"), Ok(1800.0));
        assert_eq!(parse_duration("90"), Ok(90.0));
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        assert!(
            parse_duration("3 weeks").is_err()
                && parse_duration("-5m").is_err()
                && parse_duration("30x").is_err()
        );
        assert_eq!(Request::parse("snooze 15m"), Ok(Request::Snooze { seconds: 900.0 }));
        assert_eq!(Request::parse("status"), Ok(Request::Status));
        assert_eq!(
            Request::parse("calibrate 4s 2"),
            Ok(Request::Calibrate { seconds: 4.0, setup: Setup::Default, screens: 2 })
        );
        assert!(Request::parse("calibrate 4s 9").expect("parses").check().is_err());
        assert_eq!(Request::parse("feedback wrong"), Ok(Request::Correct { what: Correct::Wrong }));
        assert_eq!(Request::parse("feedback undo"), Ok(Request::Correct { what: Correct::Undo }));
        assert!(Request::parse("feedback maybe").is_err_and(|e| e.contains("wrong, missed, undo or reset")));
        assert!(Request::parse("explode").is_err());
    }

    #[test]
    fn a_second_server_is_refused_and_requests_round_trip() {
        let dir = std::env::temp_dir().join(format!("headsup-ctl-{}", std::process::id()));
        let path = dir.join("sub/headsup.sock");
        let (rx, guard) = serve(&path).expect("serve");
        assert!(matches!(serve(&path), Err(ControlError::AlreadyRunning(_))));
        let mode = std::fs::metadata(&path).expect("socket").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let answer = std::thread::spawn(move || {
            let (req, reply) = rx.recv().expect("request");
            assert_eq!(req, Request::Calibrate { seconds: 5.0, setup: Setup::Desk, screens: 1 });
            reply.send(Reply::Error { error: "no".into() }).expect("reply");
        });
        let req = Request::Calibrate { seconds: 5.0, setup: Setup::Desk, screens: 1 };
        assert_eq!(request(&path, req).expect("answer"), Reply::Error { error: "no".into() });
        answer.join().expect("server side");
        drop(guard);
        assert!(matches!(request(&path, Request::Status), Err(ControlError::NotRunning(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A watcher stand-in: answers every request with an error reply.
    fn serve_at(name: &str) -> (PathBuf, SocketGuard) {
        let dir = std::env::temp_dir().join(format!("headsup-ctl-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("s/headsup.sock");
        let (rx, guard) = serve(&path).expect("serve");
        std::thread::spawn(move || {
            for (_, reply) in rx {
                let _ = reply.send(Reply::Error { error: "stand-in".into() });
            }
        });
        (path, guard)
    }

    fn raw(path: &Path, send: &[u8]) -> String {
        let mut s = UnixStream::connect(path).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        s.write_all(send).expect("send");
        let mut answer = String::new();
        let _ = BufReader::new(s).read_line(&mut answer);
        answer
    }

    #[test]
    fn long_requests_idle_clients_and_crowds_are_answered_not_served() {
        let (path, _guard) = serve_at("limits");
        // Eight idle clients hold every slot; the ninth is told "busy". First,
        // while no earlier client can still hold a slot (a served client's
        // slot is freed a moment after its answer, late on a loaded machine).
        let crowd = || -> Option<Vec<UnixStream>> {
            let idle: Vec<UnixStream> = (0..8).map(|_| UnixStream::connect(&path).expect("idle")).collect();
            std::thread::sleep(Duration::from_millis(100));
            let mut ninth = UnixStream::connect(&path).expect("ninth");
            ninth.set_read_timeout(Some(Duration::from_secs(1))).expect("timeout");
            let mut answer = String::new();
            let _ = BufReader::new(&mut ninth).read_line(&mut answer);
            answer.contains("busy").then_some(idle)
        };
        // A starved server may still drop an idle client early (its read
        // timeout): then every slot is let go before trying again.
        let mut idle = crowd();
        for _ in 0..2 {
            if idle.is_some() {
                break;
            }
            std::thread::sleep(READ_TIMEOUT * 2);
            idle = crowd();
        }
        let idle = idle.expect("the ninth client is told busy");
        // An idle client is dropped after the read timeout, and its slot freed.
        let start = std::time::Instant::now();
        let mut first = &idle[0];
        first.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut buf = [0u8; 16];
        assert_eq!(std::io::Read::read(&mut first, &mut buf).expect("eof"), 0);
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
        std::thread::sleep(Duration::from_millis(300));
        assert!(raw(&path, b"{\"request\":\"status\"}\n").contains("stand-in"));
        drop(idle);
        assert_eq!(peer_uid(&UnixStream::connect(&path).expect("connect")), Some(unsafe { libc::getuid() }));
        let long = format!("{{\"request\":\"status\",\"pad\":\"{}\"}}\n", "x".repeat(5000));
        assert!(raw(&path, long.as_bytes()).contains("longer than 4096 bytes"));
    }

    #[test]
    fn a_shared_socket_folder_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("headsup-ctl-{}-shared", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = serve(&dir.join("headsup.sock")).err().expect("refused");
        assert!(matches!(err, ControlError::UnsafeDir { mode: 0o777, .. }), "{err}");
        assert!(err.to_string().contains("mode 777"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
