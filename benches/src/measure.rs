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
