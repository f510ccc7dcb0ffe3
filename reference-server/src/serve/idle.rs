//! Inactivity of one connection: an IO wrapper that notes when a byte was last read or written, and a
//! future that completes once the connection has been silent for a given time.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// When a connection last moved a byte (shared by the IO wrapper and the connection's task).
#[derive(Debug, Clone)]
pub(super) struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the last byte.
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    /// A connection that has just opened.
    pub(super) fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Completes once no byte has moved for `limit`.
    pub(super) async fn silent_for(&self, limit: Duration) {
        loop {
            let deadline = self.last() + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// An IO object whose reads and writes of at least one byte count as activity.
#[derive(Debug)]
pub(super) struct Watched<T> {
    inner: T,
    activity: Activity,
}

impl<T> Watched<T> {
    pub(super) fn new(inner: T, activity: Activity) -> Self {
        Watched { inner, activity }
    }

    fn noted(&self, poll: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.noted(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.noted(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn silence_is_counted_from_the_last_byte_in_either_direction() {
        let (client, server) = tokio::io::duplex(64);
        let activity = Activity::new();
        let mut watched = Watched::new(server, activity.clone());
        let (mut client_read, mut client_write) = tokio::io::split(client);
        tokio::time::sleep(Duration::from_secs(5)).await;
        client_write.write_all(b"x").await.unwrap();
        let mut byte = [0u8; 1];
        watched.read_exact(&mut byte).await.unwrap();
        let read_at = Instant::now();
        tokio::time::sleep(Duration::from_secs(3)).await;
        watched.write_all(b"y").await.unwrap();
        client_read.read_exact(&mut byte).await.unwrap();
        let written_at = Instant::now();
        assert!(activity.last() >= read_at + Duration::from_secs(3) - Duration::from_millis(1));
        activity.silent_for(Duration::from_secs(10)).await;
        let waited = Instant::now() - written_at;
        assert!(
            waited >= Duration::from_millis(9_999) && waited <= Duration::from_secs(11),
            "{waited:?}"
        );
    }
}
