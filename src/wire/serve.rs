//! Serving a small axum app on loopback for as long as a handle lives (the attacker host, the hosted
//! issuer).

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `app` on `listener` in the background until the returned sender is dropped (or sent to).
pub(crate) fn spawn_until_dropped(listener: TcpListener, app: Router) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    stop
}
