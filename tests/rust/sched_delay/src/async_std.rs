//! asprof test program: the scheduled time and first-poll delay of tasks
//! on async-std's executor (async-global-executor's global async-executor
//! on async-task: a wake is `RawTask::wake`, a poll `RawTask::run`, both
//! given the raw task, around async-std's own task poll
//! `SupportTaskLocals::poll`, which is given the future).
//!
//! One executor thread: async-std runs spawned tasks on a pool of executor
//! threads, as many as CPUs unless ASYNC_STD_THREAD_COUNT says (async-std
//! 1.12 hands that name to async-global-executor 2.3's `with_env_var`, read
//! once, when the runtime starts at the first spawn or block_on; it starts
//! more threads only when asked, `spawn_more_threads`). `main` sets it to 1
//! before touching async-std, so that `blocker` and every task it holds
//! back are polled by one thread whatever the CPU count: which tasks wait
//! behind the blocking poll is fixed by this source (tests/sched-delay.sh
//! checks that every task ran on that thread). The main future runs on the
//! main thread (`task::block_on`), outside the pool.
//!
//! - Blocked phase: tasks `waiter_b` and `waiter_c` await an async-channel
//!   each; then task `blocker` lets a std::thread go, spawns task `late`
//!   and blocks its poll for 30 ms (std::thread::sleep). The std::thread
//!   waits 5 ms and sends on both channels: B and C are woken on time, 5 ms
//!   into the blocking poll, and polled only after it returns; `late`,
//!   spawned at the start of the blocking poll, is first polled after it.
//! - Control phase first, the same with `calm_b` and a `quiet` task that
//!   returns at once: nothing blocks, `calm_b` is polled right away.
//!
//! Each waiter measures its own wait (the instant the other thread took
//! right before its send, to the instant its body resumed), `late` its
//! first-poll delay (the instant blocker took right before the spawn, to
//! the instant its body started). When SCHED_DELAY_TRUTH names a file, they
//! are written there as `NAME NANOSECONDS` and `first NAME NANOSECONDS`
//! lines (tests/fixtures/<fixture>.truth, read by tests/sched-delay.sh).

use async_std::channel::{Receiver, Sender};
use async_std::task;
use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static TRUTH: Mutex<Vec<String>> = Mutex::new(Vec::new());

async fn woken(name: &'static str, rx: Receiver<Instant>) {
    let sent = rx.recv().await.unwrap();
    let wait = sent.elapsed().as_nanos();
    eprintln!("{name} waited {wait} ns");
    TRUTH.lock().unwrap().push(format!("{name} {wait}"));
}


/// Spawned by blocker right before it blocks: waits from its spawn to its
/// first poll, behind blocker's poll.
async fn late(spawned: Instant) {
    let delay = spawned.elapsed().as_nanos();
    eprintln!("late first polled {delay} ns after its spawn");
    TRUTH.lock().unwrap().push(format!("first late {delay}"));
}

/// Holds the executor's only thread for 30 ms, 5 ms of it before the wakes;
/// `late` is spawned at its start and waits for all of it.
async fn blocker(go: std_mpsc::Sender<()>) -> task::JoinHandle<()> {
    go.send(()).unwrap();
    let h = task::spawn(late(Instant::now()));
    std::thread::sleep(Duration::from_millis(30));
    h
}

// waiter_b, waiter_c, calm_b, quiet, waker_thread
include!("common.rs");

async fn run() {
    // block_on started the runtime, and with it the executor thread: let it
    // come up (under uftrace a new thread takes milliseconds), so that
    // calm_b's first poll waits for the executor, not for its thread's start
    task::sleep(Duration::from_millis(10)).await;
    // control: calm_b parks, the thread wakes it while nothing blocks
    let (tx, rx) = async_std::channel::bounded(1);
    let hb = task::spawn(calm_b(rx));
    task::sleep(Duration::from_millis(10)).await;
    let (go, th) = waker_thread(vec![tx]);
    task::spawn(quiet(go)).await;
    hb.await;
    th.join().unwrap();
    // blocked: both waiters woken 5 ms into blocker's 30 ms poll, late
    // spawned at its start
    let (tx_b, rx_b) = async_std::channel::bounded(1);
    let (tx_c, rx_c) = async_std::channel::bounded(1);
    let hb = task::spawn(waiter_b(rx_b));
    let hc = task::spawn(waiter_c(rx_c));
    task::sleep(Duration::from_millis(10)).await;
    let (go, th) = waker_thread(vec![tx_b, tx_c]);
    let hl = task::spawn(blocker(go)).await;
    hb.await;
    hc.await;
    hl.await;
    th.join().unwrap();
}

fn main() {
    // before the runtime starts (the first spawn or block_on reads it)
    std::env::set_var("ASYNC_STD_THREAD_COUNT", "1");
    task::block_on(run());
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        for line in TRUTH.lock().unwrap().iter() {
            writeln!(f, "{line}").unwrap();
        }
    }
}
