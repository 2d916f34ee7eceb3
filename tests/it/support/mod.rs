//! What the integration tests share: the real binary in a pseudo-terminal
//! (`pty`), and the real binary against an in-process simulator (`sim_env`).

pub mod pty;
pub mod sim_env;
