use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(exoset::cli::run(exoset::cli::parse_args()))
}
