//! Exit codes, as DESIGN.md fixes them.

pub const OK: u8 = 0;
/// Network or server failure.
pub const NETWORK: u8 = 1;
/// Bad usage or an invalid value.
pub const USAGE: u8 = 2;
/// No credentials, or they were refused.
pub const CREDENTIALS: u8 = 3;
/// The settings changed on the server since they were read.
pub const CONFLICT: u8 = 4;
