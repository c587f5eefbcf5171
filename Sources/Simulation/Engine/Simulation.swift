import Foundation

/// A model that the kernel runs: it reacts to its own events and, if it requests resources, to what happens to
/// its requests.
///
/// Events are the model's own value type (usually an enum), so the event loop stores and dispatches them without
/// boxing, closures or dynamic dispatch. A request carries a tag of the model's own `RequestTag` type, which says
/// whom the request is for; it is handed back with every notice about the request:
///
///     struct Clinic: SimulationModel {
///         enum Event { case arrival, leave(RequestID) }
///         struct Patient { let arrivedAt: Double }
///         let doctors: ResourceID
///         mutating func handle(_ event: Event, in simulation: inout Simulation<Clinic>) {
///             switch event {
///             case .arrival:
///                 simulation.request(doctors, tag: Patient(arrivedAt: simulation.now))
///                 simulation.schedule(.arrival, after: 12)
///             case .leave(let request): simulation.release(request)
///             }
///         }
///         mutating func handle(_ notice: ResourceNotice, for patient: Patient, in simulation: inout Simulation<Clinic>) {
///             if notice.kind == .granted { simulation.schedule(.leave(notice.request), after: 20) }
///         }
///     }
///
/// A model that never requests resources declares no `RequestTag`: it defaults to `Never`, for which no tag can be
/// made, so such a model cannot request anything — and a model whose `RequestTag` is a real type must implement
/// `handle(_:for:in:)`, or it does not compile.
public protocol SimulationModel {
    /// The model's events.
    associatedtype Event
    /// What a resource request is for (a patient, a customer); `Never` for models that request nothing.
    associatedtype RequestTag = Never

    /// Reacts to one of the model's own events, at `simulation.now`.
    mutating func handle(_ event: Event, in simulation: inout Simulation<Self>)

    /// Reacts to news of a request: granted, reneged or preempted. `tag` is the tag the request was made with.
    /// Notices are delivered straight after the event that caused them, in the order they arose, before any
    /// other event — even one at the same time.
    mutating func handle(_ notice: ResourceNotice, for tag: RequestTag, in simulation: inout Simulation<Self>)

    /// Called once when the warm-up period ends, after the kernel has reset its resources' statistics: the model
    /// resets its own.
    mutating func warmUpDidEnd(in simulation: inout Simulation<Self>)
}

extension SimulationModel {
    /// Does nothing: models without statistics of their own need no warm-up hook.
    public mutating func warmUpDidEnd(in simulation: inout Simulation<Self>) {}
}

extension SimulationModel where RequestTag == Never {
    /// Never called: a model whose tag type is `Never` cannot make a request.
    public mutating func handle(_ notice: ResourceNotice, for tag: Never, in simulation: inout Simulation<Self>) {}
}

/// Identifies a recurring event (a midnight census, a daily ward round).
public struct RecurrenceID: Hashable, Sendable {
    /// Position in the order recurrences were added.
    public let index: Int
}

/// A resource definition the kernel cannot use.
public struct ResourceSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The resource's name.
    public let resource: String
    /// What is wrong.
    public let problem: String

    /// A readable form.
    public var description: String { "resource '\(resource)': \(problem)" }
}

/// The discrete-event kernel: a clock in minutes mapped to calendar time, the event calendar, counted resources
/// whose capacity follows a schedule, recurring calendar events and a warm-up. It knows nothing of hospitals.
///
/// A value type owned by one thread; replications each make their own (see `Replications`). Simultaneous events
/// run in (time, priority, scheduling order); the kernel's own capacity changes come before model events at the
/// same instant, so an arrival at 07:30 sees the day shift.
public struct Simulation<Model: SimulationModel> {
    /// The model's events.
    public typealias Event = Model.Event
    /// The model's request tags.
    public typealias RequestTag = Model.RequestTag

    /// The mapping of simulation minutes to calendar time.
    public let clock: SimulationClock
    @usableFromInline var currentMinute: Double = 0
    @usableFromInline var processedEvents = 0
    @usableFromInline var deliveredNotices = 0

    /// The current simulation time, in minutes since the start.
    @inlinable
    public var now: Double { currentMinute }
    /// Calendar events processed so far (the model's and the kernel's).
    public var eventCount: Int { processedEvents }
    /// Resource notices delivered so far.
    public var noticeCount: Int { deliveredNotices }

    @usableFromInline var calendar = EventCalendar<CalendarEntry>(reservingCapacity: 256)
    @usableFromInline var resources: ContiguousArray<ResourceState> = []
    @usableFromInline var requests: ContiguousArray<RequestRecord> = []
    @usableFromInline var requestTags: ContiguousArray<RequestTag> = []
    /// First free request slot + 1; 0 when none is free (free records chain through `nextFree`).
    @usableFromInline var freeRequestHead: UInt32 = 0
    @usableFromInline var nextRequestSequence: UInt64 = 0
    /// Notices to deliver after the current event: the first `pendingNoticeCount` entries. The array keeps its
    /// length between events, so queueing a notice in steady state writes in place and never allocates.
    @usableFromInline var notices: ContiguousArray<PendingNotice> = []
    @usableFromInline var pendingNoticeCount = 0
    @usableFromInline var recurrences: [Recurrence] = []
    @usableFromInline var stopRequested = false
    @usableFromInline var warmUpScheduled = false

    /// Priority of the kernel's capacity changes: before model events at the same instant.
    public static var capacityChangePriority: Int { -30_000 }
    /// Priority of the end of the warm-up: before everything else at that instant.
    public static var warmUpPriority: Int { -32_000 }

    /// A simulation whose minute 0 is `clock.start`.
    public init(clock: SimulationClock) {
        self.clock = clock
    }

    /// A simulation on a UTC clock starting Monday 2024-01-01 00:00, for models where the calendar does not matter.
    public init() {
        self.init(clock: SimulationClock(start: Date(timeIntervalSince1970: 1_704_067_200),
                                         timeZone: TimeZone(identifier: "UTC")!, horizonYears: 0))
    }

    // MARK: Events

    /// Schedules `event` at simulation minute `time` (not in the past). Lower `priority` runs first among events at
    /// the same time; it must fit in 16 bits.
    @inlinable @discardableResult
    public mutating func schedule(_ event: Event, at time: Double, priority: Int = 0) -> EventHandle {
        precondition(time >= now, "cannot schedule an event in the past (\(time) < now \(now))")
        return calendar.schedule(.model(event), at: time, priority: priority)
    }

    /// Schedules `event` `delay` minutes from now.
    @inlinable @discardableResult
    public mutating func schedule(_ event: Event, after delay: Double, priority: Int = 0) -> EventHandle {
        precondition(delay >= 0, "cannot schedule an event with a negative delay (\(delay))")
        return calendar.schedule(.model(event), at: now + delay, priority: priority)
    }

    /// Cancels a scheduled event; false when it has already run or been cancelled.
    @inlinable @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        calendar.cancel(handle)
    }

    /// Moves a scheduled event to `time`; returns its new handle, or nil when it has already run or been cancelled.
    @inlinable
    public mutating func reschedule(_ handle: EventHandle, to time: Double, priority: Int = 0) -> EventHandle? {
        precondition(time >= now, "cannot reschedule an event into the past")
        return calendar.reschedule(handle, to: time, priority: priority)
    }

    /// True while the event is scheduled.
    @inlinable
    public func isPending(_ handle: EventHandle) -> Bool { calendar.isPending(handle) }

    /// Delivers `event` every day — or on `weekdays` — at local `time`, from now on, until cancelled.
    @discardableResult
    public mutating func scheduleRecurring(_ event: Event, at time: LocalTimeOfDay, on weekdays: Set<Weekday>? = nil,
                                           priority: Int = 0) -> RecurrenceID
    {
        precondition(weekdays.map { !$0.isEmpty } ?? true, "weekdays must not be empty")
        let index = recurrences.count
        let first = clock.nextMinute(after: now - 1e-9, at: time, on: weekdays)
        let handle = calendar.schedule(.recurring(Int32(index)), at: first, priority: priority)
        recurrences.append(Recurrence(time: time, weekdays: weekdays, priority: priority, next: handle))
        recurrenceTags.append(event)
        return RecurrenceID(index: index)
    }

    /// Stops a recurring event.
    public mutating func cancelRecurring(_ recurrence: RecurrenceID) {
        calendar.cancel(recurrences[recurrence.index].next)
    }

    @usableFromInline var recurrenceTags: [Event] = []

    // MARK: Running

    /// Runs `model` until no event is left, `stop()` is called, or the clock would pass `end` (minutes); the clock
    /// then stands at `end`. With `warmUpMinutes` > 0, resource statistics are reset at that time and the model's
    /// `warmUpDidEnd(in:)` is called. May be called again to continue.
    @inlinable
    public mutating func run(_ model: inout Model, until end: Double = .infinity, warmUpMinutes: Double = 0) {
        if warmUpMinutes > 0 && !warmUpScheduled {
            precondition(warmUpMinutes >= now, "the warm-up must end after the current time")
            calendar.schedule(.endOfWarmUp, at: warmUpMinutes, priority: Self.warmUpPriority)
            warmUpScheduled = true
        }
        stopRequested = false
        deliverNotices(to: &model)
        while !stopRequested, let (time, entry) = calendar.removeNext(notAfter: end) {
            currentMinute = time
            processedEvents &+= 1
            switch entry {
            case .model(let event):
                model.handle(event, in: &self)
            case .renege(let slot, let sequence):
                renege(slot: slot, sequence: sequence)
            case .capacityChange(let resource):
                applyCapacityChange(Int(resource))
            case .recurring(let index):
                let recurrence = recurrences[Int(index)]
                let next = clock.nextMinute(after: now, at: recurrence.time, on: recurrence.weekdays)
                recurrences[Int(index)].next = calendar.schedule(.recurring(index), at: next,
                                                                 priority: recurrence.priority)
                model.handle(recurrenceTags[Int(index)], in: &self)
            case .endOfWarmUp:
                resetStatistics()
                model.warmUpDidEnd(in: &self)
            }
            deliverNotices(to: &model)
        }
        if !stopRequested && end.isFinite && end > now { currentMinute = end }
    }

    /// Ends `run` after the current event.
    public mutating func stop() { stopRequested = true }

    /// Resets every resource's statistics at the current time (the kernel does this at the end of the warm-up).
    public mutating func resetStatistics() {
        for index in resources.indices { resources[index].statistics.reset(at: now) }
    }

    @inlinable
    mutating func deliverNotices(to model: inout Model) {
        var index = 0
        while index < pendingNoticeCount {
            let pending = notices[index]
            index += 1
            deliveredNotices &+= 1
            model.handle(pending.notice, for: pending.tag, in: &self)
        }
        pendingNoticeCount = 0
    }

    @inlinable @inline(__always)
    mutating func queueNotice(_ notice: ResourceNotice, tag: RequestTag) {
        if pendingNoticeCount < notices.count {
            notices[pendingNoticeCount] = PendingNotice(notice: notice, tag: tag)
        } else {
            notices.append(PendingNotice(notice: notice, tag: tag))
        }
        pendingNoticeCount += 1
    }
}

// MARK: - Internal state

extension Simulation {
    @usableFromInline
    enum CalendarEntry {
        case model(Event)
        case renege(slot: UInt32, sequence: UInt64)
        case capacityChange(Int32)
        case recurring(Int32)
        case endOfWarmUp
    }

    @usableFromInline
    struct PendingNotice {
        @usableFromInline let notice: ResourceNotice
        @usableFromInline let tag: RequestTag

        @inlinable
        init(notice: ResourceNotice, tag: RequestTag) {
            self.notice = notice
            self.tag = tag
        }
    }

    /// A request's bookkeeping, kept small (56 bytes) because grants and releases read it; the request's tag
    /// lives apart in `requestTags`, read only when a notice is sent.
    @usableFromInline
    struct RequestRecord {
        @usableFromInline var sequence: UInt64
        @usableFromInline var requestedAt: Double
        @usableFromInline var grantedAt: Double = .nan
        /// The pending renege event, or `EventHandle.none`.
        @usableFromInline var renegeTimer: EventHandle = .none
        @usableFromInline var resource: Int32
        @usableFromInline var units: Int32
        @usableFromInline var holderIndex: Int32 = -1
        /// While free: the next free slot + 1 (0: none).
        @usableFromInline var nextFree: UInt32 = 0
        @usableFromInline var priority: Int16
        @usableFromInline var state: RequestState = .waiting

        @inlinable
        mutating func markGranted(at time: Double, holderIndex position: Int32) {
            state = .holding
            grantedAt = time
            holderIndex = position
            renegeTimer = .none
        }

        @inlinable
        mutating func markFree(nextFree next: UInt32) {
            state = .free
            sequence = .max
            nextFree = next
        }

        @inlinable
        init(sequence: UInt64, resource: Int32, units: Int32, priority: Int16, requestedAt: Double) {
            self.sequence = sequence
            self.resource = resource
            self.units = units
            self.priority = priority
            self.requestedAt = requestedAt
        }
    }

    @usableFromInline
    struct Recurrence {
        @usableFromInline let time: LocalTimeOfDay
        @usableFromInline let weekdays: Set<Weekday>?
        @usableFromInline let priority: Int
        @usableFromInline var next: EventHandle
    }
}
