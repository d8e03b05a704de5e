//! asprof test program: source lines (uftrace record --srcline). Built
//! with line tables (tests/rust/Cargo.toml: this package's profile has
//! `debug = "line-tables-only"`), recorded mcount and plain.
//!
//! tokio current-thread runtime. Spawned tasks: `ticker(1)`, `ticker(2)`
//! (the same future type) and `stalls()`, whose `std::thread::sleep` of
//! 30 ms blocks its poll (the blocking finding). The main future awaits
//! `warm_up()` and the hand-written `CountDown` (Pending 3 times, then
//! Ready), then the tasks.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

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

async fn ticker(id: u64) -> u64 {
    let mut n = 0u64;
    while n < 3 {
        tokio::time::sleep(Duration::from_millis(4 * id)).await;
        n += 1;
    }
    n
}

async fn stalls() -> u64 {
    tokio::time::sleep(Duration::from_millis(2)).await;
    std::thread::sleep(Duration::from_millis(30));
    7
}

async fn warm_up() -> u64 {
    tokio::time::sleep(Duration::from_millis(3)).await;
    1
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t1 = tokio::spawn(ticker(1));
    let t2 = tokio::spawn(ticker(2));
    let s = tokio::spawn(stalls());
    let w = warm_up().await;
    let c = CountDown { left: 3 }.await as u64;
    let r = t1.await.unwrap() + t2.await.unwrap() + s.await.unwrap();
    println!("srcline: {}", w + c + r);
}
