//! A spinner on stderr while we wait (a request, the login in the browser, `conda clean`), so a
//! slow wait does not look like a hang. It appears only once the wait has lasted
//! [`DELAY`]: quick waits, the usual case, draw nothing. One at a time: a wait inside another
//! (the requests of the login polling) adds nothing. The printer decides whether spinners are
//! shown at all (a terminal on stderr, no `NO_COLOR`, no `-v`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a wait lasts before the spinner shows.
pub const DELAY: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(100);
/// The frames; the last one is shown when done (the line is cleared anyway).
pub const FRAMES: &str = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ";

/// A wait is under way (shown or not yet): later ones are inert until it ends.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The spinner on screen, for lines printed meanwhile (they must not be drawn over it).
static VISIBLE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Clears the spinner when dropped.
#[must_use = "the spinner ends when this is dropped"]
pub struct Wait {
    active: Option<Active>,
}

struct Active {
    bar: ProgressBar,
    /// Dropping it tells the thread that the wait ended.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Wait {
    /// A wait that shows nothing.
    pub fn none() -> Wait {
        Wait { active: None }
    }

    /// Starts a wait for `message`: the spinner appears after [`DELAY`] unless dropped first.
    pub fn start(message: String) -> Wait {
        if ACTIVE.swap(true, Ordering::SeqCst) {
            return Wait::none();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_chars(FRAMES);
        bar.set_style(style);
        bar.set_message(message);
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let thread = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(DELAY) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                *visible() = Some(shown.clone());
                shown.enable_steady_tick(TICK);
            }
        });
        Wait {
            active: Some(Active {
                bar,
                stop: Some(stop),
                thread: Some(thread),
            }),
        }
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        let Some(active) = &mut self.active else {
            return;
        };
        // The thread ends at once when told; after the join it can no longer show the spinner.
        drop(active.stop.take());
        if let Some(thread) = active.thread.take() {
            let _ = thread.join();
        }
        visible().take();
        active.bar.finish_and_clear();
        ACTIVE.store(false, Ordering::SeqCst);
    }
}

fn visible() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    VISIBLE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `print` with the spinner (if one is on screen) taken off while it writes.
pub fn suspended<R>(print: impl FnOnce() -> R) -> R {
    let bar = visible().clone();
    match bar {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_wait_at_a_time_and_none_after_it_ends() {
        let outer = Wait::start("outer".into());
        assert!(outer.active.is_some());
        let inner = Wait::start("inner".into());
        assert!(inner.active.is_none(), "a wait inside a wait is inert");
        drop(inner);
        drop(outer);
        let again = Wait::start("again".into());
        assert!(again.active.is_some());
        drop(again);
        assert!(visible().is_none());
        assert!(Wait::none().active.is_none());
    }
}
