//! asprof test program for how a recorded program ends: tokio
//! current-thread runtime, one thread. The first argument chooses the end:
//!
//! * `task-panic`: the spawned task `parse_config()` panics in its second
//!   poll (`explicit panic!`); tokio catches it, `main` unwraps the
//!   JoinError and panics too: exit status 101.
//! * `main-panic`: main's own async block panics (`Option::unwrap` on
//!   None) after the ticker task: exit status 101.
//! * `null`: the spawned task `write_through()` writes through a null
//!   pointer: SIGSEGV in the program's own code.
//! * `abort`: the spawned task `give_up()` calls `std::process::abort()`:
//!   SIGABRT.
//! * `exit`: `std::process::exit(3)` from main after the ticker task.
//! * `hang`: a task blocks for 60 s (to be killed from outside).
//!
//! Every mode first runs `ticker()` (five 1 ms timers) so that the
//! recording holds ordinary task polls before the end.

use std::time::Duration;

/// Five 1 ms timers: 6 polls.
async fn ticker() -> u64 {
    let mut n = 0u64;
    while n < 5 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        n += 1;
    }
    n
}

#[inline(never)]
fn check_port(port: u32) -> u32 {
    if port > 65535 {
        panic!("port {} out of range", port);
    }
    port
}

/// Panics in its second poll, after one timer.
async fn parse_config() -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    check_port(70000)
}

#[inline(never)]
fn poke(p: *mut u32) {
    unsafe { p.write_volatile(1) };
}

/// Writes through a null pointer in its second poll.
async fn write_through() -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    poke(std::ptr::null_mut());
    1
}

/// Aborts in its second poll.
async fn give_up() -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    std::process::abort()
}

#[inline(never)]
fn blocking_sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Blocks for 60 s in its first poll.
async fn hangs() -> u32 {
    blocking_sleep(60_000);
    1
}

#[inline(never)]
fn lookup(key: &str) -> Option<u32> {
    if key == "answer" { Some(42) } else { None }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let ticks = tokio::spawn(ticker()).await.unwrap();
    let v = match mode.as_str() {
        "task-panic" => tokio::spawn(parse_config()).await.unwrap(),
        "main-panic" => lookup("question").unwrap(),
        "null" => tokio::spawn(write_through()).await.unwrap(),
        "abort" => tokio::spawn(give_up()).await.unwrap(),
        "exit" => std::process::exit(3),
        "hang" => tokio::spawn(hangs()).await.unwrap(),
        _ => {
            eprintln!("usage: crash task-panic|main-panic|null|abort|exit|hang");
            std::process::exit(2)
        }
    };
    println!("crash: ticks={} v={}", ticks, v);
}
