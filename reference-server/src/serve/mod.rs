//! The accept loop of [`crate::start`]: HTTP/1 connections served by hyper with a header-read timeout,
//! an idle timeout and a limit on open connections ([`ConnectionLimits`]). At the limit the loop stops
//! accepting, so further clients wait in the listen backlog until a connection ends. Shutdown stops
//! accepting, lets in-flight requests finish, and returns when every connection has ended.

mod idle;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch};

use crate::config::ConnectionLimits;
use idle::{Activity, Watched};

/// Connections open now, and the most that were open at once since the server started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCount {
    /// Being served now.
    pub open: usize,
    /// The most served at once so far.
    pub peak: usize,
}

/// Counts the connections being served.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl Tracker {
    /// The counts now.
    pub(crate) fn count(&self) -> ConnectionCount {
        ConnectionCount {
            open: self.open.load(Ordering::SeqCst),
            peak: self.peak.load(Ordering::SeqCst),
        }
    }

    fn enter(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(open, Ordering::SeqCst);
        Slot {
            tracker: Arc::clone(self),
            _permit: permit,
        }
    }
}

/// One served connection: counted, and holding one permit of the limit until it ends.
struct Slot {
    tracker: Arc<Tracker>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Runs before the permit is released, so `open` never exceeds the limit.
        self.tracker.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `app` on `listener` until `shutdown` fires (or its sender is dropped), then drains.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    tracker: Arc<Tracker>,
    shutdown: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // A value sent: finish in-flight requests and close. The sender dropped (this future aborted):
    // close at once.
    let (closing, closing_rx) = watch::channel(());
    tokio::select! {
        () = accept_loop(&listener, &app, limits, &tracker, &permits, &closing_rx) => {}
        _ = shutdown => {}
    }
    drop(listener);
    closing.send_replace(());
    // Every connection holds a permit until it ends: all of them back means all have ended.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

async fn accept_loop(
    listener: &TcpListener,
    app: &Router,
    limits: ConnectionLimits,
    tracker: &Arc<Tracker>,
    permits: &Arc<Semaphore>,
    closing: &watch::Receiver<()>,
) {
    loop {
        // A permit first: at the limit nothing is accepted, and new clients wait in the backlog.
        let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
            return;
        };
        let stream = accept(listener).await;
        let slot = tracker.enter(permit);
        tokio::spawn(serve_connection(
            stream,
            app.clone(),
            limits,
            slot,
            closing.clone(),
        ));
    }
}

/// The next connection; errors of one connection are skipped, others (e.g. too many open files)
/// retried after a second.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(err) if is_connection_error(&err) => {}
            Err(err) => {
                tracing::error!("accept error: {err}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn is_connection_error(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Serves one connection until the client closes it, a timeout closes it, or the server shuts down.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: ConnectionLimits,
    _slot: Slot,
    mut closing: watch::Receiver<()>,
) {
    let activity = Activity::new();
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let mut builder = http1::Builder::new();
    // hyper starts this clock whenever it waits for a request's head: on a new connection, and after
    // each answer on a kept-alive one.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut conn = pin!(builder.serve_connection(io, TowerToHyperService::new(app)));
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!("connection ended: {err}");
                }
                return;
            }
            changed = closing.changed() => match changed {
                Ok(()) if !draining => {
                    conn.as_mut().graceful_shutdown();
                    draining = true;
                }
                _ => return,
            },
            () = activity.silent_for(limits.idle_timeout) => {
                tracing::debug!("closing a connection idle for {:?}", limits.idle_timeout);
                return;
            }
        }
    }
}
