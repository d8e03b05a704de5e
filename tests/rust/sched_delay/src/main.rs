//! asprof test program: the scheduled time of tasks (woken, not yet
//! polled) on a current-thread tokio runtime.
//!
//! - Blocked phase: tasks `waiter_b` and `waiter_c` await a oneshot
//!   channel each; then task `blocker` sends a signal to a std::thread and
//!   blocks its poll for 30 ms (std::thread::sleep). The std::thread waits
//!   5 ms and sends on both channels: B and C are woken on time, 5 ms into
//!   the blocking poll, and polled only after it returns (about 25 ms later).
//! - Control phase, three rounds: the same with `calm_b` / `calm_c` and a
//!   `quiet` task that returns at once: nothing blocks, the runtime is
//!   parked when the wake comes, both tasks are polled right away.
//!
//! Each waiter measures its own wait (the instant the other thread took
//! right before its send, to the instant its body resumed) and, when
//! SCHED_DELAY_TRUTH names a file, writes `NAME NANOSECONDS` lines there
//! (tests/fixtures/<fixture>.truth, read by tests/sched-delay.sh).

use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

static TRUTH: Mutex<Vec<(&'static str, u128)>> = Mutex::new(Vec::new());

fn note(name: &'static str, sent: Instant) {
    let wait = sent.elapsed().as_nanos();
    eprintln!("{name} waited {wait} ns");
    TRUTH.lock().unwrap().push((name, wait));
}

/// The wait of a task woken by the other thread: from the instant it
/// sent, to now that the task's body runs again.
async fn woken(name: &'static str, rx: oneshot::Receiver<Instant>) {
    let sent = rx.await.unwrap();
    note(name, sent);
}

// one root future per role, so that each is a task type of its own
async fn waiter_b(rx: oneshot::Receiver<Instant>) {
    woken("waiter_b", rx).await
}

async fn waiter_c(rx: oneshot::Receiver<Instant>) {
    woken("waiter_c", rx).await
}

async fn calm_b(rx: oneshot::Receiver<Instant>) {
    woken("calm_b", rx).await
}

async fn calm_c(rx: oneshot::Receiver<Instant>) {
    woken("calm_c", rx).await
}

/// Holds the runtime's only thread for 30 ms, 5 ms of it before the wakes.
async fn blocker(go: std_mpsc::Sender<()>) {
    go.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(30));
}

/// The control phase's counterpart: lets the other thread go, returns.
async fn quiet(go: std_mpsc::Sender<()>) {
    go.send(()).unwrap();
}

/// A thread of its own that, told to go, waits 5 ms and wakes both
/// waiters by sending them the instant it sent.
fn waker_thread(
    tx_b: oneshot::Sender<Instant>,
    tx_c: oneshot::Sender<Instant>,
) -> (std_mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let th = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        tx_b.send(Instant::now()).unwrap();
        tx_c.send(Instant::now()).unwrap();
    });
    (go_tx, th)
}

async fn round(blocking: bool) {
    let (tx_b, rx_b) = oneshot::channel();
    let (tx_c, rx_c) = oneshot::channel();
    let (hb, hc) = if blocking {
        (tokio::spawn(waiter_b(rx_b)), tokio::spawn(waiter_c(rx_c)))
    } else {
        (tokio::spawn(calm_b(rx_b)), tokio::spawn(calm_c(rx_c)))
    };
    // B and C run to their await and park
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (go, th) = waker_thread(tx_b, tx_c);
    let ha = if blocking { tokio::spawn(blocker(go)) } else { tokio::spawn(quiet(go)) };
    ha.await.unwrap();
    hb.await.unwrap();
    hc.await.unwrap();
    th.join().unwrap();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    for _ in 0..3 {
        round(false).await;
    }
    round(true).await;
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        for (name, ns) in TRUTH.lock().unwrap().iter() {
            writeln!(f, "{name} {ns}").unwrap();
        }
    }
}
