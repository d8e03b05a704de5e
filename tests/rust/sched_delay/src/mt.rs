//! asprof test program: the scheduled time of tasks on a multi-thread
//! tokio runtime (two workers, built explicitly), one of them blocked.
//!
//! Tasks `stolen`, `stuck` and `far` await a oneshot channel each. Task
//! `blocker` then wakes `stolen` and `stuck` from its own poll, lets a
//! std::thread go and holds its worker 30 ms (std::thread::sleep):
//!
//! - `stuck`, woken last, sits in the blocked worker's LIFO slot, which no
//!   other worker may steal: it is polled after the blocking poll, on the
//!   blocker's thread (a victim, waiting about 30 ms);
//! - `stolen`, pushed from the LIFO slot to the worker's run queue when
//!   `stuck` took its place, is stolen by the other worker and polled
//!   during the block (a short wait, no victim);
//! - `far` is woken 5 ms into the block by the std::thread (another OS
//!   thread): it goes to the runtime's shared queue and the idle worker
//!   polls it during the block (a short wait, no victim).
//!
//! Each waiter measures its own wait (the instant right before the send
//! that woke it, to the instant its body resumed) and its thread, and,
//! when SCHED_DELAY_TRUTH names a file, writes `NAME NANOSECONDS` lines
//! there, then `thread NAME SAME` lines: SAME is 1 if the task ran on the
//! blocker's thread (tests/fixtures/<fixture>.truth, tests/sched-delay.sh).

use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

static TRUTH: Mutex<Vec<(&'static str, u128, ThreadId)>> = Mutex::new(Vec::new());
static BLOCKER_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

async fn woken(name: &'static str, rx: oneshot::Receiver<Instant>) {
    let sent = rx.await.unwrap();
    let wait = sent.elapsed().as_nanos();
    eprintln!("{name} waited {wait} ns");
    TRUTH.lock().unwrap().push((name, wait, std::thread::current().id()));
}

// one root future per role, so that each is a task type of its own
async fn stolen(rx: oneshot::Receiver<Instant>) {
    woken("stolen", rx).await
}

async fn stuck(rx: oneshot::Receiver<Instant>) {
    woken("stuck", rx).await
}

async fn far(rx: oneshot::Receiver<Instant>) {
    woken("far", rx).await
}

/// Wakes `stolen` then `stuck`, lets the std::thread go, holds its worker.
async fn blocker(
    tx_stolen: oneshot::Sender<Instant>,
    tx_stuck: oneshot::Sender<Instant>,
    go: std_mpsc::Sender<()>,
) {
    *BLOCKER_THREAD.lock().unwrap() = Some(std::thread::current().id());
    tx_stolen.send(Instant::now()).unwrap();
    tx_stuck.send(Instant::now()).unwrap();
    go.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(30));
}

async fn run() {
    let (tx_s, rx_s) = oneshot::channel();
    let (tx_k, rx_k) = oneshot::channel();
    let (tx_f, rx_f) = oneshot::channel();
    let hs = tokio::spawn(stolen(rx_s));
    let hk = tokio::spawn(stuck(rx_k));
    let hf = tokio::spawn(far(rx_f));
    // the waiters run to their await and park
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let th = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        tx_f.send(Instant::now()).unwrap();
    });
    tokio::spawn(blocker(tx_s, tx_k, go_tx)).await.unwrap();
    hs.await.unwrap();
    hk.await.unwrap();
    hf.await.unwrap();
    th.join().unwrap();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        let truth = TRUTH.lock().unwrap();
        let blocker = BLOCKER_THREAD.lock().unwrap().unwrap();
        for (name, ns, _) in truth.iter() {
            writeln!(f, "{name} {ns}").unwrap();
        }
        for (name, _, tid) in truth.iter() {
            writeln!(f, "thread {name} {}", (*tid == blocker) as u8).unwrap();
        }
    }
}
