//! The emulator against the service's contract, over real HTTP(S): identity endpoints,
//! authorization in the service's order, Files operations and their errors (compared
//! with recorded Azure answers), faults, and Microsoft's Python SDK running against it.
//! Each test starts its own emulator on free ports.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on the first unexpected error")]

mod auth;
mod faults;
mod files;
mod identity;
mod sdk_conformance;
mod shares;
mod support;
