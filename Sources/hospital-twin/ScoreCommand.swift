import ArgumentParser
import CSVFiles
import Foundation
import PatientTwin

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV file row by row with NEWS2 or LACE.",
        discussion: """
            news2 needs columns respiration_rate, spo2, spo2_scale (1 or 2), on_oxygen (true/false), systolic_bp, \
            pulse, consciousness (A, C, V, P or U) and temperature (degrees C); it adds news2_respiration_rate, \
            news2_spo2, news2_oxygen, news2_systolic_bp, news2_pulse, news2_consciousness, news2_temperature, \
            news2_total and news2_band (low, low-medium, medium, high).
            lace needs emergency_admission (true/false), charlson_index, ed_visits_6m and the length of stay: \
            either admitted_at and discharged_at (ISO 8601; L counts calendar days between the two dates in \
            --time-zone, as administrative data do: 22:00 to 08:00 the next day is 1 day; a time without an \
            offset is read as local time there) or los_days (decimal days; L counts completed days). It adds \
            lace_l, lace_a, lace_c, lace_e and lace_total. Booleans may be written true/false, yes/no, y/n or 1/0.
            Columns may come in any order; other columns pass through. A malformed row is reported on standard \
            error with its line and column and left out; every valid row is still scored, and the exit status is \
            1 if any row was malformed (2 if the file could not be scored at all).
            """)

    @Argument(help: "The score: news2 or lace.")
    var kind: ScoreKindArgument

    @Argument(help: "The CSV file to score.")
    var file: String

    @Option(name: .shortAndLong, help: "Write the scored CSV here (written whole or not at all) instead of standard output.")
    var output: String?

    @Option(help: "The hospital's time zone (IANA name), for LACE from admitted_at and discharged_at.")
    var timeZone: String = "UTC"

    func validate() throws { _ = try parseTimeZone(timeZone) }

    func run() throws {
        let atomic: AtomicFile?
        do { atomic = try output.map { try AtomicFile(path: $0) } } catch {
            printError(error.localizedDescription)
            throw ExitCode(2)
        }
        let writer = CSVWriter(handle: atomic?.handle ?? FileHandle.standardOutput)
        let summary: ScoreRunSummary
        let zone = try parseTimeZone(timeZone)
        do {
            summary = try ScoreFiles.score(kind.kind, inputPath: file, timeZone: zone, into: writer) { printError($0) }
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        if let atomic { try atomic.commit() }
        if summary.failed > 0 {
            printError("scored \(summary.scored) of \(summary.rows) rows; \(summary.failed) malformed row(s) left out")
            throw ExitCode(1)
        }
    }
}

struct ScoreKindArgument: ExpressibleByArgument {
    let kind: ScoreKind

    init?(argument: String) {
        guard let kind = ScoreKind(rawValue: argument.lowercased()) else { return nil }
        self.kind = kind
    }

    static var allValueStrings: [String] { ScoreKind.allCases.map(\.rawValue) }
}
