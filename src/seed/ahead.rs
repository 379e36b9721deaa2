//! Work on a list in order, with the next items' reading done ahead on a second thread: how both passes of the
//! build keep a second core busy parsing files while the first checks them. A leaf: it imports nothing of the crate.

/// How many items' results may wait for `each`: a few, so that memory stays bounded by the largest items.
const WAITING: usize = 4;

/// Calls `each(i, item, work(&item))` for every item in order. With `ahead`, the items are drawn and `work` runs
/// on a second thread, up to [`WAITING`] items ahead of `each`; without, on this one. An error from `each` stops
/// both. The items may come from a file a page at a time: none is kept once `each` has had it.
pub fn in_order<I: Send, R: Send>(
    items: impl Iterator<Item = I> + Send,
    ahead: bool,
    work: impl Fn(&I) -> R + Sync,
    mut each: impl FnMut(usize, I, R) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if !ahead {
        return items.enumerate().try_for_each(|(i, item)| {
            let r = work(&item);
            each(i, item, r)
        });
    }
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(I, R)>(WAITING);
        let work = &work;
        scope.spawn(move || {
            for item in items {
                let r = work(&item);
                // The receiver is gone once `each` has failed: stop.
                if send.send((item, r)).is_err() {
                    break;
                }
            }
        });
        receive
            .into_iter()
            .enumerate()
            .try_for_each(|(i, (item, r))| each(i, item, r))
    })
}

#[cfg(test)]
mod tests {
    use super::in_order;

    #[test]
    fn both_ways_see_every_item_in_order_and_stop_at_the_first_error() {
        let items: Vec<u32> = (0..100).collect();
        for ahead in [false, true] {
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
}
