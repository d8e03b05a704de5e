//! asprof test program: the usual multi-threaded smol setup.  One
//! `async_executor::Executor` is shared by two threads: a helper thread runs
//! `smol::block_on(ex.run(shutdown.recv()))` until the main future is done,
//! and the main thread runs the program's main future with
//! `smol::block_on(ex.run(main_future))`.  Both threads poll the spawned
//! tasks; only `smol_mt::main::{closure#0}` is the main task.
//!
//! Spawned tasks: `worker(1)`, `worker(2)`, `worker(3)` (same future type)
//! and `blocking_io()` (sleeps 60 ms inside its second poll).

use async_executor::Executor;
use std::time::Duration;

#[inline(never)]
fn mix(x: u64, i: u64) -> u64 {
    let y = x ^ (i << 7) ^ (x >> 3);
    y ^ (y << 11)
}

/// Spawned three times: timers and a short loop.
async fn worker(id: u64) -> u64 {
    let mut x = id;
    let mut k = 0u64;
    while k < 3 {
        smol::Timer::after(Duration::from_millis(5 + 3 * id)).await;
        let mut i = 0u64;
        while i < 100 {
            x = mix(x, i);
            i += 1;
        }
        k += 1;
    }
    x
}

/// Not inlined: the callee that blocks, seen in both builds.
#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// The culprit: a blocking call inside its second poll.
async fn blocking_io() -> u64 {
    smol::Timer::after(Duration::from_millis(5)).await;
    blocking_sleep(60);
    smol::Timer::after(Duration::from_millis(5)).await;
    7
}

/// The helper thread: runs the shared executor until `shutdown` closes.
/// Started here, not in `main`, so that `main::{closure#0}` is the main
/// future in both manglings (legacy names erase the closure's index).
fn executor_thread(
    ex: &'static Executor<'static>,
    shutdown: async_channel::Receiver<()>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = smol::block_on(ex.run(shutdown.recv()));
    })
}

fn main() {
    let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
    let (stop, shutdown) = async_channel::unbounded::<()>();
    let helper = executor_thread(ex, shutdown);
    let out = smol::block_on(ex.run(async {
        let mut w = Vec::new();
        for i in 1..=3 {
            w.push(ex.spawn(worker(i)));
        }
        let b = ex.spawn(blocking_io());
        let mut r = 0u64;
        for t in w {
            r ^= t.await;
        }
        r ^ b.await
    }));
    drop(stop);
    helper.join().unwrap();
    println!("smol_mt: {}", out & 0xff);
}
