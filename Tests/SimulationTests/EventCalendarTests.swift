import Simulation
import Testing

@Suite("event calendar")
struct EventCalendarTests {
    @Test("events leave by time, then priority, then scheduling order")
    func ordersSimultaneousEvents() {
        var calendar = EventCalendar<String>()
        calendar.schedule("late", at: 10)
        calendar.schedule("b-first-scheduled", at: 5)
        calendar.schedule("c-second-scheduled", at: 5)
        calendar.schedule("a-urgent", at: 5, priority: -1)
        calendar.schedule("d-low", at: 5, priority: 3)
        calendar.schedule("early", at: 1)
        var order: [String] = []
        while let (_, payload) = calendar.removeNext() { order.append(payload) }
        #expect(order == ["early", "a-urgent", "b-first-scheduled", "c-second-scheduled", "d-low", "late"])
    }

    @Test("cancel, reschedule and stale handles")
    func cancelsAndReschedules() {
        var calendar = EventCalendar<Int>()
        let one = calendar.schedule(1, at: 1)
        let two = calendar.schedule(2, at: 2)
        let three = calendar.schedule(3, at: 3)
        let cancelled = calendar.cancel(two)
        let cancelledAgain = calendar.cancel(two)
        #expect(cancelled && !cancelledAgain)
        #expect(!calendar.isPending(two))
        let moved = calendar.reschedule(one, to: 4)
        #expect(moved != nil && !calendar.isPending(one))
        #expect(calendar.count == 2)
        let third = calendar.removeNext()
        #expect(third?.time == 3 && third?.payload == 3)
        let cancelledAfterFiring = calendar.cancel(three)
        #expect(!cancelledAfterFiring)
        let notYet = calendar.removeNext(notAfter: 3.5)  // the moved event is at 4: it stays
        #expect(notYet == nil)
        let fourth = calendar.removeNext()
        #expect(fourth?.time == 4 && fourth?.payload == 1)
        let none = calendar.removeNext()
        #expect(none == nil && calendar.isEmpty)
    }

    @Test("random schedules and cancels agree with a sorted-list reference, through heap compactions")
    func agreesWithReference() {
        var calendar = EventCalendar<Int>()
        var reference: [(time: Double, priority: Int, sequence: Int, id: Int)] = []
        var handles: [Int: EventHandle] = [:]
        var stream = RandomStream(seed: 12)
        var sequence = 0
        var now = 0.0
        for step in 0..<50_000 {
            let action = stream.nextInt(below: 10)
            if action < 5 {
                let time = now + Double(stream.nextInt(below: 50))  // whole numbers: plenty of ties
                let priority = stream.nextInt(below: 3) - 1
                handles[step] = calendar.schedule(step, at: time, priority: priority)
                reference.append((time, priority, sequence, step))
                sequence += 1
            } else if action < 8, !reference.isEmpty {
                let victim = reference.remove(at: stream.nextInt(below: reference.count))
                let cancelled = calendar.cancel(handles[victim.id]!)
                #expect(cancelled)
            } else if !reference.isEmpty {
                let next = reference.min { ($0.time, $0.priority, $0.sequence) < ($1.time, $1.priority, $1.sequence) }!
                reference.removeAll { $0.id == next.id }
                let popped = calendar.removeNext()
                #expect(popped?.payload == next.id)
                now = next.time
            }
            #expect(calendar.count == reference.count)
        }
    }

    @Test("simultaneous events keep first-in first-out order, and handles stay valid, across the ranks' renumbering")
    func keepsOrderAcrossRenumbering() {
        // The heap key gives the scheduling order 24 bits (CalendarCore.Node); after 2^24 schedules the live
        // events are renumbered. Events scheduled at one far time before and after that must still leave by
        // priority, then in the order they were scheduled, and their handles must still cancel them.
        var calendar = EventCalendar<Int>()
        let far = 1e12
        var expected: [(priority: Int, order: Int, id: Int)] = []
        var handles: [Int: EventHandle] = [:]
        var order = 0
        func scheduleFar(_ id: Int) {
            let priority = id % 3 - 1
            handles[id] = calendar.schedule(id, at: far, priority: priority)
            expected.append((priority, order, id))
            order += 1
        }
        for id in 0..<300 { scheduleFar(id) }
        let churn = (1 << 24) + 1_000
        var now = 0.0
        for step in 0..<churn {
            calendar.schedule(-1, at: now + Double(step % 7))
            if step % 2 == 1 {
                now = calendar.removeNext()!.time
                _ = calendar.removeNext()
            }
        }
        while let next = calendar.removeNext(notAfter: far - 1) { #expect(next.payload == -1) }
        for id in stride(from: 0, to: 300, by: 7) {
            let cancelled = calendar.cancel(handles[id]!)
            #expect(cancelled)
            expected.removeAll { $0.id == id }
        }
        for id in 300..<600 { scheduleFar(id) }
        expected.sort { ($0.priority, $0.order) < ($1.priority, $1.order) }
        var drained: [Int] = []
        while let next = calendar.removeNext() {
            #expect(next.time == far)
            drained.append(next.payload)
        }
        #expect(drained == expected.map(\.id))
        #expect(!calendar.isPending(handles[1]!))
    }

    @Test("a copy is independent (copy-on-write), and payloads holding references survive growth and copies")
    func copyOnWrite() {
        var original = EventCalendar<String>()
        var handles: [EventHandle] = []
        for index in 0..<100 { handles.append(original.schedule("event \(index)", at: Double(100 - index))) }
        var copy = original
        let cancelled = copy.cancel(handles[99])
        let first = copy.removeNext()
        #expect(cancelled && first?.payload == "event 98")
        #expect(original.count == 100 && copy.count == 98)
        #expect(original.isPending(handles[99]) && !copy.isPending(handles[99]))
        var drained: [String] = []
        while let (_, payload) = original.removeNext() { drained.append(payload) }
        #expect(drained == (0..<100).reversed().map { "event \($0)" })
    }
}
