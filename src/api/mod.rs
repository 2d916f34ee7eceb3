//! Talking to ExoBridge: the client, and the simulator that stands in for it.

pub mod client;
pub mod sim;
pub mod sim_rules;

pub use client::{Answer, ApiError, Client, ClientOptions, Credentials, Documented};
