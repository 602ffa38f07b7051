//! Alerts: how a sustained forward head (or a finding, or a due break)
//! reaches the user. Delivery runs on its own thread so a slow notification
//! service never holds up frames: a desktop notification with the reason
//! and one stretch (offering "Snooze 30 min" where the service supports
//! actions), a terminal line with a bell, an optional chime through the
//! desktop's own player, and an optional user command. Quiet hours silence
//! everything but the log. The `glow` and `dim` styles draw on the screen
//! itself ([`overlay`]); what they cannot say (breaks, findings) still goes
//! as a notification.

pub mod overlay;
mod stretches;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::SystemTime;

pub use stretches::{Stretch, Stretches};

use crate::clock;
use crate::config::{AlertStyle, AlertsConfig, parse_quiet_hours};

/// One thing to tell the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// `forward_head`, `looking_down`, `head_tilt`, `raised_shoulders` or `break`.
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// For the `on_alert` command's environment.
    pub state: &'static str,
    pub reason: String,
    pub score: Option<f32>,
    /// Already shown by the screen overlay: no notification or terminal
    /// line (the chime and `on_alert` still run).
    pub on_screen: bool,
}

/// What the delivery thread reports back.
#[derive(Clone, Debug, PartialEq)]
pub enum Feedback {
    /// The user chose "Snooze 30 min" on a notification.
    SnoozeRequested { minutes: u32 },
    /// The user chose "That was wrong" on a forward-head notification.
    MarkedWrong,
    /// Said once: notifications cannot be shown, the terminal is used.
    NoNotificationService(String),
}

enum Msg {
    Notice(Notice),
    Settings(AlertsConfig),
    /// A line for the terminal, whatever the style.
    Say(String),
}

/// Hands notices to the delivery thread.
pub struct Alerter {
    tx: Sender<Msg>,
    stretches: Stretches,
}

impl Alerter {
    /// Starts the delivery thread. Terminal lines go to `terminal` (stderr
    /// in headless mode); feedback (snooze from a notification) comes back on
    /// the returned receiver.
    pub fn spawn(settings: AlertsConfig, terminal: Box<dyn Write + Send>) -> (Self, Receiver<Feedback>) {
        let (tx, rx) = mpsc::channel();
        let (fb_tx, fb_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("alerts".into())
            .spawn(move || deliver_loop(rx, settings, terminal, fb_tx))
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!("cannot start the alert thread: {e}"));
        (Self { tx, stretches: Stretches::builtin() }, fb_rx)
    }

    pub fn update_settings(&self, settings: AlertsConfig) {
        let _ = self.tx.send(Msg::Settings(settings));
    }

    /// Builds the notice for an alert of `kind` with its reason, adding the
    /// next stretch suggested for it.
    pub fn notice(
        &mut self,
        kind: &'static str,
        state: &'static str,
        reason: String,
        score: Option<f32>,
    ) -> Notice {
        let title = match kind {
            "forward_head" => "Head forward: sit back and lift your head",
            "looking_down" => "You keep looking down",
            "head_tilt" => "Head tilted to one side",
            "raised_shoulders" => "Shoulders raised: let them drop",
            "drifting" => "A gentle nudge: your head has been creeping forward",
            "break" => "Time for a short break",
            _ => "headsup",
        };
        let stretch = self.stretches.next_for(kind);
        let body = match stretch {
            Some(s) => format!("{reason}.\nTry: {} — {}", s.name, s.text),
            None => format!("{reason}."),
        };
        Notice { kind, title: title.to_string(), body, state, reason, score, on_screen: false }
    }

    pub fn send(&self, notice: Notice) {
        let _ = self.tx.send(Msg::Notice(notice));
    }

    /// Tells the user something about the alerts themselves on the terminal.
    pub fn say(&self, text: String) {
        let _ = self.tx.send(Msg::Say(text));
    }
}

/// Whether `settings`' quiet hours hold now.
pub fn quiet_now(settings: &AlertsConfig) -> bool {
    parse_quiet_hours(&settings.quiet_hours)
        .is_some_and(|w| clock::in_window(clock::minute_of_day(SystemTime::now()), w))
}

fn deliver_loop(
    rx: Receiver<Msg>,
    mut settings: AlertsConfig,
    mut terminal: Box<dyn Write + Send>,
    fb: Sender<Feedback>,
) {
    let mut notifications_work = true;
    for msg in rx {
        let notice = match msg {
            Msg::Settings(s) => {
                settings = s;
                continue;
            }
            Msg::Say(text) => {
                let _ = writeln!(terminal, "headsup: {text}");
                let _ = terminal.flush();
                continue;
            }
            Msg::Notice(n) => n,
        };
        if settings.style == AlertStyle::None || quiet_now(&settings) {
            tracing::info!(kind = notice.kind, "alert not shown (style none or quiet hours)");
            continue;
        }
        // What the screen styles do not draw goes as a notification.
        let screen = matches!(settings.style, AlertStyle::Glow | AlertStyle::Dim);
        let want_notify =
            !notice.on_screen && (screen || matches!(settings.style, AlertStyle::Notify | AlertStyle::Both));
        let mut to_terminal = matches!(settings.style, AlertStyle::Terminal | AlertStyle::Both);
        if want_notify
            && notifications_work
            && let Err(e) = desktop_notification(&notice, fb.clone())
        {
            notifications_work = false;
            let _ = fb.send(Feedback::NoNotificationService(e.clone()));
            let _ = writeln!(
                terminal,
                "headsup: no desktop notification service ({e}); alerts go to this terminal"
            );
        }
        if want_notify && !notifications_work {
            to_terminal = true;
        }
        if to_terminal {
            let _ = writeln!(terminal, "\x07headsup: {} — {}", notice.title, notice.body.replace('\n', " "));
            let _ = terminal.flush();
        }
        if settings.sound {
            play_sound();
        }
        if !settings.on_alert.trim().is_empty() {
            run_command(&settings.on_alert, &notice);
        }
    }
}

/// Asks the desktop's notification service who it is ("dunst 1.9.0"),
/// for `headsup doctor`; the error says why none answered.
pub fn notification_service() -> Result<String, String> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        notify_rust::get_server_information()
            .map(|i| format!("{} {} (by {})", i.name, i.version, i.vendor))
            .map_err(|e| e.to_string())
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        Ok("the system's notification centre".into())
    }
}

/// Shows a desktop notification; where the service supports actions it
/// offers "Snooze 30 min" (and, on a forward-head judgement, "That was
/// wrong") and waits for the answer on a helper thread.
fn desktop_notification(n: &Notice, fb: Sender<Feedback>) -> Result<(), String> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("headsup")
        .summary(&n.title)
        .body(&n.body)
        .action("snooze30", "Snooze 30 min")
        .timeout(notify_rust::Timeout::Milliseconds(15_000));
    if matches!(n.kind, "forward_head" | "drifting") {
        notification.action("wrong", "That was wrong");
    }
    let handle = notification.show().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        handle.wait_for_action(|action| {
            let said = match action {
                "snooze30" => Feedback::SnoozeRequested { minutes: 30 },
                "wrong" => Feedback::MarkedWrong,
                _ => return,
            };
            let _ = fb.send(said);
        })
    });
    Ok(())
}

/// The chime in assets/, through whichever of the desktop's players exists.
fn play_sound() {
    static WAV: &[u8] = include_bytes!("../../assets/alert.wav");
    let path = std::env::temp_dir().join(format!("headsup-alert-{}.wav", std::process::id()));
    if !path.exists() && std::fs::write(&path, WAV).is_err() {
        return;
    }
    std::thread::spawn(move || {
        for player in ["paplay", "pw-play", "aplay", "afplay"] {
            let ok = Command::new(player)
                .arg(&path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
        }
    });
}

/// Runs the user's `on_alert` command line through the shell, with the
/// alert in its environment; reaped on a helper thread.
fn run_command(cmd: &str, n: &Notice) {
    let child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("HEADSUP_STATE", n.state)
        .env("HEADSUP_KIND", n.kind)
        .env("HEADSUP_REASON", &n.reason)
        .env("HEADSUP_SCORE", n.score.map(|s| format!("{s:.0}")).unwrap_or_default())
        .stdin(Stdio::null())
        .spawn();
    match child {
        Ok(mut c) => {
            std::thread::spawn(move || {
                let _ = c.wait();
            });
        }
        Err(e) => tracing::warn!("on_alert command failed to start: {e}"),
    }
}
