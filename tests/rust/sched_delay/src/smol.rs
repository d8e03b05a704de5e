//! asprof test program: the scheduled time of tasks on smol's executor
//! (async-executor on async-task: a wake is `RawTask::wake`, a poll
//! `RawTask::run`, both given the raw task), one thread running it.
//!
//! - Blocked phase: tasks `waiter_b` and `waiter_c` await an
//!   async-channel each; then task `blocker` lets a std::thread go and
//!   blocks its poll for 30 ms (std::thread::sleep). The std::thread waits
//!   5 ms and sends on both channels: B and C are woken on time, 5 ms into
//!   the blocking poll, and polled only after it returns.
//! - Control phase first, the same with `calm_b` and a `quiet` task that
//!   returns at once: nothing blocks, `calm_b` is polled right away.
//!
//! Each waiter measures its own wait (the instant the other thread took
//! right before its send, to the instant its body resumed) and, when
//! SCHED_DELAY_TRUTH names a file, writes `NAME NANOSECONDS` lines there
//! (tests/fixtures/<fixture>.truth, read by tests/sched-delay.sh).

use smol::channel::{Receiver, Sender};
use smol::{Executor, Timer};
use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static TRUTH: Mutex<Vec<(&'static str, u128)>> = Mutex::new(Vec::new());

async fn woken(name: &'static str, rx: Receiver<Instant>) {
    let sent = rx.recv().await.unwrap();
    let wait = sent.elapsed().as_nanos();
    eprintln!("{name} waited {wait} ns");
    TRUTH.lock().unwrap().push((name, wait));
}


/// Holds the executor's only thread for 30 ms, 5 ms of it before the wakes.
async fn blocker(go: std_mpsc::Sender<()>) {
    go.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(30));
}

// waiter_b, waiter_c, calm_b, quiet, waker_thread
include!("common.rs");

async fn run(ex: &Executor<'_>) {
    // control: calm_b parks, the thread wakes it while nothing blocks
    let (tx, rx) = smol::channel::bounded(1);
    let hb = ex.spawn(calm_b(rx));
    Timer::after(Duration::from_millis(10)).await;
    let (go, th) = waker_thread(vec![tx]);
    ex.spawn(quiet(go)).await;
    hb.await;
    th.join().unwrap();
    // blocked: both waiters woken 5 ms into blocker's 30 ms poll
    let (tx_b, rx_b) = smol::channel::bounded(1);
    let (tx_c, rx_c) = smol::channel::bounded(1);
    let hb = ex.spawn(waiter_b(rx_b));
    let hc = ex.spawn(waiter_c(rx_c));
    Timer::after(Duration::from_millis(10)).await;
    let (go, th) = waker_thread(vec![tx_b, tx_c]);
    ex.spawn(blocker(go)).await;
    hb.await;
    hc.await;
    th.join().unwrap();
}

fn main() {
    let ex = Executor::new();
    smol::block_on(ex.run(run(&ex)));
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        for (name, ns) in TRUTH.lock().unwrap().iter() {
            writeln!(f, "{name} {ns}").unwrap();
        }
    }
}
