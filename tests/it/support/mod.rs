//! What the integration tests share: the real binary in a pseudo-terminal
//! (`pty`), the real binary against an in-process simulator (`sim_env`), and
//! the tests' own list of control characters (`controls`).

pub mod controls;
pub mod pty;
pub mod sim_env;
