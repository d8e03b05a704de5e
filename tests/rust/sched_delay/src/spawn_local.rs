//! asprof test program: a task created without a recorded spawn, at the
//! address of a task whose creation was recorded but which was never
//! polled, on a current-thread tokio runtime.
//!
//! - `dropped`: spawned (tokio::spawn, whose return value `record` asks
//!   for) and aborted before its first poll: the runtime runs its task
//!   poll once, to cancel it, without polling its future; its cell is
//!   freed.
//! - `local`: the same async fn, spawned on a LocalSet (spawn_local, which
//!   `record` does not ask for): a task cell of the same size, which the
//!   allocator hands out at the freed address. Its creation is not in the
//!   recording: it must get no first-poll delay, least of all one from
//!   `dropped`'s spawn.
//! - `counted`: spawned with tokio::spawn after it, the control: its
//!   first-poll delay is measured.
//!
//! Whether the cell was reused is a fact of the recording: the test reads
//! the task pointers from its records (tests/first-poll.sh).

async fn tiny(name: &'static str) -> usize {
    name.len()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dropped = tokio::spawn(tiny("dropped"));
    dropped.abort();
    // the runtime runs the aborted task's poll (it cancels it) and frees
    // its cell once the handle is gone
    let _ = dropped.await;
    tokio::task::yield_now().await;
    let local = tokio::task::LocalSet::new();
    local.run_until(async { tokio::task::spawn_local(tiny("local")).await.unwrap() }).await;
    tokio::spawn(tiny("counted")).await.unwrap();
}
