import Foundation
import HospitalModel
import Scenario

/// What a caller may set over a scenario's run section; nil keeps the scenario's value.
public struct RunOverrides: Sendable, Hashable {
    /// Replications, ≥ 1.
    public var replications: Int?
    /// The master seed.
    public var seed: UInt64?
    /// Days simulated, ≥ 1.
    public var horizonDays: Int?
    /// Days before measuring, ≥ 0 and shorter than the horizon.
    public var warmUpDays: Int?

    /// The most replications a run takes (a forecast's bands need a few hundred; a comparison's intervals rarely
    /// more than a hundred).
    public static let replicationLimit = 100_000
    /// The longest horizon, days (a century).
    public static let horizonLimit = 36_500

    /// Overrides; none by default.
    public init(replications: Int? = nil, seed: UInt64? = nil, horizonDays: Int? = nil, warmUpDays: Int? = nil) {
        self.replications = replications
        self.seed = seed
        self.horizonDays = horizonDays
        self.warmUpDays = warmUpDays
    }

    /// The overrides over `scenario`'s run section. A horizon given without a warm-up shortens the scenario's
    /// warm-up to fit inside it. Throws an input error when the warm-up is not shorter than the horizon.
    public func plan(for scenario: Scenario) throws(WorkflowError) -> RunSettings {
        let horizon = horizonDays ?? scenario.run.horizonDays
        let warmUp = warmUpDays ?? (horizonDays.map { min(scenario.run.warmUpDays, $0 - 1) } ?? scenario.run.warmUpDays)
        guard warmUp < horizon else {
            throw WorkflowError(.input, "--warmup (\(warmUp) days) must be shorter than the horizon (\(horizon) days)")
        }
        return RunSettings(horizonDays: horizon, warmUpDays: warmUp, replications: replications ?? scenario.run.replications,
                           seed: seed ?? scenario.run.seed)
    }
}

extension RunSettings {
    /// "10 replications of 365 days, warm-up 28, seed 1".
    public var summary: String {
        "\(replications) replications of \(horizonDays) days, warm-up \(warmUpDays), seed \(seed)"
    }
}

/// A scenario ready to simulate: read, checked, its model compiled once (`PreparedHospital`), its plan fixed.
public struct PreparedScenario: Sendable {
    /// The scenario.
    public let scenario: Scenario
    /// The file it was read from, as the user named it (for messages).
    public let file: String
    /// How it runs.
    public let plan: RunSettings
    /// The compiled model, built once per run.
    public let hospital: PreparedHospital

    /// Prepares `scenario` (read from `file`) to run as `plan`; throws an input error naming the file when the
    /// model cannot be built.
    public init(_ scenario: Scenario, file: String, plan: RunSettings) throws(WorkflowError) {
        do { hospital = try PreparedHospital(scenario.configuration, horizonDays: plan.horizonDays) } catch {
            throw WorkflowError(.input, "\(file): \(error.description)")
        }
        self.scenario = scenario
        self.file = file
        self.plan = plan
    }
}

/// Reading the user's files into values, every problem located.
public enum Inputs {
    /// Reads the scenario at `path`; throws an input error holding every located problem and a closing count.
    public static func scenario(_ path: String) throws(WorkflowError) -> Scenario {
        do { return try Scenario.load(path: path) } catch {
            let problems = error.problems.map(\.description)
            throw WorkflowError(.input, problems + [
                "\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was simulated",
            ])
        }
    }

    /// Reads scenarios that are to be compared and prepares them to run as the first one's run section says
    /// under `overrides`, so that every scenario runs the same replications from the same seed (common random
    /// numbers). Every file is read before any problem is thrown; a scenario whose own run section differs is
    /// told with a notice.
    public static func pairedScenarios(_ files: [String], overrides: RunOverrides,
                                       observer: WorkflowObserver = .silent) throws(WorkflowError) -> [PreparedScenario]
    {
        precondition(!files.isEmpty, "at least one scenario")
        var scenarios: [Scenario] = []
        var problems: [String] = []
        for file in files {
            do { scenarios.append(try Scenario.load(path: file)) } catch { problems += error.problems.map(\.description) }
        }
        guard problems.isEmpty else { throw WorkflowError(.input, problems + ["nothing was simulated"]) }
        let plan = try overrides.plan(for: scenarios[0])
        var prepared: [PreparedScenario] = []
        for (scenario, file) in zip(scenarios, files) {
            prepared.append(try PreparedScenario(scenario, file: file, plan: plan))
            if try overrides.plan(for: scenario) != plan {
                observer.notice(.runsAsFirst(file: file, firstFile: files[0], plan: plan.summary))
            }
        }
        return prepared
    }
}
