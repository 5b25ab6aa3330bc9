//! Running independent work on the machine's cores, results in input
//! order so that output stays deterministic. Specs are independent until
//! they are merged, and so are the backends of every spec: parsing and
//! rendering are most of a run, and a developer machine has cores to
//! spare.
//!
//! The workers are rayon-core's pool of long-lived threads rather than
//! threads spawned per call: a model is built on one worker and freed
//! later on another thread, and mimalloc frees a block of a thread that
//! has exited through its abandoned-page path, which made dropping the
//! models three times as slow as on their own thread (0.9 against 0.3
//! ms on the benchmark's spec). Live workers also keep their heaps warm
//! from one call to the next. The order of work stays ours: the items
//! are taken one at a time in input order (callers put the largest
//! first), not split in halves as rayon's iterators would.

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
    let workers = rayon_core::current_num_threads().min(items.len());
    if workers <= 1 {
        return items.iter().map(run).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, std::thread::Result<R>)>> =
        Mutex::new(Vec::with_capacity(items.len()));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = run(item);
            // No code panics while holding the lock, so it is never
            // poisoned; take it back all the same.
            done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
        }
    };
    // Workers catch every panic of `f`, so the scope cannot unwind.
    rayon_core::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| work());
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
