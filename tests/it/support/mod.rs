//! What the integration tests share: the real binary in a pseudo-terminal
//! (`pty`), the real binary against an in-process simulator (`sim_env`), and
//! against a multi-tenant one with a profile per tenant (`profiles`).

pub mod profiles;
pub mod pty;
pub mod sim_env;
