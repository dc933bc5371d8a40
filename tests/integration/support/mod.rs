//! What the tests share: an emulator with a known account and identities (`emulator`),
//! a connected worker (`engine`), the `azfx` binary (`cli`) and the window in a harness
//! (`window`). Tests live in the files beside this folder; only helpers live here.

pub(crate) mod cli;
/// The emulator crate's own test support, shared rather than copied (some of it serves
/// only the emulator's own tests).
#[path = "../../../crates/azfx-emulator/tests/service/support.rs"]
#[expect(dead_code, reason = "the emulator's contract tests use the rest")]
pub(crate) mod emulator;
pub(crate) mod engine;
pub(crate) mod window;

use crate::support::emulator::{Env, SHARE};

/// Runs a future to its end on a runtime of its own (tests are synchronous).
pub(crate) fn block<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// The bytes of a share file, straight from the emulator over REST (`None` when absent).
pub(crate) fn remote(env: &Env, path: &str) -> Option<Vec<u8>> {
    block(async {
        let response = env.req(reqwest::Method::GET, &format!("{SHARE}/{path}")).send().await.unwrap();
        if response.status().is_success() { Some(response.bytes().await.unwrap().to_vec()) } else { None }
    })
}
