import ArgumentParser
import CSVFiles
import Foundation
import HospitalModel
import Reports
import RunStore
import Store

/// Which database a command uses (`DatabaseLocation`): `--database-url`, the environment, else the embedded cluster.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("A libpq connection string.", discussion: """
                Default: HOSPITAL_TWIN_DATABASE_URL, else DATABASE_URL, else libpq's own variables (PGHOST, \
                PGDATABASE, PGSERVICE…), else the embedded cluster in HOSPITAL_TWIN_HOME or ./.hospital-twin, \
                created and started on first use.
                """))
    var databaseURL: String?

    /// The database chosen; the embedded cluster is created and started if it is the one. Exits 2 on failure.
    func location() throws -> DatabaseLocation {
        if let configured = DatabaseLocation.configured(option: databaseURL, environment: ProcessInfo.processInfo.environment) {
            return configured
        }
        do {
            let cluster = try EmbeddedCluster()
            switch try cluster.start() {
            case .created: printError("created the embedded PostgreSQL cluster in \(cluster.directory)"
                + (cluster.relocation.map { " (\($0))" } ?? ""))
            case .started: printError("started the embedded PostgreSQL cluster in \(cluster.directory) "
                + "(hospital-twin db stop stops it)")
            case .alreadyRunning: break
            }
            return cluster.location
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// The store when `asked` or a database URL was given, else nil (`openStore()`).
    func openStore(if asked: Bool) throws -> RunStore? {
        asked || databaseURL != nil ? try openStore() : nil
    }

    /// Connects to the database chosen and brings its schema up to date, saying which database it is (without
    /// a password). Exits 2 when it cannot.
    func openStore() throws -> RunStore {
        try open { connection in try RunStore(connection: connection) }
    }

    /// Connects to the database chosen and opens `make` on it (which brings the schema up to date), saying which
    /// database it is (without a password). Exits 2 when it cannot.
    func open<T>(_ make: (DatabaseConnection) throws -> T) throws -> T {
        let location = try location()
        do {
            let store = try make(try DatabaseConnection(url: location.connectionString))
            printError("database: \(location)")
            return store
        } catch let error as DatabaseError where error.kind == .connection {
            printError("could not connect to \(location): \(error.message)")
            throw ExitCode(2)
        } catch {
            printError("cannot use the database \(location): \(error)")
            throw ExitCode(2)
        }
    }
}

/// Reads a run id argument.
struct RunID: ExpressibleByArgument {
    let value: Int64

    init?(argument: String) {
        guard let value = Int64(argument), value > 0 else { return nil }
        self.value = value
    }
}

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stored runs: list them, show one, export it to a file, import one from a file; plan one in shards.",
        subcommands: [List.self, Show.self, Export.self, Import.self, Plan.self, Status.self, Finish.self])

    enum ListFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored runs, newest first.")

        @Option(help: "Only the runs of this scenario (its name).")
        var scenario: String?

        @Option(help: "table or json.")
        var format: ListFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            let runs = try storeCall { try store.runs(scenario: scenario) }
            switch format {
            case .table: printOut(RunReports.table(runs))
            case .json: FileHandle.standardOutput.write(try RunReports.json(runs) + Data("\n".utf8))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a stored run: how it ran, and its KPI table.")

        @Argument(help: "The run's id.")
        var id: RunID

        @Option(help: "table (the record and its KPIs) or json (the record).")
        var format: ListFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            let record = try storeCall { try store.record(id.value) }
            switch format {
            case .table:
                let result = record.status == .completed ? try storeCall { try store.result(of: id.value) } : nil
                printOut(RunReports.show(record, result: result))
            case .json:
                FileHandle.standardOutput.write(try RunReports.json([record]) + Data("\n".utf8))
            }
        }
    }

    enum ExportFormat: String, ExpressibleByArgument, CaseIterable { case json, csv }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a completed run: json (the run archive, which runs import reads back) or csv (each metric's mean and 95% interval).")

        @Argument(help: "The run's id.")
        var id: RunID

        @Option(help: "json or csv.")
        var format: ExportFormat = .json

        @Option(name: .shortAndLong, help: "Write here (whole or not at all) instead of standard output.")
        var output: String?

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            let file = try output.map { try AtomicFile(path: $0) }
            let handle = file?.handle ?? FileHandle.standardOutput
            switch format {
            case .json:
                let archive = try storeCall { try store.archive(of: id.value) }
                handle.write(try archive.encoded() + Data("\n".utf8))
            case .csv:
                let result = try storeCall { try store.result(of: id.value) }
                HospitalReports.writeCSV(result, to: CSVWriter(handle: handle))
            }
            try file?.commit()
            if let output { printError("wrote \(output)") }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a run from an archive file (runs export --format json, or the file run --store leaves when the database is away).")

        @Argument(help: "The archive file.")
        var file: String

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let data: Data
            do { data = try InputFile.read(file, .runArchive) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            let archive: RunArchive
            do { archive = try RunArchive.decode(data, file: file) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            let store = try database.openStore()
            let record = try storeCall { try store.importArchive(archive, from: file) }
            printOut("stored run \(record.id): \(record.scenario) v\(record.scenarioVersion), \(record.replications) "
                + "replications, seed \(record.seed)")
        }
    }
}

/// Runs a store call; a database or store error is printed and exits 1.
func storeCall<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}

struct Database: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The database: which one commands use, the embedded cluster, the schema.",
        subcommands: [Check.self, Status.self, Start.self, Stop.self, Migrate.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to the database commands use and report the server, the database and the schema version.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let location = try database.location()
            do {
                let db = try DatabaseConnection(url: location.connectionString)
                let row = try db.query("""
                    SELECT current_setting('server_version') AS version, current_database() AS database,
                           current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser
                    """).single("the server's settings")
                let schema = try db.schemaVersion(RunStoreSchema.name)
                printOut("connected: PostgreSQL \(try row.text("version")), database \(try row.text("database")) as role "
                    + "\(try row.text("role"))\(try row.bool("superuser") ? " (a superuser)" : " (not a superuser)"), "
                    + "\(RunStoreSchema.name) schema version \(schema) of \(RunStoreSchema.migrations.count) — \(location)")
            } catch {
                printError("cannot use the database \(location): \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which database commands use, and whether the embedded cluster is running (neither starts it).")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let cluster: EmbeddedCluster
            do { cluster = try EmbeddedCluster() } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            if let configured = DatabaseLocation.configured(option: database.databaseURL,
                                                            environment: ProcessInfo.processInfo.environment) {
                printOut("commands use \(configured)")
            } else {
                printOut("commands use the embedded cluster (no database is configured)")
            }
            do {
                printOut("embedded cluster in \(cluster.directory): \(try cluster.status())")
            } catch {
                printOut("embedded cluster in \(cluster.directory): \(error)")
            }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the embedded cluster if needed and start it.")

        func run() throws {
            do {
                let cluster = try EmbeddedCluster()
                switch try cluster.start() {
                case .created: printOut("created and started the embedded cluster in \(cluster.directory)"
                    + (cluster.relocation.map { " (\($0))" } ?? ""))
                case .started: printOut("started the embedded cluster in \(cluster.directory)")
                case .alreadyRunning: printOut("the embedded cluster in \(cluster.directory) is already running")
                }
                printOut("connection: \(cluster.connectionString)")
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster (its data stay).")

        func run() throws {
            do {
                let cluster = try EmbeddedCluster()
                printOut(try cluster.stop() ? "stopped the embedded cluster in \(cluster.directory)"
                    : "the embedded cluster in \(cluster.directory) was not running")
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the database's schema up to date (every command that needs the database does this first).")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let location = try database.location()
            do {
                let db = try DatabaseConnection(url: location.connectionString)
                let applied = try db.migrate(schema: RunStoreSchema.name, RunStoreSchema.migrations)
                printOut("\(RunStoreSchema.name) schema at version \(try db.schemaVersion(RunStoreSchema.name))"
                    + (applied.isEmpty ? " (nothing to apply)" : " (applied \(applied.map(String.init).joined(separator: ", ")))")
                    + " — \(location)")
            } catch {
                printError("cannot migrate the database \(location): \(error)")
                throw ExitCode(2)
            }
        }
    }
}
