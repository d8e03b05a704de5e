//! asprof test program: the first-poll delay of tasks (spawned, not yet
//! polled) on a current-thread tokio runtime.
//!
//! - Blocked phase: task `spawner` spawns `late_a` and `late_b`, then
//!   blocks its poll for 30 ms (std::thread::sleep): the two new tasks are
//!   ready from their spawn on, and first polled only after the blocking
//!   poll returns (about 30 ms later): its victims.
//! - Control phase, three rounds: task `calm_spawner` spawns `early` and
//!   returns: `early` is polled right after it.
//!
//! Each spawned task measures its own first-poll delay (the instant taken
//! right before its spawn, to the instant its body starts) and, when
//! SCHED_DELAY_TRUTH names a file, writes `NAME NANOSECONDS` lines there
//! (tests/fixtures/<fixture>.truth, read by tests/first-poll.sh).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static TRUTH: Mutex<Vec<(&'static str, u128)>> = Mutex::new(Vec::new());

fn note(name: &'static str, spawned: Instant) {
    let wait = spawned.elapsed().as_nanos();
    eprintln!("{name} waited {wait} ns for its first poll");
    TRUTH.lock().unwrap().push((name, wait));
}

// one root future per role, so that each is a task type of its own
async fn late_a(spawned: Instant) {
    note("late_a", spawned);
}

async fn late_b(spawned: Instant) {
    note("late_b", spawned);
}

async fn early(spawned: Instant) {
    note("early", spawned);
}

/// Spawns two tasks, then holds the runtime's only thread for 30 ms.
async fn spawner() -> Vec<tokio::task::JoinHandle<()>> {
    let a = tokio::spawn(late_a(Instant::now()));
    let b = tokio::spawn(late_b(Instant::now()));
    std::thread::sleep(Duration::from_millis(30));
    vec![a, b]
}

/// The control phase's counterpart: spawns one task and returns.
async fn calm_spawner() -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(early(Instant::now()))]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    for _ in 0..3 {
        for h in tokio::spawn(calm_spawner()).await.unwrap() {
            h.await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for h in tokio::spawn(spawner()).await.unwrap() {
        h.await.unwrap();
    }
    if let Ok(path) = std::env::var("SCHED_DELAY_TRUTH") {
        let mut f = std::fs::File::create(&path).expect("SCHED_DELAY_TRUTH");
        for (name, ns) in TRUTH.lock().unwrap().iter() {
            writeln!(f, "{name} {ns}").unwrap();
        }
    }
}
