//! What the node remembers of its peers: bans with an expiry, and token
//! buckets bounding each peer's sync requests and gossip messages.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use libp2p::PeerId;

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
#[derive(Clone, Debug)]
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
    /// Refusals since the last message let through.
    refused: u32,
}

/// What a bucket says of one more message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the rate.
    Allow,
    /// Over the rate: refuse this one.
    Refuse,
    /// Over the rate for [`FLOOD_REFUSALS`] messages in a row: a flood.
    Flood,
}

/// Refusals in a row after which a peer is taken to flood.
pub const FLOOD_REFUSALS: u32 = 50;

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            rate: f64::from(rate),
            burst: f64::from(burst),
            last: now,
            refused: 0,
        }
    }

    /// Takes a token at `now`.
    pub fn take(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused = 0;
            return Verdict::Allow;
        }
        self.refused += 1;
        if self.refused >= FLOOD_REFUSALS {
            Verdict::Flood
        } else {
            Verdict::Refuse
        }
    }
}

/// Bans (peer until instant) and per-peer buckets.
#[derive(Debug, Default)]
pub struct PeerBook {
    bans: HashMap<PeerId, Instant>,
    requests: HashMap<PeerId, Bucket>,
    gossip: HashMap<PeerId, Bucket>,
}

impl PeerBook {
    /// Bans `peer` until `now + ban`; returns whether it was not banned.
    pub fn ban(&mut self, peer: PeerId, now: Instant, ban: Duration) -> bool {
        self.requests.remove(&peer);
        self.gossip.remove(&peer);
        self.bans.insert(peer, now + ban).is_none()
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: &PeerId, now: Instant) -> bool {
        self.bans.get(peer).is_some_and(|until| *until > now)
    }

    /// Bans that ran out at `now` (forgotten here; the caller unblocks).
    pub fn expired(&mut self, now: Instant) -> Vec<PeerId> {
        let gone: Vec<PeerId> = self
            .bans
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(p, _)| *p)
            .collect();
        for p in &gone {
            self.bans.remove(p);
        }
        gone
    }

    /// Bans in force.
    pub fn banned(&self) -> usize {
        self.bans.len()
    }

    /// One more sync request from `peer`.
    pub fn request(&mut self, peer: PeerId, rate: u32, burst: u32, now: Instant) -> Verdict {
        self.requests
            .entry(peer)
            .or_insert_with(|| Bucket::new(rate, burst, now))
            .take(now)
    }

    /// One more gossip message from `peer`.
    pub fn gossip(&mut self, peer: PeerId, rate: u32, burst: u32, now: Instant) -> Verdict {
        self.gossip
            .entry(peer)
            .or_insert_with(|| Bucket::new(rate, burst, now))
            .take(now)
    }

    /// Forgets a disconnected peer's buckets (its ban stays).
    pub fn disconnected(&mut self, peer: &PeerId) {
        self.requests.remove(peer);
        self.gossip.remove(peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_then_calls_a_flood() {
        let t = Instant::now();
        let mut b = Bucket::new(10, 5, t);
        for _ in 0..5 {
            assert_eq!(b.take(t), Verdict::Allow);
        }
        for _ in 1..FLOOD_REFUSALS {
            assert_eq!(b.take(t), Verdict::Refuse);
        }
        assert_eq!(b.take(t), Verdict::Flood);
        // A second later, ten more tokens (capped at the burst of five).
        let later = t + Duration::from_secs(1);
        for _ in 0..5 {
            assert_eq!(b.take(later), Verdict::Allow);
        }
        assert_eq!(b.take(later), Verdict::Refuse);
    }

    #[test]
    fn bans_expire() {
        let t = Instant::now();
        let mut book = PeerBook::default();
        let p = PeerId::random();
        assert!(book.ban(p, t, Duration::from_secs(60)));
        assert!(!book.ban(p, t, Duration::from_secs(60)));
        assert!(book.is_banned(&p, t + Duration::from_secs(59)));
        assert!(book.expired(t + Duration::from_secs(30)).is_empty());
        assert_eq!(book.expired(t + Duration::from_secs(60)), vec![p]);
        assert!(!book.is_banned(&p, t + Duration::from_secs(61)));
        assert_eq!(book.banned(), 0);
    }
}
