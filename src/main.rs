//! The `authconform` binary: everything lives in the library's `cli` module.

use std::process::ExitCode;

fn main() -> ExitCode {
    give_large_buffers_back();
    ExitCode::from(authconform::cli::main())
}

/// Buffers of 256 KiB and more (answer bodies read up to the cap, megabytes each) are mapped on their
/// own and given back to the system when freed. By default glibc raises that threshold after the first
/// such buffer is freed and serves the next ones from its heap, which then fragments: against a target
/// whose every answer is endless, the peak RSS of the bundled suite went from 99 MiB to 121 MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_large_buffers_back() {
    // SAFETY: mallopt sets one parameter of the allocator; it is called before any other thread
    // starts, and a refusal (0) leaves glibc's default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Other allocators are left as they are.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_large_buffers_back() {}
