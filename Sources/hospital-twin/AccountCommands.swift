import Accounts
import ArgumentParser
import CSVFiles
import Foundation
import Reports
import Store

extension DatabaseOptions {
    /// The accounts in the database chosen, the schema brought up to date. Exits 2 when it cannot connect.
    func openAccounts() throws -> AccountStore {
        try open { connection in try AccountStore(connection: connection) }
    }
}

/// Refuses what could not be a user name, saying why (exit 64).
func checkUserName(_ text: String) throws {
    do { _ = try UserName(text) } catch { throw ValidationError("NAME: \(error.message)") }
}

extension Role: ExpressibleByArgument {}

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts for the server: add a user with a role, list them, disable one, give one an API token.",
        discussion: """
            Roles: \(Role.list). Passwords are kept as bcrypt hashes, API tokens as SHA-256; every change is in the \
            audit log (hospital-twin audit). Docs/SECURITY.md, "Accounts".
            """,
        subcommands: [Add.self, List.self, Disable.self, Token.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input with --password-stdin (one line, 8–72 bytes), "
                + "asked for twice at a terminal otherwise; --no-password makes a system's account that signs in with tokens only.")

        @Argument(help: "The login: lower-case ASCII letters, digits, '.', '_', '-'; at most 63.")
        var name: String

        @Option(help: "The role: \(Role.list).")
        var role: Role

        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (one line).")
        var passwordStdin = false

        @Flag(name: .customLong("no-password"), help: "No password: the account signs in with API tokens only.")
        var noPassword = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            try checkUserName(name)
            guard !(passwordStdin && noPassword) else { throw ValidationError("--password-stdin and --no-password: give one or the other") }
        }

        func run() throws {
            let name = try UserName(name)
            let password: Password?
            do {
                password = noPassword ? nil : try Password(try readPassword())
            } catch let error as CredentialError {
                printError("the password: \(error.message)")
                throw ExitCode(64)
            }
            let store = try database.openAccounts()
            let user = try accountCall { try store.add(name, role: role, password: password, by: .commandLine) }
            printOut("added \(user.name) as \(user.role.rawValue)" + (user.hasPassword ? "" : ", without a password (hospital-twin users token \(user.name))"))
        }

        /// One line from standard input (at most 4 KiB read), or twice from the terminal without echo.
        func readPassword() throws -> String {
            if passwordStdin {
                let data = FileHandle.standardInput.readData(ofLength: 4096)
                guard let text = String(data: data, encoding: .utf8) else {
                    throw CredentialError(message: "standard input is not UTF-8")
                }
                var line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                if line.hasSuffix("\r") { line.removeLast() }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw CredentialError(message: "standard input is not a terminal: give the password with --password-stdin, or --no-password")
            }
            guard let first = getpass("Password for \(name): ").map({ String(cString: $0) }),
                  let second = getpass("Again: ").map({ String(cString: $0) }) else {
                throw CredentialError(message: "no password was read")
            }
            guard first == second else { throw CredentialError(message: "the two passwords differ") }
            return first
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users: role, password or not, active tokens, disabled.")
        @OptionGroup var database: DatabaseOptions
        func run() throws {
            let store = try database.openAccounts()
            printOut(AccountReports.usersTable(try accountCall { try store.list() }))
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: no more sign-ins, its API tokens revoked. Nothing is deleted.")
        @Argument(help: "The user.") var name: String
        @OptionGroup var database: DatabaseOptions
        func validate() throws { try checkUserName(name) }
        func run() throws {
            let store = try database.openAccounts()
            let result = try accountCall { try store.disable(try UserName(name), by: .commandLine) }
            printOut(result.wasDisabled ? "\(name) was disabled already"
                : "disabled \(name); \(result.revokedTokens) API token\(result.revokedTokens == 1 ? "" : "s") revoked")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new API token for a user and print it once, alone on standard output: it is not kept, only its hash.")
        @Argument(help: "The user.") var name: String
        @OptionGroup var database: DatabaseOptions
        func validate() throws { try checkUserName(name) }
        func run() throws {
            let store = try database.openAccounts()
            let token = try accountCall { try store.issueToken(for: try UserName(name), by: .commandLine) }
            printOut(token)
            printError("the token is shown this once; send it as 'Authorization: Bearer TOKEN'")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log, newest first: who did what, when, from where, and what was refused. It is append-only.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Option(help: "Only this actor's entries (a user's name, or cli:OSUSER).")
    var user: String?

    @Option(help: "Only entries at or after this UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]).")
    var since: String?

    @Option(help: "At most this many entries (1–100000).")
    var limit: Int = 1000

    @Option(help: "table, json or csv.")
    var format: Format = .table

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1 to 100000, not \(limit)") }
        if let since, Self.date(since) == nil {
            throw ValidationError("--since must be a UTC date or time, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], not '\(since)'")
        }
        if let user, user.utf8.count > 200 { throw ValidationError("--user is at most 200 bytes") }
    }

    static func date(_ text: String) -> Date? {
        guard text.utf8.count <= 19 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for pattern in ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: text), formatter.string(from: date) == text { return date }
        }
        return nil
    }

    func run() throws {
        let store = try database.openAccounts()
        let entries = try accountCall { try store.auditEntries(actor: user, since: since.flatMap(Self.date), limit: limit) }
        switch format {
        case .table: printOut(AccountReports.auditTable(entries))
        case .json: FileHandle.standardOutput.write(try AccountReports.auditJSON(entries) + Data("\n".utf8))
        case .csv: AccountReports.writeAuditCSV(entries, to: CSVWriter(handle: .standardOutput))
        }
    }
}

/// Runs an account call: a refusal (a name taken, no such user) is printed and exits 1; so is a database error.
func accountCall<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as AccountError {
        printError(error.message)
        throw ExitCode(1)
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}
