//! Running independent work on the machine's cores, results in input
//! order so that output stays deterministic. Specs are independent until
//! they are merged, and so are the backends of every spec: parsing and
//! rendering are most of a run, and a developer machine has cores to
//! spare.
//!
//! Hand-written rather than rayon: the pipeline needs only an ordered map
//! over a short list, which `std::thread::scope` gives without a thread
//! pool dependency.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of every item, on at most as many threads as the machine has
/// cores (and never more than there are items), in the items' order.
/// An item whose `f` panicked (a bug) is `Err` with the panic's payload,
/// so the caller can name what crashed instead of taking the process
/// down.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<std::thread::Result<R>> {
    let run = |item: &T| std::panic::catch_unwind(AssertUnwindSafe(|| f(item)));
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(run).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, std::thread::Result<R>)>> =
        Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        let running: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let r = run(item);
                        // No code panics while holding the lock, so it is
                        // never poisoned; take it back all the same.
                        done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                    }
                })
            })
            .collect();
        // Workers catch every panic of `f`, so joining cannot fail.
        for t in running {
            let _ = t.join();
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_input_order() {
        let items: Vec<u32> = (0..100).collect();
        let out = super::map(&items, |x| {
            // Uneven work, so threads finish out of order.
            std::thread::sleep(std::time::Duration::from_micros(u64::from(x % 7) * 50));
            x * 2
        });
        let out: Vec<u32> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn empty_and_single() {
        assert!(super::map(&[] as &[u8], |x| *x).is_empty());
        assert_eq!(super::map(&[3u8], |x| *x + 1).pop().unwrap().unwrap(), 4);
    }

    #[test]
    fn a_panic_is_the_items_error() {
        let out = super::map(&[1u8, 2, 3], |x| {
            assert_ne!(*x, 2, "boom");
            *x
        });
        assert!(out[0].is_ok() && out[1].is_err() && out[2].is_ok());
    }
}
