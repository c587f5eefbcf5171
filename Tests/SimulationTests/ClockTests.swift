import Foundation
import Simulation
import Testing
import TestSupport

@Suite("calendar time")
struct ClockTests {
    static let london = try! SimulationClock(start: "2026-03-28T12:00", timeZone: "Europe/London")

    @Test("local time follows the zone across the change to summer time (29 March 2026, 01:00 GMT -> 02:00 BST)")
    func springForward() {
        let clock = Self.london
        #expect(clock.localDateTime(atMinute: 0).description == "2026-03-28T12:00")
        #expect(clock.localDateTime(atMinute: 12 * 60).description == "2026-03-29T00:00")
        // Midnight to 03:00 local on the short day is two hours of elapsed time.
        let threeAM = clock.minute(atLocal: LocalDateTime(year: 2026, month: 3, day: 29, hour: 3))
        #expect(threeAM == 12 * 60 + 120)
        // 01:30 does not exist that day: it is read as the instant clocks jumped past it, shown as 02:30 BST.
        let skipped = clock.minute(atLocal: LocalDateTime(year: 2026, month: 3, day: 29, hour: 1, minute: 30))
        #expect(clock.localDateTime(atMinute: skipped).description == "2026-03-29T02:30")
        #expect(clock.utcOffsetMinutes(atMinute: threeAM) == 60)
    }

    @Test("a local time that happens twice (25 October 2026, 01:30) maps to its first occurrence")
    func fallBack() throws {
        let clock = try SimulationClock(start: "2026-10-24T00:00", timeZone: "Europe/London")
        let first = clock.minute(atLocal: LocalDateTime(year: 2026, month: 10, day: 25, hour: 1, minute: 30))
        #expect(clock.utcOffsetMinutes(atMinute: first) == 60)
        #expect(clock.localDateTime(atMinute: first + 60).description == "2026-10-25T01:30")
        #expect(clock.utcOffsetMinutes(atMinute: first + 60) == 0)
    }

    @Test("hour of week: Monday 00:30 is 0, Sunday 23:30 is 167, in local time")
    func hourOfWeek() throws {
        let clock = try SimulationClock(start: "2026-01-05T00:30", timeZone: "America/New_York")  // a Monday
        #expect(clock.localDateTime(atMinute: 0).weekday == .monday)
        #expect(clock.hourOfWeek(atMinute: 0) == 0)
        #expect(clock.hourOfWeek(atMinute: 6 * 1440 + 23 * 60) == 167)
        #expect(clock.hourOfWeek(atMinute: 7 * 1440) == 0)
    }

    @Test("the weekday of a day since 1970 (a Thursday), before 1970 and within a day")
    func weekdaysOfDays() throws {
        #expect(Weekday(daysSinceEpoch: 0) == .thursday)
        #expect(Weekday(daysSinceEpoch: -1) == .wednesday)
        #expect(Weekday(daysSinceEpoch: -3) == .monday)
        #expect(Weekday(daysSinceEpoch: -0.5) == .wednesday)  // in the day before 1970-01-01
        #expect(Weekday(daysSinceEpoch: 6.99) == .wednesday)
        let clock = try SimulationClock(start: "2026-12-03T00:00", timeZone: "UTC")
        let day = clock.localMinutesSinceEpoch(atMinute: 0) / 1440
        #expect(Weekday(daysSinceEpoch: day) == .thursday)
        #expect(Weekday(daysSinceEpoch: day - 7 * 10_000 + 4) == .monday)
    }

    @Test("local dates agree with Foundation's calendar over a century of days")
    func civilDatesAgreeWithFoundation() throws {
        let clock = try SimulationClock(start: "1990-01-01T00:00", timeZone: "Europe/Berlin")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        var stream = RandomStream(seed: 4)
        for _ in 0..<2_000 {
            let minute = Double(stream.nextInt(below: 60 * 24 * 365 * 50))
            let ours = clock.localDateTime(atMinute: minute)
            let theirs = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: clock.date(atMinute: minute))
            let ourFields: [Int] = [ours.year, ours.month, ours.day, ours.hour, ours.minute]
            let theirFields: [Int?] = [theirs.year, theirs.month, theirs.day, theirs.hour, theirs.minute]
            #expect(ourFields == theirFields.compactMap { $0 })
        }
    }

    @Test("next occurrence of a time of day, optionally on given weekdays")
    func nextOccurrence() throws {
        let clock = try SimulationClock(start: "2026-01-05T08:00", timeZone: "UTC")  // Monday 08:00
        let shift = LocalTimeOfDay(hour: 7, minute: 30)!
        #expect(clock.nextMinute(after: 0, at: shift) == 1410)  // Tuesday 07:30
        #expect(clock.nextMinute(after: 0, at: shift, on: [.saturday]) == 5 * 1440 - 30)
        #expect(clock.nextMinute(after: 1410, at: shift) == 1410 + 1440)
    }

    @Test("malformed input is refused with what was expected")
    func refusesMalformedInput() {
        #expect(throws: ClockError.unknownTimeZone("Mars/Olympus")) {
            try SimulationClock(start: "2026-01-01T00:00", timeZone: "Mars/Olympus")
        }
        #expect(throws: ClockError.malformedDateTime("2026-02-30T00:00")) {
            try SimulationClock(start: "2026-02-30T00:00", timeZone: "UTC")
        }
        #expect(LocalDateTime(parsing: "2026-01-05 07:30")?.description == "2026-01-05T07:30")
        #expect(LocalDateTime(parsing: "2026-1-5") == nil)
        #expect(LocalTimeOfDay(parsing: "24:00") == nil)
        #expect(LocalTimeOfDay(parsing: "07:30")?.minuteOfDay == 450)
    }
}

@Suite("arrival processes")
struct ArrivalProcessTests {
    @Test("a non-homogeneous Poisson process reproduces its hour-of-week profile (chi-square over 168 hours)")
    func reproducesProfile() throws {
        var rates = [Double](repeating: 0, count: 168)
        for hour in 0..<168 {
            let hourOfDay = Double(hour % 24)
            let weekend = hour >= 5 * 24
            rates[hour] = (weekend ? 4.5 : 5) + 3 * sin((hourOfDay - 8) / 24 * 2 * .pi) + (hourOfDay == 3 ? -1 : 0)
        }
        let profile = try HourOfWeekProfile(ratesPerHour: rates)
        let clock = try SimulationClock(start: "2026-01-05T00:00", timeZone: "UTC")
        let process = NonHomogeneousPoissonProcess(profile: profile, clock: clock)
        var stream = RandomStream(seed: 17)
        let weeks = 300
        var counts = [Int](repeating: 0, count: 168)
        var time = 0.0
        while true {
            time = process.nextArrival(after: time, using: &stream)
            if time >= Double(weeks) * 7 * 1440 { break }
            counts[clock.hourOfWeek(atMinute: time)] += 1
        }
        let expected = rates.map { $0 * Double(weeks) }
        #expect(GoodnessOfFit.chiSquarePValue(observed: counts, expected: expected) > Tolerance.alpha)
        let total = counts.reduce(0, +)
        let mean = expected.reduce(0, +)
        #expect(abs(Double(total) - mean) <= SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2) * mean.squareRoot())
    }

    @Test("the profile check can fail: counts from a flat process are rejected against a peaked profile")
    func profileCheckHasPower() throws {
        let flat = try HourOfWeekProfile(constantRatePerHour: 4)
        let clock = try SimulationClock(start: "2026-01-05T00:00", timeZone: "UTC")
        let process = NonHomogeneousPoissonProcess(profile: flat, clock: clock)
        var stream = RandomStream(seed: 17)
        var counts = [Int](repeating: 0, count: 168)
        var time = 0.0
        while true {
            time = process.nextArrival(after: time, using: &stream)
            if time >= 100 * 7 * 1440 { break }
            counts[clock.hourOfWeek(atMinute: time)] += 1
        }
        let peaked = (0..<168).map { 4 + 0.6 * sin(Double($0 % 24) / 24 * 2 * .pi) }
        #expect(GoodnessOfFit.chiSquarePValue(observed: counts, expected: peaked.map { $0 * 100 }) < Tolerance.alpha)
    }

    @Test("a monthly profile scales each local month's arrivals: counts per month against the integrated rate, chi-square at α")
    func monthlyProfileShapesArrivals() throws {
        let profile = try HourOfWeekProfile(constantRatePerHour: 3)
        let relative = [1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3]
        let monthly = try MonthOfYearProfile(relativeRates: relative.map { $0 * 7 })   // scaled: normalised anyway
        let clock = try SimulationClock(start: "2026-01-01T00:00", timeZone: "Europe/London")
        let process = NonHomogeneousPoissonProcess(profile: profile, monthly: monthly, clock: clock)
        var stream = RandomStream(seed: 23)
        let years = 20
        var counts = [Int](repeating: 0, count: 12)
        var hoursInMonth = [Double](repeating: 0, count: 12)
        let end = clock.minute(atLocal: LocalDateTime(year: 2026 + years, month: 1, day: 1))
        var hour = 0.0
        while hour * 60 < end {   // each local month's real hours (clock changes included), one UTC hour at a time
            hoursInMonth[clock.monthOfYear(atMinute: hour * 60 + 30)] += 1
            hour += 1
        }
        var time = 0.0
        while true {
            time = process.nextArrival(after: time, using: &stream)
            if time >= end { break }
            counts[clock.monthOfYear(atMinute: time)] += 1
        }
        let mean = relative.reduce(0, +) / 12
        let expected = (0..<12).map { 3 * relative[$0] / mean * hoursInMonth[$0] }
        #expect(GoodnessOfFit.chiSquarePValue(observed: counts, expected: expected) > Tolerance.alpha)
        // and it has power: the same counts are rejected against a flat year
        #expect(GoodnessOfFit.chiSquarePValue(observed: counts, expected: hoursInMonth.map { 3 * $0 }) < Tolerance.alpha)
    }

    @Test("a monthly profile needs 12 rates >= 0, one above 0; it is normalised to mean 1")
    func validatesMonthlyProfile() throws {
        #expect(throws: DistributionParameterError.self) { try MonthOfYearProfile(relativeRates: [1, 2, 3]) }
        #expect(throws: DistributionParameterError.self) {
            try MonthOfYearProfile(relativeRates: [Double](repeating: 0, count: 12))
        }
        #expect(throws: DistributionParameterError.self) {
            try MonthOfYearProfile(relativeRates: [1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, 1])
        }
        #expect(throws: DistributionParameterError.self) {
            try MonthOfYearProfile(relativeRates: [1, 1, 1, 1, 1, .nan, 1, 1, 1, 1, 1, 1])
        }
        let doubled = try MonthOfYearProfile(relativeRates: [Double](repeating: 2, count: 12))
        #expect(doubled.isFlat)
        let clock = try SimulationClock(start: "2026-12-31T23:00", timeZone: "Europe/London")
        #expect(clock.monthOfYear(atMinute: 0) == 11)
        #expect(clock.monthOfYear(atMinute: 60) == 0)
    }

    @Test("a profile needs 168 non-negative rates")
    func validatesProfile() {
        #expect(throws: DistributionParameterError.self) { try HourOfWeekProfile(ratesPerHour: [1, 2, 3]) }
        #expect(throws: DistributionParameterError.self) {
            try HourOfWeekProfile(ratesPerHour: [Double](repeating: -1, count: 168))
        }
    }
}

@Suite("kernel types read from files")
struct KernelDecodingTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    /// The message a decoding error carries, where a scenario loader will read it.
    static func message(_ error: (any Error)?) -> String {
        guard case .dataCorrupted(let context)? = error as? DecodingError else { return "\(String(describing: error))" }
        return context.debugDescription
    }

    @Test("a time of day decodes from HH:MM and refuses hour 25, minute 60 and other text")
    func timeOfDay() throws {
        #expect(try Self.decode([LocalTimeOfDay].self, #"["07:30", "00:00", "23:59"]"#)
            == [LocalTimeOfDay(hour: 7, minute: 30)!, LocalTimeOfDay(hour: 0)!, LocalTimeOfDay(hour: 23, minute: 59)!])
        for bad in ["25:00", "07:60", "7.30", "", "noon"] {
            let error = #expect(throws: DecodingError.self) { try Self.decode(LocalTimeOfDay.self, "\"\(bad)\"") }
            #expect(Self.message(error) == "expected a time of day HH:MM from 00:00 to 23:59, found '\(bad)'")
        }
        let encoded = try JSONEncoder().encode(LocalTimeOfDay(hour: 7, minute: 5)!)
        #expect(String(decoding: encoded, as: UTF8.self) == "\"07:05\"")
    }

    @Test("an hour-of-week profile refuses 24 rates where 168 are needed, and negative rates")
    func profile() throws {
        let day = [Double](repeating: 2, count: 24).map { String($0) }.joined(separator: ",")
        let error = #expect(throws: DecodingError.self) {
            try Self.decode(HourOfWeekProfile.self, "{\"ratesPerHour\": [\(day)]}")
        }
        #expect(Self.message(error).contains("must be 168"))
        let negative = ([-1.0] + [Double](repeating: 2, count: 167)).map { String($0) }.joined(separator: ",")
        #expect(throws: DecodingError.self) { try Self.decode(HourOfWeekProfile.self, "{\"ratesPerHour\": [\(negative)]}") }
        let week = [Double](repeating: 2, count: 168).map { String($0) }.joined(separator: ",")
        #expect(try Self.decode(HourOfWeekProfile.self, "{\"ratesPerHour\": [\(week)]}").meanRatePerHour == 2)
    }

    @Test("a capacity step refuses a negative capacity and an empty set of weekdays")
    func capacityStep() throws {
        let good = try Self.decode(CapacityStep.self, #"{"time": "19:30", "capacity": 5, "weekdays": [6, 7]}"#)
        #expect(good == CapacityStep(at: LocalTimeOfDay(hour: 19, minute: 30)!, capacity: 5, on: [.saturday, .sunday]))
        let negative = #expect(throws: DecodingError.self) {
            try Self.decode(CapacityStep.self, #"{"time": "19:30", "capacity": -2}"#)
        }
        #expect(Self.message(negative) == "must be a whole number >= 0, found -2")
        #expect(throws: DecodingError.self) { try Self.decode(CapacityStep.self, #"{"time": "19:30", "capacity": 2, "weekdays": []}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(CapacityStep.self, #"{"time": "19:30", "capacity": 2, "weekdays": [8]}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(CapacityStep.self, #"{"time": "24:00", "capacity": 2}"#) }
    }

    @Test("a local date-time refuses a 13th month, 30 February and hour 24")
    func localDateTime() throws {
        #expect(try Self.decode(LocalDateTime.self, #"{"year": 2024, "month": 2, "day": 29}"#).weekday == .thursday)
        for bad in [#"{"year": 2026, "month": 13, "day": 1}"#, #"{"year": 2026, "month": 2, "day": 30}"#,
                    #"{"year": 2026, "month": 1, "day": 1, "hour": 24}"#]
        {
            #expect(throws: DecodingError.self) { try Self.decode(LocalDateTime.self, bad) }
        }
    }
}

@Suite("record timestamps and simulation minutes")
struct EpochConversionTests {
    @Test("one conversion both ways: minute 0 is the clock's start; timestamps are minutes since 1970 UTC")
    func epochMinutes() throws {
        let clock = try SimulationClock(start: "2026-03-29T00:00", timeZone: "Europe/London")
        let start = clock.start.timeIntervalSince1970 / 60
        #expect(clock.epochMinute(atMinute: 0) == start)
        #expect(clock.minute(atEpochMinute: start + 90) == 90)
        #expect(clock.minute(atEpochMinute: clock.epochMinute(atMinute: 1234.5)) == 1234.5)
        // Across the change to summer time local clocks jump, epoch minutes do not.
        #expect(clock.localDateTime(atMinute: clock.minute(atEpochMinute: start + 120)).description == "2026-03-29T03:00")
        let same = SimulationClock(startEpochMinute: start, timeZone: clock.timeZone)
        #expect(same.start == clock.start)
    }
}
