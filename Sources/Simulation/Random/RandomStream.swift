/// A seeded stream of pseudo-random numbers: xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear
/// pseudorandom number generators", ACM TOMS 47(4), 2021), 256 bits of state, period 2^256 - 1.
///
/// Streams are derived, never shared: each purpose ("arrivals", "length-of-stay") and each entity gets its own
/// stream from one master seed, so that two configurations run with the same seed draw the same numbers for the
/// same purpose (common random numbers) even when one of them draws more numbers elsewhere.
///
///     let streams = RandomStreams(masterSeed: 42)
///     var arrivals = streams.stream(for: "arrivals")
///     let u = arrivals.nextUniform()   // in (0, 1)
///
/// A value type: copying a stream copies its position, so a copy replays the same numbers.
public struct RandomStream: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A stream whose state is expanded from `seed` by SplitMix64, as the xoshiro authors recommend.
    @inlinable
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // the all-zero state is the one fixed point
    }

    /// A stream from its raw 256-bit state, as published test vectors give it; the state must not be all zero.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state.0 | state.1 | state.2 | state.3 != 0, "the all-zero state is not allowed")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// A uniform number strictly inside (0, 1): never 0 and never 1, so that `log(u)`, `log(1 - u)` and the normal
    /// quantile of `u` are always finite. It is (k + 1/2) / 2^52 for a uniform 52-bit k: every value is exactly
    /// representable (the largest is 1 - 2^-53), and the set of values is symmetric about 1/2.
    ///
    /// Why 52 bits and not 53: (k + 1/2) / 2^53 for the largest 53-bit k is 1 - 2^-54, which rounds to exactly 1.0.
    @inlinable @inline(__always)
    public mutating func nextUniform() -> Double {
        Self.uniform(fromBits: next())
    }

    /// The uniform `nextUniform()` makes of 64 random bits: (k + 1/2) / 2^52 for the top 52 bits k; strictly
    /// inside (0, 1) for every input, 0 and `UInt64.max` included.
    @inlinable @inline(__always)
    public static func uniform(fromBits bits: UInt64) -> Double {
        (Double(bits >> 12) + 0.5) * 0x1.0p-52
    }

    /// A uniform integer in `0..<bound`, without modulo bias (Lemire, "Fast random integer generation in an
    /// interval", ACM TOMACS 29(1), 2019).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Advances the stream by 2^128 numbers; 2^128 non-overlapping subsequences can be made this way.
    public mutating func jump() {
        let table: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for word in table {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 {
                    t0 ^= s0
                    t1 ^= s1
                    t2 ^= s2
                    t3 ^= s3
                }
                _ = next()
            }
        }
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
    }
}

@inlinable @inline(__always)
func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): used only
/// to expand seeds, because its output from nearby seeds is already well mixed.
@usableFromInline
struct SplitMix64 {
    @usableFromInline var state: UInt64

    @inlinable
    init(state: UInt64) { self.state = state }

    @inlinable
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser, a bijection on 64-bit words with full avalanche.
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The source of every random stream in one simulation run: a master seed from which streams are derived by
/// purpose and entity.
///
/// Derivation hashes (master seed, purpose, entity) with FNV-1a and SplitMix64, which are the same on every
/// machine and in every process (Swift's `Hasher` is not: it is seeded per process). Two different keys give
/// unrelated streams; the chance that two of a million streams overlap within 10^12 draws each is below 10^-50.
public struct RandomStreams: Sendable, Hashable {
    /// The seed everything in the run is derived from.
    public let masterSeed: UInt64

    /// The streams of one run.
    public init(masterSeed: UInt64) {
        self.masterSeed = masterSeed
    }

    /// The stream for `purpose` and, optionally, one entity (a patient, a ward) within it.
    public func stream(for purpose: String, entity: UInt64 = 0) -> RandomStream {
        RandomStream(seed: Self.derive(masterSeed, purpose: purpose, entity: entity))
    }

    /// The family of streams for `purpose`, from which a stream per key tuple is derived cheaply: the purpose is
    /// hashed once, here, rather than at every derivation. `family(p).stream(e)` is `stream(for: p, entity: e)`.
    public func family(_ purpose: String) -> StreamFamily {
        StreamFamily(base: Self.purposeBase(masterSeed, purpose: purpose))
    }

    /// The streams of replication `index`: replication seeds are derived from the master seed, so one master seed
    /// fixes every replication of an experiment and replication 7 is the same whatever else runs.
    public func replication(_ index: Int) -> RandomStreams {
        RandomStreams(masterSeed: Self.derive(masterSeed, purpose: "replication", entity: UInt64(index)))
    }

    static func derive(_ seed: UInt64, purpose: String, entity: UInt64) -> UInt64 {
        SplitMix64.mix(purposeBase(seed, purpose: purpose) ^ (entity &* 0x9E37_79B9_7F4A_7C15))
    }

    static func purposeBase(_ seed: UInt64, purpose: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64-bit offset basis
        for byte in purpose.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return SplitMix64.mix(SplitMix64.mix(seed ^ 0x6A09_E667_F3BC_C909) ^ hash)
    }
}

/// The streams of one purpose within a run, keyed by up to three numbers: a patient, a spell and a step, say.
/// Keys are mixed one after another with SplitMix64's finaliser, so (1, 2, 3) and (3, 2, 1) give unrelated
/// streams, and the key's parts never collide with one another's. Making a stream costs a few multiplications
/// and no allocation: cheap enough to key every draw of a model by what it is for, which is what keeps draws
/// identical between scenarios that differ elsewhere (common random numbers).
///
///     let sojourns = streams.family("twin-sojourn")
///     var stream = sojourns.stream(patient, spell, step)
public struct StreamFamily: Sendable, Hashable {
    @usableFromInline let base: UInt64

    @usableFromInline
    init(base: UInt64) { self.base = base }

    /// The stream for one key.
    @inlinable
    public func stream(_ key: UInt64) -> RandomStream {
        RandomStream(seed: SplitMix64.mix(base ^ (key &* 0x9E37_79B9_7F4A_7C15)))
    }

    /// The stream for a key of two or three parts.
    @inlinable
    public func stream(_ first: UInt64, _ second: UInt64, _ third: UInt64 = 0) -> RandomStream {
        var z = SplitMix64.mix(base ^ (first &* 0x9E37_79B9_7F4A_7C15))
        z = SplitMix64.mix(z ^ (second &* 0xC2B2_AE3D_27D4_EB4F) ^ 0x2545_F491_4F6C_DD1D)
        z = SplitMix64.mix(z ^ (third &* 0x1656_67B1_9E37_79F9) ^ 0x94D0_49BB_1331_11EB)
        return RandomStream(seed: z)
    }
}
