//! Random streams: one per run and name, from the master seed alone, so results do not
//! depend on threads, shards or what else a scenario holds. A leaf: it imports nothing of
//! the crate.

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator of every stream: named, so results do not change when `rand` changes
/// what `StdRng` or `SmallRng` mean.
pub type StreamRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, 64 bits (Fowler, Noll & Vo): a stable hash of a stream's name.
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The random stream named `name` in run `run`: it depends only on the master seed, the
/// run's index and the name (an input's key path, or a flow's), never on the thread that
/// runs it, nor on what else the scenario holds. So scenarios run with one seed share the
/// streams of whatever they have in common (common random numbers).
pub fn named_stream(seed: u64, run: u64, name: &str) -> StreamRng {
    StreamRng::seed_from_u64(mix64(seed ^ mix64(run ^ mix64(fnv1a(name)))))
}

/// A uniform number in the open interval (0, 1): the top 53 bits of one 64-bit output,
/// offset by half a step so that neither 0 nor 1 can occur (the samplers below take logs
/// and divide by it).
#[inline]
pub fn open_uniform(rng: &mut StreamRng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}
