//! asprof test program for the lints and task-instance reuse: tokio
//! current-thread runtime, one thread.
//!
//! Spawned tasks:
//! * `never_yields()`: one poll of ~30 ms (a blocking sleep) that never awaits
//!   anything pending: the task's whole life is a single long poll.
//! * `spinner()`: 120 × `yield_now().await` with no work in between: the task
//!   wakes itself and is polled 121 times in a row.  (120, not more: each
//!   yield costs ~4.7 KB of trace — tokio 1.24 defers the wake, so every poll
//!   is followed by a `park_yield` of the driver — and the fixtures must stay
//!   under 2 MB.)
//! * `short_task(i)`, i = 0..20, spawned and awaited one at a time (2 polls
//!   each: a 1 ms tokio timer): the allocator reuses the same task cell, so
//!   only the task polls' arguments (and tokio's `Harness::complete` between
//!   them) tell the 20 instances apart.
//!
//! The main future awaits `spinner` before starting the short tasks, so that
//! no timer wake interleaves with the spinner's run of polls.

use std::time::Duration;

/// Tiny non-inlined wrapper around `std::thread::sleep` (std is not
/// instrumented: this is the callee the trace shows as blocking).
#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Blocks for 30 ms in its only poll and never awaits anything pending.
async fn never_yields() -> u64 {
    blocking_sleep(30);
    30
}

/// Busy self-waking: 120 yields, almost no work in between (121 polls).
async fn spinner() -> u64 {
    let mut n = 0u64;
    while n < 120 {
        tokio::task::yield_now().await;
        n += 1;
    }
    n
}

/// One 1 ms tokio timer: 2 polls.
async fn short_task(i: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    i
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = tokio::spawn(never_yields());
    let s = tokio::spawn(spinner());
    let spins = s.await.unwrap();
    let mut sum = 0u64;
    let mut i = 0u64;
    while i < 20 {
        sum += tokio::spawn(short_task(i)).await.unwrap();
        i += 1;
    }
    let blocked = n.await.unwrap();
    println!("lints: blocked={} spins={} short_sum={}", blocked, spins, sum);
}
