//! The pseudo-random numbers of `${_RANDOM}`: glibc's `srandom` /
//! `random` (the default TYPE_3 additive feedback generator, glibc's
//! `random_r.c`), which keepalived's parser.c calls, so a seed gives the
//! numbers keepalived's `random()` gives for it.

/// glibc's state words (`rand_deg` of TYPE_3).
const DEGREE: usize = 31;
/// glibc's `rand_sep` of TYPE_3: the distance between the two taps.
const SEPARATION: usize = 3;

/// glibc's `random()` state after `srandom(seed)`.
#[derive(Clone, Debug)]
pub(crate) struct GlibcRandom {
    state: [u32; DEGREE],
    front: usize,
    rear: usize,
}

impl GlibcRandom {
    /// `srandom(seed)`: the state filled by the "minimal standard"
    /// generator (16807 × previous mod 2³¹−1), then 310 numbers discarded.
    pub(crate) fn new(seed: u32) -> Self {
        // glibc: "We must make sure the seed is not 0. Take arbitrarily 1."
        let seed = if seed == 0 { 1 } else { seed };
        let mut state = [0; DEGREE];
        state[0] = seed;
        // glibc's `word` is an `int32_t`: a seed above 2³¹−1 is negative.
        let mut word = i64::from(seed as i32);
        for slot in state.iter_mut().skip(1) {
            let (hi, lo) = (word / 127_773, word % 127_773);
            word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            // Stored in glibc's `int32_t` state: the low 32 bits.
            *slot = word as u32;
        }
        let mut random = Self {
            state,
            front: SEPARATION,
            rear: 0,
        };
        for _ in 0..10 * DEGREE {
            random.next();
        }
        random
    }

    /// `srandom(time(NULL))`, keepalived's seed when `random_seed` is not set.
    pub(crate) fn from_clock() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // keepalived: `srandom((unsigned int)tim)`.
        Self::new(now as u32)
    }

    /// `random()`: 0..=2³¹−1.
    pub(crate) fn next(&mut self) -> u32 {
        let value = self.state[self.front].wrapping_add(self.state[self.rear]);
        self.state[self.front] = value;
        self.front = (self.front + 1) % DEGREE;
        self.rear = (self.rear + 1) % DEGREE;
        value >> 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `random()`'s first numbers after glibc's `srandom(1)` (its default
    /// state), `srandom(0)`, `srandom(42)` and `srandom(4294967295)`, as
    /// libc.so.6 gives them.
    #[test]
    fn the_numbers_glibc_gives() {
        let first = |seed| {
            let mut random = GlibcRandom::new(seed);
            [random.next(), random.next(), random.next()]
        };
        assert_eq!(first(1), [1_804_289_383, 846_930_886, 1_681_692_777]);
        assert_eq!(first(0), first(1), "seed 0 is seed 1, as glibc");
        assert_eq!(first(42), [71_876_166, 708_592_740, 1_483_128_881]);
        assert_eq!(first(u32::MAX), [254_925_627, 1_205_188_300, 366_127_624]);
    }
}
