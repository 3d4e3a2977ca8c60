//! Timing and memory measurement for the `compare` binary.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Instant,
};

/// Seconds `f` takes, with its result.
pub fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

/// Seconds `f` takes.
pub fn secs(f: impl FnOnce()) -> f64 {
    time(f).0
}

/// CPU seconds (user and system, every thread of the process) spent in
/// `f`: less moved by other processes on a loaded machine than wall time,
/// since what they take is not counted.
pub fn cpu_secs<T>(f: impl FnOnce() -> T) -> f64 {
    fn now() -> f64 {
        // SAFETY: `getrusage` fills the zeroed struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a `rusage`.
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        tv(u.ru_utime) + tv(u.ru_stime)
    }
    let start = now();
    std::hint::black_box(f());
    now() - start
}

/// The median of `samples` (the mean of the middle two for an even count);
/// `NaN` for none.
pub fn median(samples: &[f64]) -> f64 {
    let mut s: Vec<f64> = samples.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Why a child process could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// It could not be started.
    #[error("could not start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Waiting for it failed.
    #[error("waiting for the child process failed: {0}")]
    Wait(std::io::Error),
    /// It exited with a failure.
    #[error("the child process failed (wait status {0}); run it by hand to see why")]
    Failed(i32),
}

/// Runs `program args` to completion and returns what it printed on
/// standard output (its standard error goes to ours).
pub fn child_stdout(program: &Path, args: &[&str]) -> Result<String, ChildError> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| ChildError::Spawn {
            program: program.display().to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(ChildError::Failed(out.status.code().unwrap_or(-1)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Restricts the calling thread, and every thread it starts afterwards, to
/// one CPU (the first it may run on), and returns that CPU's number.
///
/// A one-thread rayon pool is not one core: arkworks' MSM starts a thread
/// pool of its own for each multi-scalar multiplication, and while that pool
/// works, the waiting rayon worker steals the next queued job, so "one
/// thread" proving several proofs keeps about 1.15 cores busy. A one-core
/// measurement has to be pinned.
///
/// # Errors
///
/// The operating system's refusal; `Unsupported` off Linux.
pub fn pin_to_one_cpu() -> std::io::Result<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero cpu_set_t is the empty set; the libc calls get
        // a valid pointer and the set's own size, and act on this thread (0).
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if libc::sched_getaffinity(0, size, &mut set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let cpu = (0..libc::CPU_SETSIZE as usize)
                .find(|&c| libc::CPU_ISSET(c, &set))
                .ok_or_else(|| std::io::Error::other("this thread may run on no CPU"))?;
            let mut one: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut one);
            if libc::sched_setaffinity(0, size, &one) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(cpu)
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "pinning to one CPU is implemented for Linux only",
        ))
    }
}

/// Runs `program args` to completion (output discarded) and returns its peak
/// resident set size in MiB, as the kernel accounted it (`ru_maxrss` of
/// `wait4` for exactly that child).
pub fn child_peak_rss_mib(program: &Path, args: &[&str]) -> Result<f64, ChildError> {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| ChildError::Spawn {
            program: program.display().to_string(),
            source,
        })?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| ChildError::Wait(std::io::Error::other("child id does not fit a pid_t")))?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value (plain integers).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unwaited child; `status` and `usage` are valid
    // for writes. `child` is not waited on through std afterwards.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        return Err(ChildError::Wait(std::io::Error::last_os_error()));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(ChildError::Failed(status));
    }
    // Linux reports ru_maxrss in KiB.
    Ok(usage.ru_maxrss as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn child_stdout_is_captured_and_failures_reported() {
        let out = child_stdout(Path::new("echo"), &["0.25"]).expect("echo runs");
        assert_eq!(out.trim(), "0.25");
        assert!(matches!(
            child_stdout(Path::new("false"), &[]),
            Err(ChildError::Failed(1))
        ));
        assert!(matches!(
            child_stdout(Path::new("/nonexistent/program"), &[]),
            Err(ChildError::Spawn { .. })
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pinned_thread_and_its_children_see_one_cpu() {
        std::thread::spawn(|| {
            pin_to_one_cpu().expect("pins");
            let one = |n: std::io::Result<std::num::NonZeroUsize>| n.expect("known").get();
            assert_eq!(one(std::thread::available_parallelism()), 1);
            let child = std::thread::spawn(std::thread::available_parallelism);
            assert_eq!(one(child.join().expect("joins")), 1);
        })
        .join()
        .expect("the pinned thread passes");
    }

    #[test]
    fn child_rss_is_measured_and_failures_reported() {
        // A child that touches 64 MiB reports at least that much.
        let rss = child_peak_rss_mib(
            Path::new("python3"),
            &[
                "-c",
                "b = bytearray(64 << 20); b[::4096] = b'x' * len(b[::4096])",
            ],
        );
        if let Ok(rss) = rss {
            assert!(rss >= 64.0, "peak RSS {rss} MiB");
        }
        assert!(matches!(
            child_peak_rss_mib(Path::new("false"), &[]),
            Err(ChildError::Failed(_))
        ));
        assert!(matches!(
            child_peak_rss_mib(Path::new("/nonexistent/program"), &[]),
            Err(ChildError::Spawn { .. })
        ));
    }
}
