//! asprof test program for recordings made on a busy machine: tokio
//! multi-thread runtime (2 workers), known blocking polls of each kind among
//! many fast ones.  Recorded pinned to one CPU beside CPU hogs
//! (tests/rust/record.sh, `record_loaded`), so that the kernel preempts its
//! threads, inside fast polls too.
//!
//! Each blocking kind is its own async fn, awaited once per round by the
//! spawned task `scenario`, ROUNDS (3) rounds: every call has exactly one
//! blocking poll of ~BLOCK_MS (30 ms).
//! * `sleep_in_poll`: `std::thread::sleep` inside async code;
//! * `lock_in_poll`: `std::sync::Mutex::lock` on a mutex that a std thread
//!   (`lock_holder`) holds for 30 ms;
//! * `read_in_poll`: a blocking `read` on a socket pair whose other end a std
//!   thread (`slow_writer`) writes 30 ms after being asked;
//! * `cpu_in_poll`: `calculate_pi`, a CPU loop over a `Range` (~30 ms on an
//!   unloaded core in the mcount build).
//! Fast polls: FAST_TASKS `ticker` tasks loop for the whole run (~1 ms of CPU
//! work per poll, `tokio::time::sleep(1 ms)`, `yield_now`), until the rounds
//! are done.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

const ROUNDS: u32 = 3;
const BLOCK_MS: u64 = 30;
const FAST_TASKS: u64 = 2;
/// spin's rounds per fast poll: ~1 ms.
const SPIN_ROUNDS: u64 = 200_000;
/// calculate_pi's terms: ~30 ms in the mcount build on an unloaded core.
const PI_TERMS: u64 = 300_000;

static STOP: AtomicBool = AtomicBool::new(false);

/// The fast polls' CPU work (~1 ms): a loop without calls, so it costs no
/// trace records, long enough that preemption lands inside polls.
fn spin(mut x: u64, rounds: u64) -> u64 {
    let mut k = 0;
    while k < rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        k += 1;
    }
    x
}

/// Fast polls for the whole run: none of them should ever be a finding.
async fn ticker(id: u64) -> u64 {
    let mut x = id + 1;
    while !STOP.load(Ordering::Relaxed) {
        x = spin(x, SPIN_ROUNDS);
        tokio::time::sleep(Duration::from_millis(1)).await;
        x = spin(x, SPIN_ROUNDS);
        tokio::task::yield_now().await;
    }
    x
}

/// Blocking kind 1: a thread sleep inside async code.
async fn sleep_in_poll(round: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    std::thread::sleep(Duration::from_millis(BLOCK_MS));
    round
}

/// Blocking kind 2: a std Mutex held by another thread.  Asks the holder to
/// take the lock, waits (asynchronously) until it has, then locks: the poll
/// blocks until the holder lets go, ~30 ms later.
async fn lock_in_poll(
    shared: Arc<Mutex<u64>>,
    ask: mpsc::Sender<()>,
    held: &mut tokio::sync::mpsc::UnboundedReceiver<()>,
) -> u64 {
    ask.send(()).unwrap();
    held.recv().await.unwrap();
    let mut v = shared.lock().unwrap();
    *v += 1;
    *v
}

/// Takes the lock when asked, says so, holds it for 30 ms.
fn lock_holder(
    shared: Arc<Mutex<u64>>,
    asks: mpsc::Receiver<()>,
    held: tokio::sync::mpsc::UnboundedSender<()>,
) {
    for _ in asks {
        let guard = shared.lock().unwrap();
        held.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(BLOCK_MS));
        drop(guard);
    }
}

/// Blocking kind 3: blocking I/O.  Asks the writer for data and reads it at
/// once, in the same poll: the read waits ~30 ms.
async fn read_in_poll(sock: &mut UnixStream, ask: mpsc::Sender<()>) -> u8 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    ask.send(()).unwrap();
    let mut buf = [0u8; 64];
    sock.read_exact(&mut buf).unwrap();
    buf[0]
}

/// Writes 64 bytes 30 ms after each request.
fn slow_writer(mut sock: UnixStream, asks: mpsc::Receiver<()>) {
    for _ in asks {
        std::thread::sleep(Duration::from_millis(BLOCK_MS));
        sock.write_all(&[7u8; 64]).unwrap();
    }
}

/// The CPU loop (Leibniz series): the function that loops.
#[inline(never)]
fn calculate_pi(terms: u64) -> f64 {
    let mut sum = 0.0f64;
    for k in 0..terms {
        let term = 1.0 / (2 * k + 1) as f64;
        sum += if k % 2 == 0 { term } else { -term };
    }
    4.0 * sum
}

/// Blocking kind 4: CPU-bound work inside a poll.
async fn cpu_in_poll() -> f64 {
    tokio::task::yield_now().await;
    calculate_pi(PI_TERMS)
}

/// The rounds, in one spawned task (so on a worker thread): each blocking
/// kind once per round, awaited in turn, with a timer in between.
async fn scenario() -> f64 {
    let shared = Arc::new(Mutex::new(0u64));
    let (lock_ask, lock_asks) = mpsc::channel();
    let (held_tx, mut held_rx) = tokio::sync::mpsc::unbounded_channel();
    let holder = {
        let shared = shared.clone();
        std::thread::spawn(move || lock_holder(shared, lock_asks, held_tx))
    };
    let (mut reader, writer) = UnixStream::pair().unwrap();
    let (read_ask, read_asks) = mpsc::channel();
    let writer = std::thread::spawn(move || slow_writer(writer, read_asks));

    let mut check = 0f64;
    for round in 0..ROUNDS {
        tokio::time::sleep(Duration::from_millis(20)).await;
        check += sleep_in_poll(round).await as f64;
        tokio::time::sleep(Duration::from_millis(20)).await;
        // (a clone moved in, not a reference: std's Sender is Sync only
        // since Rust 1.72, and Debian's rustc 1.63 builds this too)
        let ask = lock_ask.clone();
        check += lock_in_poll(shared.clone(), ask, &mut held_rx).await as f64;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let ask = read_ask.clone();
        check += read_in_poll(&mut reader, ask).await as f64;
        tokio::time::sleep(Duration::from_millis(20)).await;
        check += cpu_in_poll().await;
    }
    drop(lock_ask);
    drop(read_ask);
    holder.join().unwrap();
    writer.join().unwrap();
    check
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut tickers = Vec::new();
    for id in 0..FAST_TASKS {
        tickers.push(tokio::spawn(ticker(id)));
    }
    let check = tokio::spawn(scenario()).await.unwrap();
    STOP.store(true, Ordering::Relaxed);
    let mut fast = 0u64;
    for t in tickers {
        fast ^= t.await.unwrap();
    }
    println!("loaded: check={:.3} fast={}", check, fast & 0xff);
}
