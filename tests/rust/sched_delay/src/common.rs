// The waiters' and the control round's tasks and the std::thread that
// wakes them, shared by smol.rs and async_std.rs: include!d at each
// crate's root (so the names stay `<crate>::waiter_b`, ...), where
// `woken` is the crate's own, `Sender` and `Receiver` the runtime's
// async-channel ones (both re-export async-channel's) and `std_mpsc`,
// `Duration` and `Instant` are in scope.

// one root future per role, so that each is a task type of its own
async fn waiter_b(rx: Receiver<Instant>) {
    woken("waiter_b", rx).await
}

async fn waiter_c(rx: Receiver<Instant>) {
    woken("waiter_c", rx).await
}

async fn calm_b(rx: Receiver<Instant>) {
    woken("calm_b", rx).await
}

/// The control phase's counterpart: lets the other thread go, returns.
async fn quiet(go: std_mpsc::Sender<()>) {
    go.send(()).unwrap();
}

/// A thread of its own that, told to go, waits 5 ms and sends each
/// channel the instant it sent.
fn waker_thread(txs: Vec<Sender<Instant>>) -> (std_mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let th = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        for tx in txs {
            tx.send_blocking(Instant::now()).unwrap();
        }
    });
    (go_tx, th)
}
