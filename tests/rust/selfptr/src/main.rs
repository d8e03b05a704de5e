//! asprof test program: poll functions that return a large value.  On
//! x86-64 a `poll` whose `Poll<Output>` does not fit in two registers gets a
//! hidden first argument, the address of the return slot (System V sret):
//! its `self` is then the second argument, `cx` the third.
//!
//! - 8 tasks of `client(id)` on a 2-worker tokio runtime; `client`'s
//!   output is large, and it awaits `fetch`, whose output is large too.
//! - The main future polls 12 `Digest`s (a hand-written future with a
//!   large Output) and 4 `Countdown`s (small Output) concurrently, each
//!   set with `futures::future::join_all`.
//!
//! Facts the analysis must find (tests/self-pointer.sh): 8 spawned tasks,
//! one `client` body instance per task, 12 `Digest` instances, 4
//! `Countdown` instances, all in the main task.

use futures::future::join_all;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

#[inline(never)]
fn mix(x: u64, i: u64) -> u64 {
    let y = x ^ (i << 7) ^ (x >> 3);
    y ^ (y << 11)
}

type Reply = (String, Vec<u8>, u64);

/// One request: a timer, then a reply built from it.
async fn fetch(id: u64, round: u64) -> Result<Reply, io::Error> {
    tokio::time::sleep(Duration::from_millis(2 + (id + round) % 3)).await;
    let mut body = Vec::with_capacity(8);
    let mut x = id;
    for i in 0..8u64 {
        x = mix(x, i + round);
        body.push(x as u8);
    }
    Ok((format!("reply {id}/{round}"), body, x))
}

/// Spawned 8 times: three requests, one after the other.
async fn client(id: u64) -> Result<Reply, io::Error> {
    let mut total = 0u64;
    let mut last = (String::new(), Vec::new(), 0);
    for round in 0..3 {
        let (head, body, sum) = fetch(id, round).await?;
        total = total.wrapping_add(sum);
        last = (head, body, sum);
    }
    Ok((last.0, last.1, total))
}

/// A hand-written future with a large Output: a digest computed over
/// four polls, waking itself after each.
struct Digest {
    seed: u64,
    step: u64,
    state: [u64; 4],
}

impl Digest {
    fn new(seed: u64) -> Self {
        Digest { seed, step: 0, state: [seed, 1, 2, 3] }
    }
}

impl Future for Digest {
    type Output = [u64; 4];

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<[u64; 4]> {
        let this = &mut *self;
        if this.step == 4 {
            return Poll::Ready(this.state);
        }
        for i in 0..4 {
            this.state[i] = mix(this.state[i], this.seed + this.step);
        }
        this.step += 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A hand-written future with a small Output (returned in a register).
struct Countdown {
    left: u32,
}

impl Future for Countdown {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.left == 0 {
            return Poll::Ready(7);
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let clients: Vec<_> = (1..=8).map(|id| tokio::spawn(client(id))).collect();

    let digests = join_all((1..=12).map(Digest::new)).await;
    let counts = join_all((1..=4).map(|n| Countdown { left: n })).await;

    let mut sum = 0u64;
    for c in clients {
        let (head, body, total) = c.await.expect("task").expect("client");
        sum = sum.wrapping_add(total ^ body.len() as u64 ^ head.len() as u64);
    }
    for d in digests {
        sum = sum.wrapping_add(d[0] ^ d[3]);
    }
    for c in counts {
        sum = sum.wrapping_add(c as u64);
    }
    println!("selfptr: {}", sum & 0xff);
}
