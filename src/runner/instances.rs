//! Server instances a run can address besides its target: a second instance of the embedded reference
//! server and restarts, for the statelessness scenarios (`requires: [embedded-reference]`). Only the
//! embedded reference server provides them; against another target such cases are skipped.

use std::future::Future;
use std::pin::Pin;

use crate::scenario::plan::Instance;

/// A boxed, sendable future (the trait is used as a trait object).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Control over the instances of the embedded reference server.
pub trait Instances: Send + Sync + std::fmt::Debug {
    /// The base URL of `instance` (`http://ADDR:PORT`, no trailing slash), starting it if needed.
    /// [`Instance::Primary`] is the run's target, whose URL the runner already knows (it may be a proxy
    /// in front of the server).
    fn base_url(&self, instance: Instance) -> BoxFuture<'_, Result<String, String>>;

    /// Stops `instance` and starts it again with the same configuration, database and address.
    fn restart(&self, instance: Instance) -> BoxFuture<'_, Result<(), String>>;
}

/// Why a case that needs the embedded reference server is skipped against another target.
pub const NEEDS_EMBEDDED: &str = "needs the embedded reference server (a second instance or a restart, which only the harness can do to the server it started); the target is external";
