fn main() -> std::process::ExitCode {
    // Output into a closed pipe (`sbas info RUN | head`) ends the process quietly, as command-line
    // tools do: Rust ignores SIGPIPE, which makes every later print fail with a panic instead.
    // SAFETY: called before any thread starts; restoring a signal's default action has no other
    // effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    sbas::cli::main()
}
