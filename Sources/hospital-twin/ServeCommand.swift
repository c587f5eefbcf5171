import ArgumentParser
import Feed
import Foundation
import Hummingbird
import Logging
import Server
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API over HTTP: /health, and /api/v1 with API tokens (hospital-twin users token NAME).",
        discussion: """
            Listens on --host (default 127.0.0.1: this machine only) and --port. SIGTERM or Ctrl-C stops it \
            gracefully: requests under way finish, new connections are refused. The database is the one every \
            command uses; its schema is brought up to date before the first request. Docs/SERVER.md.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port, said on standard error).")
    var port = 8080

    @Option(help: "Jobs worked at a time (0: none; another server on the same database works them).")
    var jobs = 2

    @Option(name: .customLong("job-threads"), help: "Threads each job simulates on (default: the cores shared among --jobs).")
    var jobThreads: Int?

    @Option(name: .customLong("log-format"), help: "Logs on standard error as text, or as json: one object a line (time, level, label, message, metadata), for a log collector.")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "The hospital's time zone, for the FHIR intake's times without an offset (IANA name).")
    var timeZone = "Europe/London"

    @Flag(help: "Print the API's OpenAPI 3.1 document (Docs/openapi.yaml; also served at /openapi.yaml) and exit.")
    var openapi = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
        guard !host.isEmpty, host.utf8.count <= 253, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ValidationError("--host must be an address or a host name (ASCII, at most 253 characters)")
        }
        guard (0...64).contains(jobs) else { throw ValidationError("--jobs must be from 0 to 64, found \(jobs)") }
        if let jobThreads, !(1...ReplicationOptions.threadLimit).contains(jobThreads) {
            throw ValidationError("--job-threads must be from 1 to \(ReplicationOptions.threadLimit), found \(jobThreads)")
        }
    }

    func run() async throws {
        if openapi {
            FileHandle.standardOutput.write(Data(OpenAPI.document.utf8))
            return
        }
        if logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        let location = try database.location()
        _ = try database.openAccounts()  // reachable, and the schema up to date, before listening
        let pool = DatabasePool(url: location.connectionString)
        let host = host
        // The FHIR intake pseudonymises with the feed's key; without one it answers that it has none.
        var feed: FeedIntake?
        let zone = try zone(named: timeZone)
        do { feed = FeedIntake(pseudonymiser: try Pseudonymiser.fromEnvironment(), timeZone: zone) } catch {
            printError("\(error.problem): the FHIR intake at /api/v1/feed/fhir answers 503 until the server starts with one")
        }
        let threads = jobThreads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
        let runners = jobs > 0 ? [JobRunner(url: location.connectionString, slots: jobs, threadsPerJob: threads)] : []
        let app = Application(router: HospitalServer.router(pool: pool, feed: feed),
                              configuration: .init(address: .hostname(host, port: port), serverName: nil),
                              onServerRunning: { channel in
                                  printError("listening on http://\(host):\(channel.localAddress?.port ?? 0)")
                              })
        // The job slots after the server: a group shuts its services down in reverse order, so on SIGTERM the
        // running jobs stop (interrupted, to resume) at once, before the server waits for its connections to close.
        let group = ServiceGroup(configuration: .init(services: [app] + runners.map { $0 as any Service },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger))
        do { try await group.run() } catch {
            printError("the server stopped: \(error)")
            throw ExitCode(2)
        }
        printError("stopped")
    }
}
