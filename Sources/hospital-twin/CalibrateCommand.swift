import ArgumentParser
import CSVFiles
import Feed
import HospitalModel
import Foundation
import PatientTwin
import Reports
import Scenario
import Simulation
import Workflows

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Learn the hospital from the feed's event log: a scenario extending the base, a twin model, and the evidence.",
        discussion: """
            Between --from and --to (local dates, whole days) the event log gives the ED's arrivals (fitted by hour of \
            the week, with a yearly term and a trend where the history is long enough and the test says so), the share \
            admitted and the emergency pathways' mix, each unit type's stays and the moves between them (fitted as \
            `twins fit` fits, stays open at --to censored), discharges by hour and weekday, and readmissions. It writes \
            -o, a scenario that extends --base (its units, rosters, theatres and costs stay the base's), and a twin \
            model file beside it; then runs the written scenario over the window and holds its midnight census against \
            the log's, scaling every stay once so that the general and acute means agree. The report (table, JSON or \
            CSV, and --html) gives each choice's evidence (Docs/CALIBRATION.md).
            """)

    @Option(help: "The window's first local date (YYYY-MM-DD).")
    var from: String

    @Option(help: "The window's last local date (YYYY-MM-DD).")
    var to: String

    @Option(help: "The scenario calibrated: its units, locations, rosters, theatres and costs stay; the file written extends it.")
    var base: String = "scenarios/general-hospital.yaml"

    @Option(name: [.customShort("o"), .long], help: "The calibrated scenario to write (.yaml).")
    var output: String

    @Option(help: "The twin model file to write (default: beside -o, named after it, .twin-model.json).")
    var model: String?

    @Flag(help: "Replace -o and --model if they exist (otherwise an existing file is never overwritten).")
    var replace = false

    @Option(help: "table, json or csv (the report on standard output, or in --report).")
    var format: OutputFormat = .table

    @Option(help: "Write the report here (whole or not at all) instead of standard output.")
    var report: String?

    @Option(help: "Also write the report as a self-contained HTML page here.")
    var html: String?

    @Option(help: "Replications of the census check (2-1000).")
    var replications: Int = 10

    @Option(help: "The census check's master seed (default: the base's run.seed).")
    var seed: UInt64?

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var database: DatabaseOptions

    /// The longest window: ten years.
    static let dayLimit = 3_653

    var modelPath: String {
        model ?? URL(fileURLWithPath: output).deletingPathExtension().path + ".twin-model.json"
    }

    func validate() throws {
        guard let first = ForecastStart.date(from) else { throw ValidationError("--from must be a date YYYY-MM-DD, found '\(from)'") }
        guard let last = ForecastStart.date(to) else { throw ValidationError("--to must be a date YYYY-MM-DD, found '\(to)'") }
        guard first.localMinutesSinceEpoch <= last.localMinutesSinceEpoch else { throw ValidationError("--from \(from) is after --to \(to)") }
        let days = Int((last.localMinutesSinceEpoch - first.localMinutesSinceEpoch) / 1440) + 1
        guard days <= Self.dayLimit else { throw ValidationError("--from to --to is \(days) days; at most \(Self.dayLimit)") }
        guard ["yaml", "yml"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) else {
            throw ValidationError("-o must name a scenario file ending .yaml or .yml, found '\(output)'")
        }
        guard (2...1_000).contains(replications) else {
            throw ValidationError("--replications must be from 2 to 1000, found \(replications)")
        }
        guard (1...ReplicationOptions.threadLimit).contains(threads) else {
            throw ValidationError("--threads must be from 1 to \(ReplicationOptions.threadLimit), found \(threads)")
        }
    }

    /// Refuses, before any work, outputs that would destroy an input, name one file twice, overwrite a file without
    /// --replace, or cannot be written.
    func checkDestinations(inputs: [String]) throws {
        let outputs = [("-o", output), ("--model", modelPath)] + [("--report", report), ("--html", html)]
            .compactMap { option, path in path.map { (option, $0) } }
        var problems: [String] = []
        for (i, (option, path)) in outputs.enumerated() {
            if let earlier = outputs[..<i].first(where: { FileIdentity($0.1) == FileIdentity(path) }) {
                problems.append("\(option) and \(earlier.0) name the same file (\(path)): give each its own")
                continue
            }
            if let input = inputs.first(where: { FileIdentity($0) == FileIdentity(path) }) {
                problems.append("\(option) \(path) is \(input), an input of this command: writing there would destroy it")
                continue
            }
            if i < 2, !replace, FileManager.default.fileExists(atPath: path) {
                problems.append("\(option) \(path) exists: choose another name, or pass --replace to overwrite it")
                continue
            }
            if let problem = FileIdentity.cannotWrite(path) { problems.append("\(option) \(path): \(problem)") }
        }
        guard problems.isEmpty else {
            for problem in problems { printError(problem) }
            printError("nothing was calibrated")
            throw ExitCode(2)
        }
    }

    func run() throws {
        let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(base) }
        try checkDestinations(inputs: [base] + scenario.sourceFiles)
        var request = CalibrationRequest(from: ForecastStart.date(from)!, to: ForecastStart.date(to)!)
        request.threads = threads
        let zone = scenario.configuration.timeZone
        let through = ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: request.to.localMinutesSinceEpoch + 2 * 1440),
                                                in: zone)
        let started = Date()
        let events = try readFeedLog(database, timeZone: zone, through: through)
        let calibration = try CommandWorkflow.perform { observer in
            try Calibrating.run(scenario, file: base, events: events, request: request, observer: observer)
        }
        printError("fitted \(calibration.fit.report.spells) admitted spells and \(calibration.arrivals.total) attendances "
            + "in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")

        // The scenario and model are first written to hidden files beside -o (so the relative paths they name hold),
        // checked, rescaled, and only then moved into place, each whole.
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        let draft = URL(fileURLWithPath: directory).appendingPathComponent(".\(URL(fileURLWithPath: output).lastPathComponent).\(getpid()).draft.yaml").path
        // The drafts are this process's own files: removing them cannot lose anything of the user's.
        defer { try? FileManager.default.removeItem(atPath: draft) }
        let draftModel = URL(fileURLWithPath: directory).appendingPathComponent(".\(URL(fileURLWithPath: modelPath).lastPathComponent).\(getpid()).draft.json").path
        defer { try? FileManager.default.removeItem(atPath: draftModel) }
        let modelName = relativePath(of: modelPath, from: directory)
        let baseName = relativePath(of: base, from: directory)
        let name = URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent
        func writeModel(to path: String, stayScale: Double, factors: [Pathway: [CareState: Double]], criticalCare: Double) throws {
            do { try TwinModelFile.write(calibration.model(stayScale: stayScale, factors: factors, criticalCare: criticalCare), to: path) } catch {
                printError("\(path): cannot write the twin model: \(error)")
                throw ExitCode(2)
            }
        }
        let (scale, criticalCare, bedWaits, factors, ratios, criticalCareRatios, check) = try CommandWorkflow.perform { observer in
            try Calibrating.fitStayScale(calibration, events: events, request: request, replications: replications, seed: seed,
                                         observer: observer) { (scale: Double, criticalCare: Double, factors: [Pathway: [CareState: Double]]) throws(WorkflowError) -> (Scenario, String) in
                do { try TwinModelFile.write(calibration.model(stayScale: scale, factors: factors, criticalCare: criticalCare), to: draftModel) } catch {
                    throw WorkflowError(.input, "\(draftModel): cannot write the draft twin model: \(error)")
                }
                let text = calibration.scenarioText(name: name, base: baseName, twinModel: URL(fileURLWithPath: draftModel).lastPathComponent,
                                                    stayScale: scale)
                do {
                    let file = try AtomicFile(path: draft)
                    file.write(text)
                    try file.commit()
                } catch {
                    throw WorkflowError(.input, "\(draft): cannot write the draft scenario: \(error)")
                }
                return (try Inputs.scenario(draft), output)
            }
        }
        printError("census check: general and acute observed over simulated mean " + ratios.map { String(format: "%.3f", $0) }
            .joined(separator: ", then ") + String(format: "; stay scale %.3f", scale)
            + (criticalCareRatios.isEmpty ? "" : "; critical care observed over simulated mean "
                + criticalCareRatios.map { String(format: "%.3f", $0) }.joined(separator: ", then ")
                + String(format: ": its stays × %.3f", criticalCare)))
        let spread = Calibrating.stayScaleSpread(check)
        printError(String(format: "the window's mean general and acute census varies by %.2f%% between the check's replications: "
            + "stay_scale_spread %.4f", 100 * spread, spread))
        let text = calibration.scenarioText(name: name, base: baseName, twinModel: modelName, stayScale: scale, stayScaleSpread: spread)
        try writeModel(to: modelPath, stayScale: scale, factors: factors, criticalCare: criticalCare)
        try writeWhole(text, to: output)
        printError("wrote \(output) and \(modelPath)")
        let outcome = CalibrationOutcome(calibration: calibration, baseName: scenario.name, baseFile: base, scenarioFile: output,
                                         modelFile: modelPath, stayScale: scale, ratios: ratios, check: check, bedWaits: bedWaits,
                                         criticalCare: criticalCare, criticalCareRatios: criticalCareRatios, stayScaleSpread: spread)
        try ReportOptions.write(.calibration(outcome), format: format, to: report, html: html)
    }

    func writeWhole(_ text: String, to path: String) throws {
        do {
            let file = try AtomicFile(path: path)
            file.write(text)
            try file.commit()
        } catch {
            printError("\(path): cannot write: \(error)")
            throw ExitCode(2)
        }
    }

    /// `path` relative to `directory` (both made absolute), with `..` where needed.
    func relativePath(of path: String, from directory: String) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let origin = URL(fileURLWithPath: directory).standardizedFileURL.pathComponents
        var common = 0
        while common < min(target.count, origin.count) - (target.count <= origin.count ? 1 : 0), target[common] == origin[common] {
            common += 1
        }
        let ups = [String](repeating: "..", count: origin.count - common)
        return (ups + target[common...]).joined(separator: "/")
    }
}
