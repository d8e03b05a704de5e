//! asprof benchmark program: a tokio multi-thread runtime (2 workers) running
//! many small tasks, recorded by bench/run.sh to get a large trace.
//!
//! Usage: manytasks [TASKS] [STEPS]   (defaults 2000 and 40)
//!
//! Each task runs STEPS steps; a step awaits a timer (every 4th step) or
//! yields, then does a little CPU work in non-inlined helpers, so the trace
//! has many polls of several future types and many plain calls in between.

use std::time::Duration;

/// Small non-inlined helpers: the bulk of the records.
#[inline(never)]
fn mix(x: u64, i: u64) -> u64 {
    let y = x ^ (i << 7) ^ (x >> 3);
    y ^ (y << 11)
}

#[inline(never)]
fn fold(x: u64, n: u64) -> u64 {
    let mut acc = x;
    let mut i = 0u64;
    while i < n {
        acc = mix(acc, i);
        i += 1;
    }
    acc
}

/// A short CPU-bound async fn.
async fn crunch(seed: u64, n: u64) -> u64 {
    let mut x = seed;
    let mut k = 0u64;
    while k < 4 {
        x = fold(x, n);
        k += 1;
    }
    x
}

/// One step of a task: wait (timer or yield), then compute.
async fn step(id: u64, k: u64) -> u64 {
    if k % 4 == 0 {
        tokio::time::sleep(Duration::from_micros(200 + id % 300)).await;
    } else {
        tokio::task::yield_now().await;
    }
    crunch(id ^ k, 8).await
}

async fn job(id: u64, steps: u64) -> u64 {
    let mut acc = id;
    let mut k = 0u64;
    while k < steps {
        acc ^= step(id, k).await;
        k += 1;
    }
    acc
}

fn arg(i: usize, default: u64) -> u64 {
    std::env::args().nth(i).and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn main() {
    let tasks = arg(1, 2000);
    let steps = arg(2, 40);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let total = rt.block_on(async move {
        let mut handles = Vec::new();
        let mut i = 0u64;
        while i < tasks {
            handles.push(tokio::spawn(job(i, steps)));
            i += 1;
        }
        let mut acc = 0u64;
        for h in handles {
            acc ^= h.await.unwrap();
        }
        acc
    });
    println!("{total:x}");
}
