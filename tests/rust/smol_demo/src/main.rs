//! asprof test program: smol with a local `async_executor::Executor` driven by
//! `smol::block_on` on the main thread.
//!
//! Spawned tasks: `worker(1)`, `worker(2)` (same future type) and
//! `blocking_io()` (blocks the main thread for 120 ms inside a poll).
//! The main future zips `fetch_a()` and `fetch_b()` (`futures_lite::future::zip`).
//! `CountDown` is a hand-written future: Pending 3 times, then Ready (4 polls).

use async_executor::Executor;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Returns `Pending` exactly 3 times (waking itself each time), then `Ready`.
struct CountDown {
    left: u32,
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

#[inline(never)]
fn mix(x: u64, i: u64) -> u64 {
    let y = x ^ (i << 7) ^ (x >> 3);
    y ^ (y << 11)
}

/// Spawned twice: timers, the hand-written future, a short loop.
async fn worker(id: u64) -> u64 {
    let mut k = 0u64;
    while k < 3 {
        smol::Timer::after(Duration::from_millis(10 + id)).await;
        k += 1;
    }
    let mut x = CountDown { left: 3 }.await as u64;
    let mut i = 0u64;
    while i < 1000 {
        x = mix(x, i);
        i += 1;
    }
    x
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
    smol::Timer::after(Duration::from_millis(5)).await;
    blocking_sleep(120);
    smol::Timer::after(Duration::from_millis(5)).await;
    7
}

async fn fetch_a() -> u64 {
    smol::Timer::after(Duration::from_millis(15)).await;
    1
}

async fn fetch_b() -> u64 {
    smol::Timer::after(Duration::from_millis(25)).await;
    2
}

fn main() {
    let ex = Executor::new();
    let out = smol::block_on(ex.run(async {
        let w1 = ex.spawn(worker(1));
        let w2 = ex.spawn(worker(2));
        let b = ex.spawn(blocking_io());
        let (a, c) = futures_lite::future::zip(fetch_a(), fetch_b()).await;
        let r = w1.await ^ w2.await;
        let rb = b.await;
        (a + c, r, rb)
    }));
    println!("smol: join={} workers={} blocking={}", out.0, out.1 & 0xff, out.2);
}
