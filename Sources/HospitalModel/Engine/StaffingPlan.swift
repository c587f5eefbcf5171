import Foundation
import Simulation

/// The roster as worked in one replication, a day at a time: the shifts of every roster line that start on a
/// given day, with who turned up. Absence and cover are drawn once per (roster line, day) from streams keyed by
/// the line's identity and the day, so a scenario that changes one line (two more night nurses on Ward 7) draws
/// the same absences everywhere else — common random numbers for staffing too — and a day's shifts are the same
/// whenever they are asked for, so the engine asks a day ahead and keeps nothing of the days gone.
struct StaffingPlan {
    /// One worked shift: of the line's headcount, `vacant` posts have no holder; the `rostered` holders less the
    /// `absent` work, with `bank` and `agency` staff covering vacancies and absences.
    struct Shift {
        let line: Int
        let startMinute: Double
        let endMinute: Double
        let rostered: Int
        let vacant: Int
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

        /// Time order; at the same minute ends before starts, so a handover never double-counts.
        static func precedes(_ a: Change, _ b: Change) -> Bool { (a.minute, a.delta) < (b.minute, b.delta) }
    }

    let configuration: StaffingConfiguration
    let clock: SimulationClock
    let family: StreamFamily
    /// The local day number (days since 1970-01-01) of the run's first day.
    let firstDay: Double
    /// Each roster line's identity (`identity(of:shiftName:)`).
    let identities: [UInt64]
    /// Each roster line's group's absence and vacancy rates (0–1), looked up once rather than on every day.
    let absence: [Double], vacancy: [Double]

    /// The plan of `configuration`'s roster; `unitNames` name the units its lines refer to by index.
    init(configuration: StaffingConfiguration, unitNames: [String], clock: SimulationClock, streams: RandomStreams) {
        self.configuration = configuration
        self.clock = clock
        family = streams.family("roster")
        let origin = clock.localDateTime(atMinute: 0)
        firstDay = LocalDateTime(year: origin.year, month: origin.month, day: origin.day).localMinutesSinceEpoch / 1440
        identities = configuration.roster.map { line in
            Self.identity(of: line, shiftName: configuration.shifts[line.shift].name, unitNames: unitNames)
        }
        absence = configuration.roster.map { configuration.absence[$0.group] ?? 0 }
        vacancy = configuration.roster.map { configuration.vacancy[$0.group] ?? 0 }
    }

    /// The shifts starting on day `offset` of the run (0 is the first day; -1 the day before, whose night shift
    /// is under way at the start), in roster order.
    func shifts(onDay offset: Int) -> [Shift] {
        let day = firstDay + Double(offset)
        let weekday = Weekday(daysSinceEpoch: day)
        var shifts: [Shift] = []
        for (index, line) in configuration.roster.enumerated() where line.weekdays.contains(weekday) {
            let pattern = configuration.shifts[line.shift]
            let absence = absence[index]
            let start = clock.minute(atLocalMinutesSinceEpoch: day * 1440 + Double(pattern.start.minuteOfDay))
            // Vacancies from a stream of their own, so that a scenario changing them draws the same absences
            // for the posts it keeps filled (no vacancy rate: no draw, and every number as before).
            var vacancies = family.stream(identities[index], UInt64(bitPattern: Int64(offset)), 1)
            let vacant = Self.binomial(line.headcount, vacancy[index], &vacancies)
            let vacancyBank = Self.binomial(vacant, configuration.vacancyBankFill, &vacancies)
            let vacancyAgency = Self.binomial(vacant - vacancyBank, configuration.vacancyAgencyFill, &vacancies)
            var stream = family.stream(identities[index], UInt64(bitPattern: Int64(offset)))
            let absent = Self.binomial(line.headcount - vacant, absence, &stream)
            let bank = Self.binomial(absent, configuration.bankFill, &stream)
            let agency = Self.binomial(absent - bank, configuration.agencyFill, &stream)
            shifts.append(Shift(line: index, startMinute: start, endMinute: start + pattern.minutes,
                                rostered: line.headcount - vacant, vacant: vacant, absent: absent,
                                bank: bank + vacancyBank, agency: agency + vacancyAgency,
                                weekend: weekday == .saturday || weekday == .sunday))
        }
        return shifts
    }

    /// A stable 64-bit identity of a roster line: where (a unit by name, so adding a unit elsewhere changes
    /// nothing), who, which shift (by name) and which days.
    static func identity(of line: RosterLine, shiftName: String, unitNames: [String]) -> UInt64 {
        var text = "\(line.group.rawValue)|\(shiftName)|"
        switch line.place {
        case .emergencyDepartment: text += "ed"
        case .theatres: text += "theatres"
        case .unit(let index): text += "unit:" + unitNames[index]
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
}
