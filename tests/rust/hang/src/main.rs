//! asprof test program for a recording cut short: tokio current-thread
//! runtime, one thread. `tests/rust/record.sh` kills it (SIGTERM) while a
//! poll blocks, as a CI job's timeout kills a hung program.
//!
//! Spawned tasks, one at a time:
//! * `ticker()`: 10 polls around 1 ms tokio timers (a task that behaves);
//! * `hangs()`: one poll that blocks in a 60 s sleep. The program is killed
//!   during that poll: the recording ends inside it, with no exit record for
//!   the poll or anything it called.

use std::time::Duration;

/// Tiny non-inlined wrapper around `std::thread::sleep` (std is not
/// instrumented: this is the callee the trace shows as blocking).
#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Nine 1 ms timers: 10 polls.
async fn ticker() -> u64 {
    let mut n = 0u64;
    while n < 9 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        n += 1;
    }
    n
}

/// Blocks for 60 s in its first poll (killed before that ends).
async fn hangs() -> u64 {
    blocking_sleep(60_000);
    1
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let ticks = tokio::spawn(ticker()).await.unwrap();
    let done = tokio::spawn(hangs()).await.unwrap();
    println!("hang: ticks={} done={}", ticks, done);
}
