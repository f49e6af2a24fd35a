fn main() -> std::process::ExitCode {
    sbas::cli::main()
}
