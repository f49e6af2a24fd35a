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

/// Lets glibc's allocator reuse freed blocks of up to 8 MiB instead of handing them back to the
/// kernel: the unwrapping-error corrections allocate and free images of a few megabytes per
/// interferogram, and by default each such block soon becomes a fresh `mmap`, zeroed page by page
/// on first touch and unmapped on free, which cost bridging a third of its time (README, *Speed*
/// of the unwrapping-error corrections). Larger blocks (the inversion's strips) keep their own
/// maps, and at most 32 MiB of free memory is kept at the heap's top, so peak memory is unchanged
/// (checked with `scripts/out-of-core.sh`; 32 MiB blocks raised the inversion's peak by 32 MB).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any thread starts; mallopt only changes the allocator's thresholds
    // (a refused value leaves the default).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
    }
}
