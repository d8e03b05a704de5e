//! asprof test program for the nightly comparison (tests/compare-noise.sh):
//! a small key-value service written the way services are written.
//!
//! tokio multi-thread runtime, 2 workers.  `serve` spawns CONNS connections,
//! then reports statistics whenever one says it finished a request (Notify),
//! until all are done.  Each `handle_conn` loops over REQUESTS requests:
//! `handle_request` parses the request, awaits `kv_get` (even requests) or
//! `kv_set` (odd ones) and formats the response.
//! `kv_get` hashes the key, waits for a timer (the storage round trip) and
//! reads the value; `kv_set` encodes the value, yields, and writes it.  All
//! CPU work is in non-inlined helpers (`spin` loops without calls, so they
//! cost no trace records), so the callers' inclusive time contains
//! `kv_get`'s.
//!
//! ASPROF_SLOWDOWN_PCT (default 100) scales the CPU work of `kv_get` ONLY,
//! in percent: 130 makes its helpers do 1.3 times the work, 200 twice.
//! Nothing else depends on it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

const CONNS: u64 = 4;
const REQUESTS: u64 = 12;
/// spin rounds of each kv_get helper at 100 %
const GET_ROUNDS: u64 = 36_000;
const SET_ROUNDS: u64 = 36_000;
const PARSE_ROUNDS: u64 = 12_000;
const TABLE: usize = 64;

static DONE: AtomicU64 = AtomicU64::new(0);

/// CPU work without any call inside (xorshift loop).
#[inline(never)]
fn spin(seed: u64, rounds: u64) -> u64 {
    let mut x = seed | 1;
    let mut i = 0u64;
    while i < rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    x
}

#[inline(never)]
fn hash_key(key: u64, pct: u64) -> u64 {
    spin(key, GET_ROUNDS * pct / 100)
}

#[inline(never)]
fn read_value(table: &[u64; TABLE], h: u64, pct: u64) -> u64 {
    table[(h % TABLE as u64) as usize] ^ spin(h, GET_ROUNDS * pct / 100)
}

#[inline(never)]
fn encode_value(v: u64) -> u64 {
    spin(v, SET_ROUNDS)
}

#[inline(never)]
fn write_value(table: &mut [u64; TABLE], key: u64, v: u64) {
    table[(key % TABLE as u64) as usize] = spin(v, SET_ROUNDS);
}

#[inline(never)]
fn parse_request(conn: u64, k: u64) -> u64 {
    spin(conn * 1000 + k, PARSE_ROUNDS)
}

#[inline(never)]
fn format_response(v: u64) -> u64 {
    spin(v, PARSE_ROUNDS)
}

/// The only future whose work depends on ASPROF_SLOWDOWN_PCT.
async fn kv_get(table: &[u64; TABLE], key: u64, pct: u64) -> u64 {
    let h = hash_key(key, pct);
    tokio::time::sleep(Duration::from_micros(100)).await;
    read_value(table, h, pct)
}

async fn kv_set(table: &mut [u64; TABLE], key: u64, v: u64) {
    let e = encode_value(v);
    tokio::task::yield_now().await;
    write_value(table, key, e);
}

async fn handle_request(table: &mut [u64; TABLE], conn: u64, k: u64, pct: u64) -> u64 {
    let key = parse_request(conn, k);
    let v = if k % 2 == 0 {
        kv_get(table, key, pct).await
    } else {
        kv_set(table, key, key ^ k).await;
        key
    };
    format_response(v)
}

async fn handle_conn(conn: u64, pct: u64, done: Arc<Notify>) -> u64 {
    let mut table = [0u64; TABLE];
    let mut acc = 0u64;
    let mut k = 0u64;
    while k < REQUESTS {
        acc ^= handle_request(&mut table, conn, k, pct).await;
        DONE.fetch_add(1, Ordering::SeqCst);
        done.notify_one();
        k += 1;
    }
    acc
}

#[inline(never)]
fn report_stats(tick: u64) -> u64 {
    spin(tick, 200)
}

async fn serve(conns: u64, pct: u64) -> u64 {
    let done = Arc::new(Notify::new());
    let mut handles = Vec::new();
    let mut c = 0u64;
    while c < conns {
        handles.push(tokio::spawn(handle_conn(c, pct, done.clone())));
        c += 1;
    }
    let mut tick = 0u64;
    while DONE.load(Ordering::SeqCst) < conns * REQUESTS {
        done.notified().await;
        report_stats(tick);
        tick += 1;
    }
    let mut acc = 0u64;
    for h in handles {
        acc ^= h.await.unwrap();
    }
    acc
}

fn slowdown_pct() -> u64 {
    match std::env::var("ASPROF_SLOWDOWN_PCT") {
        Ok(s) => match s.trim().parse::<u64>() {
            Ok(v) if v > 0 => v,
            _ => 100,
        },
        Err(_) => 100,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pct = slowdown_pct();
    let x = serve(CONNS, pct).await;
    println!("nightly: slowdown_pct={} checksum={}", pct, x & 0xff);
}
