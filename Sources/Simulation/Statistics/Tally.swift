/// A running summary of observations (waits, lengths of stay): count, mean, variance, minimum and maximum.
///
/// Sums are kept about a shift K, the first observation (the "shifted data" algorithm of Chan, Golub and
/// LeVeque, "Algorithms for computing the sample variance", The American Statistician 37(3), 1983): recording is
/// two additions and a multiplication — no division, unlike Welford's update — and because K is a typical value
/// the sums do not cancel catastrophically. Tallies merge exactly, so per-thread tallies combine.
public struct Tally: Sendable, Hashable, Codable {
    @usableFromInline var storedCount: Int = 0
    @usableFromInline var shift: Double = 0
    @usableFromInline var shiftedSum: Double = 0
    @usableFromInline var shiftedSumOfSquares: Double = 0
    @usableFromInline var storedMinimum: Double = .infinity
    @usableFromInline var storedMaximum: Double = -.infinity

    /// Number of observations.
    public var count: Int { storedCount }
    /// Their mean (0 when empty).
    public var mean: Double { storedCount > 0 ? shift + shiftedSum / Double(storedCount) : 0 }
    /// The smallest observation (+∞ when empty).
    public var minimum: Double { storedMinimum }
    /// The largest observation (-∞ when empty).
    public var maximum: Double { storedMaximum }

    /// An empty tally.
    public init() {}

    /// A tally of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { record(value) }
    }

    /// Adds one observation.
    @inlinable @inline(__always)
    public mutating func record(_ value: Double) {
        if storedCount == 0 { shift = value }
        storedCount += 1
        let deviation = value - shift
        shiftedSum += deviation
        shiftedSumOfSquares += deviation * deviation
        if value < storedMinimum { storedMinimum = value }
        if value > storedMaximum { storedMaximum = value }
    }

    /// The sample variance (n - 1 in the denominator); 0 with fewer than two observations.
    public var variance: Double {
        guard storedCount > 1 else { return 0 }
        let n = Double(storedCount)
        return max(0, (shiftedSumOfSquares - shiftedSum * shiftedSum / n) / (n - 1))
    }

    /// The sample standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }

    /// The sum of the observations.
    public var sum: Double { shift * Double(storedCount) + shiftedSum }

    /// Adds every observation of `other`, as if recorded here.
    public mutating func merge(_ other: Tally) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        // Re-express other's sums about this tally's shift: with e = other.shift - shift,
        // Σ(x - K) = Σ(x - K') + n'e and Σ(x - K)² = Σ(x - K')² + 2eΣ(x - K') + n'e².
        let e = other.shift - shift
        let n = Double(other.storedCount)
        shiftedSumOfSquares += other.shiftedSumOfSquares + 2 * e * other.shiftedSum + n * e * e
        shiftedSum += other.shiftedSum + n * e
        storedCount += other.storedCount
        storedMinimum = Swift.min(minimum, other.minimum)
        storedMaximum = Swift.max(maximum, other.maximum)
    }

    /// Forgets every observation (the end of a warm-up).
    public mutating func reset() { self = Tally() }
}

/// The time-average of a level that changes at instants — beds occupied, queue length, staff on duty — and,
/// optionally, how long the level spent at each whole value (the occupancy distribution).
///
///     var occupied = TimeWeighted(level: 0, at: 0, tracksTimeAtLevel: true)
///     occupied.record(3, at: 10)     // 0 beds for 10 minutes, then 3
///     occupied.mean(at: 20)          // 1.5
public struct TimeWeighted: Sendable, Hashable, Codable {
    @usableFromInline var storedWindowStart: Double
    @usableFromInline var lastChange: Double
    @usableFromInline var storedLevel: Double
    @usableFromInline var area: Double = 0
    @usableFromInline var storedMinimum: Double
    @usableFromInline var storedMaximum: Double
    @usableFromInline var timeAtLevel: [Double]?

    /// When the current observation window began.
    public var windowStart: Double { storedWindowStart }
    /// The current level.
    public var level: Double { storedLevel }
    /// The lowest level seen in the window.
    public var minimum: Double { storedMinimum }
    /// The highest level seen in the window.
    public var maximum: Double { storedMaximum }

    /// A level starting at `level` at `time`; `tracksTimeAtLevel` keeps the time spent at each whole level
    /// (levels must then be whole and non-negative).
    public init(level: Double = 0, at time: Double = 0, tracksTimeAtLevel: Bool = false) {
        storedWindowStart = time
        lastChange = time
        storedLevel = level
        storedMinimum = level
        storedMaximum = level
        timeAtLevel = tracksTimeAtLevel ? [] : nil
    }

    /// The level changes to `newLevel` at `time` (not before the last change).
    @inlinable @inline(__always)
    public mutating func record(_ newLevel: Double, at time: Double) {
        let elapsed = time - lastChange
        area += level * elapsed
        if timeAtLevel != nil { addTimeAtLevel(elapsed) }
        lastChange = time
        storedLevel = newLevel
        if newLevel < storedMinimum { storedMinimum = newLevel }
        if newLevel > storedMaximum { storedMaximum = newLevel }
    }

    @usableFromInline
    mutating func addTimeAtLevel(_ elapsed: Double) {
        let index = Int(level)
        precondition(index >= 0 && Double(index) == level, "time-at-level tracking needs whole levels >= 0")
        if timeAtLevel!.count <= index {
            timeAtLevel!.append(contentsOf: repeatElement(0, count: index + 1 - timeAtLevel!.count))
        }
        timeAtLevel![index] += elapsed
    }

    /// The time-average over [windowStart, time]; the current level when the window is empty.
    public func mean(at time: Double) -> Double {
        let duration = time - windowStart
        guard duration > 0 else { return level }
        return (area + level * (time - lastChange)) / duration
    }

    /// The integral of the level over [windowStart, time] (e.g. bed-minutes).
    public func integral(at time: Double) -> Double {
        area + level * (time - lastChange)
    }

    /// The share of the window, up to `time`, spent at each whole level; nil unless tracked.
    public func timeAtLevelShares(at time: Double) -> [Double]? {
        guard var durations = timeAtLevel else { return nil }
        let index = Int(level)
        if durations.count <= index { durations.append(contentsOf: repeatElement(0, count: index + 1 - durations.count)) }
        durations[index] += time - lastChange
        let total = time - windowStart
        return total > 0 ? durations.map { $0 / total } : durations.map { _ in 0 }
    }

    /// Starts a new window at `time`, keeping the current level (the end of a warm-up).
    public mutating func reset(at time: Double) {
        storedWindowStart = time
        lastChange = time
        area = 0
        storedMinimum = level
        storedMaximum = level
        if timeAtLevel != nil { timeAtLevel = [] }
    }
}
