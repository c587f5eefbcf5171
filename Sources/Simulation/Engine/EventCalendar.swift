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

    /// A handle that refers to no event: cancelling it does nothing.
    @usableFromInline
    static var none: EventHandle { EventHandle(slot: .max, sequence: .max) }
}

/// The future event list: events ordered by (time, priority, insertion sequence), so that simultaneous events
/// leave in a defined, reproducible order — by priority (lower first), then first scheduled, first out.
///
/// A 4-ary min-heap of keys, each (time, priority, sequence) packed into one 128-bit integer so that comparing
/// two events is one branch-free integer comparison. Payloads live in a slot pool beside the heap, so sifting
/// moves 32-byte keys only, and cancelling frees a slot in O(1) while its key is dropped when it reaches the top
/// (lazy deletion). When dropped keys outnumber live ones the heap is rebuilt, so memory stays proportional to the
/// live events. Storage is reused: in steady state no event allocates.
///
/// A value type with copy-on-write storage, checked once per operation; inside an operation the storage is
/// reached through unchecked pointers, which is what brings the event loop within reach of C (Docs/PERFORMANCE.md).
///
/// Why a hand-written 4-ary heap rather than swift-collections' `Heap`: measured by `hospital-twin-bench calendar`,
/// it is faster at every size tried (50 to 100,000 pending events) — `Heap` is a min-max heap, which pays for a
/// second end this calendar never uses — and it gives the slot indirection that cancellation needs.
///
/// Complexity: `schedule` O(log n), `removeNext` O(log n) amortised, `cancel` O(1) amortised.
public struct EventCalendar<Payload> {
    @usableFromInline var storage: CalendarStorage<Payload>

    /// An empty calendar.
    public init() {
        storage = CalendarStorage(capacity: 16)
    }

    /// An empty calendar with room for `capacity` pending events before it allocates.
    public init(reservingCapacity capacity: Int) {
        storage = CalendarStorage(capacity: max(16, capacity))
    }

    /// The number of live (scheduled, not cancelled, not yet removed) events.
    @inlinable
    public var count: Int { storage.core.pointee.liveCount }

    /// True when no live event is pending.
    @inlinable
    public var isEmpty: Bool { storage.core.pointee.liveCount == 0 }

    @inlinable @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Schedules `payload` at `time`; among events at the same time, lower `priority` goes first, then the one
    /// scheduled first. `priority` must fit in 16 bits (-32768...32767).
    @inlinable @discardableResult
    public mutating func schedule(_ payload: Payload, at time: Double, priority: Int = 0) -> EventHandle {
        precondition(!time.isNaN, "event time is NaN")
        precondition(priority >= -32768 && priority <= 32767, "event priority must fit in 16 bits")
        makeUnique()
        return storage.core.pointee.schedule(payload, at: time, priority: priority)
    }

    /// Cancels a pending event. Returns false when the handle is stale (the event already fired or was cancelled).
    @inlinable @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        guard isPending(handle) else { return false }
        makeUnique()
        storage.core.pointee.cancel(slot: Int(handle.slot))
        return true
    }

    /// True while the event is pending.
    @inlinable
    public func isPending(_ handle: EventHandle) -> Bool {
        let slot = Int(handle.slot)
        let core = storage.core
        return slot < core.pointee.slotCount && core.pointee.sequences[slot] == handle.sequence
    }

    /// Moves a pending event to `time` (with `priority`), returning its new handle; nil when the handle is stale.
    @inlinable
    public mutating func reschedule(_ handle: EventHandle, to time: Double, priority: Int = 0) -> EventHandle? {
        guard isPending(handle) else { return nil }
        let payload = storage.core.pointee.payloads[Int(handle.slot)]
        cancel(handle)
        return schedule(payload, at: time, priority: priority)
    }

    /// Removes and returns the next event if it is due at or before `limit`; nil when the calendar is empty or
    /// the next event lies after `limit` (it stays scheduled).
    @inlinable
    public mutating func removeNext(notAfter limit: Double = .infinity) -> (time: Double, payload: Payload)? {
        makeUnique()
        return storage.core.pointee.removeNext(notAfter: limit)
    }

    /// The time of the next live event.
    @inlinable
    public mutating func nextTime() -> Double? {
        makeUnique()
        return storage.core.pointee.nextTime()
    }

    /// Removes every event.
    public mutating func removeAll() {
        storage = CalendarStorage(capacity: 16)
    }
}

/// Owns the calendar's memory. Its one stored property is a `let` pointer, so reaching the state costs no
/// dynamic exclusivity check (class `var`s would: `swift_beginAccess` on every event).
@usableFromInline
final class CalendarStorage<Payload> {
    @usableFromInline let core: UnsafeMutablePointer<CalendarCore<Payload>>

    @usableFromInline
    init(capacity: Int) {
        core = .allocate(capacity: 1)
        core.initialize(to: CalendarCore(capacity: capacity))
    }

    @usableFromInline
    init(core value: CalendarCore<Payload>) {
        core = .allocate(capacity: 1)
        core.initialize(to: value)
    }

    deinit {
        core.pointee.release()
        core.deinitialize(count: 1)
        core.deallocate()
    }

    /// A deep copy, for copy-on-write.
    @usableFromInline
    func copy() -> CalendarStorage<Payload> {
        CalendarStorage(core: core.pointee.copy())
    }
}

/// The calendar's state: the heap of keys and the slot pool, reached through unchecked pointers.
@usableFromInline
struct CalendarCore<Payload> {
    /// A heap key: (time, priority, sequence) in one 128-bit unsigned integer whose order is the events' order.
    /// The high 64 bits are the time's IEEE 754 bits made order-preserving (sign bit flipped for non-negative
    /// times, all bits flipped for negative ones); the low 64 bits are the priority (offset to unsigned) in 16
    /// bits and the sequence in 48.
    @usableFromInline
    struct Node {
        @usableFromInline var key: UInt128
        @usableFromInline var slot: UInt32

        @inlinable @inline(__always)
        init(time: Double, order: UInt64, slot: UInt32) {
            key = (UInt128(Node.sortableBits(time)) << 64) | UInt128(order)
            self.slot = slot
        }

        @inlinable @inline(__always)
        var time: Double { Node.time(fromSortableBits: UInt64(truncatingIfNeeded: key >> 64)) }

        @inlinable @inline(__always)
        var sequence: UInt64 { UInt64(truncatingIfNeeded: key) & sequenceMask }

        @inlinable @inline(__always)
        static func sortableBits(_ time: Double) -> UInt64 {
            let bits = time.bitPattern
            return bits ^ (UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000)
        }

        @inlinable @inline(__always)
        static func time(fromSortableBits bits: UInt64) -> Double {
            let mask = bits & 0x8000_0000_0000_0000 != 0 ? 0x8000_0000_0000_0000 : UInt64.max
            return Double(bitPattern: bits ^ mask)
        }
    }

    @usableFromInline static var sequenceMask: UInt64 { (1 << 48) - 1 }
    /// Marks a free slot's sequence; the low bits hold the next free slot + 1 (0: none).
    @usableFromInline static var freeBit: UInt64 { 1 << 63 }

    @usableFromInline var heap: UnsafeMutablePointer<Node>
    @usableFromInline var heapCount = 0
    @usableFromInline var heapCapacity: Int
    /// Per slot, the sequence of its live event, or `freeBit | next free + 1`.
    @usableFromInline var sequences: UnsafeMutablePointer<UInt64>
    /// Per slot, the payload: initialised exactly while the slot is live.
    @usableFromInline var payloads: UnsafeMutablePointer<Payload>
    @usableFromInline var slotCount = 0
    @usableFromInline var slotCapacity: Int
    @usableFromInline var freeListHead: UInt64 = 0
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var liveCount = 0

    @usableFromInline
    init(capacity: Int) {
        heapCapacity = capacity
        slotCapacity = capacity
        heap = .allocate(capacity: capacity)
        sequences = .allocate(capacity: capacity)
        payloads = .allocate(capacity: capacity)
    }

    /// Frees the buffers (the owner's deinit).
    @usableFromInline
    func release() {
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (payloads + slot).deinitialize(count: 1)
        }
        heap.deallocate()
        sequences.deallocate()
        payloads.deallocate()
    }

    /// A deep copy.
    @usableFromInline
    func copy() -> CalendarCore<Payload> {
        var other = CalendarCore(capacity: max(heapCapacity, slotCapacity))
        other.heap.initialize(from: heap, count: heapCount)
        other.sequences.initialize(from: sequences, count: slotCount)
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (other.payloads + slot).initialize(to: payloads[slot])
        }
        other.heapCount = heapCount
        other.slotCount = slotCount
        other.freeListHead = freeListHead
        other.nextSequence = nextSequence
        other.liveCount = liveCount
        return other
    }

    @inlinable
    mutating func schedule(_ payload: Payload, at time: Double, priority: Int) -> EventHandle {
        let sequence = nextSequence
        precondition(sequence < Self.sequenceMask, "more than 2^48 events scheduled in one calendar")
        nextSequence &+= 1
        let slot: Int
        if freeListHead != 0 {
            slot = Int(freeListHead - 1)
            freeListHead = sequences[slot] & ~Self.freeBit
        } else {
            if slotCount == slotCapacity { growSlots() }
            slot = slotCount
            slotCount += 1
        }
        sequences[slot] = sequence
        (payloads + slot).initialize(to: payload)
        let order = (UInt64(UInt16(bitPattern: Int16(truncatingIfNeeded: priority)) ^ 0x8000) << 48) | sequence
        siftUp(Node(time: time, order: order, slot: UInt32(truncatingIfNeeded: slot)))
        liveCount += 1
        return EventHandle(slot: UInt32(truncatingIfNeeded: slot), sequence: sequence)
    }

    @inlinable
    mutating func cancel(slot: Int) {
        (payloads + slot).deinitialize(count: 1)
        free(slot: slot)
        if heapCount > 2 * liveCount + 64 { compact() }
    }

    @inlinable @inline(__always)
    mutating func free(slot: Int) {
        sequences[slot] = Self.freeBit | freeListHead
        freeListHead = UInt64(slot) + 1
        liveCount -= 1
    }

    @inlinable
    mutating func removeNext(notAfter limit: Double) -> (time: Double, payload: Payload)? {
        while heapCount > 0 {
            let root = heap[0]
            let slot = Int(root.slot)
            if sequences[slot] != root.sequence {
                removeRoot()  // cancelled
                continue
            }
            let time = root.time
            if time > limit { return nil }
            removeRoot()
            let payload = (payloads + slot).move()
            free(slot: slot)
            return (time, payload)
        }
        return nil
    }

    @inlinable
    mutating func nextTime() -> Double? {
        while heapCount > 0 {
            let root = heap[0]
            if sequences[Int(root.slot)] == root.sequence { return root.time }
            removeRoot()
        }
        return nil
    }

    @inlinable @inline(__always)
    mutating func siftUp(_ node: Node) {
        if heapCount == heapCapacity { growHeap() }
        var index = heapCount
        heapCount += 1
        while index > 0 {
            let parent = (index - 1) >> 2
            let parentNode = heap[parent]
            if !(node.key < parentNode.key) { break }
            heap[index] = parentNode
            index = parent
        }
        heap[index] = node
    }

    @inlinable @inline(__always)
    mutating func removeRoot() {
        heapCount -= 1
        let count = heapCount
        guard count > 0 else { return }
        let last = heap[count]
        var index = 0
        while true {
            let first = 4 * index + 1
            if first >= count { break }
            var best = first
            var bestNode = heap[first]
            let end = min(first + 4, count)
            var child = first + 1
            while child < end {
                let candidate = heap[child]
                let better = candidate.key < bestNode.key
                best = better ? child : best
                bestNode = better ? candidate : bestNode
                child += 1
            }
            if !(bestNode.key < last.key) { break }
            heap[index] = bestNode
            index = best
        }
        heap[index] = last
    }

    @usableFromInline
    mutating func growHeap() {
        let capacity = heapCapacity * 2
        let grown = UnsafeMutablePointer<Node>.allocate(capacity: capacity)
        grown.moveInitialize(from: heap, count: heapCount)
        heap.deallocate()
        heap = grown
        heapCapacity = capacity
    }

    @usableFromInline
    mutating func growSlots() {
        let capacity = slotCapacity * 2
        let grownSequences = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        grownSequences.moveInitialize(from: sequences, count: slotCount)
        sequences.deallocate()
        sequences = grownSequences
        // Payloads are initialised only in live slots, so they move one by one.
        let grownPayloads = UnsafeMutablePointer<Payload>.allocate(capacity: capacity)
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (grownPayloads + slot).moveInitialize(from: payloads + slot, count: 1)
        }
        payloads.deallocate()
        payloads = grownPayloads
        slotCapacity = capacity
    }

    /// Drops cancelled keys and rebuilds the heap bottom-up in O(n).
    @usableFromInline
    mutating func compact() {
        var kept = 0
        for index in 0..<heapCount where sequences[Int(heap[index].slot)] == heap[index].sequence {
            heap[kept] = heap[index]
            kept += 1
        }
        heapCount = kept
        guard kept > 1 else { return }
        var start = (kept - 2) / 4
        while start >= 0 {
            let node = heap[start]
            var index = start
            while true {
                let first = 4 * index + 1
                if first >= kept { break }
                var best = first
                for child in (first + 1)..<min(first + 4, kept) where heap[child].key < heap[best].key {
                    best = child
                }
                if !(heap[best].key < node.key) { break }
                heap[index] = heap[best]
                index = best
            }
            heap[index] = node
            start -= 1
        }
    }
}
