import ArgumentParser
import CSVFiles
import Foundation
import PatientTwin
import Reports
import Scenario
import Simulation
import Workflows

struct Twins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Patient twins: generate episodes, fit a model, import Synthea, forecast patients.",
        subcommands: [Generate.self, Fit.self, ImportSynthea.self, Predict.self, Simulate.self, ExportModel.self])
}

/// Reads a twin model file, or the built-in model; reports problems and exits 2.
func loadModel(_ path: String?) throws -> TwinModel {
    guard let path else { return .builtIn }
    do { return try TwinModelFile.read(path: path) } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// Parses a date-time option ("2025-01-01", "2025-01-01T08:00", with Z or an offset; UTC when none).
func parseMinute(_ text: String, option: String) throws -> Double {
    guard let minute = RecordTime.epochMinute(parsing: text) else {
        throw ValidationError("\(option): expected a date-time such as 2025-01-01T08:00Z, found '\(text)'")
    }
    return minute
}

/// Parses a time-zone option (an IANA name).
func parseTimeZone(_ name: String, option: String = "--time-zone") throws -> TimeZone {
    guard let zone = TimeZone(identifier: name) else {
        throw ValidationError("\(option): unknown time zone '\(name)'; expected an IANA name such as Europe/London")
    }
    return zone
}

extension Twins {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic episodes drawn from a twin model (known parameters, for tests and demos).")

        @Option(help: "Patients (first admissions).")
        var patients: Int = 10_000

        @Option(help: "Days over which first admissions fall.")
        var days: Double = 365

        @Option(help: "First day, e.g. 2025-01-01.")
        var start: String = "2025-01-01"

        @Option(help: "Days of follow-up after the last first admission; the export is taken then.")
        var followUp: Double = 30

        @Option(help: "The master seed.")
        var seed: UInt64 = 1

        @Option(help: "Twin model file to draw from (default: the built-in model).")
        var model: String?

        @Option(name: .shortAndLong, help: "Episode file to write.")
        var output: String = "episodes.csv"

        func validate() throws {
            guard patients >= 1 else { throw ValidationError("--patients must be >= 1, found \(patients)") }
            guard days > 0 else { throw ValidationError("--days must be > 0, found \(days)") }
            guard followUp >= 0 else { throw ValidationError("--follow-up must be >= 0, found \(followUp)") }
            _ = try parseMinute(start, option: "--start")
        }

        func run() throws {
            let generator = try EpisodeGenerator(model: try loadModel(model))
            let rows = generator.generate(patients: patients, startMinute: try parseMinute(start, option: "--start"),
                                          days: days, followUpDays: followUp, seed: seed)
            try EpisodeFile.write(rows, to: output)
            let spells = Set(rows.map(\.spellID)).count
            printOut("wrote \(output): \(rows.count) stays in \(spells) spells of \(patients) patients")
        }
    }

    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a twin model to an episode export (one row per ward or unit stay).",
            discussion: """
                Sojourns by maximum likelihood with right-censoring (lognormal, gamma, Weibull; lowest AIC), moves \\
                by a smoothed multinomial logit, readmission by logistic regression on the LACE components. Writes \\
                the model (JSON, versioned) and a Markdown fit report. The episode format is in Docs/PATIENT-TWINS.md.
                """)

        @Argument(help: "The episode CSV file.")
        var episodes: String

        @Option(name: .shortAndLong, help: "Model file to write.")
        var output: String = "twin-model.json"

        @Option(help: "Fit report to write (Markdown).")
        var report: String = "twin-fit-report.md"

        @Option(help: "When the export was taken (stays open then are censored there); default: the latest time in the file.")
        var exportDate: String?

        @Option(help: "Model whose values stand where data are thin (default: the built-in model).")
        var base: String?

        @Option(help: "Ended stays a state needs before its sojourn is fitted.")
        var minimumStays: Int = 20

        @Option(help: "The hospital's time zone (IANA name): LACE counts calendar days of stay in it.")
        var timeZone: String = "UTC"

        @Flag(help: "Also keep the fitted model and its report in the database (as does giving --database-url).")
        var store = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if let exportDate { _ = try parseMinute(exportDate, option: "--export-date") }
            _ = try parseTimeZone(timeZone)
            guard minimumStays >= 2 else { throw ValidationError("--minimum-stays must be >= 2, found \(minimumStays)") }
        }

        func run() throws {
            let spells: [Spell]
            switch Result(catching: { () throws(EpisodeFileError) -> [Spell] in
                try EpisodeFile.spells(from: try EpisodeFile.read(path: episodes), file: episodes)
            }) {
            case .success(let value):
                spells = value
            case .failure(let error):
                printError(error.description)
                throw ExitCode(2)
            }
            guard !spells.isEmpty else {
                printError("\(episodes): no spells to fit")
                throw ExitCode(2)
            }
            var options = FitOptions()
            options.exportMinute = try exportDate.map { try parseMinute($0, option: "--export-date") }
            options.base = try loadModel(base)
            options.minimumStays = minimumStays
            options.timeZone = try parseTimeZone(timeZone)
            let started = ContinuousClock.now
            let result = ModelFitter.fit(spells, source: episodes, options: options)
            try TwinModelFile.write(result.model, to: output)
            let markdown = AtomicFileText(path: report)
            try markdown.write(FitReportFormatter.markdown(result.report))
            let fitted = result.report.states.filter { $0.chosen != nil }.count
            printOut("fitted \(spells.count) spells of \(result.report.patients) patients in "
                + "\(Int((ContinuousClock.now - started).components.seconds)) s: sojourns for \(fitted) of "
                + "\(result.report.states.count) pathway states, readmission on \(result.report.readmissionDischarges) discharges")
            if let hl = result.report.hosmerLemeshow {
                printOut("readmission calibration: Hosmer-Lemeshow chi2 = \(hl.statistic.formatted(significantDigits: 3)), "
                    + "p = \(hl.pValue.formatted(significantDigits: 2))")
            }
            printOut("wrote \(output) and \(report)")
            guard store || database.databaseURL != nil else { return }
            let runStore = try database.openStore()
            let stored = try storeCall {
                try runStore.storeTwinModel(json: try String(contentsOfFile: output, encoding: .utf8),
                                            report: try String(contentsOfFile: report, encoding: .utf8),
                                            source: URL(fileURLWithPath: episodes).standardizedFileURL.path,
                                            spells: spells.count)
            }
            printOut(stored.isNew ? "stored twin model \(stored.id)" : "this model is already stored, as twin model \(stored.id)")
        }
    }

    struct ImportSynthea: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-synthea",
            abstract: "Turn a Synthea CSV export into an episode file and an observation file.")

        @Argument(help: "The directory with patients.csv, encounters.csv, conditions.csv, observations.csv.")
        var directory: String

        @Option(name: .shortAndLong, help: "Episode file to write.")
        var output: String = "episodes.csv"

        @Option(help: "Observation file to write (vital signs and procedures).")
        var observations: String = "observations.csv"

        func run() throws {
            let imported: SyntheaImport
            do { imported = try SyntheaImporter.importExport(directory: directory) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            try EpisodeFile.write(imported.episodes, to: output)
            try ObservationFile.write(imported.observations, to: observations)
            imported.warnings.forEach(printError)
            printOut("wrote \(output): \(imported.episodes.count) stays in \(imported.spells) spells of "
                + "\(imported.patients) patients; \(observations): \(imported.observations.count) observations")
            if !imported.warnings.isEmpty { throw ExitCode(1) }
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forecast every patient in hospital: remaining stay, escalation, death, readmission.",
            discussion: """
                The episode file is a census: the patients in hospital at the forecast's time are those admitted by \
                then and not yet discharged. That time is --at, or by default the latest time anywhere in the files \
                (a stay's start or end, an observation): when the export was taken. Everything after it is unseen, \
                so a backtest with --at sees only what was known then. Observations (vital signs, complete or \
                partial, or a news2 column) update the twins first, so a new observation changes the prediction. \
                With --live the patients are those of the feed's event log at --at (default now), placed by the \
                scenario's locations: and forecast with its twin model and stay_scale, under the census's ids \
                (hospital-twin census shows the same census); the ED's patients before a decision to admit have none.
                """)

        @Argument(help: "Episode CSV file; with --live, the scenario.")
        var episodes: String

        @Flag(help: "Forecast the patients in hospital by the feed's event log (the argument is then the scenario).")
        var live = false

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Observation CSV file to apply first.")
        var observations: String?

        @Option(help: "Twin model file (default: the built-in model).")
        var model: String?

        @Option(help: "Forecast as of this time (default: the latest time anywhere in the files).")
        var at: String?

        @Option(help: "The hospital's time zone (IANA name): LACE counts calendar days of stay in it.")
        var timeZone: String = "UTC"

        @Option(help: "Trajectories drawn per patient.")
        var samples: Int = LiveTwins.defaultSamples

        @Option(help: "The master seed.")
        var seed: UInt64 = 1

        @Option(help: "Worker threads (default: every core). Results do not depend on it.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(name: .shortAndLong, help: "Write the forecasts here instead of standard output.")
        var output: String?

        func validate() throws {
            guard (10...LiveTwins.sampleLimit).contains(samples) else {
                throw ValidationError("--samples must be from 10 to \(LiveTwins.sampleLimit), found \(samples)")
            }
            guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
            if let at { _ = try parseMinute(at, option: "--at") }
            _ = try parseTimeZone(timeZone)
        }

        func run() throws {
            if live { return try runLive() }
            try checkOutput(output, inputs: [episodes] + [observations, model].compactMap { $0 }, writing: "the forecasts")
            let predictor = try TrajectoryPredictor(model: try loadModel(model), timeZone: try parseTimeZone(timeZone))
            var problems = 0
            let census: TwinCensus
            let forecasts: [TwinForecast]
            do {
                census = try TwinForecasts.census(episodesPath: episodes, observationsPath: observations,
                                                  at: try at.map { try parseMinute($0, option: "--at") }) { message in
                    problems += 1
                    printError(message)
                }
                forecasts = try TwinForecasts.forecast(census, predictor: predictor, samples: samples, seed: seed,
                                                       threads: threads)
            } catch {
                printError(String(describing: error))
                throw ExitCode(2)
            }
            let file = try output.map { try AtomicFile(path: $0) }
            TwinReports.writeForecasts(forecasts, census: census,
                                       to: CSVWriter(handle: file?.handle ?? FileHandle.standardOutput))
            try file?.commit()
            if let observations, let note = census.observations?.partialSetsNote(file: observations) { printError(note) }
            printError("forecast as of \(RecordTime.format(census.minute))"
                + (at == nil ? " (the latest time in the files)" : "") + ": \(forecasts.count) patients in hospital"
                + (output.map { "; wrote \($0)" } ?? ""))
            if problems > 0 { throw ExitCode(1) }
        }

        /// The feed's live census, each patient's twin forecast.
        func runLive() throws {
            if observations != nil { throw ValidationError("--observations is for episode files; --live reads the feed's observations") }
            let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(episodes) }
            let localAt = try at.map { text -> String in
                guard LocalDateTime(parsing: text) != nil else {
                    throw ValidationError("--at with --live is a local time YYYY-MM-DDTHH:MM, found '\(text)'")
                }
                return text
            }
            try checkOutput(output, inputs: [episodes] + scenario.sourceFiles + [model, scenario.twinModelFile].compactMap { $0 },
                            writing: "the forecasts")
            let destination = try output.map { try AtomicFile(path: $0) }
            let (live, minute, events) = try readLiveCensus(scenario, file: episodes, at: localAt, database: database)
            let twinModel = try model.map { try loadModel($0) }
            let forecasts = try CommandWorkflow.perform { _ in
                try LiveTwins.forecast(live, at: minute, scenario: scenario, model: twinModel, samples: samples, seed: seed, threads: threads)
            }
            TwinReports.writeForecasts(forecasts.map(\.forecast), patientIDs: forecasts.map(\.patientID),
                                       to: CSVWriter(handle: destination?.handle ?? FileHandle.standardOutput))
            try destination?.commit()
            printError("forecast as of \(RecordTime.format(minute)) from \(events) events: \(forecasts.count) admitted patients "
                + "(the ED's patients before a decision to admit have no forecast)"
                + (output.map { "; wrote \($0)" } ?? ""))
        }
    }
}

extension Twins {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow twins through time on the simulation kernel, without capacity limits.",
            discussion: """
                New patients arrive as a Poisson process; each twin draws a stay when it enters a unit and moves \
                on when the stay ends; a midnight census (local time) counts the beds in use by type; a discharged \
                twin may be readmitted and comes back as an emergency arrival carrying its history. With --census, \
                the patients in hospital in an episode file start the run, as of --at or the latest time anywhere \
                in the files. Writes the census as CSV.
                """)

        @Option(help: "Episode file whose patients in hospital start the run.")
        var census: String?

        @Option(help: "Observation file to apply to the census twins first.")
        var observations: String?

        @Option(help: "Twin model file (default: the built-in model).")
        var model: String?

        @Option(help: "New admissions per day.")
        var admissionsPerDay: Double = 60

        @Option(help: "Days to simulate.")
        var days: Int = 90

        @Option(help: "Start (default: the census time, or 2026-01-05T00:00Z).")
        var start: String?

        @Option(help: "With --census: the census as of this time (default: the latest time anywhere in the files).")
        var at: String?

        @Option(help: "Time zone of the midnight census and of LACE's calendar days (IANA name).")
        var timeZone: String = "Europe/London"

        @Option(help: "The master seed.")
        var seed: UInt64 = 1

        @Option(name: .shortAndLong, help: "Census CSV to write (default: standard output).")
        var output: String?

        func validate() throws {
            guard admissionsPerDay >= 0 else { throw ValidationError("--admissions-per-day must be >= 0, found \(admissionsPerDay)") }
            guard days >= 1 else { throw ValidationError("--days must be >= 1, found \(days)") }
            _ = try parseTimeZone(timeZone)
            if let start { _ = try parseMinute(start, option: "--start") }
            if let at { _ = try parseMinute(at, option: "--at") }
            if at != nil && census == nil { throw ValidationError("--at needs --census") }
        }

        func run() throws {
            let twinModel = try loadModel(model)
            let zone = try parseTimeZone(timeZone)
            let predictor = try TrajectoryPredictor(model: twinModel, timeZone: zone)
            var twins: [PatientTwin] = []
            var startMinute = try start.map { try parseMinute($0, option: "--start") }
                ?? RecordTime.epochMinute(parsing: "2026-01-05T00:00Z")!
            if let census {
                do {
                    let loaded = try TwinForecasts.census(episodesPath: census, observationsPath: observations,
                                                          at: try at.map { try parseMinute($0, option: "--at") }) {
                        printError($0)
                    }
                    twins = loaded.patients.map(\.twin)
                    if start == nil { startMinute = loaded.minute }
                } catch {
                    printError(String(describing: error))
                    throw ExitCode(2)
                }
            }
            var options = CohortOptions()
            options.admissionsPerDay = admissionsPerDay
            options.days = days
            options.seed = seed
            let result = try TwinCohortSimulation.run(
                census: twins, clock: SimulationClock(startEpochMinute: startMinute, timeZone: zone), predictor: predictor,
                generator: try EpisodeGenerator(model: twinModel, timeZone: zone), options: options)
            let file = try output.map { try AtomicFile(path: $0) }
            TwinReports.writeCensus(result.midnightCensus, to: CSVWriter(handle: file?.handle ?? FileHandle.standardOutput))
            try file?.commit()
            result.failures.forEach(printError)
            printError(TwinReports.cohortSummary(result, start: startMinute, censusSize: twins.count))
            if !result.failures.isEmpty { throw ExitCode(1) }
        }
    }

    struct ExportModel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-model",
            abstract: "Write the built-in twin model as a model file, to read or edit.")

        @Option(name: .shortAndLong, help: "Model file to write.")
        var output: String = "twin-model.json"

        func run() throws {
            try TwinModelFile.write(.builtIn, to: output)
            printOut("wrote \(output)")
        }
    }
}

/// Writes text to a file completely or not at all.
struct AtomicFileText {
    let path: String

    func write(_ text: String) throws {
        let file = try AtomicFile(path: path)
        file.write(text)
        try file.commit()
    }
}
