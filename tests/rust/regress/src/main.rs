//! asprof test program for regression comparison (tokio current-thread).
//!
//! Three tasks, each 50 iterations of `sleep(200 us)` + a little CPU work
//! (51 polls per task body).  Only `parse_batch` is affected by the
//! environment variable `ASPROF_SLOWDOWN` (a multiplier, default 1): it calls
//! `parse_record` 4 * ASPROF_SLOWDOWN times per poll; `fetch_rows` and
//! `render_page` always call their helper 4 times per poll.

use std::time::Duration;

/// CPU work without any traced call inside (xorshift loop).
#[inline(never)]
fn spin(seed: u64, n: u64) -> u64 {
    let mut x = seed | 1;
    let mut i = 0u64;
    while i < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    x
}

#[inline(never)]
fn parse_record(i: u64) -> u64 {
    spin(i, 5000)
}

#[inline(never)]
fn decode_row(i: u64) -> u64 {
    spin(i, 5000)
}

#[inline(never)]
fn layout(i: u64) -> u64 {
    spin(i, 5000)
}

/// The only future whose cost depends on ASPROF_SLOWDOWN.
async fn parse_batch(slowdown: u64) -> u64 {
    let mut acc = 0u64;
    let mut k = 0u64;
    while k < 50 {
        tokio::time::sleep(Duration::from_micros(200)).await;
        let mut j = 0u64;
        while j < 4 * slowdown {
            acc ^= parse_record(k + j);
            j += 1;
        }
        k += 1;
    }
    acc
}

async fn fetch_rows() -> u64 {
    let mut acc = 0u64;
    let mut k = 0u64;
    while k < 50 {
        tokio::time::sleep(Duration::from_micros(200)).await;
        let mut j = 0u64;
        while j < 4 {
            acc ^= decode_row(k + j);
            j += 1;
        }
        k += 1;
    }
    acc
}

async fn render_page() -> u64 {
    let mut acc = 0u64;
    let mut k = 0u64;
    while k < 50 {
        tokio::time::sleep(Duration::from_micros(200)).await;
        let mut j = 0u64;
        while j < 4 {
            acc ^= layout(k + j);
            j += 1;
        }
        k += 1;
    }
    acc
}

fn slowdown() -> u64 {
    match std::env::var("ASPROF_SLOWDOWN") {
        Ok(s) => s.trim().parse::<u64>().ok().filter(|v| *v > 0).unwrap_or(1),
        Err(_) => 1,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let slow = slowdown();
    let p = tokio::spawn(parse_batch(slow));
    let f = tokio::spawn(fetch_rows());
    let r = tokio::spawn(render_page());
    let x = p.await.unwrap() ^ f.await.unwrap() ^ r.await.unwrap();
    println!("regress: slowdown={} checksum={}", slow, x & 0xff);
}
