import ArgumentParser
import CSVFiles
import Foundation
import Reports
import Scenario
import Workflows

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a hospital scenario: replications of the model, KPIs with 95% confidence intervals.",
        discussion: """
            The scenario is checked whole first; any problem stops the run. Options not given come from the \
            scenario's run section. The JSON output holds no wall-clock fields: the same scenario and seed print \
            the same bytes on any number of threads.
            """)

    @Argument(help: "The scenario file.")
    var file: String

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenario and the run in the database (as does giving --database-url).")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let prepared = try CommandWorkflow.perform { _ in
            let scenario = try Inputs.scenario(file)
            return try PreparedScenario(scenario, file: file, plan: try simulation.overrides.plan(for: scenario))
        }
        try report.checkDestinations(inputs: [file] + prepared.scenario.sourceFiles)
        // The database is reached before anything is simulated.
        let runStore = try database.openStore(if: store)
        let simulated = try CommandWorkflow.perform { observer in
            try Simulate.run(prepared, threads: simulation.threads, store: runStore,
                         keepOnStandardOutput: report.archiveOnStandardOutput, observer: observer)
        }
        try report.write(.run(simulated.result))
        if simulated.storeFailed { throw ExitCode(1) }
    }
}

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "The scenario file format: its JSON Schema and its reference.",
        subcommands: [Schema.self, Reference.self])

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the JSON Schema of scenario files (for editors).")

        func run() throws {
            FileHandle.standardOutput.write(ScenarioSchema.jsonSchema() + Data("\n".utf8))
        }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every scenario key with its type, unit and default (Markdown).")

        func run() throws {
            printOut(ScenarioSchema.markdownReference(), terminator: "")
        }
    }
}
