//! asprof test program: first-poll delays on a two-worker multi-thread
//! tokio runtime, of tasks spawned from a thread outside it (the main
//! thread, through a runtime Handle): each spawn pushes the task to the
//! runtime's shared queue and wakes a parked worker, which may poll (and
//! even finish) the task before the spawn call has returned to the
//! spawning thread. The analysis then learns the task's creation after its
//! first poll (docs/scheduling-delay.md); tests/first-poll.sh checks every
//! task's delay against the records themselves.
//!
//! 150 tasks `tiny`, in bursts of 25 spawned back to back with a 2 ms
//! pause after each burst (the workers park again), then the main thread
//! awaits them all.

use std::time::Duration;

async fn tiny(i: u64) -> u64 {
    i * 2
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let mut tasks = Vec::new();
    for i in 0..150u64 {
        tasks.push(handle.spawn(tiny(i)));
        if i % 25 == 24 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let sum: u64 = rt.block_on(async move {
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        sum
    });
    println!("{sum}");
}
