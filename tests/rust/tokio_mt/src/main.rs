//! asprof test program: tokio multi-thread runtime (2 workers).
//!
//! Spawned tasks: `worker(1)`, `worker(2)` (same future type, two instances),
//! `blocking_io()` (blocks its worker for 150 ms inside a poll) and `selector()`.
//! The main future joins `fetch_a()` and `fetch_b()` and then awaits the tasks.
//! `CountDown` is a hand-written future: Pending 3 times, then Ready (4 polls).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Returns `Pending` exactly 3 times (waking itself each time), then `Ready`:
/// exactly 4 polls per instance.
struct CountDown {
    left: u32,
}

impl CountDown {
    fn new() -> Self {
        CountDown { left: 3 }
    }
}

impl Future for CountDown {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.left == 0 {
            return Poll::Ready(3);
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Small non-inlined helper called in a loop by `crunch`.
#[inline(never)]
fn mix(x: u64, i: u64) -> u64 {
    let y = x ^ (i << 7) ^ (x >> 3);
    y ^ (y << 11)
}

/// Short CPU-bound async fn: 2000 calls of `mix`, no await, does not block long.
async fn crunch(n: u64) -> u64 {
    let mut x = 1u64;
    let mut i = 0u64;
    while i < n {
        x = mix(x, i);
        i += 1;
    }
    x
}

/// Spawned twice: timers, the hand-written future, then a bit of CPU.
async fn worker(id: u64) -> u64 {
    let mut t = 0u64;
    let mut k = 0u64;
    while k < 3 {
        tokio::time::sleep(Duration::from_millis(10 + id)).await;
        t += 1;
        k += 1;
    }
    t += CountDown::new().await as u64;
    t ^ crunch(2000).await
}

/// Tiny non-inlined wrapper around `std::thread::sleep`: the standard library
/// is not instrumented, so this wrapper is what the trace shows as the callee
/// that blocks.
#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// The culprit: a blocking call inside a poll (second poll of this future).
async fn blocking_io() -> u64 {
    tokio::time::sleep(Duration::from_millis(5)).await;
    blocking_sleep(150);
    tokio::time::sleep(Duration::from_millis(5)).await;
    7
}

async fn slow_value() -> &'static str {
    tokio::time::sleep(Duration::from_millis(500)).await;
    "value"
}

/// `tokio::select!` (biased: branches polled in order) between a timer (wins)
/// and another future.
async fn selector() -> &'static str {
    tokio::select! {
        biased;
        _ = tokio::time::sleep(Duration::from_millis(20)) => "timer",
        v = slow_value() => v,
    }
}

async fn fetch_a() -> u64 {
    tokio::time::sleep(Duration::from_millis(15)).await;
    1
}

async fn fetch_b() -> u64 {
    tokio::time::sleep(Duration::from_millis(25)).await;
    2
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let w1 = tokio::spawn(worker(1));
    let w2 = tokio::spawn(worker(2));
    let b = tokio::spawn(blocking_io());
    let s = tokio::spawn(selector());
    let (a, c) = tokio::join!(fetch_a(), fetch_b());
    let r1 = w1.await.unwrap();
    let r2 = w2.await.unwrap();
    let rb = b.await.unwrap();
    let rs = s.await.unwrap();
    println!("tokio_mt: join={} workers={} blocking={} select={}", a + c, (r1 ^ r2) & 0xff, rb, rs);
}
