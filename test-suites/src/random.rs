//! A small, fast, seeded pseudo-random sequence (xorshift64*) for test patterns that must be
//! regenerated exactly to verify what was written. Not for anything security-related.

/// xorshift64* (Vigna, 2016).
#[derive(Debug, Clone)]
pub struct XorShift64(u64);

impl XorShift64 {
    /// A generator; a zero seed (which xorshift cannot use) is replaced by a fixed constant.
    pub fn new(seed: u64) -> XorShift64 {
        // Mix the seed so nearby seeds give unrelated sequences (splitmix64 finaliser).
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        XorShift64(if z == 0 { 0x6d78_6365_7274 } else { z })
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Fills `buf` with the next bytes of the sequence.
    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut chunks = buf.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let v = self.next_u64().to_le_bytes();
            rest.copy_from_slice(&v[..rest.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_different_seeds_differ() {
        let a: Vec<u64> = {
            let mut r = XorShift64::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = XorShift64::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c = XorShift64::new(8).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
        assert!(a.iter().all(|&v| v != 0));
        let mut buf = [0u8; 13];
        XorShift64::new(7).fill(&mut buf);
        assert_eq!(&buf[..8], &a[0].to_le_bytes());
    }
}
