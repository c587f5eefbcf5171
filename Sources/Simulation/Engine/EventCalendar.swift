/// Identifies one scheduled event, so that it can be cancelled or rescheduled. A handle whose event has fired
/// or been cancelled is stale: cancelling it again does nothing.
public struct EventHandle: Hashable, Sendable {
    @usableFromInline let slot: UInt32
    @usableFromInline let sequence: UInt64

    @usableFromInline
    init(slot: UInt32, sequence: UInt64) {
        self.slot = slot
        self.sequence = sequence
    }
}

/// The future event list: events ordered by (time, priority, insertion sequence), so that simultaneous events
/// leave in a defined, reproducible order — by priority (lower first), then first scheduled, first out.
///
/// A 4-ary min-heap of 24-byte keys (time, packed priority and sequence, slot); payloads live in a slot pool
/// beside it, so sifting moves keys only, and cancelling marks a slot free in O(1) while its key is dropped
/// when it reaches the top (lazy deletion). When dropped keys outnumber live ones the heap is rebuilt, so memory
/// stays proportional to the live events. Slots and heap storage are reused: in steady state no event allocates.
///
/// Why a hand-written 4-ary heap rather than swift-collections' `Heap`: measured by
/// `hospital-twin-bench calendar` (Docs/PERFORMANCE.md), the 4-ary heap is faster at every size tried — `Heap` is
/// a min-max heap, which pays for a second end this calendar never uses — and it gives the slot indirection
/// that cancellation needs.
///
/// Complexity: `schedule` O(log n), `removeNext` O(log n) amortised, `cancel` O(1) amortised.
public struct EventCalendar<Payload> {
    @usableFromInline
    struct Node {
        @usableFromInline var time: Double
        /// Priority (offset to unsigned) in the top 16 bits, insertion sequence in the low 48.
        @usableFromInline var order: UInt64
        @usableFromInline var slot: UInt32

        @inlinable @inline(__always)
        init(time: Double, order: UInt64, slot: UInt32) {
            self.time = time
            self.order = order
            self.slot = slot
        }

        @inlinable @inline(__always)
        func precedes(_ other: Node) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    /// A payload's home while its event is pending. A free slot's `sequence` has the top bit set and holds the
    /// next free slot + 1 (0: none), so the free list costs no extra storage.
    @usableFromInline
    struct Slot {
        @usableFromInline var sequence: UInt64
        @usableFromInline var payload: Payload

        @inlinable @inline(__always)
        init(sequence: UInt64, payload: Payload) {
            self.sequence = sequence
            self.payload = payload
        }
    }

    @usableFromInline static var sequenceMask: UInt64 { (1 << 48) - 1 }
    @usableFromInline static var freeBit: UInt64 { 1 << 63 }

    /// The heap's keys; entries at `heapCount` and beyond are leftovers, overwritten as the heap grows again.
    @usableFromInline var heap: ContiguousArray<Node> = []
    @usableFromInline var heapCount = 0
    @usableFromInline var slots: ContiguousArray<Slot> = []
    /// First free slot + 1; 0 when none is free.
    @usableFromInline var freeListHead: UInt64 = 0
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var liveCount: Int = 0

    /// The number of live (scheduled, not cancelled, not yet removed) events.
    @inlinable
    public var count: Int { liveCount }

    /// An empty calendar.
    public init() {}

    /// An empty calendar with room for `capacity` pending events before it allocates.
    public init(reservingCapacity capacity: Int) {
        heap.reserveCapacity(capacity)
        slots.reserveCapacity(capacity)
    }

    /// True when no live event is pending.
    @inlinable
    public var isEmpty: Bool { liveCount == 0 }

    /// Schedules `payload` at `time`; among events at the same time, lower `priority` goes first, then the one
    /// scheduled first. `priority` must fit in 16 bits (-32768...32767).
    @inlinable @discardableResult
    public mutating func schedule(_ payload: Payload, at time: Double, priority: Int = 0) -> EventHandle {
        precondition(!time.isNaN, "event time is NaN")
        precondition(priority >= -32768 && priority <= 32767, "event priority must fit in 16 bits")
        let sequence = nextSequence
        precondition(sequence < Self.sequenceMask, "more than 2^48 events scheduled in one calendar")
        nextSequence &+= 1
        let slot: UInt32
        if freeListHead != 0 {
            let index = Int(freeListHead - 1)
            slot = UInt32(truncatingIfNeeded: index)
            freeListHead = slots[index].sequence & ~Self.freeBit
            slots[index] = Slot(sequence: sequence, payload: payload)
        } else {
            slot = UInt32(truncatingIfNeeded: slots.count)
            slots.append(Slot(sequence: sequence, payload: payload))
        }
        let order = (UInt64(UInt16(bitPattern: Int16(truncatingIfNeeded: priority)) ^ 0x8000) << 48) | sequence
        siftUp(Node(time: time, order: order, slot: slot))
        liveCount += 1
        return EventHandle(slot: slot, sequence: sequence)
    }

    /// Cancels a pending event. Returns false when the handle is stale (the event already fired or was cancelled).
    @inlinable @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        guard isPending(handle) else { return false }
        release(slot: Int(handle.slot))
        if heapCount > 2 * liveCount + 64 { compact() }
        return true
    }

    /// True while the event is pending.
    @inlinable
    public func isPending(_ handle: EventHandle) -> Bool {
        let slot = Int(handle.slot)
        return slot < slots.count && slots[slot].sequence == handle.sequence
    }

    /// Moves a pending event to `time` (with `priority`), returning its new handle; nil when the handle is stale.
    @inlinable
    public mutating func reschedule(_ handle: EventHandle, to time: Double, priority: Int = 0) -> EventHandle? {
        guard isPending(handle) else { return nil }
        let payload = slots[Int(handle.slot)].payload
        cancel(handle)
        return schedule(payload, at: time, priority: priority)
    }

    /// Removes and returns the next event if it is due at or before `limit`; nil when the calendar is empty or
    /// the next event lies after `limit` (it stays scheduled).
    @inlinable
    public mutating func removeNext(notAfter limit: Double = .infinity) -> (time: Double, payload: Payload)? {
        while heapCount > 0 {
            let root = heap[0]
            let slot = Int(root.slot)
            if slots[slot].sequence != root.order & Self.sequenceMask {
                removeRoot()  // cancelled
                continue
            }
            if root.time > limit { return nil }
            removeRoot()
            let payload = slots[slot].payload
            release(slot: slot)
            return (root.time, payload)
        }
        return nil
    }

    /// The time of the next live event, dropping cancelled keys on the way.
    @inlinable
    public mutating func nextTime() -> Double? {
        while heapCount > 0 {
            let root = heap[0]
            if slots[Int(root.slot)].sequence == root.order & Self.sequenceMask { return root.time }
            removeRoot()
        }
        return nil
    }

    /// Removes every event.
    public mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        heapCount = 0
        freeListHead = 0
        liveCount = 0
    }

    @inlinable @inline(__always)
    mutating func release(slot: Int) {
        slots[slot].sequence = Self.freeBit | freeListHead
        freeListHead = UInt64(slot) + 1
        liveCount -= 1
    }

    @inlinable @inline(__always)
    mutating func siftUp(_ node: Node) {
        if heapCount == heap.count { heap.append(node) }
        heapCount += 1
        let count = heapCount
        heap.withUnsafeMutableBufferPointer { nodes in
            var index = count - 1
            while index > 0 {
                let parent = (index - 1) >> 2
                let parentNode = nodes[parent]
                if !node.precedes(parentNode) { break }
                nodes[index] = parentNode
                index = parent
            }
            nodes[index] = node
        }
    }

    @inlinable @inline(__always)
    mutating func removeRoot() {
        heapCount -= 1
        let count = heapCount
        guard count > 0 else { return }
        heap.withUnsafeMutableBufferPointer { nodes in
            let last = nodes[count]
            var index = 0
            while true {
                let first = 4 * index + 1
                if first >= count { break }
                var best = first
                var bestNode = nodes[first]
                let end = min(first + 4, count)
                var child = first + 1
                while child < end {
                    let candidate = nodes[child]
                    if candidate.precedes(bestNode) {
                        best = child
                        bestNode = candidate
                    }
                    child += 1
                }
                if !bestNode.precedes(last) { break }
                nodes[index] = bestNode
                index = best
            }
            nodes[index] = last
        }
    }

    /// Drops cancelled keys and rebuilds the heap bottom-up in O(n).
    @usableFromInline
    mutating func compact() {
        let live = slots
        heap.removeSubrange(heapCount...)
        heap.removeAll { live[Int($0.slot)].sequence != $0.order & Self.sequenceMask }
        heapCount = heap.count
        heap.withUnsafeMutableBufferPointer { nodes in
            let count = nodes.count
            guard count > 1 else { return }
            var start = (count - 2) / 4
            while start >= 0 {
                let node = nodes[start]
                var index = start
                while true {
                    let first = 4 * index + 1
                    if first >= count { break }
                    var best = first
                    let end = min(first + 4, count)
                    for child in (first + 1)..<max(first + 1, end) where nodes[child].precedes(nodes[best]) {
                        best = child
                    }
                    if !nodes[best].precedes(node) { break }
                    nodes[index] = nodes[best]
                    index = best
                }
                nodes[index] = node
                start -= 1
            }
        }
    }
}
