import Foundation
import Simulation

/// The roster as worked in one replication: every shift of every roster line over the run, with who turned up.
/// Absence and cover are drawn once per (roster line, day) from streams keyed by the line's identity and the
/// day, so a scenario that changes one line (two more night nurses on Ward 7) draws the same absences everywhere
/// else: common random numbers for staffing too.
struct StaffingPlan {
    /// One worked shift.
    struct Shift {
        let line: Int
        let startMinute: Double
        let endMinute: Double
        let rostered: Int
        let absent: Int
        let bank: Int
        let agency: Int
        let weekend: Bool

        var worked: Int { rostered - absent + bank + agency }
    }

    /// A change in the staff present at a place: +n at a shift's start, −n at its end.
    struct Change {
        let minute: Double
        let place: StaffPlace
        let group: StaffGroup
        let delta: Int
        /// The shift starting (for naming the current shift of a place), or -1 at an end.
        let shiftIndex: Int
    }

    let shifts: [Shift]
    /// Changes in time order (ends before starts at the same minute, so a handover never double-counts).
    let changes: [Change]

    /// The plan for `days` days from the clock's start (and the shifts under way at minute 0, from the day before).
    init(configuration: StaffingConfiguration, clock: SimulationClock, days: Int, streams: RandomStreams) {
        let family = streams.family("roster")
        var shifts: [Shift] = []
        var changes: [Change] = []
        let origin = clock.localDateTime(atMinute: 0)
        let firstDay = LocalDateTime(year: origin.year, month: origin.month, day: origin.day).localMinutesSinceEpoch / 1440
        for (index, line) in configuration.roster.enumerated() {
            let pattern = configuration.shifts[line.shift]
            let absence = configuration.absence[line.group] ?? 0
            let identity = Self.identity(of: line, shiftName: pattern.name)
            for offset in -1..<days {
                let day = firstDay + Double(offset)
                let weekday = Weekday(daysSinceEpoch: day)
                guard line.weekdays.contains(weekday) else { continue }
                let start = clock.minute(atLocal: LocalDateTime(localMinutesSinceEpoch: day * 1440
                    + Double(pattern.start.minuteOfDay)))
                let end = start + pattern.minutes
                guard end > 0 else { continue }
                var stream = family.stream(identity, UInt64(bitPattern: Int64(offset)))
                let absent = Self.binomial(line.headcount, absence, &stream)
                let bank = Self.binomial(absent, configuration.bankFill, &stream)
                let agency = Self.binomial(absent - bank, configuration.agencyFill, &stream)
                let shift = Shift(line: index, startMinute: start, endMinute: end, rostered: line.headcount,
                                  absent: absent, bank: bank, agency: agency,
                                  weekend: weekday == .saturday || weekday == .sunday)
                shifts.append(shift)
                changes.append(Change(minute: start, place: line.place, group: line.group, delta: shift.worked,
                                      shiftIndex: line.shift))
                changes.append(Change(minute: end, place: line.place, group: line.group, delta: -shift.worked,
                                      shiftIndex: -1))
            }
        }
        self.shifts = shifts
        self.changes = changes.sorted { ($0.minute, $0.delta) < ($1.minute, $1.delta) }
    }

    /// A stable 64-bit identity of a roster line: where, who, which shift (by name) and which days.
    static func identity(of line: RosterLine, shiftName: String) -> UInt64 {
        var text = "\(line.group.rawValue)|\(shiftName)|"
        switch line.place {
        case .emergencyDepartment: text += "ed"
        case .theatres: text += "theatres"
        case .unit(let index): text += "unit\(index)"
        }
        text += "|" + line.weekdays.map(\.rawValue).sorted().map(String.init).joined(separator: ",")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Successes in `n` trials of probability `p`, one uniform each (n is a handful of staff).
    static func binomial(_ n: Int, _ p: Double, _ stream: inout RandomStream) -> Int {
        guard n > 0, p > 0 else { return 0 }
        var count = 0
        for _ in 0..<n where stream.nextUniform() < p { count += 1 }
        return count
    }

    /// The capacity schedule of a group at a place: staff present over time, for a kernel resource; nil when the
    /// roster has no such line (the resource is then not limited by staff).
    func capacitySchedule(place: StaffPlace, group: StaffGroup) -> CapacitySchedule? {
        let relevant = changes.filter { $0.place == place && $0.group == group }
        guard !relevant.isEmpty else { return nil }
        var level = 0
        var initial = 0
        var points: [CapacitySchedule.CapacityChange] = []
        var index = 0
        while index < relevant.count {
            let minute = relevant[index].minute
            while index < relevant.count && relevant[index].minute == minute {
                level += relevant[index].delta
                index += 1
            }
            if minute <= 0 {
                initial = level
            } else if let last = points.last, last.minute == minute {
                points[points.count - 1] = CapacitySchedule.CapacityChange(atMinute: minute, capacity: max(0, level))
            } else {
                points.append(CapacitySchedule.CapacityChange(atMinute: minute, capacity: max(0, level)))
            }
        }
        return .explicit(initial: max(0, initial), changes: points)
    }
}
