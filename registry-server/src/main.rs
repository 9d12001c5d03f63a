//! The `mxcert-registry` binary: everything happens in [`mxcert_registry::cli::main`].
fn main() -> std::process::ExitCode {
    mxcert_registry::cli::main()
}
