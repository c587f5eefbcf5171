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

/// A sample of values kept whole for an exact percentile (the window's ED times to bed: tens of thousands at most).
struct SampleRecorder {
    private(set) var values: [Double] = []
    private(set) var sum = 0.0

    mutating func record(_ value: Double) {
        values.append(value)
        sum += value
    }

    mutating func reset() {
        values.removeAll(keepingCapacity: true)
        sum = 0
    }

    var count: Int { values.count }
    var mean: Double { values.isEmpty ? 0 : sum / Double(values.count) }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        return SampleQuantile.type7(values.sorted(), probability: p)
    }
}
