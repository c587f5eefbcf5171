import Simulation

/// The time-weighted record of one unit's beds: occupied beds, open beds and staffed beds over time, the time
/// spent at each level of occupancy, and the time at or above 85%, 92% and 100% of the open beds. Updated at
/// every change (O(1)); read once at the end.
struct OccupancyMonitor {
    private(set) var windowStart: Double = 0
    private var last: Double = 0
    private var occupied = 0
    private var busy = 0  // occupied plus cleaning: the beds not free
    private var open = 0
    private var staffed = 0.0
    private(set) var occupiedIntegral = 0.0
    private(set) var openIntegral = 0.0
    private(set) var staffedIntegral = 0.0
    private(set) var timeAt85 = 0.0
    private(set) var timeAt92 = 0.0
    private(set) var timeFull = 0.0
    /// Minutes at each occupied level.
    private(set) var timeAtLevel: [Double] = []

    /// Closes the interval up to `now` at the current state.
    mutating func advance(to now: Double) {
        let elapsed = now - last
        guard elapsed > 0 else { return }
        occupiedIntegral += Double(occupied) * elapsed
        openIntegral += Double(open) * elapsed
        staffedIntegral += staffed * elapsed
        if open > 0 {
            let share = Double(busy) / Double(open)
            if share >= 0.85 { timeAt85 += elapsed }
            if share >= 0.92 { timeAt92 += elapsed }
            if busy >= open { timeFull += elapsed }
        }
        if occupied >= timeAtLevel.count { timeAtLevel += [Double](repeating: 0, count: occupied - timeAtLevel.count + 1) }
        timeAtLevel[occupied] += elapsed
        last = now
    }

    /// Records the state from `now` on.
    mutating func update(occupied: Int, busy: Int, open: Int, staffed: Double, at now: Double) {
        advance(to: now)
        self.occupied = occupied
        self.busy = busy
        self.open = open
        self.staffed = staffed
    }

    /// Forgets everything before `now` (the end of the warm-up).
    mutating func reset(at now: Double) {
        advance(to: now)
        windowStart = now
        occupiedIntegral = 0
        openIntegral = 0
        staffedIntegral = 0
        timeAt85 = 0
        timeAt92 = 0
        timeFull = 0
        timeAtLevel = timeAtLevel.map { _ in 0 }
    }

    /// The smallest level at or below which the unit spent at least `share` of the time.
    func percentile(_ share: Double) -> Double {
        let total = timeAtLevel.reduce(0, +)
        guard total > 0 else { return 0 }
        var cumulative = 0.0
        for (level, time) in timeAtLevel.enumerated() {
            cumulative += time
            if cumulative >= share * total - 1e-9 { return Double(level) }
        }
        return Double(timeAtLevel.count - 1)
    }
}

/// Waits (minutes): their mean, and their percentiles — exact for the first 10,000, then from an HDR histogram to
/// three significant digits at 0.01-minute resolution (the kernel's `Percentiles`) — so memory stays flat however
/// long the run.
struct WaitRecorder {
    private(set) var percentiles = Percentiles(exactLimit: 10_000, resolution: 0.01)
    private(set) var sum = 0.0

    mutating func record(_ value: Double) {
        percentiles.record(value)
        sum += value
    }

    var count: Int { percentiles.count }
    var mean: Double { count > 0 ? sum / Double(count) : 0 }

    /// The `share`-quantile (0–1); 0 with no wait recorded.
    func percentile(_ share: Double) -> Double { percentiles.value(atPercentile: share * 100) ?? 0 }
}
