//! Where CPU-heavy hashing runs, so that argon2 never stalls the executor.

/// Where password hashing runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hashing {
    /// On the calling task. Only for tests, tools, and servers that give
    /// each login its own thread.
    Inline,
    /// On tokio's blocking pool (`spawn_blocking`) when called inside a
    /// tokio runtime, inline otherwise. The default with the `tokio` feature.
    #[cfg(feature = "tokio")]
    SpawnBlocking,
}

#[allow(
    clippy::derivable_impls,
    reason = "the default variant depends on the `tokio` feature"
)]
impl Default for Hashing {
    fn default() -> Self {
        #[cfg(feature = "tokio")]
        {
            Hashing::SpawnBlocking
        }
        #[cfg(not(feature = "tokio"))]
        {
            Hashing::Inline
        }
    }
}

impl Hashing {
    /// Runs `work`; `None` if the blocking task failed (it panicked or the
    /// runtime is shutting down).
    pub(crate) async fn run<T, F>(self, work: F) -> Option<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self {
            Hashing::Inline => Some(work()),
            #[cfg(feature = "tokio")]
            Hashing::SpawnBlocking => match tokio::runtime::Handle::try_current() {
                Ok(handle) => handle.spawn_blocking(work).await.ok(),
                Err(_) => Some(work()),
            },
        }
    }
}
