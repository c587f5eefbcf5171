import Foundation
import Simulation

/// How records (episode, observation, census and score files) write time: ISO 8601 date-times, held in memory as
/// minutes since 1970-01-01 00:00 UTC ("epoch minutes"). The one reader and writer of timestamps in files; the
/// conversion to simulation minutes is `SimulationClock.minute(atEpochMinute:)`.
public enum RecordTime {
    /// UTC, the zone a timestamp without an offset is read in unless a file's format says otherwise.
    public static let utc = TimeZone(identifier: "UTC")!

    /// What a timestamp field must look like, for messages.
    public static let expected = "a date-time such as 2024-03-01T10:20:00Z"

    /// Parses "2024-03-01T10:20:00Z", with an offset ("+01:00", "+0100"), with fractional seconds, with a space for
    /// the T, or without a zone — a wall-clock time, read in `zone` (UTC unless told) — or a date alone (its
    /// midnight). Returns epoch minutes, or nil when the text is not such a date-time.
    public static func epochMinute(parsing text: String, naiveIn zone: TimeZone = utc) -> Double? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var offsetMinutes: Double?
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            body = body.dropLast()
            offsetMinutes = 0
        } else if body.count > 16, let signIndex = body.lastIndex(where: { $0 == "+" || $0 == "-" }),
                  body.distance(from: body.startIndex, to: signIndex) >= 16
        {
            let zoneText = body[body.index(after: signIndex)...].replacingOccurrences(of: ":", with: "")
            guard zoneText.count == 4, let hours = Int(zoneText.prefix(2)), let minutes = Int(zoneText.suffix(2)),
                  hours <= 14, minutes < 60
            else { return nil }
            offsetMinutes = Double(hours * 60 + minutes) * (body[signIndex] == "-" ? -1 : 1)
            body = body[..<signIndex]
        }
        guard let wall = LocalDateTime(parsing: String(body)) else { return nil }
        let local = wall.localMinutesSinceEpoch
        if let offsetMinutes { return local - offsetMinutes }
        return epochMinute(ofWallClock: local, in: zone)
    }

    /// The epoch minute at which clocks in `zone` show `localMinutes` (wall-clock minutes since 1970-01-01 00:00).
    /// A wall-clock time skipped by a change to summer time maps past the jump; a repeated one to its first
    /// occurrence.
    public static func epochMinute(ofWallClock localMinutes: Double, in zone: TimeZone) -> Double {
        if zone.identifier == "UTC" || zone.identifier == "GMT" { return localMinutes }
        func offset(at epochMinute: Double) -> Double {
            Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: epochMinute * 60))) / 60
        }
        let guess = localMinutes - offset(at: localMinutes)
        let first = localMinutes - offset(at: guess - 180)
        if first + offset(at: first) == localMinutes { return first }
        return localMinutes - offset(at: guess)
    }

    /// "2024-03-01T10:20:00Z", to the second.
    public static func format(_ epochMinute: Double) -> String {
        let seconds = Int((epochMinute * 60).rounded())
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let date = LocalDateTime(localMinutesSinceEpoch: Double(days) * 1440)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", date.year, date.month, date.day, secondOfDay / 3600,
                      secondOfDay / 60 % 60, secondOfDay % 60)
    }

    /// The wall-clock time of an instant in `zone`: minutes since 1970-01-01 00:00 local.
    public static func localMinute(ofEpochMinute epochMinute: Double, in zone: TimeZone) -> Double {
        epochMinute + Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: epochMinute * 60))) / 60
    }

    /// The local calendar day of an instant in `zone`, counted from 1970-01-01.
    public static func localDay(ofEpochMinute epochMinute: Double, in zone: TimeZone) -> Int {
        Int((localMinute(ofEpochMinute: epochMinute, in: zone) / 1440).rounded(.down))
    }

    /// Calendar days from the date of `start` to the date of `end` in `zone`, as administrative data count a
    /// length of stay: admitted 22:00, discharged 08:00 the next day is 1 day; admitted and discharged the same
    /// day is 0.
    public static func calendarDays(from start: Double, to end: Double, in zone: TimeZone) -> Int {
        localDay(ofEpochMinute: end, in: zone) - localDay(ofEpochMinute: start, in: zone)
    }
}
