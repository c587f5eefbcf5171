import Foundation

/// Maps simulation time, in minutes since the start of a run, to calendar time in a time zone: what a shift
/// pattern, an hour-of-week arrival profile or a midnight census need.
///
/// Simulation minutes are elapsed time: a run that crosses a change to summer time has a 23-hour day, and local
/// 01:30 on that day does not exist. The clock reads the zone's offset changes once, when it is made, so that
/// local times are pure arithmetic afterwards (no Foundation calendar in the event loop): `hourOfWeek(atMinute:)`
/// is a binary search over the few offset changes plus a division.
///
///     let clock = try SimulationClock(start: "2026-01-05T00:00", timeZone: "Europe/London")
///     clock.localDateTime(atMinute: 90).hour   // 1
///
/// Offset changes are read from `start` to `horizonYears` later; beyond that the last offset is assumed.
public struct SimulationClock: Sendable, Hashable {
    /// The instant at minute 0.
    public let start: Date
    /// The zone local times are read in.
    public let timeZone: TimeZone
    @usableFromInline let startUnixMinutes: Double
    /// Simulation minutes at which the zone's UTC offset changes, ascending.
    @usableFromInline let transitionMinutes: [Double]
    /// UTC offsets in minutes: `offsetMinutes[i]` holds from `transitionMinutes[i - 1]` (or the start) on.
    @usableFromInline let offsetMinutes: [Double]
    /// The distinct offsets (usually two), for turning local times back into simulation minutes.
    @usableFromInline let distinctOffsets: [Double]

    /// A clock starting at `start` in `timeZone`.
    public init(start: Date, timeZone: TimeZone, horizonYears: Int = 60) {
        self.start = start
        self.timeZone = timeZone
        startUnixMinutes = start.timeIntervalSince1970 / 60
        var transitions: [Double] = []
        var offsets: [Double] = [Double(timeZone.secondsFromGMT(for: start)) / 60]
        let end = start.addingTimeInterval(Double(horizonYears) * 366 * 86_400)
        var cursor = start
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor), next < end {
            let offset = Double(timeZone.secondsFromGMT(for: next)) / 60
            if offset != offsets[offsets.count - 1] {
                transitions.append(next.timeIntervalSince1970 / 60 - startUnixMinutes)
                offsets.append(offset)
            }
            cursor = next
        }
        transitionMinutes = transitions
        offsetMinutes = offsets
        var distinct: [Double] = []
        for offset in offsets where !distinct.contains(offset) { distinct.append(offset) }
        distinctOffsets = distinct
    }

    /// A clock from a local start "YYYY-MM-DDTHH:MM" (or with ":SS") read in the zone with the given IANA name.
    /// Throws `ClockError` for an unknown zone or a malformed date-time.
    public init(start localStart: String, timeZone identifier: String, horizonYears: Int = 60) throws(ClockError) {
        guard let zone = TimeZone(identifier: identifier) else { throw .unknownTimeZone(identifier) }
        guard let wall = LocalDateTime(parsing: localStart) else { throw .malformedDateTime(localStart) }
        // Offsets near the start are what matter; read them from a clock started a day early.
        let roughStart = Date(timeIntervalSince1970: (wall.localMinutesSinceEpoch - 1440) * 60)
        let probe = SimulationClock(start: roughStart, timeZone: zone, horizonYears: 1)
        let minute = probe.minute(atLocalMinutesSinceEpoch: wall.localMinutesSinceEpoch)
        self.init(start: probe.date(atMinute: minute), timeZone: zone, horizonYears: horizonYears)
    }

    /// The instant at simulation minute `minute`.
    public func date(atMinute minute: Double) -> Date {
        Date(timeIntervalSince1970: (startUnixMinutes + minute) * 60)
    }

    /// The simulation minute of an instant (negative before the start).
    public func minute(at date: Date) -> Double {
        date.timeIntervalSince1970 / 60 - startUnixMinutes
    }

    /// A clock whose minute 0 is `epochMinute` minutes after 1970-01-01 00:00 UTC, the unit of timestamps in
    /// records (episode files, twins' histories).
    public init(startEpochMinute epochMinute: Double, timeZone: TimeZone, horizonYears: Int = 60) {
        self.init(start: Date(timeIntervalSince1970: epochMinute * 60), timeZone: timeZone, horizonYears: horizonYears)
    }

    /// The timestamp, in minutes since 1970-01-01 00:00 UTC, of simulation minute `minute`: the one conversion
    /// from simulation time to the time records are kept in.
    @inlinable
    public func epochMinute(atMinute minute: Double) -> Double { startUnixMinutes + minute }

    /// The simulation minute of a timestamp in minutes since 1970-01-01 00:00 UTC (negative before the start):
    /// the one conversion from record time to simulation time.
    @inlinable
    public func minute(atEpochMinute epochMinute: Double) -> Double { epochMinute - startUnixMinutes }

    /// The zone's UTC offset, in minutes, at simulation minute `minute`.
    @inlinable
    public func utcOffsetMinutes(atMinute minute: Double) -> Double {
        var low = 0
        var high = transitionMinutes.count
        while low < high {  // the number of transitions at or before `minute`
            let mid = (low + high) >> 1
            if transitionMinutes[mid] <= minute { low = mid + 1 } else { high = mid }
        }
        return offsetMinutes[low]
    }

    /// Local wall-clock minutes since 1970-01-01 00:00 local at simulation minute `minute`.
    @inlinable
    public func localMinutesSinceEpoch(atMinute minute: Double) -> Double {
        startUnixMinutes + minute + utcOffsetMinutes(atMinute: minute)
    }

    /// The local day at `minute`: whole days since 1970-01-01 local, the day's own midnight rounded down to (a
    /// negative number before 1970). Two minutes on the same local date give the same day.
    @inlinable
    public func localDay(atMinute minute: Double) -> Double {
        (localMinutesSinceEpoch(atMinute: minute) / 1440).rounded(.down)
    }

    /// The local minute of the day at `minute`: 0 at local midnight up to 1,439 at 23:59.
    @inlinable
    public func localMinuteOfDay(atMinute minute: Double) -> Int {
        let local = localMinutesSinceEpoch(atMinute: minute)
        return Int((local - (local / 1440).rounded(.down) * 1440).rounded(.down))
    }

    /// The local hour of the week at `minute`: 0 for Monday 00:00–00:59 up to 167 for Sunday 23:00–23:59.
    @inlinable
    public func hourOfWeek(atMinute minute: Double) -> Int {
        let local = localMinutesSinceEpoch(atMinute: minute)
        let day = (local / 1440).rounded(.down)
        let weekdayIndex = Weekday(daysSinceEpoch: day).rawValue - 1
        let hour = Int(((local - day * 1440) / 60).rounded(.down))
        return weekdayIndex * 24 + min(hour, 23)
    }

    /// The local month at `minute`: 0 for January up to 11 for December.
    @inlinable
    public func monthOfYear(atMinute minute: Double) -> Int {
        LocalDateTime.civilDate(daysSinceEpoch: Int(localDay(atMinute: minute))).month - 1
    }

    /// The local date and time at `minute`.
    public func localDateTime(atMinute minute: Double) -> LocalDateTime {
        LocalDateTime(localMinutesSinceEpoch: localMinutesSinceEpoch(atMinute: minute))
    }

    /// The simulation minute at which local clocks show `local`. A local time skipped by a change to summer
    /// time maps to the instant the clocks jumped past it (02:30 on the day clocks go from 02:00 to 03:00 is read
    /// as 03:30); a local time that happens twice maps to its first occurrence.
    public func minute(atLocal local: LocalDateTime) -> Double {
        minute(atLocalMinutesSinceEpoch: local.localMinutesSinceEpoch)
    }

    /// The simulation minute at which local clocks show `local` wall-clock minutes since 1970-01-01 00:00 (see
    /// `minute(atLocal:)` for skipped and repeated local times).
    public func minute(atLocalMinutesSinceEpoch local: Double) -> Double {
        var best: Double?
        var latest = -Double.infinity
        for offset in distinctOffsets {
            let candidate = local - offset - startUnixMinutes
            latest = max(latest, candidate)
            if utcOffsetMinutes(atMinute: candidate) == offset, candidate < (best ?? .infinity) {
                best = candidate
            }
        }
        return best ?? latest
    }

    /// The first simulation minute strictly after `minute` at which local clocks show `timeOfDay` on one of
    /// `weekdays` (every day when `weekdays` is nil).
    public func nextMinute(after minute: Double, at timeOfDay: LocalTimeOfDay, on weekdays: Set<Weekday>? = nil)
        -> Double
    {
        let today = localDay(atMinute: minute)
        for dayOffset in -1...15 {
            let day = today + Double(dayOffset)
            if let weekdays, !weekdays.contains(Weekday(daysSinceEpoch: day)) { continue }
            let candidate = self.minute(atLocalMinutesSinceEpoch: day * 1440 + Double(timeOfDay.minuteOfDay))
            if candidate > minute { return candidate }
        }
        preconditionFailure("no occurrence within two weeks: weekdays must not be empty")
    }
}

/// Why a clock could not be made.
public enum ClockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The zone name is not in the IANA database of this machine.
    case unknownTimeZone(String)
    /// The date-time is not of the form YYYY-MM-DDTHH:MM[:SS].
    case malformedDateTime(String)

    /// A readable form.
    public var description: String {
        switch self {
        case .unknownTimeZone(let name):
            "unknown time zone '\(name)': expected an IANA name such as Europe/London"
        case .malformedDateTime(let text):
            "malformed date-time '\(text)': expected YYYY-MM-DDTHH:MM, e.g. 2026-01-05T07:30"
        }
    }
}

/// A day of the week, numbered as ISO 8601 does: Monday 1 to Sunday 7.
public enum Weekday: Int, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The weekday of day `day` counted from 1970-01-01 (a Thursday), negative before 1970; a fraction of a day
    /// is in the day it falls in (rounded down).
    @inlinable @inline(__always)
    public init(daysSinceEpoch day: Double) {
        let index = ((Int(day.rounded(.down)) + 3) % 7 + 7) % 7
        self = Weekday(rawValue: index + 1).unsafelyUnwrapped
    }

    /// Orders values.
    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A wall-clock time of day, hour 0–23 and minute 0–59.
public struct LocalTimeOfDay: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// 0–23.
    public let hour: Int
    /// 0–59.
    public let minute: Int

    /// A time of day; nil when out of range.
    public init?(hour: Int, minute: Int = 0) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses "HH:MM".
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    /// Minutes since local midnight.
    public var minuteOfDay: Int { hour * 60 + minute }

    /// "07:30".
    public var description: String { (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)" }

    /// Decodes "HH:MM" and checks it: "25:00" or "7.30" is a decoding error saying what was expected.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = LocalTimeOfDay(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "expected a time of day HH:MM from 00:00 to 23:59, found '\(text)'")
        }
        self = time
    }

    /// Encodes as "HH:MM".
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Orders values.
    public static func < (lhs: LocalTimeOfDay, rhs: LocalTimeOfDay) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }
}

/// A local (wall-clock) date and time, as people in the hospital read it.
public struct LocalDateTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The year.
    public var year: Int
    /// 1–12.
    public var month: Int
    /// 1–31.
    public var day: Int
    /// 0–23.
    public var hour: Int
    /// 0–59.
    public var minute: Int
    /// 0 up to (not including) 60.
    public var second: Double

    /// A local date-time from its fields; the fields are not checked against the calendar.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    enum CodingKeys: String, CodingKey { case year, month, day, hour, minute, second }

    /// Decodes the fields and checks them against the calendar (month 1–12, a day the month has, hour 0–23,
    /// minute 0–59, second in [0, 60)): a decoding error otherwise.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let year = try container.decode(Int.self, forKey: .year)
        let month = try container.decode(Int.self, forKey: .month)
        let day = try container.decode(Int.self, forKey: .day)
        let hour = try container.decodeIfPresent(Int.self, forKey: .hour) ?? 0
        let minute = try container.decodeIfPresent(Int.self, forKey: .minute) ?? 0
        let second = try container.decodeIfPresent(Double.self, forKey: .second) ?? 0
        func check(_ ok: Bool, _ key: CodingKeys, _ expected: String) throws {
            if !ok { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: expected) }
        }
        try check((1...12).contains(month), .month, "must be 1-12, found \(month)")
        try check(day >= 1 && day <= LocalDateTime.daysIn(month: month, year: year), .day,
                  "must be a day of \(year)-\(month), found \(day)")
        try check((0..<24).contains(hour), .hour, "must be 0-23, found \(hour)")
        try check((0..<60).contains(minute), .minute, "must be 0-59, found \(minute)")
        try check(second >= 0 && second < 60, .second, "must be in [0, 60), found \(second)")
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (a space may stand for the T); nil
    /// when malformed or not a real date.
    public init?(parsing text: String) {
        let halves = text.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard halves.count == 1 || halves.count == 2 else { return nil }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, date[0].count == 4, date[1].count == 2, date[2].count == 2,
              let year = Int(date[0]), let month = Int(date[1]), let day = Int(date[2]),
              (1...12).contains(month), day >= 1, day <= LocalDateTime.daysIn(month: month, year: year)
        else { return nil }
        var hour = 0, minute = 0, second = 0.0
        if halves.count == 2 {
            let time = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard time.count == 2 || time.count == 3, time[0].count == 2, time[1].count == 2,
                  let h = Int(time[0]), let m = Int(time[1]), (0..<24).contains(h), (0..<60).contains(m)
            else { return nil }
            hour = h
            minute = m
            if time.count == 3 {
                guard let s = Double(time[2]), s >= 0, s < 60 else { return nil }
                second = s
            }
        }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The local date-time `localMinutes` wall-clock minutes after 1970-01-01 00:00.
    public init(localMinutesSinceEpoch localMinutes: Double) {
        let dayNumber = (localMinutes / 1440).rounded(.down)
        let minuteOfDay = localMinutes - dayNumber * 1440
        let (year, month, day) = LocalDateTime.civilDate(daysSinceEpoch: Int(dayNumber))
        let wholeMinute = min(1439, Int(minuteOfDay.rounded(.down)))
        self.init(year: year, month: month, day: day, hour: wholeMinute / 60, minute: wholeMinute % 60,
                  second: max(0, (minuteOfDay - Double(wholeMinute)) * 60))
    }

    /// Wall-clock minutes since 1970-01-01 00:00.
    public var localMinutesSinceEpoch: Double {
        Double(LocalDateTime.daysSinceEpoch(year: year, month: month, day: day) * 1440 + hour * 60 + minute)
            + second / 60
    }

    /// The day of the week.
    public var weekday: Weekday {
        Weekday(daysSinceEpoch: Double(LocalDateTime.daysSinceEpoch(year: year, month: month, day: day)))
    }

    /// "2026-03-29T01:30".
    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute))"
    }

    /// The date "2026-03-29" alone.
    public var dateDescription: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    // Howard Hinnant's days-from-civil and civil-from-days algorithms (proleptic Gregorian calendar).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    @inlinable
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
