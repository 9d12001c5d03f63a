//! What the `tlog_*` tests share: a small seeded generator, so a failure replays.

#![allow(dead_code)]

/// splitmix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `bytes` (non-empty) with one byte set to a random value.
    pub fn garble(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut m = bytes.to_vec();
        let at = self.below(m.len() as u64) as usize;
        m[at] = self.next() as u8;
        m
    }
}
