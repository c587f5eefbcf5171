import Foundation
import Logging

/// Structured logs for a log collector: each entry one line of JSON on standard error — `time` (ISO 8601, UTC, with
/// milliseconds), `level`, `label` (the logger: `hospital-twin.jobs`, `Hummingbird`), `message`, and the entry's
/// metadata as members of `metadata` (`job`, `kind`, `runs`, `seconds`, `error`…). `serve --log-format json` installs it.
public struct JSONLogHandler: LogHandler {
    /// Metadata every entry of this logger carries.
    public var metadata: Logger.Metadata = [:]
    /// The least level written (info by default).
    public var logLevel: Logger.Level = .info
    let label: String

    /// A handler for the logger `label`.
    public init(label: String) { self.label = label }

    /// One member of `metadata`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line of JSON.
    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        var entry: [String: Any] = ["time": Self.timestamp(Date()), "level": event.level.rawValue, "label": label,
                                    "message": event.message.description]
        if let error = event.error { entry["error"] = "\(error)" }
        if !all.isEmpty { entry["metadata"] = all.mapValues(Self.value) }
        // A message is text and metadata values are text, lists and dictionaries of text: always serialisable.
        guard var line = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.output.withLock { FileHandle.standardError.write(line) }
    }

    /// One writer at a time, so that lines from several threads never interleave.
    static let output = NSLock()

    static func value(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let item): item.description
        case .array(let items): items.map(Self.value)
        case .dictionary(let members): members.mapValues(Self.value)
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
