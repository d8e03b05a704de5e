//! asprof test program: tokio current-thread runtime, no blocking call at all
//! (the non-blocking control).
//!
//! Spawned tasks: `ticker(1)`, `ticker(2)` (same future type) and `summer()`.
//! The main future joins `fetch_a()` and `fetch_b()` and then awaits the tasks.
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
fn add_sq(acc: u64, i: u64) -> u64 {
    acc ^ (i << 3) ^ (acc >> 5)
}

/// Spawned twice: a few timer ticks.
async fn ticker(id: u64) -> u64 {
    let mut n = 0u64;
    while n < 4 {
        tokio::time::sleep(Duration::from_millis(5 * id)).await;
        n += 1;
    }
    n
}

/// Spawned once: the hand-written future, then a short loop and one timer.
async fn summer() -> u64 {
    let c = CountDown { left: 3 }.await as u64;
    let mut acc = c;
    let mut i = 0u64;
    while i < 500 {
        acc = add_sq(acc, i);
        i += 1;
    }
    tokio::time::sleep(Duration::from_millis(3)).await;
    acc
}

async fn fetch_a() -> u64 {
    tokio::time::sleep(Duration::from_millis(12)).await;
    1
}

async fn fetch_b() -> u64 {
    tokio::time::sleep(Duration::from_millis(8)).await;
    2
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t1 = tokio::spawn(ticker(1));
    let t2 = tokio::spawn(ticker(2));
    let s = tokio::spawn(summer());
    let (a, b) = tokio::join!(fetch_a(), fetch_b());
    let r = t1.await.unwrap() + t2.await.unwrap();
    let rs = s.await.unwrap();
    println!("tokio_ct: join={} ticks={} sum={}", a + b, r, rs & 0xff);
}
