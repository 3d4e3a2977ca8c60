//! Proving on several threads in a browser (the `threads` feature, built as
//! `pkg-web-threads`; see `threads/README.md`).
//!
//! The prover's rayon loops (one proof per action) and arkworks' FFTs run on
//! rayon's global pool. In the threaded build `initThreadPool(n)`
//! (wasm-bindgen-rayon) fills that pool with `n` Web Workers sharing this
//! module's memory; it needs a cross-origin isolated page (shared memory)
//! and must be awaited once, before the first proof. Without it, or in the
//! default build, everything runs on the calling thread.

use wasm_bindgen::prelude::*;

#[cfg(all(feature = "threads", target_arch = "wasm32"))]
pub use wasm_bindgen_rayon::init_thread_pool;

/// How many threads proving uses: the global pool's size once
/// `initThreadPool` has run, 1 before it and in the single-threaded build.
#[wasm_bindgen(js_name = threadCount)]
pub fn thread_count() -> usize {
    rayon::current_num_threads()
}

/// Whether this is the threaded build (`pkg-web-threads`), whose
/// `initThreadPool` starts the workers.
#[wasm_bindgen(js_name = threadsBuild)]
pub fn threads_build() -> bool {
    cfg!(all(feature = "threads", target_arch = "wasm32"))
}
