//! Coalescing: many tasks hand in one item each, and one of them does the work
//! for all the items waiting at that moment (one query for many reads, one
//! transaction for many writes: a group commit).
//!
//! No task of its own: a caller that gets a turn does the batch, the others
//! wait for their answers. Alone, a caller does its own item at once (no
//! waiting for company); under load, the items that arrive while the batches
//! in progress are being done form the next ones, so batches grow with the
//! load by themselves. `lanes` batches may be in progress at once: one where
//! the work cannot overlap anyway (SQLite's single writer), more where it can
//! and each batch mostly waits (PostgreSQL commits, which it flushes together).
//! A caller whose item another caller's batch answered while it waited for a
//! turn leaves without taking one, so a free turn goes straight to a caller
//! with work left. A caller dropped while doing a batch (its task aborted) drops the answers of
//! that batch: the others get `None`, as if their work had failed.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::oneshot;

/// Items waiting for a turn, and the turns.
pub struct Coalescer<I, O> {
    waiting: Mutex<Vec<(I, oneshot::Sender<O>)>>,
    turns: tokio::sync::Semaphore,
}

impl<I, O> Default for Coalescer<I, O> {
    fn default() -> Self {
        Coalescer::new(1)
    }
}

impl<I, O> Coalescer<I, O> {
    /// A coalescer doing up to `lanes` batches at once (at least one).
    pub fn new(lanes: usize) -> Self {
        Coalescer {
            waiting: Mutex::new(Vec::new()),
            turns: tokio::sync::Semaphore::new(lanes.max(1)),
        }
    }

    /// Hands in `item` and returns its answer: done by `work` in this call, with
    /// the other items waiting, or by another caller's batch. `work` gets the
    /// items in the order they arrived and must answer each, in that order.
    /// `None` when the batch holding the item was abandoned.
    pub async fn run<F, Fut>(&self, item: I, work: F) -> Option<O>
    where
        F: FnOnce(Vec<I>) -> Fut,
        Fut: Future<Output = Vec<O>>,
    {
        let (tx, mut rx) = oneshot::channel();
        self.waiting
            .lock()
            .expect("coalescer queue")
            .push((item, tx));
        // Answered by another caller's batch while waiting for a turn: done,
        // without taking (and handing on) a turn.
        let turn = tokio::select! {
            biased;
            done = &mut rx => return done.ok(),
            turn = self.turns.acquire() => turn.expect("the turns are never closed"),
        };
        match rx.try_recv() {
            Ok(done) => return Some(done),
            Err(oneshot::error::TryRecvError::Closed) => return None,
            // Not done yet: still waiting, or in a batch of another lane.
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        let batch = std::mem::take(&mut *self.waiting.lock().expect("coalescer queue"));
        if batch.is_empty() {
            drop(turn);
            return rx.await.ok();
        }
        let (items, answers): (Vec<I>, Vec<oneshot::Sender<O>>) = batch.into_iter().unzip();
        let done = work(items).await;
        debug_assert_eq!(done.len(), answers.len());
        for (answer, d) in answers.into_iter().zip(done) {
            let _ = answer.send(d);
        }
        drop(turn);
        rx.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn alone_a_caller_does_its_own_item() {
        let c: Coalescer<u32, u32> = Coalescer::default();
        let got = c
            .run(
                7,
                |items| async move { items.iter().map(|i| i * 2).collect() },
            )
            .await;
        assert_eq!(got, Some(14));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn items_arriving_during_a_batch_form_the_next_one_and_each_gets_its_answer() {
        let c: Arc<Coalescer<u32, u32>> = Arc::new(Coalescer::default());
        let batches = Arc::new(Mutex::new(Vec::<usize>::new()));
        let mut tasks = Vec::new();
        for i in 0..200u32 {
            let (c, batches) = (c.clone(), batches.clone());
            tasks.push(tokio::spawn(async move {
                c.run(i, |items| async move {
                    batches.lock().unwrap().push(items.len());
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    items.iter().map(|i| i + 1000).collect()
                })
                .await
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), Some(i as u32 + 1000));
        }
        let batches = batches.lock().unwrap();
        assert_eq!(batches.iter().sum::<usize>(), 200);
        assert!(
            batches.len() < 200,
            "some items shared a batch: {batches:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_two_lanes_two_batches_run_at_once_and_every_item_is_answered() {
        let c: Arc<Coalescer<u32, u32>> = Arc::new(Coalescer::new(2));
        let (running, most) = (
            Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        );
        let mut tasks = Vec::new();
        for i in 0..100u32 {
            let (c, running, most) = (c.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                c.run(i, |items| async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    running.fetch_sub(1, SeqCst);
                    items.iter().map(|i| i * 3).collect()
                })
                .await
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), Some(i as u32 * 3));
        }
        let most = most.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(most, 2, "two batches at once, never more");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_batch_answers_none_and_the_coalescer_goes_on() {
        let c: Arc<Coalescer<u32, u32>> = Arc::new(Coalescer::default());
        // The first caller holds the turn until let go, while two more queue up.
        let (go, gate) = oneshot::channel::<()>();
        let (entered_tx, entered) = oneshot::channel::<()>();
        let first = {
            let c = c.clone();
            tokio::spawn(async move {
                c.run(1, |i| async move {
                    let _ = entered_tx.send(());
                    let _ = gate.await;
                    i
                })
                .await
            })
        };
        entered.await.unwrap();
        // Whichever of the next two gets the turn says so and never finishes.
        let (leader_tx, mut leader_rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        let mut next = std::collections::HashMap::new();
        for item in [2u32, 3] {
            let (c, leader_tx) = (c.clone(), leader_tx.clone());
            next.insert(
                item,
                tokio::spawn(async move {
                    c.run(item, move |_| async move {
                        let _ = leader_tx.send(item);
                        std::future::pending::<Vec<u32>>().await
                    })
                    .await
                }),
            );
        }
        while c.waiting.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
        let _ = go.send(());
        assert_eq!(first.await.unwrap(), Some(1));
        let leader = leader_rx.recv().await.unwrap();
        next.remove(&leader).unwrap().abort();
        let (_, other) = next.into_iter().next().unwrap();
        assert_eq!(other.await.unwrap(), None, "its batch was abandoned");
        assert_eq!(c.run(4, |i| async move { i }).await, Some(4));
    }
}
