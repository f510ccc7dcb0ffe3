//! Reading an answer's body within bounds: at most the target's cap, into a buffer of the answer's
//! Content-Length when it gives one (else of [`FREE_BYTES`], then of the cap), and, beyond each
//! body's first [`FREE_BYTES`], within a
//! room shared by every body being read in the process ([`ROOM_BYTES`]), so that many requests in
//! flight to a target whose answers never end do not each hold a cap's worth at once.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Bytes of a body read without taking room.
pub const FREE_BYTES: usize = 64 * 1024;

/// Bytes, beyond each body's first [`FREE_BYTES`], of the bodies being read at once in the process.
/// A body that may grow past [`FREE_BYTES`] takes room for all it may still read (its Content-Length,
/// or the cap; at most the whole room) before it goes on, so no reader ever waits holding room.
pub const ROOM_BYTES: usize = 8 * 1024 * 1024;

static ROOM: Semaphore = Semaphore::const_new(ROOM_BYTES);

/// Reads `body` (announced as `announced` bytes by its Content-Length, if it says): at most `cap`
/// bytes, and whether there was more (the rest is not read).
pub(super) async fn read(
    body: &mut Incoming,
    announced: Option<u64>,
    cap: usize,
) -> Result<(Vec<u8>, bool), hyper::Error> {
    let announced = announced.map(|len| usize::try_from(len).unwrap_or(usize::MAX));
    // The most this body can hold.
    let most = announced.map_or(cap, |len| len.min(cap));
    let mut read = Vec::with_capacity(most.min(FREE_BYTES));
    let mut room: Option<SemaphorePermit<'static>> = None;
    while let Some(frame) = body.frame().await {
        // Trailers carry no body bytes.
        let Ok(chunk) = frame?.into_data() else {
            continue;
        };
        let take = chunk.len().min(cap - read.len());
        let needed = read.len() + take;
        if needed > FREE_BYTES && room.is_none() {
            room = take_room(most.max(needed) - FREE_BYTES).await;
        }
        if needed > read.capacity() {
            // All the body may hold at once (the room is taken for it): buffers of few sizes, which
            // the allocator reuses, rather than a doubling series that fragments its heap.
            read.reserve_exact(most.max(needed) - read.len());
        }
        read.extend_from_slice(&chunk[..take]);
        if take < chunk.len() {
            return Ok((read, true));
        }
    }
    Ok((read, false))
}

/// Room for `bytes` more (at most the whole room), once the bodies being read have left it.
async fn take_room(bytes: usize) -> Option<SemaphorePermit<'static>> {
    let permits = u32::try_from(bytes.min(ROOM_BYTES)).unwrap_or(u32::MAX);
    // The room is never closed; were it, the body would be read without it.
    ROOM.acquire_many(permits).await.ok()
}
