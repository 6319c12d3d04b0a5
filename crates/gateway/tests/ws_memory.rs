//! What a held WebSocket costs the gateway in memory, counted exactly: this test binary
//! runs the gateway in process under an allocator that counts live heap bytes, and holds
//! one test only, so nothing else allocates meanwhile.
//!
//! tungstenite allocates a 128 KiB read buffer per connection up front and let its write
//! buffer grow to 128 KiB (256 KiB of capacity) before writing; the gateway sets both
//! (`doors::ws::bounded`), so that a thousand held readers do not cost 400 MB.

#[path = "api/doubles.rs"]
#[allow(dead_code)]
mod doubles;
#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use doubles::{double_body, spawn_double, Behaviour, Double};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The system allocator, keeping count of the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is
// updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as for `dealloc`; `new_size` is the caller's, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Held connections, each waiting for audio that the engine holds back.
const HELD: usize = 20;

#[tokio::test]
async fn a_held_stream_socket_costs_the_gateway_under_48_kib() {
    let double = Double::new("gated", Behaviour::Gated);
    let app = spawn_double(&double, |s| s.workers = HELD + 1).await;
    // The client's own sockets read in 4 KiB, so that they barely count.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let mut ids = Vec::new();
    for _ in 0..=HELD {
        ids.push(app.create(&double_body("gated")).await.0);
    }
    // One connection first, so that what is allocated once (lazily) is in the baseline.
    let connect = |id: &String| {
        tokio_tungstenite::connect_async_with_config(app.ws_url(id), Some(config), false)
    };
    let (_warm, _) = connect(&ids[0]).await.unwrap();
    app.eventually("the first stream waits for its engine", || async {
        app.state.admission.busy_workers() == 1
    })
    .await;
    let before = LIVE.load(Ordering::Relaxed);
    let mut held = Vec::new();
    for id in &ids[1..] {
        held.push(connect(id).await.unwrap().0);
    }
    app.eventually("every stream waits for its engine", || async {
        app.state.admission.busy_workers() == HELD + 1
    })
    .await;
    let per_socket = (LIVE.load(Ordering::Relaxed) - before) / HELD as isize;
    assert!(
        per_socket < 48 * 1024,
        "each held stream socket costs {} KiB",
        per_socket / 1024
    );
    double.gate.add_permits(HELD + 1);
    drop(held);
}
