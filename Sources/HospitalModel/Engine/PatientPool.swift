/// The engine's patient records in one block of memory, read and written in place through unchecked pointers —
/// as the kernel's calendar keeps its heap: a record touched a few dozen times an event pays no uniqueness or
/// bounds check, and no copy of the array behind copy-on-write.
///
/// A reference type: one pool belongs to one engine, made per replication and never shared (an engine is not
/// copied; `HospitalSimulation.run` makes it, runs it and reads its KPIs). Indices are patient slots: valid from 0
/// to `count`, reused through the engine's free list.
final class PatientPool {
    /// The records' memory; `let`, so reaching it costs no dynamic exclusivity check.
    private let core: UnsafeMutablePointer<Core>

    struct Core {
        var base: UnsafeMutablePointer<HospitalEngine.Patient>
        var count: Int
        var capacity: Int
    }

    init(capacity: Int = 1024) {
        core = .allocate(capacity: 1)
        core.initialize(to: Core(base: .allocate(capacity: capacity), count: 0, capacity: capacity))
    }

    deinit {
        core.pointee.base.deinitialize(count: core.pointee.count)
        core.pointee.base.deallocate()
        core.deinitialize(count: 1)
        core.deallocate()
    }

    /// Records in use or freed for reuse (every slot ever made).
    var count: Int { core.pointee.count }

    /// The slots, 0..<count.
    var indices: Range<Int> { 0..<core.pointee.count }

    /// The record in slot `index` (0 ≤ index < count, checked in debug builds), in place.
    subscript(index: Int) -> HospitalEngine.Patient {
        unsafeAddress {
            assert(index >= 0 && index < core.pointee.count, "patient slot \(index) of \(core.pointee.count)")
            return UnsafePointer(core.pointee.base + index)
        }
        unsafeMutableAddress {
            assert(index >= 0 && index < core.pointee.count, "patient slot \(index) of \(core.pointee.count)")
            return core.pointee.base + index
        }
    }

    /// Adds a record in a new slot, growing the block (doubling) when it is full.
    func append(_ patient: HospitalEngine.Patient) {
        if core.pointee.count == core.pointee.capacity {
            let capacity = core.pointee.capacity * 2
            let base = UnsafeMutablePointer<HospitalEngine.Patient>.allocate(capacity: capacity)
            base.moveInitialize(from: core.pointee.base, count: core.pointee.count)
            core.pointee.base.deallocate()
            core.pointee.base = base
            core.pointee.capacity = capacity
        }
        (core.pointee.base + core.pointee.count).initialize(to: patient)
        core.pointee.count += 1
    }
}
