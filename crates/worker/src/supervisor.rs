//! The supervisor: spawns named workers, restarts one that returns an error or
//! panics (after a pause that doubles from one second up to a minute, and
//! starts again from one second once a run lasted a minute or more), and
//! stops them all on [`Supervisor::shutdown`], waiting up to a grace period
//! before aborting the ones that do not finish.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What a worker returns when it fails.
pub type WorkerError = Box<dyn std::error::Error + Send + Sync>;

/// A worker's view of the stop signal.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Whether stopping was asked for.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once stopping is asked for (at once if it was already).
    pub async fn stopped(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}

/// Starts, restarts and stops background workers.
pub struct Supervisor {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for Supervisor {
    fn default() -> Self {
        Self::new()
    }
}

const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

impl Supervisor {
    pub fn new() -> Supervisor {
        Supervisor {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    /// The names of the workers started, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.tasks.iter().map(|(n, _)| *n).collect()
    }

    /// Runs a worker. `make` builds its future each time it (re)starts; the future
    /// should return `Ok(())` only once its [`Stop`] fired. An error or a panic
    /// is logged and the worker starts again after a pause, unless stopping.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, make: F)
    where
        F: Fn(Stop) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), WorkerError>> + Send + 'static,
    {
        let stop = Stop(self.stop.subscribe());
        let task = tokio::spawn(async move {
            let mut pause = FIRST_PAUSE;
            loop {
                let started = tokio::time::Instant::now();
                let run = tokio::spawn(make(stop.clone()));
                match run.await {
                    Ok(Ok(())) if stop.is_stopped() => break,
                    Ok(Ok(())) => {
                        tracing::warn!(worker = name, "worker returned early; restarting")
                    }
                    Ok(Err(e)) => {
                        tracing::error!(worker = name, error = %e, "worker failed; restarting")
                    }
                    Err(e) if e.is_panic() => {
                        tracing::error!(worker = name, "worker panicked; restarting")
                    }
                    Err(_) => break,
                }
                if stop.is_stopped() {
                    break;
                }
                if started.elapsed() >= LONGEST_PAUSE {
                    // It ran well for a while: this failure is a new one.
                    pause = FIRST_PAUSE;
                }
                let mut s = stop.clone();
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = s.stopped() => break,
                }
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        });
        self.tasks.push((name, task));
    }

    /// Runs `tick` every `every` until stopped; with `final_run`, once more after
    /// the stop signal (a flusher's last batch). A tick is never interrupted: the
    /// stop signal is only seen between ticks. A failed tick is logged and the
    /// next one runs on schedule.
    pub fn every<F, Fut, E>(
        &mut self,
        name: &'static str,
        every: Duration,
        final_run: bool,
        tick: F,
    ) where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let tick = std::sync::Arc::new(tick);
        self.spawn(name, move |mut stop| {
            let tick = tick.clone();
            async move {
                let mut interval = tokio::time::interval(every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = interval.tick() => {
                            if let Err(e) = tick().await {
                                tracing::warn!(worker = name, error = %e, "worker tick failed; will retry");
                            }
                        }
                        _ = stop.stopped() => break,
                    }
                }
                if final_run {
                    if let Err(e) = tick().await {
                        tracing::error!(worker = name, error = %e, "final run at shutdown failed");
                    }
                }
                Ok(())
            }
        });
    }

    /// Signals every worker to stop and waits for each, at most `grace` in all;
    /// workers still running then are aborted. Returns the names of those aborted.
    pub async fn shutdown(self, grace: Duration) -> Vec<&'static str> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let mut aborted = Vec::new();
        for (name, mut task) in self.tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                tracing::error!(worker = name, "worker did not stop in time; aborted");
                aborted.push(name);
            }
        }
        aborted
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_panicking_worker_is_restarted_and_stops_cleanly() {
        let runs = Arc::new(AtomicUsize::new(0));
        let mut s = Supervisor::new();
        let r = runs.clone();
        s.spawn("flaky", move |mut stop| {
            let n = r.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    panic!("boom {n}");
                }
                stop.stopped().await;
                Ok(())
            }
        });
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "two panics, then a run that lasts"
        );
        assert!(s.shutdown(Duration::from_secs(1)).await.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn the_pause_doubles_and_starts_over_after_a_long_run() {
        // The first four runs fail at once (pauses 1, 2, 4, 8 s), the fifth
        // after running two minutes, the ones after at once again.
        let starts = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t0 = tokio::time::Instant::now();
        let mut s = Supervisor::new();
        let r = starts.clone();
        s.spawn("failing", move |_stop| {
            let n = {
                let mut v = r.lock().unwrap();
                v.push(t0.elapsed().as_secs());
                v.len()
            };
            async move {
                if n == 5 {
                    tokio::time::sleep(Duration::from_secs(120)).await;
                }
                Err::<(), WorkerError>("down".into())
            }
        });
        tokio::time::sleep(Duration::from_secs(200)).await;
        let got = starts.lock().unwrap().clone();
        // 0, 1, 3, 7, 15; that run fails at 135 and the pause is 1 s again.
        assert_eq!(got[..7], [0, 1, 3, 7, 15, 136, 138]);
        assert!(s.shutdown(Duration::from_secs(1)).await.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_periodic_worker_runs_once_more_at_stop() {
        let ticks = Arc::new(AtomicUsize::new(0));
        let mut s = Supervisor::new();
        let t = ticks.clone();
        s.every("counter", Duration::from_secs(10), true, move || {
            let t = t.clone();
            async move {
                t.fetch_add(1, Ordering::SeqCst);
                Ok::<(), String>(())
            }
        });
        // Ticks at 0 s, 10 s, 20 s; then the final run.
        tokio::time::sleep(Duration::from_secs(25)).await;
        assert_eq!(ticks.load(Ordering::SeqCst), 3);
        assert!(s.shutdown(Duration::from_secs(1)).await.is_empty());
        assert_eq!(ticks.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_ignores_stop_is_aborted_after_the_grace() {
        let mut s = Supervisor::new();
        s.spawn("stubborn", |_stop| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        assert_eq!(s.shutdown(Duration::from_secs(2)).await, vec!["stubborn"]);
    }
}
