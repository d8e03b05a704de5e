//! asprof test program: async-std with a correct `spawn_blocking`.
//!
//! The blocking work (`hash_file`, 150 ms of `std::thread::sleep`) runs on
//! the blocking pool through `async_std::task::spawn_blocking` (the
//! `blocking` crate's `unblock`): no async poll blocks. One spawned task,
//! `load(1)`, awaits it; another, `tick()`, sleeps on a timer meanwhile.
//! Expected: no blocking-poll and no never-yielded finding.

use std::time::Duration;

#[inline(never)]
fn hash_file(id: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(150));
    id.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

async fn load(id: u64) -> u64 {
    let h = async_std::task::spawn_blocking(move || hash_file(id)).await;
    h ^ 1
}

async fn tick() -> u32 {
    let mut n = 0;
    while n < 5 {
        async_std::task::sleep(Duration::from_millis(20)).await;
        n += 1;
    }
    n
}

#[async_std::main]
async fn main() {
    let l = async_std::task::spawn(load(1));
    let t = async_std::task::spawn(tick());
    let (h, n) = (l.await, t.await);
    println!("unblock: {:x} {}", h, n);
}
