//! asprof test program: async-std, async fns awaited by other async fns,
//! for recordings made by hand with narrow patching (`uftrace record -P`
//! for the crate and for closures only), which have no `into_future`
//! calls.
//!
//! The main future awaits `outer()` → `inner_future2()` →
//! `blocking_future()`, which blocks 60 ms inside its first poll.  One
//! spawned task, `worker()`, awaits `step()` three times (each a timer).
//! Futures (source): main, outer, inner_future2, blocking_future, worker,
//! step ×3.  Tasks: main and one spawned `worker`.

use std::time::Duration;

/// Not inlined: the callee that blocks.
#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// The culprit: blocks in its first poll, then awaits a timer.
async fn blocking_future() -> u64 {
    blocking_sleep(60);
    async_std::task::sleep(Duration::from_millis(5)).await;
    3
}

async fn inner_future2() -> u64 {
    async_std::task::sleep(Duration::from_millis(5)).await;
    blocking_future().await + 1
}

async fn outer() -> u64 {
    inner_future2().await * 2
}

async fn step(ms: u64) -> u64 {
    async_std::task::sleep(Duration::from_millis(ms)).await;
    ms
}

async fn worker() -> u64 {
    let mut t = 0;
    for ms in [3u64, 4, 5] {
        t += step(ms).await;
    }
    t
}

#[async_std::main]
async fn main() {
    let w = async_std::task::spawn(worker());
    let r = outer().await;
    let t = w.await;
    println!("nested: {} {}", r, t);
}
