//! Talking to ExoBridge: the client. (The simulator that stands in for it is
//! the `exoset-sim` crate.)

pub mod client;
mod error;

pub use client::{Answer, ApiError, Client, ClientOptions, Credentials, Documented};
