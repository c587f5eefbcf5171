/// Identifies a counted resource (a bank of beds, a team of nurses) within one simulation.
public struct ResourceID: Hashable, Sendable {
    /// Position in the order resources were added.
    public let index: Int

    @usableFromInline
    init(index: Int) { self.index = index }
}

/// Identifies one request for units of a resource, from the moment it is made until its units are released (or
/// it reneges, is withdrawn or is preempted). A stale ID is harmless: releasing it does nothing.
public struct RequestID: Hashable, Sendable {
    @usableFromInline let slot: UInt32
    @usableFromInline let sequence: UInt64

    @usableFromInline
    init(slot: UInt32, sequence: UInt64) {
        self.slot = slot
        self.sequence = sequence
    }
}

/// What the kernel tells a model about one of its requests. It is delivered to
/// `SimulationModel.handle(_:for:in:)` together with the tag the request was made with.
public struct ResourceNotice: Hashable, Sendable {
    /// What happened.
    public enum Kind: Hashable, Sendable {
        /// The units are now held by the request.
        case granted
        /// The request waited its whole patience and left the queue.
        case reneged
        /// The request lost its units to a higher-priority request or to a drop in capacity; the units are no
        /// longer held and the request is over (the model may make a new one for the remaining work).
        case preempted
    }

    /// What happened.
    public let kind: Kind
    /// The request it happened to.
    public let request: RequestID
    /// Its resource.
    public let resource: ResourceID
    /// When the request was made (simulation minutes).
    public let requestedAt: Double
    /// When it was granted; for a grant, now; for a preemption, when it had been granted; nil for a renege.
    public let grantedAt: Double?

    @usableFromInline
    init(kind: Kind, request: RequestID, resource: ResourceID, requestedAt: Double, grantedAt: Double?) {
        self.kind = kind
        self.request = request
        self.resource = resource
        self.requestedAt = requestedAt
        self.grantedAt = grantedAt
    }
}

/// What happens to work in progress when a resource's scheduled capacity drops below the units in use.
public enum CapacityDropPolicy: Hashable, Sendable, Codable {
    /// Holders keep their units until they release them; released units then leave instead of going to the
    /// next request, until use is back within capacity. A nurse whose shift ends finishes with her patient.
    case finishThenLeave
    /// Holders beyond the new capacity are preempted at once — the lowest priority first and, among equals, the
    /// most recently granted — and told by a `.preempted` notice. A bay closed for cleaning empties now.
    case preempt
}

/// One change in a recurring capacity pattern: from `time` (local) on the given weekdays — every day when
/// `weekdays` is nil — the capacity is `capacity` until the next step.
public struct CapacityStep: Hashable, Sendable, Codable {
    /// The days this step happens on; nil for every day.
    public let weekdays: Set<Weekday>?
    /// The local time it happens at.
    public let time: LocalTimeOfDay
    /// The capacity from then on.
    public let capacity: Int

    /// A step to `capacity` at local `time`, on `weekdays` (every day when nil).
    public init(at time: LocalTimeOfDay, capacity: Int, on weekdays: Set<Weekday>? = nil) {
        self.weekdays = weekdays
        self.time = time
        self.capacity = capacity
    }

    enum CodingKeys: String, CodingKey { case weekdays, time, capacity }

    /// Decodes a step and checks it: a capacity below 0 or an empty set of weekdays is a decoding error, so a
    /// file can never build a step the kernel would refuse later.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let capacity = try container.decode(Int.self, forKey: .capacity)
        guard capacity >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .capacity, in: container,
                                                   debugDescription: "must be a whole number >= 0, found \(capacity)")
        }
        let weekdays = try container.decodeIfPresent(Set<Weekday>.self, forKey: .weekdays)
        if let weekdays, weekdays.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .weekdays, in: container,
                                                   debugDescription: "must name at least one weekday")
        }
        self.init(at: try container.decode(LocalTimeOfDay.self, forKey: .time), capacity: capacity, on: weekdays)
    }
}

/// How a resource's capacity follows calendar time.
public enum CapacitySchedule: Hashable, Sendable {
    /// The same capacity throughout.
    case constant(Int)
    /// A pattern repeating by local time of day and weekday, e.g. 8 nurses 07:30–19:30 and 5 overnight. The
    /// capacity at any instant is that of the latest step before it.
    case recurring([CapacityStep])
    /// `initial` at minute 0, then each change at its simulation minute.
    case explicit(initial: Int, changes: [CapacityChange])

    /// A change of capacity at a simulation minute.
    public struct CapacityChange: Hashable, Sendable {
        /// When (simulation minutes).
        public let minute: Double
        /// The capacity from then on.
        public let capacity: Int

        /// A change to `capacity` at `minute`.
        public init(atMinute minute: Double, capacity: Int) {
            self.minute = minute
            self.capacity = capacity
        }
    }

    /// Checks the schedule; returns what is wrong, or nil. Capacities must be ≥ 0, a recurring pattern must have
    /// a step and no two steps at the same weekday and time, explicit changes must be ascending in time.
    public var problem: String? {
        switch self {
        case .constant(let capacity):
            return capacity < 0 ? "capacity must be >= 0, found \(capacity)" : nil
        case .recurring(let steps):
            if steps.isEmpty { return "a recurring capacity pattern needs at least one step" }
            var seen = Set<String>()
            for step in steps {
                if step.capacity < 0 { return "capacity must be >= 0, found \(step.capacity) at \(step.time)" }
                if let days = step.weekdays, days.isEmpty { return "a step's weekdays must not be empty" }
                for day in step.weekdays ?? Set(Weekday.allCases) {
                    let key = "\(day.rawValue)-\(step.time.minuteOfDay)"
                    if !seen.insert(key).inserted {
                        return "two capacity steps at \(day) \(step.time.hour):\(step.time.minute)"
                    }
                }
            }
            return nil
        case .explicit(let initial, let changes):
            if initial < 0 { return "capacity must be >= 0, found \(initial)" }
            var last = -Double.infinity
            for change in changes {
                if change.capacity < 0 { return "capacity must be >= 0, found \(change.capacity)" }
                if !(change.minute > last) || !change.minute.isFinite {
                    return "capacity changes must be at ascending finite minutes"
                }
                last = change.minute
            }
            return nil
        }
    }

    /// The capacity in force at `minute`.
    public func capacity(atMinute minute: Double, clock: SimulationClock) -> Int {
        switch self {
        case .constant(let capacity):
            return capacity
        case .explicit(let initial, let changes):
            return changes.last(where: { $0.minute <= minute })?.capacity ?? initial
        case .recurring:
            // Walk the pattern forward from two weeks before; the last step at or before `minute` is in force.
            var cursor = minute - 2 * 7 * 1440
            var current = 0
            while let next = nextChange(after: cursor, clock: clock), next.minute <= minute {
                current = next.capacity
                cursor = next.minute
            }
            return current
        }
    }

    /// The first change strictly after `minute`, or nil when there is none.
    public func nextChange(after minute: Double, clock: SimulationClock) -> CapacityChange? {
        switch self {
        case .constant:
            return nil
        case .explicit(_, let changes):
            return changes.first(where: { $0.minute > minute })
        case .recurring(let steps):
            var best: CapacityChange?
            for step in steps {
                let at = clock.nextMinute(after: minute, at: step.time, on: step.weekdays)
                if best == nil || at < best!.minute { best = CapacityChange(atMinute: at, capacity: step.capacity) }
            }
            return best
        }
    }
}

/// How much a resource records beyond its means and counts.
public enum ResourceMonitoring: Hashable, Sendable {
    /// Time-averages of use, queue and capacity; a tally of waits; counts of requests, grants, reneges and
    /// preemptions.
    case summary
    /// Also the time spent at each level of use and of queue length, and percentiles of the waits.
    case detailed
}

/// Everything a resource has recorded since the start or the end of the warm-up. Time-weighted figures are
/// closed at the simulation's current time when read through `Simulation.statistics(of:)`.
public struct ResourceStatistics: Sendable {
    @usableFromInline var inUseLevel: TimeWeighted
    @usableFromInline var queueLevel: TimeWeighted
    @usableFromInline var capacityLevel: TimeWeighted
    @usableFromInline var waitTally = Tally()
    @usableFromInline var waitDistribution: Percentiles?
    @usableFromInline var requestCount = 0
    @usableFromInline var grantCount = 0
    @usableFromInline var renegeCount = 0
    @usableFromInline var preemptionCount = 0
    @usableFromInline var withdrawalCount = 0

    /// Units in use over time.
    public var inUse: TimeWeighted { inUseLevel }
    /// Live requests waiting over time.
    public var queueLength: TimeWeighted { queueLevel }
    /// Scheduled capacity over time.
    public var capacity: TimeWeighted { capacityLevel }
    /// Minutes from request to grant, for every request granted in the window.
    public var waits: Tally { waitTally }
    /// Percentiles of those waits, when monitoring is `.detailed`.
    public var waitPercentiles: Percentiles? { waitDistribution }
    /// Requests made in the window.
    public var requests: Int { requestCount }
    /// Requests granted in the window.
    public var grants: Int { grantCount }
    /// Requests that reneged in the window.
    public var reneges: Int { renegeCount }
    /// Holders preempted in the window.
    public var preemptions: Int { preemptionCount }
    /// Waiting requests withdrawn by the model in the window.
    public var withdrawals: Int { withdrawalCount }
    /// The time the window started.
    public var windowStart: Double { inUseLevel.windowStart }

    init(capacity: Int, at time: Double, monitoring: ResourceMonitoring) {
        let detailed = monitoring == .detailed
        inUseLevel = TimeWeighted(level: 0, at: time, tracksTimeAtLevel: detailed)
        queueLevel = TimeWeighted(level: 0, at: time, tracksTimeAtLevel: detailed)
        capacityLevel = TimeWeighted(level: Double(capacity), at: time)
        waitDistribution = detailed ? Percentiles() : nil
    }

    /// Mean units in use over mean capacity, up to `time`: the utilisation.
    public func utilisation(at time: Double) -> Double {
        let meanCapacity = capacity.mean(at: time)
        return meanCapacity > 0 ? inUse.mean(at: time) / meanCapacity : 0
    }

    mutating func reset(at time: Double) {
        inUseLevel.reset(at: time)
        queueLevel.reset(at: time)
        capacityLevel.reset(at: time)
        waitTally.reset()
        waitDistribution?.reset()
        requestCount = 0
        grantCount = 0
        renegeCount = 0
        preemptionCount = 0
        withdrawalCount = 0
    }

    mutating func close(at time: Double) {
        inUseLevel.record(inUseLevel.level, at: time)
        queueLevel.record(queueLevel.level, at: time)
        capacityLevel.record(capacityLevel.level, at: time)
    }
}
