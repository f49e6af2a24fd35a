fn main() -> std::process::ExitCode {
    // Output into a closed pipe (`sbas info RUN | head`) ends the process quietly, as command-line
    // tools do: Rust ignores SIGPIPE, which makes every later print fail with a panic instead.
    // SAFETY: called before any thread starts; restoring a signal's default action has no other
    // effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    keep_freed_memory();
    sbas::cli::main()
}

/// Lets glibc's allocator reuse freed blocks of up to 32 MiB instead of handing them back to the
/// kernel: the passes allocate and free images of a few megabytes per interferogram or chunk,
/// and by default each such block is a fresh `mmap`, zeroed page by page on first touch and
/// unmapped on free. That cost bridging a third of its time (measured in the README, *Speed* of
/// the unwrapping-error corrections). The peak is unchanged: memory is kept only once freed,
/// for the next block.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any thread starts; mallopt only changes the allocator's thresholds
    // (a refused value leaves the default).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
