import Foundation

/// The documented JSON form of results — a run's KPIs and summaries, comparisons, forecasts, cost reports — the
/// one wire format `--format json`, run archives and the store's KPI rows share: snake_case keys, sorted, slashes
/// unescaped, NaN and infinities as the strings "nan", "inf" and "-inf", so the same result always prints the
/// same bytes. The values say what they hold (their `Codable` conformances, columnar where a table is large);
/// this says how it is written.
public enum ResultJSON {
    /// The encoder of the form.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return encoder
    }

    /// The decoder of the form.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        return decoder
    }
}
