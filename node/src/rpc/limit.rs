//! The global request-rate limit: one token bucket shared by every
//! connection and both services, checked on each request's headers before
//! its body is decoded. A request finding the bucket empty is refused at
//! once with ResourceExhausted (a client retries later) instead of
//! queueing, so a flood costs the node a lock and a comparison per call.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use tonic::{service::Interceptor, Request, Status};

/// A token bucket: `rate` tokens a second, holding at most `burst`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The shared rate limit, as a tonic interceptor (cloned per service; the
/// clones share one bucket).
#[derive(Clone, Debug)]
pub struct RateLimit {
    bucket: Arc<Mutex<Bucket>>,
}

impl RateLimit {
    /// `per_second` requests a second on average, with bursts of as many
    /// (a full bucket at start). Zero turns the limit off.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second);
        Self {
            bucket: Arc::new(Mutex::new(Bucket {
                tokens: rate,
                last: Instant::now(),
                rate,
                burst: rate,
            })),
        }
    }

    fn admit(&self) -> bool {
        let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        bucket.rate == 0.0 || bucket.take(Instant::now())
    }
}

impl Interceptor for RateLimit {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        if self.admit() {
            Ok(request)
        } else {
            Err(Status::resource_exhausted(
                "request rate limit reached; retry later",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_drains_then_refills() {
        let limit = RateLimit::new(5);
        let admitted = (0..20).filter(|_| limit.admit()).count();
        // 5 in the bucket, and at most a token more while the loop ran.
        assert!((5..=6).contains(&admitted), "{admitted}");
        std::thread::sleep(Duration::from_millis(450));
        assert!(limit.admit(), "tokens come back with time");
    }

    #[test]
    fn zero_is_unlimited() {
        let limit = RateLimit::new(0);
        assert!((0..1000).all(|_| limit.admit()));
    }

    #[test]
    fn refusal_is_resource_exhausted() {
        let mut limit = RateLimit::new(1);
        assert!(limit.call(Request::new(())).is_ok());
        let refused = limit.call(Request::new(())).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
    }
}
