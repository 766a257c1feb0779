//! The command line's tests as one binary: the `repatria` binary run as a user runs it
//! (`cli`, `import_cli`, `match_cli`, `plan_cli`), the web interface in real Chromium
//! (`browser`), the example deployment of `deploy/` behind nginx (`deploy`), and the
//! server killed with SIGKILL under load and started again (`crash`).

mod browser;
mod cli;
mod crash;
mod deploy;
mod import_cli;
mod match_cli;
mod plan_cli;
mod schemathesis;
mod support;
