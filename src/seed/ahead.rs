//! Work on a list in order, with the next items' reading done ahead on threads of their own: how both passes of
//! the build keep a second core busy parsing files while the first checks them. A leaf: it imports nothing of the crate.

use std::sync::{Condvar, Mutex, PoisonError};

/// How many items' results may wait for `each`, beyond one per worker: a few, so that memory stays bounded by the
/// largest items.
const WAITING: usize = 4;

/// Calls `each(i, item, work(&item))` for every item in order. With `workers` above 0, the items are drawn and
/// `work` runs on that many threads, at most [`WAITING`] plus `workers` items ahead of `each`, and `each` still sees
/// them in order; with 0, on this thread. An error from `each` stops them all. The items may come from a file a
/// page at a time: none is kept once `each` has had it.
pub fn in_order<I: Send, R: Send>(
    items: impl Iterator<Item = I> + Send,
    workers: usize,
    work: impl Fn(&I) -> R + Sync,
    mut each: impl FnMut(usize, I, R) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if workers == 0 {
        return items.enumerate().try_for_each(|(i, item)| {
            let r = work(&item);
            each(i, item, r)
        });
    }
    let source = Mutex::new(items.enumerate());
    let gate = Gate::new(WAITING + workers);
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, I, R)>(WAITING);
        for _ in 0..workers {
            let (send, source, gate, work) = (send.clone(), &source, &gate, &work);
            scope.spawn(move || {
                // A worker that panics leaves a hole in the order that nothing will fill: the others must not
                // wait for places forever, so that the scope ends and passes the panic on.
                let _closes = CloseOnPanic(gate);
                // An item is drawn only with a place to wait in, so that a slow item holds back at most
                // `WAITING + workers` others.
                while gate.enter() {
                    let next = source.lock().unwrap_or_else(PoisonError::into_inner).next();
                    let Some((i, item)) = next else { break };
                    let r = work(&item);
                    // The receiver is gone once `each` has failed: stop.
                    if send.send((i, item, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // Items that came before their turn, by index.
        let mut early = std::collections::BTreeMap::new();
        let mut next = 0;
        let done = receive.iter().try_for_each(|(i, item, r)| {
            early.insert(i, (item, r));
            while let Some((item, r)) = early.remove(&next) {
                each(next, item, r)?;
                gate.leave();
                next += 1;
            }
            Ok(())
        });
        // Wakes the workers waiting for a place, and makes their sends fail: they stop.
        gate.close();
        drop(receive);
        done
    })
}

/// The places for items drawn and not yet handed to `each`.
struct Gate {
    /// The free places, and whether the work has stopped.
    state: Mutex<(usize, bool)>,
    freed: Condvar,
}

impl Gate {
    fn new(places: usize) -> Gate {
        Gate {
            state: Mutex::new((places, false)),
            freed: Condvar::new(),
        }
    }

    /// Takes a place, waiting for one; false once the work has stopped.
    fn enter(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0 == 0 && !state.1 {
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.1 {
            return false;
        }
        state.0 -= 1;
        true
    }

    /// Gives a place back.
    fn leave(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).0 += 1;
        self.freed.notify_one();
    }

    /// Stops the work: every wait ends.
    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.freed.notify_all();
    }
}

/// Closes the gate when dropped by a panicking thread.
struct CloseOnPanic<'a>(&'a Gate);

impl Drop for CloseOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_order;

    #[test]
    fn both_ways_see_every_item_in_order_and_stop_at_the_first_error() {
        let items: Vec<u32> = (0..100).collect();
        for ahead in [0, 1, 2, 3] {
            let mut seen = Vec::new();
            in_order(
                items.iter(),
                ahead,
                |n| **n * 2,
                |i, n, r| {
                    seen.push((i, *n, r));
                    Ok(())
                },
            )
            .unwrap();
            let want: Vec<(usize, u32, u32)> = (0..100).map(|n| (n as usize, n, n * 2)).collect();
            assert_eq!(seen, want, "ahead = {ahead}");

            let mut calls = 0;
            let err = in_order(
                items.iter(),
                ahead,
                |n| **n,
                |_, n, _| {
                    calls += 1;
                    if *n == 10 {
                        anyhow::bail!("stop at {n}")
                    }
                    Ok(())
                },
            )
            .unwrap_err();
            assert_eq!(err.to_string(), "stop at 10");
            assert_eq!(calls, 11, "ahead = {ahead}");
        }
    }

    #[test]
    fn slow_items_on_several_workers_still_come_in_order_with_few_drawn_ahead() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let items: Vec<u64> = (0..60).collect();
        let drawn = AtomicUsize::new(0);
        let mut most_ahead = 0;
        let mut seen = Vec::new();
        in_order(
            items.iter().inspect(|_| {
                drawn.fetch_add(1, Ordering::SeqCst);
            }),
            3,
            // Every fifth item is slow, so that later ones finish first.
            |n| {
                std::thread::sleep(std::time::Duration::from_millis(if **n % 5 == 0 {
                    6
                } else {
                    0
                }));
                **n
            },
            |i, n, r| {
                most_ahead = most_ahead.max(drawn.load(Ordering::SeqCst) - i);
                seen.push((i, *n, r));
                Ok(())
            },
        )
        .unwrap();
        let want: Vec<(usize, u64, u64)> = (0..60).map(|n| (n as usize, n, n)).collect();
        assert_eq!(seen, want);
        assert!(
            most_ahead <= super::WAITING + 3,
            "{most_ahead} items drawn ahead"
        );
    }

    #[test]
    fn a_worker_that_panics_ends_the_work_with_its_panic_and_no_hang() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let items: Vec<u32> = (0..200).collect();
            let outcome = std::panic::catch_unwind(|| {
                in_order(
                    items.iter(),
                    2,
                    |n| {
                        assert!(**n != 3, "item 3 is bad");
                        **n
                    },
                    |_, _, _| Ok(()),
                )
            });
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("in_order still waits 20 s after a worker panicked");
        assert!(panicked, "the worker's panic must reach the caller");
    }
}
