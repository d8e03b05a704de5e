//! asprof test program: a tokio program whose blocking pool grows to 40
//! threads, so that the recording has 43 `<tid>.dat` files: more than a
//! test's low descriptor limit (a reader must not need a file descriptor per
//! thread at once; a real service may run thousands of threads).
//!
//! Spawned tasks: `fan_out(0..2)` (same future type, 2 instances). Each one
//! starts 20 `spawn_blocking` closures, `hash_block`, and awaits them. All 40
//! closures wait on one barrier before they return, so the pool cannot reuse
//! a thread: it runs 40 of them at once. The closures run on blocking
//! threads, outside any task poll: nothing blocks a worker, and they are not
//! tasks. The main future awaits the two tasks, then `settle()` (one timer).

use std::sync::{Arc, Barrier};
use std::time::Duration;

const TASKS: usize = 2;
const PER_TASK: usize = 20;

#[inline(never)]
fn mix(acc: u64, i: u64) -> u64 {
    acc.rotate_left(7) ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Runs on a blocking-pool thread: a little CPU, then the barrier.
#[inline(never)]
fn hash_block(seed: u64, barrier: Arc<Barrier>) -> u64 {
    let mut acc = seed;
    let mut i = 0u64;
    while i < 50 {
        acc = mix(acc, i);
        i += 1;
    }
    barrier.wait();
    acc
}

async fn fan_out(id: u64, barrier: Arc<Barrier>) -> u64 {
    let mut handles = Vec::with_capacity(PER_TASK);
    let mut k = 0u64;
    while k < PER_TASK as u64 {
        let b = barrier.clone();
        handles.push(tokio::task::spawn_blocking(move || hash_block(id * 1000 + k, b)));
        k += 1;
    }
    let mut acc = 0u64;
    for h in handles {
        acc ^= h.await.unwrap();
    }
    acc
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(2)).await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(TASKS * PER_TASK + 16)
        .enable_time()
        .build()
        .unwrap();
    let acc = rt.block_on(async {
        let barrier = Arc::new(Barrier::new(TASKS * PER_TASK));
        // a loop, not map/collect: the recording's -N filters drop alloc::vec
        // with its children, and so the constructor calls inside collect()
        let mut tasks = Vec::with_capacity(TASKS);
        let mut id = 0u64;
        while id < TASKS as u64 {
            tasks.push(tokio::spawn(fan_out(id, barrier.clone())));
            id += 1;
        }
        let mut acc = 0u64;
        for t in tasks {
            acc ^= t.await.unwrap();
        }
        settle().await;
        acc
    });
    println!("pool: {} blocking closures, acc={}", TASKS * PER_TASK, acc & 0xff);
}
