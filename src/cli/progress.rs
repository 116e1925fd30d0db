//! A progress bar on stderr for work that takes longer than a second.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs `work` while a watcher thread shows `done` out of `total` runs, but only once the
/// work has taken a second (short runs print nothing) and only if `show`.
pub fn with_progress<T>(total: u64, done: &AtomicU64, show: bool, work: impl FnOnce() -> T) -> T {
    if !show {
        return work();
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(1) {
                if finished.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed:>4} [{bar:40}] {human_pos}/{human_len} runs, {eta} left")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            while !finished.load(Ordering::Relaxed) {
                bar.set_position(done.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let out = work();
        finished.store(true, Ordering::Relaxed);
        out
    })
}
