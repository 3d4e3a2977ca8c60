//! What the node remembers of its peers: bans with an expiry, token
//! buckets bounding each peer's sync requests and gossip messages, and
//! strikes for messages that are wrong but could be an honest race.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use libp2p::PeerId;

/// A token bucket: `rate` tokens a second, at most `burst` saved up. A
/// message refused still takes its token, so a peer that goes on sending
/// over its rate runs into debt (and stays refused until it pays it back);
/// a debt of [`FLOOD_REFUSALS`] is a flood. (Counting only refusals in a
/// row would miss a flood: the tokens trickling in at `rate` let one
/// message through now and then and would reset the count.)
#[derive(Clone, Debug)]
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

/// What a bucket says of one more message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the rate.
    Allow,
    /// Over the rate: refuse this one.
    Refuse,
    /// Over the rate by [`FLOOD_REFUSALS`] messages: a flood.
    Flood,
}

/// Messages over the rate (net of what the rate paid back since) after
/// which a peer is taken to flood.
pub const FLOOD_REFUSALS: u32 = 50;

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            rate: f64::from(rate),
            burst: f64::from(burst),
            last: now,
        }
    }

    /// Takes a token at `now`.
    pub fn take(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        let allowed = self.tokens >= 1.0;
        self.tokens -= 1.0;
        if allowed {
            Verdict::Allow
        } else if self.tokens <= -f64::from(FLOOD_REFUSALS) {
            Verdict::Flood
        } else {
            Verdict::Refuse
        }
    }
}

/// Strikes within [`STRIKE_WINDOW`] that ban a peer.
pub const MAX_STRIKES: u32 = 5;
/// How long a strike counts.
pub const STRIKE_WINDOW: Duration = Duration::from_secs(60);

/// Bans (peer until instant), per-peer buckets and strikes.
#[derive(Debug, Default)]
pub struct PeerBook {
    bans: HashMap<PeerId, Instant>,
    requests: HashMap<PeerId, Bucket>,
    gossip: HashMap<PeerId, Bucket>,
    /// Strikes since the instant the count started.
    strikes: HashMap<PeerId, (u32, Instant)>,
}

impl PeerBook {
    /// Bans `peer` until `now + ban`; returns whether it was not banned.
    pub fn ban(&mut self, peer: PeerId, now: Instant, ban: Duration) -> bool {
        self.requests.remove(&peer);
        self.gossip.remove(&peer);
        self.strikes.remove(&peer);
        self.bans.insert(peer, now + ban).is_none()
    }

    /// One more strike against `peer` at `now`; true when it has
    /// [`MAX_STRIKES`] within [`STRIKE_WINDOW`] (ban it).
    pub fn strike(&mut self, peer: PeerId, now: Instant) -> bool {
        let entry = self.strikes.entry(peer).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= STRIKE_WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
        entry.0 >= MAX_STRIKES
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
        // A second later, ten tokens paid back: still in debt.
        assert_eq!(b.take(t + Duration::from_secs(1)), Verdict::Refuse);
        // The debt paid, the burst is back (capped at five).
        let later = t + Duration::from_secs(10);
        for _ in 0..5 {
            assert_eq!(b.take(later), Verdict::Allow);
        }
        assert_eq!(b.take(later), Verdict::Refuse);
    }

    #[test]
    fn a_flood_is_found_though_the_rate_pays_back_tokens_as_it_goes() {
        // Ten a second allowed; a hundred a second sent.
        let t = Instant::now();
        let mut b = Bucket::new(10, 5, t);
        let verdicts: Vec<Verdict> = (0..200)
            .map(|i| b.take(t + Duration::from_millis(10 * i)))
            .collect();
        // (Counting refusals in a row, the token every tenth message
        // earns would have reset the count for ever.)
        assert!(verdicts.contains(&Verdict::Flood));
    }

    #[test]
    fn a_peer_at_its_rate_is_never_refused() {
        let t = Instant::now();
        let mut b = Bucket::new(10, 5, t);
        for i in 0..1_000 {
            assert_eq!(b.take(t + Duration::from_millis(100 * i)), Verdict::Allow);
        }
    }

    #[test]
    fn strikes_ban_within_the_window_and_are_forgotten_after_it() {
        let t = Instant::now();
        let mut book = PeerBook::default();
        let p = PeerId::random();
        for _ in 1..MAX_STRIKES {
            assert!(!book.strike(p, t));
        }
        // The window ran out: counting starts again.
        let later = t + STRIKE_WINDOW;
        for _ in 1..MAX_STRIKES {
            assert!(!book.strike(p, later));
        }
        assert!(book.strike(p, later));
        // Another peer's count is its own.
        assert!(!book.strike(PeerId::random(), later));
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
