/// Counted resources: requests wait by priority then arrival, may renege after a patience time, may preempt
/// lower-priority holders, and see capacity follow its schedule with a stated policy for work in progress.
extension Simulation {
    // MARK: Defining resources

    /// Adds a resource whose capacity follows `schedule`. When scheduled capacity drops below the units in use,
    /// `policy` says what happens to the work in progress.
    @discardableResult
    public mutating func addResource(named name: String, capacity schedule: CapacitySchedule,
                                     whenCapacityDrops policy: CapacityDropPolicy = .finishThenLeave,
                                     monitoring: ResourceMonitoring = .summary) throws(ResourceSetupError)
        -> ResourceID
    {
        if let problem = schedule.problem { throw ResourceSetupError(resource: name, problem: problem) }
        let index = resources.count
        let initial = schedule.capacity(atMinute: now, clock: clock)
        var state = ResourceState(name: name, capacity: initial, dropPolicy: policy, schedule: schedule,
                                  statistics: ResourceStatistics(capacity: initial, at: now, monitoring: monitoring))
        if let change = schedule.nextChange(after: now, clock: clock) {
            state.scheduledCapacity = change.capacity
            calendar.schedule(.capacityChange(Int32(index)), at: change.minute, priority: Self.capacityChangePriority)
        }
        resources.append(state)
        return ResourceID(index: index)
    }

    /// Adds a resource with a constant capacity ≥ 0.
    @discardableResult
    public mutating func addResource(named name: String, capacity: Int, monitoring: ResourceMonitoring = .summary)
        -> ResourceID
    {
        precondition(capacity >= 0, "capacity must be >= 0")
        // A constant schedule with capacity >= 0 has no problem to throw.
        return (try? addResource(named: name, capacity: .constant(capacity), monitoring: monitoring))!
    }

    // MARK: Requests

    /// Asks for `units` of `resource`. The request is granted now if the units are free and nobody waits ahead
    /// of it; otherwise it waits, ordered by `priority` (lower first) then by arrival. With `patience`, it
    /// reneges after waiting that many minutes. A `preemptive` request that would head the queue takes units
    /// from holders of lower priority (the lowest first, the most recent among equals) when that frees enough.
    ///
    /// Whatever happens is told to the model's `handle(_:for:in:)` with `tag`, straight after the current event.
    @inlinable @discardableResult
    public mutating func request(_ resource: ResourceID, units: Int = 1, priority: Int = 0, patience: Double? = nil,
                                 preemptive: Bool = false, tag: RequestTag) -> RequestID
    {
        precondition(units >= 1 && units <= Int(Int32.max), "a request needs at least one unit")
        precondition(priority >= -32768 && priority <= 32767, "request priority must fit in 16 bits")
        let index = resource.index
        let sequence = nextRequestSequence
        nextRequestSequence &+= 1
        let record = RequestRecord(sequence: sequence, resource: Int32(index), units: Int32(units),
                                   priority: Int16(priority), requestedAt: now)
        let slot: UInt32
        if freeRequestHead != 0 {
            slot = freeRequestHead - 1
            freeRequestHead = requests[Int(slot)].nextFree
            requests[Int(slot)] = record
            requestTags[Int(slot)] = tag
        } else {
            slot = UInt32(truncatingIfNeeded: requests.count)
            requests.append(record)
            requestTags.append(tag)
        }
        resources[index].statistics.requestCount += 1
        if resources[index].waitingCount == 0 && resources[index].inUse + units <= resources[index].capacity {
            grant(slot: slot)
            return RequestID(slot: slot, sequence: sequence)
        }
        if preemptive && !resources[index].tracksHolders { startTrackingHolders(of: index) }
        if preemptive && preempt(for: slot) {
            grant(slot: slot)
            // A preempted holder may have held more units than this request needed: the spare units go to the
            // requests waiting next, now rather than at the next event that touches the resource.
            if resources[index].waitingCount > 0 { dispatch(index) }
            return RequestID(slot: slot, sequence: sequence)
        }
        enqueue(slot: slot)
        if let patience {
            precondition(patience >= 0, "patience must be >= 0")
            requests[Int(slot)].renegeTimer = calendar.schedule(.renege(slot: slot, sequence: sequence),
                                                                at: now + patience)
        }
        dispatch(index)
        return RequestID(slot: slot, sequence: sequence)
    }

    /// Releases the units a request holds, or withdraws it if it is still waiting; the freed units go to the
    /// requests waiting next. Returns false when the request is already over (released, reneged, preempted).
    @inlinable @discardableResult
    public mutating func release(_ request: RequestID) -> Bool {
        let slot = Int(request.slot)
        guard slot < requests.count, requests[slot].sequence == request.sequence else { return false }
        let index = Int(requests[slot].resource)
        switch requests[slot].state {
        case .holding:
            removeHolder(slot: request.slot)
        case .waiting:
            calendar.cancel(requests[slot].renegeTimer)
            resources[index].waitingCount -= 1
            resources[index].statistics.withdrawalCount += 1
            resources[index].statistics.queueLevel.record(Double(resources[index].waitingCount), at: now)
        case .free:
            return false
        }
        freeRequest(slot: request.slot)
        if resources[index].waitingCount > 0 { dispatch(index) }
        return true
    }

    /// True while the request holds its units.
    public func isHolding(_ request: RequestID) -> Bool {
        let slot = Int(request.slot)
        return slot < requests.count && requests[slot].sequence == request.sequence
            && requests[slot].state == .holding
    }

    /// True while the request waits.
    public func isWaiting(_ request: RequestID) -> Bool {
        let slot = Int(request.slot)
        return slot < requests.count && requests[slot].sequence == request.sequence
            && requests[slot].state == .waiting
    }

    // MARK: Reading resources

    /// The resource's name.
    public func name(of resource: ResourceID) -> String { resources[resource.index].name }

    /// Its capacity now.
    @inlinable
    public func capacity(of resource: ResourceID) -> Int { resources[resource.index].capacity }

    /// Units held now (may exceed capacity for a while after a drop under `.finishThenLeave`).
    @inlinable
    public func inUse(of resource: ResourceID) -> Int { resources[resource.index].inUse }

    /// Units free now.
    @inlinable
    public func freeUnits(of resource: ResourceID) -> Int {
        max(0, resources[resource.index].capacity - resources[resource.index].inUse)
    }

    /// Requests waiting now.
    @inlinable
    public func waitingCount(of resource: ResourceID) -> Int { resources[resource.index].waitingCount }

    /// The resource's statistics since the start or the warm-up, with time-weighted figures closed at now.
    public func statistics(of resource: ResourceID) -> ResourceStatistics {
        var statistics = resources[resource.index].statistics
        statistics.close(at: now)
        return statistics
    }

    /// All resources, in the order they were added.
    public var resourceIDs: [ResourceID] { resources.indices.map { ResourceID(index: $0) } }

    // MARK: Internals

    @inlinable @inline(__always)
    mutating func grant(slot: UInt32) {
        let record = requests[Int(slot)]
        let index = Int(record.resource)
        let position = resources[index].recordGrant(slot: slot, units: Int(record.units),
                                                    wait: now - record.requestedAt, at: now)
        requests[Int(slot)].markGranted(at: now, holderIndex: position)
        if record.renegeTimer != .none { calendar.cancel(record.renegeTimer) }
        let notice = ResourceNotice(kind: .granted, request: RequestID(slot: slot, sequence: record.sequence),
                                    resource: ResourceID(index: index), requestedAt: record.requestedAt,
                                    grantedAt: now)
        queueNotice(notice, tag: requestTags[Int(slot)])
    }

    /// Grants waiting requests, in order, while the head fits.
    @inlinable
    mutating func dispatch(_ index: Int) {
        while let head = resources[index].waiting.first {
            let record = requests[Int(head.slot)]
            if record.state != .waiting || record.sequence != head.key & WaitingEntry.sequenceMask {
                resources[index].removeFirstWaiting()
                continue
            }
            if resources[index].inUse + Int(record.units) > resources[index].capacity { return }
            resources[index].removeFirstWaiting(countedAt: now)
            grant(slot: head.slot)
        }
    }

    @inlinable @inline(__always)
    mutating func enqueue(slot: UInt32) {
        let record = requests[Int(slot)]
        let index = Int(record.resource)
        resources[index].insertWaiting(WaitingEntry(priority: Int(record.priority), sequence: record.sequence,
                                                    slot: slot), at: now)
        if resources[index].waiting.count > 2 * resources[index].waitingCount + 64 {
            let live = requests
            resources[index].compactWaiting { entry in
                live[Int(entry.slot)].state == .waiting
                    && live[Int(entry.slot)].sequence == entry.key & WaitingEntry.sequenceMask
            }
        }
    }

    @inlinable @inline(__always)
    mutating func removeHolder(slot: UInt32) {
        let record = requests[Int(slot)]
        let position = Int(record.holderIndex)
        if let moved = resources[Int(record.resource)].recordRelease(position: position, units: Int(record.units),
                                                                     at: now)
        {
            requests[Int(moved)].holderIndex = Int32(position)
        }
    }

    @inlinable @inline(__always)
    mutating func freeRequest(slot: UInt32) {
        requests[Int(slot)].markFree(nextFree: freeRequestHead)
        freeRequestHead = slot + 1
    }

    /// Holders are listed only for resources that may preempt (a `.preempt` drop policy, or once a preemptive
    /// request has arrived), so resources that never preempt pay nothing for the list. The first preemptive
    /// request builds it from the request pool.
    @usableFromInline
    mutating func startTrackingHolders(of index: Int) {
        var holders: ContiguousArray<UInt32> = []
        for slot in requests.indices where requests[slot].state == .holding && Int(requests[slot].resource) == index {
            requests[slot].holderIndex = Int32(holders.count)
            holders.append(UInt32(slot))
        }
        resources[index].holders = holders
        resources[index].tracksHolders = true
    }

    /// Frees units for the request in `slot` by preempting lower-priority holders, if it would head the queue
    /// and enough such units exist. Returns whether it now fits.
    @usableFromInline
    mutating func preempt(for slot: UInt32) -> Bool {
        let record = requests[Int(slot)]
        let index = Int(record.resource)
        if resources[index].waitingCount > 0 {
            let key = WaitingEntry(priority: Int(record.priority), sequence: record.sequence, slot: slot).key
            for entry in resources[index].waiting where entry.key < key {
                let waiting = requests[Int(entry.slot)]
                if waiting.state == .waiting && waiting.sequence == entry.key & WaitingEntry.sequenceMask {
                    return false  // someone of higher or equal priority is waiting ahead
                }
            }
        }
        var free = resources[index].capacity - resources[index].inUse
        for holder in resources[index].holders where requests[Int(holder)].priority > record.priority {
            free += Int(requests[Int(holder)].units)
        }
        guard free >= Int(record.units) else { return false }
        while resources[index].capacity - resources[index].inUse < Int(record.units) {
            guard let victim = victim(in: index, withPriorityAbove: Int(record.priority)) else { return false }
            preemptHolder(slot: victim)
        }
        return true
    }

    /// The holder to preempt first: the lowest priority (highest number) above `threshold`, then the latest
    /// granted, then the latest requested.
    @usableFromInline
    func victim(in index: Int, withPriorityAbove threshold: Int?) -> UInt32? {
        var best: UInt32?
        for holder in resources[index].holders {
            let candidate = requests[Int(holder)]
            if let threshold, Int(candidate.priority) <= threshold { continue }
            guard let chosen = best else { best = holder; continue }
            let current = requests[Int(chosen)]
            if (candidate.priority, candidate.grantedAt, candidate.sequence)
                > (current.priority, current.grantedAt, current.sequence)
            {
                best = holder
            }
        }
        return best
    }

    @usableFromInline
    mutating func preemptHolder(slot: UInt32) {
        let record = requests[Int(slot)]
        let index = Int(record.resource)
        removeHolder(slot: slot)
        resources[index].statistics.preemptionCount += 1
        let notice = ResourceNotice(kind: .preempted, request: RequestID(slot: slot, sequence: record.sequence),
                                    resource: ResourceID(index: index), requestedAt: record.requestedAt,
                                    grantedAt: record.grantedAt)
        queueNotice(notice, tag: requestTags[Int(slot)])
        freeRequest(slot: slot)
    }

    @usableFromInline
    mutating func renege(slot: UInt32, sequence: UInt64) {
        let record = requests[Int(slot)]
        guard record.sequence == sequence, record.state == .waiting else { return }
        let index = Int(record.resource)
        requests[Int(slot)].renegeTimer = .none
        resources[index].waitingCount -= 1
        resources[index].statistics.renegeCount += 1
        resources[index].statistics.queueLevel.record(Double(resources[index].waitingCount), at: now)
        let notice = ResourceNotice(kind: .reneged, request: RequestID(slot: slot, sequence: sequence),
                                    resource: ResourceID(index: index), requestedAt: record.requestedAt,
                                    grantedAt: nil)
        queueNotice(notice, tag: requestTags[Int(slot)])
        freeRequest(slot: slot)
        dispatch(index)  // the head may have been blocking smaller requests behind it
    }

    @usableFromInline
    mutating func applyCapacityChange(_ index: Int) {
        guard let capacity = resources[index].scheduledCapacity else { return }
        if let change = resources[index].schedule.nextChange(after: now, clock: clock) {
            resources[index].scheduledCapacity = change.capacity
            calendar.schedule(.capacityChange(Int32(index)), at: change.minute, priority: Self.capacityChangePriority)
        } else {
            resources[index].scheduledCapacity = nil
        }
        adopt(capacity, index)
    }

    /// Sets the capacity of `resource` from now on, for a model that decides it as it runs (the staff who turned
    /// up for a shift) rather than by a schedule known in advance. A drop follows the resource's
    /// `CapacityDropPolicy`; a rise grants waiting requests at once. The resource must have no scheduled change
    /// still to come (give it a constant capacity).
    public mutating func setCapacity(_ resource: ResourceID, to capacity: Int) {
        precondition(capacity >= 0, "capacity must be >= 0")
        precondition(resources[resource.index].scheduledCapacity == nil,
                     "\(resources[resource.index].name) follows a capacity schedule; setCapacity would fight it")
        adopt(capacity, resource.index)
    }

    /// Applies a new capacity: recorded, then the drop policy, then waiting requests granted.
    mutating func adopt(_ capacity: Int, _ index: Int) {
        resources[index].capacity = capacity
        resources[index].statistics.capacityLevel.record(Double(capacity), at: now)
        if resources[index].dropPolicy == .preempt {
            while resources[index].inUse > resources[index].capacity,
                  let victim = victim(in: index, withPriorityAbove: nil)
            {
                preemptHolder(slot: victim)
            }
        }
        dispatch(index)
    }
}

@usableFromInline
enum RequestState: UInt8 {
    case free, waiting, holding
}

/// A waiting request in a resource's queue: a binary min-heap on (priority, arrival sequence).
@usableFromInline
struct WaitingEntry {
    @usableFromInline static var sequenceMask: UInt64 { (1 << 48) - 1 }
    @usableFromInline var key: UInt64
    @usableFromInline var slot: UInt32

    @inlinable
    init(priority: Int, sequence: UInt64, slot: UInt32) {
        key = (UInt64(UInt16(bitPattern: Int16(truncatingIfNeeded: priority)) ^ 0x8000) << 48)
            | (sequence & Self.sequenceMask)
        self.slot = slot
    }
}

@usableFromInline
struct ResourceState {
    @usableFromInline let name: String
    @usableFromInline var capacity: Int
    @usableFromInline var inUse = 0
    @usableFromInline let dropPolicy: CapacityDropPolicy
    @usableFromInline let schedule: CapacitySchedule
    @usableFromInline var waiting: ContiguousArray<WaitingEntry> = []
    @usableFromInline var waitingCount = 0
    /// The requests holding units, when `tracksHolders`; each knows its position (`holderIndex`).
    @usableFromInline var holders: ContiguousArray<UInt32> = []
    @usableFromInline var tracksHolders: Bool
    @usableFromInline var statistics: ResourceStatistics
    /// The capacity the next scheduled change will set.
    @usableFromInline var scheduledCapacity: Int?

    init(name: String, capacity: Int, dropPolicy: CapacityDropPolicy, schedule: CapacitySchedule,
         statistics: ResourceStatistics)
    {
        self.name = name
        self.capacity = capacity
        self.dropPolicy = dropPolicy
        self.schedule = schedule
        self.statistics = statistics
        tracksHolders = dropPolicy == .preempt
    }

    /// Records a grant: one access to the resource for all its bookkeeping. Returns the holder's position.
    @inlinable
    mutating func recordGrant(slot: UInt32, units: Int, wait: Double, at now: Double) -> Int32 {
        var position: Int32 = -1
        if tracksHolders {
            position = Int32(truncatingIfNeeded: holders.count)
            holders.append(slot)
        }
        inUse += units
        statistics.inUseLevel.record(Double(inUse), at: now)
        statistics.grantCount += 1
        statistics.waitTally.record(wait)
        if statistics.waitDistribution != nil { statistics.waitDistribution!.record(wait) }
        return position
    }

    /// Records a release of the holder at `position`; returns the slot of the holder moved into its place.
    @inlinable
    mutating func recordRelease(position: Int, units: Int, at now: Double) -> UInt32? {
        inUse -= units
        statistics.inUseLevel.record(Double(inUse), at: now)
        guard tracksHolders else { return nil }
        let last = holders.removeLast()
        guard position < holders.count else { return nil }
        holders[position] = last
        return last
    }

    /// Queues a waiting request and counts it.
    @inlinable
    mutating func insertWaiting(_ entry: WaitingEntry, at now: Double) {
        waitingCount += 1
        statistics.queueLevel.record(Double(waitingCount), at: now)
        waiting.append(entry)
        waiting.withUnsafeMutableBufferPointer { heap in
            var index = heap.count - 1
            while index > 0 {
                let parent = (index - 1) >> 1
                if heap[parent].key <= entry.key { break }
                heap[index] = heap[parent]
                index = parent
            }
            heap[index] = entry
        }
    }

    /// Removes the live head of the queue and counts it out.
    @inlinable
    mutating func removeFirstWaiting(countedAt now: Double) {
        waitingCount -= 1
        statistics.queueLevel.record(Double(waitingCount), at: now)
        removeFirstWaiting()
    }

    @inlinable
    mutating func removeFirstWaiting() {
        let last = waiting.removeLast()
        guard !waiting.isEmpty else { return }
        waiting.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var index = 0
            while true {
                var child = 2 * index + 1
                if child >= count { break }
                if child + 1 < count && heap[child + 1].key < heap[child].key { child += 1 }
                if heap[child].key >= last.key { break }
                heap[index] = heap[child]
                index = child
            }
            heap[index] = last
        }
    }

    @usableFromInline
    mutating func compactWaiting(keeping isLive: (WaitingEntry) -> Bool) {
        let live = waiting.filter(isLive).sorted { $0.key < $1.key }  // a sorted array is a valid heap
        waiting = ContiguousArray(live)
    }
}
