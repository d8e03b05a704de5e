//! asprof test program: async-std.
//!
//! Spawned tasks: `worker(1)`, `worker(2)` (same future type) and
//! `blocking_io()` (blocks its executor thread for 120 ms inside a poll).
//! The main future joins `fetch_a()` and `fetch_b()` with `futures::join!`.
//! `CountDown` is a hand-written future: Pending 3 times, then Ready (4 polls).

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
        async_std::task::sleep(Duration::from_millis(10 + id)).await;
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

/// The culprit: a blocking call inside a poll (second poll of this future).
/// `std::thread::sleep` is called directly: the standard library is not
/// instrumented, so the trace shows no callee for it, only the time (and a
/// `linux:schedule` event when scheduler events are recorded).
async fn blocking_io() -> u64 {
    async_std::task::sleep(Duration::from_millis(5)).await;
    std::thread::sleep(Duration::from_millis(120));
    async_std::task::sleep(Duration::from_millis(5)).await;
    7
}

async fn fetch_a() -> u64 {
    async_std::task::sleep(Duration::from_millis(15)).await;
    1
}

async fn fetch_b() -> u64 {
    async_std::task::sleep(Duration::from_millis(25)).await;
    2
}

#[async_std::main]
async fn main() {
    let w1 = async_std::task::spawn(worker(1));
    let w2 = async_std::task::spawn(worker(2));
    let b = async_std::task::spawn(blocking_io());
    let (a, c) = futures::join!(fetch_a(), fetch_b());
    let r = w1.await ^ w2.await;
    let rb = b.await;
    println!("async_std: join={} workers={} blocking={}", a + c, r & 0xff, rb);
}
