import Foundation

extension Double {
    /// The value with `digits` significant digits, without an exponent for everyday magnitudes (10^-4 up to
    /// 10^15): 0.07277, 1234, 0.0031. "nan", "inf" and "-inf" for the non-finite values.
    public func formatted(significantDigits digits: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self > 0 ? "inf" : "-inf") }
        if self == 0 { return "0" }
        let magnitude = Int(Foundation.floor(Foundation.log10(abs(self))))
        if magnitude < -4 || magnitude >= 15 { return String(format: "%.\(max(0, digits - 1))e", self) }
        let decimals = max(0, digits - 1 - magnitude)
        return String(format: "%.\(decimals)f", self)
    }

    /// A cell for a table: `formatted(significantDigits:)` for finite values, "–" for the rest.
    public func cell(_ digits: Int = 3) -> String {
        isFinite ? formatted(significantDigits: digits) : "–"
    }
}
