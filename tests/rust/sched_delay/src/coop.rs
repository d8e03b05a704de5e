//! asprof test program: tasks that wake themselves inside their own poll
//! on a current-thread tokio runtime, queued behind a blocking poll.
//!
//! - `drainer` receives 300 messages already queued on an unbounded
//!   channel: after 128 of them tokio's coop budget is spent, and
//!   `coop::poll_proceed` wakes the task itself (wake_by_ref) and makes
//!   the poll return Pending.
//! - `yielder` calls `tokio::task::yield_now` three times: tokio 1.24 keeps
//!   its waker (`runtime::defer::Defer::defer`) and wakes it only once the
//!   run queue is empty, after what was queued.
//! - `hog`, spawned after them, blocks its poll for 40 ms
//!   (std::thread::sleep): both are ready while it holds the thread, from
//!   the end of their own poll, and polled after it: its victims.
//!
//! Each measures its longest wait itself (`drainer`: the longest gap
//! between two messages; `yielder`: the longest yield_now) and, when
//! SCHED_DELAY_TRUTH names a file, writes `NAME NANOSECONDS` there
//! (tests/fixtures/<fixture>.truth, read by tests/sched-delay.sh).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

static TRUTH: Mutex<Vec<(&'static str, u128)>> = Mutex::new(Vec::new());

async fn drainer(mut rx: mpsc::UnboundedReceiver<u32>) {
    let mut last = Instant::now();
    let mut longest = 0u128;
    while rx.recv().await.is_some() {
        let now = Instant::now();
        longest = longest.max((now - last).as_nanos());
        last = now;
    }
    TRUTH.lock().unwrap().push(("drainer", longest));
}

async fn yielder() {
    let mut longest = 0u128;
    for _ in 0..3 {
        let before = Instant::now();
        tokio::task::yield_now().await;
        longest = longest.max(before.elapsed().as_nanos());
    }
    TRUTH.lock().unwrap().push(("yielder", longest));
}

/// Holds the runtime's only thread for 40 ms.
async fn hog() {
    std::thread::sleep(Duration::from_millis(40));
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..300 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let d = tokio::spawn(drainer(rx));
    let y = tokio::spawn(yielder());
    let h = tokio::spawn(hog());
    d.await.unwrap();
    y.await.unwrap();
    h.await.unwrap();
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        for (name, ns) in TRUTH.lock().unwrap().iter() {
            writeln!(f, "{name} {ns}").unwrap();
        }
    }
}
