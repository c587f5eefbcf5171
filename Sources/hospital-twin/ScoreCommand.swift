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
            lace needs los_days (decimal days), emergency_admission (true/false), charlson_index and ed_visits_6m; \
            it adds lace_l, lace_a, lace_c, lace_e and lace_total.
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

    func run() throws {
        let atomic: AtomicFile?
        do { atomic = try output.map { try AtomicFile(path: $0) } } catch {
            printError("cannot write \(output!): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let writer = CSVWriter(handle: atomic?.handle ?? FileHandle.standardOutput)
        let summary: ScoreRunSummary
        do {
            summary = try ScoreFiles.score(kind.kind, inputPath: file, into: writer) { printError($0) }
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
