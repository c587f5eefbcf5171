/// Values observed at calendar instants — a midnight census of occupied beds, a 08:00 count of boarders — kept
/// with the local date-time they were taken at. Pair it with `Simulation.scheduleRecurring(_:at:on:)`:
///
///     simulation.scheduleRecurring(.census, at: LocalTimeOfDay(hour: 0)!)
///     // in handle(.census): census.record(Double(simulation.inUse(of: beds)), atMinute: simulation.now,
///     //                                   clock: simulation.clock)
public struct Snapshots: Sendable, Hashable, Codable {
    /// One observation.
    public struct Snapshot: Sendable, Hashable, Codable {
        /// Simulation minute it was taken at.
        public let minute: Double
        /// The local date and time it was taken at.
        public let local: LocalDateTime
        /// The value.
        public let value: Double
    }

    /// Every observation, in the order taken.
    public private(set) var snapshots: [Snapshot] = []

    /// An empty series.
    public init() {}

    /// Records `value` taken at `minute`.
    public mutating func record(_ value: Double, atMinute minute: Double, clock: SimulationClock) {
        snapshots.append(Snapshot(minute: minute, local: clock.localDateTime(atMinute: minute), value: value))
    }

    /// The observations taken at or after `minute` (e.g. after the warm-up).
    public func since(minute: Double) -> [Snapshot] { snapshots.filter { $0.minute >= minute } }

    /// A tally of the values.
    public var tally: Tally { Tally(snapshots.map(\.value)) }

    /// Forgets every observation.
    public mutating func reset() { snapshots.removeAll() }
}
