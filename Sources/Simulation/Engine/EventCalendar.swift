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
/// A 4-ary min-heap of keys, each (time, priority, rank, slot) packed into one 128-bit integer so that comparing
/// two events is one branch-free integer comparison. Payloads live in a slot pool beside the heap, so sifting
/// moves 16-byte keys only (four children to a cache line), and cancelling frees a slot in O(1) while its key is dropped when it reaches the top
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
        // The priority's 16 bits are a field of the heap key (`CalendarCore.Node`).
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
///
/// A heap node is one 128-bit key and nothing else, 16 bytes, so a node's four children fill exactly one 64-byte
/// cache line (the heap starts three nodes before a line boundary, so that children 4i+1…4i+4 share a line).
/// The key is, from the top: the time's IEEE 754 bits made order-preserving (64 bits), the priority offset to
/// unsigned (16), a rank that orders events scheduled at the same time and priority first-in first-out (24), and
/// the payload's slot (24). Ranks are handed out in scheduling order; when they run out (every 2^24 schedules) the
/// live events are renumbered 0, 1, … in their order, which keeps every comparison the same. A node is live while
/// its slot's rank is its own: cancelling a slot marks it, and its node is dropped when it reaches the top.
@usableFromInline
struct CalendarCore<Payload> {
    @usableFromInline
    struct Node {
        @usableFromInline var key: UInt128

        @inlinable @inline(__always)
        init(key: UInt128) { self.key = key }

        @inlinable @inline(__always)
        init(time: Double, priority: Int, rank: UInt32, slot: Int) {
            let low = (UInt64(UInt16(bitPattern: Int16(truncatingIfNeeded: priority)) ^ 0x8000) << 48)
                | (UInt64(rank) << 24) | UInt64(slot)
            key = (UInt128(Node.sortableBits(time)) << 64) | UInt128(low)
        }

        @inlinable @inline(__always)
        var time: Double { Node.time(fromSortableBits: UInt64(truncatingIfNeeded: key >> 64)) }

        @inlinable @inline(__always)
        var slot: Int { Int(UInt64(truncatingIfNeeded: key) & CalendarCore.fieldMask) }

        @inlinable @inline(__always)
        var rank: UInt32 { UInt32(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) >> 24) & CalendarCore.fieldMask) }

        /// The same node with another rank.
        @inlinable @inline(__always)
        func ranked(_ rank: UInt32) -> Node {
            let cleared = key & ~(UInt128(CalendarCore.fieldMask) << 24)
            return Node(key: cleared | (UInt128(rank) << 24))
        }

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

    /// The rank and slot fields' mask: 24 bits each.
    @usableFromInline static var fieldMask: UInt64 { (1 << 24) - 1 }
    /// At most this many events pending at once (8,388,608): half the ranks, so that renumbering (which needs one
    /// rank per live event) leaves at least as many schedules again before the next.
    @usableFromInline static var maximumPending: Int { 1 << 23 }
    /// The rank of a free slot: outside the 24-bit field, so no node matches it.
    @usableFromInline static var freeRank: UInt32 { .max }
    /// Marks a free slot's sequence; the low bits hold the next free slot + 1 (0: none).
    @usableFromInline static var freeBit: UInt64 { 1 << 63 }
    /// Nodes before the first, so that each node's children share a cache line.
    @usableFromInline static var heapPadding: Int { 3 }

    /// The heap's memory (64-byte aligned); `heap` is `heapPadding` nodes into it.
    @usableFromInline var heapMemory: UnsafeMutableRawPointer
    @usableFromInline var heap: UnsafeMutablePointer<Node>
    @usableFromInline var heapCount = 0
    @usableFromInline var heapCapacity: Int
    /// Per slot, the sequence of its live event (what handles carry), or `freeBit | next free + 1`.
    @usableFromInline var sequences: UnsafeMutablePointer<UInt64>
    /// Per slot, the rank in its live event's node, or `freeRank`.
    @usableFromInline var ranks: UnsafeMutablePointer<UInt32>
    /// Per slot, the payload: initialised exactly while the slot is live.
    @usableFromInline var payloads: UnsafeMutablePointer<Payload>
    @usableFromInline var slotCount = 0
    @usableFromInline var slotCapacity: Int
    @usableFromInline var freeListHead: UInt64 = 0
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var nextRank: UInt32 = 0
    @usableFromInline var liveCount = 0

    @usableFromInline
    init(capacity: Int) {
        heapCapacity = capacity
        slotCapacity = capacity
        (heapMemory, heap) = Self.allocateHeap(capacity: capacity)
        sequences = .allocate(capacity: capacity)
        ranks = .allocate(capacity: capacity)
        payloads = .allocate(capacity: capacity)
    }

    @usableFromInline
    static func allocateHeap(capacity: Int) -> (UnsafeMutableRawPointer, UnsafeMutablePointer<Node>) {
        let stride = MemoryLayout<Node>.stride
        let memory = UnsafeMutableRawPointer.allocate(byteCount: (capacity + heapPadding) * stride, alignment: 64)
        let nodes = memory.bindMemory(to: Node.self, capacity: capacity + heapPadding)
        return (memory, nodes + heapPadding)
    }

    /// Frees the buffers (the owner's deinit).
    @usableFromInline
    func release() {
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (payloads + slot).deinitialize(count: 1)
        }
        heapMemory.deallocate()
        sequences.deallocate()
        ranks.deallocate()
        payloads.deallocate()
    }

    /// A deep copy.
    @usableFromInline
    func copy() -> CalendarCore<Payload> {
        var other = CalendarCore(capacity: max(heapCapacity, slotCapacity))
        other.heap.initialize(from: heap, count: heapCount)
        other.sequences.initialize(from: sequences, count: slotCount)
        other.ranks.initialize(from: ranks, count: slotCount)
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (other.payloads + slot).initialize(to: payloads[slot])
        }
        other.heapCount = heapCount
        other.slotCount = slotCount
        other.freeListHead = freeListHead
        other.nextSequence = nextSequence
        other.nextRank = nextRank
        other.liveCount = liveCount
        return other
    }

    @inlinable
    mutating func schedule(_ payload: Payload, at time: Double, priority: Int) -> EventHandle {
        let sequence = nextSequence
        nextSequence &+= 1
        if nextRank > UInt32(Self.fieldMask) { renumber() }
        let rank = nextRank
        nextRank &+= 1
        let slot: Int
        if freeListHead != 0 {
            slot = Int(freeListHead - 1)
            freeListHead = sequences[slot] & ~Self.freeBit
        } else {
            precondition(slotCount < Self.maximumPending,
                         "more than \(Self.maximumPending) events pending at once in one calendar")
            if slotCount == slotCapacity { growSlots() }
            slot = slotCount
            slotCount += 1
        }
        sequences[slot] = sequence
        ranks[slot] = rank
        (payloads + slot).initialize(to: payload)
        siftUp(Node(time: time, priority: priority, rank: rank, slot: slot))
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
        ranks[slot] = Self.freeRank
        freeListHead = UInt64(slot) + 1
        liveCount -= 1
    }

    @inlinable @inline(__always)
    func isLive(_ node: Node) -> Bool { ranks[node.slot] == node.rank }

    @inlinable
    mutating func removeNext(notAfter limit: Double) -> (time: Double, payload: Payload)? {
        while heapCount > 0 {
            let root = heap[0]
            let slot = root.slot
            if ranks[slot] != root.rank {
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
            if isLive(root) { return root.time }
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
        let (memory, grown) = Self.allocateHeap(capacity: capacity)
        grown.moveInitialize(from: heap, count: heapCount)
        heapMemory.deallocate()
        heapMemory = memory
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
        let grownRanks = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        grownRanks.moveInitialize(from: ranks, count: slotCount)
        ranks.deallocate()
        ranks = grownRanks
        // Payloads are initialised only in live slots, so they move one by one.
        let grownPayloads = UnsafeMutablePointer<Payload>.allocate(capacity: capacity)
        for slot in 0..<slotCount where sequences[slot] & Self.freeBit == 0 {
            (grownPayloads + slot).moveInitialize(from: payloads + slot, count: 1)
        }
        payloads.deallocate()
        payloads = grownPayloads
        slotCapacity = capacity
    }

    /// Gives the live events ranks 0, 1, … in their order (time, priority, rank), when the 24-bit ranks are spent.
    /// A sorted array is a heap, so the heap is the sorted live nodes afterwards. O(n log n), once every 2^24 - n
    /// schedules at least (n ≤ 2^23 live events).
    @usableFromInline
    mutating func renumber() {
        var live: [Node] = []
        live.reserveCapacity(liveCount)
        for index in 0..<heapCount where isLive(heap[index]) { live.append(heap[index]) }
        live.sort { $0.key < $1.key }
        for (rank, node) in live.enumerated() {
            let renumbered = node.ranked(UInt32(rank))
            heap[rank] = renumbered
            ranks[node.slot] = UInt32(rank)
        }
        heapCount = live.count
        nextRank = UInt32(live.count)
    }

    /// Drops cancelled keys and rebuilds the heap bottom-up in O(n).
    @usableFromInline
    mutating func compact() {
        var kept = 0
        for index in 0..<heapCount where isLive(heap[index]) {
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
