/// An NHS number: ten digits whose last is a modulus-11 check digit (NHS Data Dictionary, "NHS Number").
public struct NHSNumber: Sendable, Hashable, CustomStringConvertible {
    /// The ten digits, without spaces.
    public let digits: String

    /// Reads "943 476 5919", "943-476-5919" or "9434765919"; nil unless ten digits whose check digit holds: the
    /// first nine weighted 10 down to 2, summed, 11 − (sum mod 11) is the tenth (11 reads as 0; 10 is never valid).
    public init?(_ text: String) {
        let digits = text.filter { $0 != " " && $0 != "-" }
        guard digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let values = digits.compactMap { $0.wholeNumberValue }
        let sum = zip(values.prefix(9), stride(from: 10, through: 2, by: -1)).reduce(0) { $0 + $1.0 * $1.1 }
        var check = 11 - sum % 11
        if check == 11 { check = 0 }
        guard check != 10, check == values[9] else { return nil }
        self.digits = digits
    }

    /// The ten digits.
    public var description: String { digits }
}

/// An HL7 date and time (DTM, and TS's first component): YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ], to the precision
/// given. Without an offset it is the sender's local time, which the receiver's time zone reads.
public struct HL7DateTime: Sendable, Hashable {
    /// The year, four digits.
    public let year: Int
    /// 1–12 (1 when not given).
    public let month: Int
    /// 1–31 (1 when not given).
    public let day: Int
    /// 0–23 (0 when not given).
    public let hour: Int
    /// 0–59 (0 when not given).
    public let minute: Int
    /// Seconds with any fraction, 0 ≤ second < 60.
    public let second: Double
    /// Minutes east of UTC when the value carries an offset (+0100 → 60), else nil.
    public let utcOffsetMinutes: Int?

    /// Parses `text`; nil when it is not a DTM (a month 13, a 30 February, letters, a fraction without seconds).
    public init?(_ text: String) {
        var body = Substring(text)
        var offset: Int?
        if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = body[body.index(after: sign)...]
            guard zone.count == 4, zone.allSatisfy({ $0.isASCII && $0.isNumber }), let hh = Int(zone.prefix(2)),
                  let mm = Int(zone.suffix(2)), hh <= 14, mm < 60
            else { return nil }
            offset = (hh * 60 + mm) * (body[sign] == "-" ? -1 : 1)
            body = body[..<sign]
        }
        var fraction = 0.0
        if let dot = body.firstIndex(of: ".") {
            let digits = body[body.index(after: dot)...]
            guard body.distance(from: body.startIndex, to: dot) == 14, (1...4).contains(digits.count),
                  digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Double("0." + digits)
            else { return nil }
            fraction = value
            body = body[..<dot]
        }
        guard [4, 6, 8, 10, 12, 14].contains(body.count), body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        func part(_ from: Int, _ length: Int, default value: Int) -> Int {
            guard body.count >= from + length else { return value }
            let start = body.index(body.startIndex, offsetBy: from)
            return Int(body[start..<body.index(start, offsetBy: length)]) ?? value
        }
        let year = part(0, 4, default: 0), month = part(4, 2, default: 1), day = part(6, 2, default: 1)
        let hour = part(8, 2, default: 0), minute = part(10, 2, default: 0), second = part(12, 2, default: 0)
        guard (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year), hour < 24, minute < 60,
              second < 60
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = Double(second) + fraction
        self.utcOffsetMinutes = offset
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Minutes since 1970-01-01T00:00 in the value's own wall-clock time (its offset not applied).
    public var localMinutesSinceEpoch: Double {
        // Days from the civil date (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 1440 + hour * 60 + minute) + second / 60
    }

    /// Minutes since 1970 UTC when the value carries an offset, else nil (the receiver's time zone must say).
    public var utcMinutesSinceEpoch: Double? {
        utcOffsetMinutes.map { localMinutesSinceEpoch - Double($0) }
    }
}

extension HL7DateTime {
    /// `epochMinute` (UTC) written as a DTM in the local time `utcOffsetMinutes` from UTC, to the nearest
    /// ten-thousandth of a second, with its offset: `YYYYMMDDHHMMSS.SSSS+ZZZZ`. Reading it back gives the minute
    /// within half of 1/600,000 of a minute; a minute that is a whole number of ten-thousandths comes back as it was.
    public static func text(epochMinute: Double, utcOffsetMinutes: Int) -> String {
        let ticks = Int64((epochMinute * 600_000).rounded()) + Int64(utcOffsetMinutes) * 600_000
        let perDay: Int64 = 1440 * 600_000
        let days = ticks >= 0 ? ticks / perDay : (ticks - perDay + 1) / perDay
        var rest = ticks - days * perDay
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let hour = rest / (60 * 600_000)
        rest -= hour * 60 * 600_000
        let minute = rest / 600_000
        rest -= minute * 600_000
        let second = rest / 10_000, fraction = rest % 10_000
        let offset = abs(utcOffsetMinutes)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(hour, 2) + pad(minute, 2) + pad(second, 2) + "."
            + pad(fraction, 4) + (utcOffsetMinutes < 0 ? "-" : "+") + pad(Int64(offset / 60), 2) + pad(Int64(offset % 60), 2)
    }
}
