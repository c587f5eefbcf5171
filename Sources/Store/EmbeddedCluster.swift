import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The default database when none is configured: a PostgreSQL cluster of the user's own, in a git-ignored folder
/// (`HOSPITAL_TWIN_HOME`, else `.hospital-twin` in the working directory), created with `initdb` on first use and
/// started when a command needs it. It listens on a Unix socket in a private directory (mode 0700) and on no TCP
/// port, with fsync on: what a user stores there is kept. As root — PostgreSQL refuses to run as root — the server
/// runs as the unprivileged `postgres` user (made if absent), and when that user cannot reach the folder the
/// cluster lives in `/var/lib/hospital-twin/clusters/<hash of the folder>` instead. Creating, starting and stopping
/// take a lock, so concurrent commands do not race.
public struct EmbeddedCluster: Sendable {
    /// The folder the cluster belongs to (`HOSPITAL_TWIN_HOME` or `./.hospital-twin`), absolute.
    public let home: String
    /// Where the cluster's files are: `<home>/pg`, or the root fallback.
    public let directory: String
    /// Where its socket is: `<directory>/run`, or a short directory under /tmp when that path is too long for a
    /// Unix socket.
    public let socketDirectory: String
    /// True when the server runs as the `postgres` user (this process is root).
    public let runsAsPostgresUser: Bool

    /// The database and role the cluster serves.
    public static let databaseName = "hospital_twin"
    /// The role's name.
    public static let userName = "hospital_twin"
    /// The role the application connects as: it owns the database and the `hospital_twin` schema, and has no
    /// superuser, role-making or database-making rights. The bootstrap superuser (`userName`) only sets it up.
    public static let applicationRole = "hospital_twin_app"

    /// The cluster for `environment` (HOSPITAL_TWIN_HOME) and the working directory.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                currentDirectory: String = FileManager.default.currentDirectoryPath) throws(ClusterError)
    {
        let given = environment["HOSPITAL_TWIN_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        var home = given ?? (currentDirectory as NSString).appendingPathComponent(".hospital-twin")
        if !home.hasPrefix("/") { home = (currentDirectory as NSString).appendingPathComponent(home) }
        home = (home as NSString).standardizingPath
        self.home = home
        runsAsPostgresUser = getuid() == 0
        let local = (home as NSString).appendingPathComponent("pg")
        if runsAsPostgresUser {
            try Self.ensurePostgresUser()
            try Self.makeDirectory(home, mode: 0o755)
            directory = Self.postgresCanWrite(below: home) ? local : "/var/lib/hospital-twin/clusters/\(Self.hash(home))"
        } else {
            directory = local
        }
        let socket = (directory as NSString).appendingPathComponent("run")
        // sun_path holds 107 bytes: the directory, "/", and ".s.PGSQL.5432".
        socketDirectory = socket.utf8.count <= 90 ? socket : "/tmp/hospital-twin-\(Self.hash(directory))"
    }

    /// Why the cluster is not in `<home>/pg`, when it is not (root, and the postgres user cannot reach `home`).
    public var relocation: String? {
        directory == (home as NSString).appendingPathComponent("pg") ? nil
            : "the postgres user cannot reach \(home), so the cluster for it lives in \(directory)"
    }

    /// The cluster's data directory.
    public var dataDirectory: String { (directory as NSString).appendingPathComponent("data") }
    /// The server's log.
    public var logFile: String { (directory as NSString).appendingPathComponent("server.log") }
    /// The libpq connection string of its database.
    /// How the application connects: as `applicationRole`, which owns the database and its schema but is no
    /// superuser.
    public var connectionString: String {
        "host=\(socketDirectory) dbname=\(Self.databaseName) user=\(Self.applicationRole)"
    }
    /// The location commands report.
    public var location: DatabaseLocation { DatabaseLocation(connectionString: connectionString, source: .embedded(directory)) }

    /// What the cluster is doing.
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        /// Never created.
        case absent
        /// Created, not running.
        case stopped
        /// Running, with the server's process id.
        case running(pid: Int)

        public var description: String {
            switch self {
            case .absent: "not created"
            case .stopped: "stopped"
            case .running(let pid): "running (pid \(pid))"
            }
        }
    }

    /// The cluster's status now.
    public func status() throws(ClusterError) -> Status {
        guard FileManager.default.fileExists(atPath: (dataDirectory as NSString).appendingPathComponent("PG_VERSION")) else {
            return .absent
        }
        let binaries = try Self.binaries()
        let result = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "status"])
        guard result.status == 0 else { return .stopped }
        let pid = result.output.split(separator: "\n").first.flatMap { line -> Int? in
            guard let range = line.range(of: "PID: ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        return .running(pid: pid ?? 0)
    }

    /// What `start` did.
    public enum StartOutcome: Sendable, Hashable {
        /// Created with initdb and started.
        case created
        /// Started.
        case started
        /// Already running.
        case alreadyRunning
    }

    /// Creates the cluster if it does not exist and starts it if it is not running; then its database exists.
    @discardableResult
    public func start() throws(ClusterError) -> StartOutcome {
        try withLock { () throws(ClusterError) -> StartOutcome in
            let binaries = try Self.binaries()
            var outcome = StartOutcome.started
            if case .absent = try status() {
                try initialise(binaries)
                outcome = .created
            }
            if case .running = try status() {
                try createDatabase()  // a command stopped between starting the server and making it
                return .alreadyRunning
            }
            try prepareSocketDirectory()
            try secureConfiguration()
            let options = "-c listen_addresses='' -k '\(socketDirectory)' -c unix_socket_permissions=0700"
            let result = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options,
                                                      "start"])
            guard result.status == 0 else {
                let log = (try? String(contentsOfFile: logFile, encoding: .utf8)).map { "\n" + String($0.suffix(2000)) } ?? ""
                throw ClusterError("could not start the embedded PostgreSQL in \(directory): \(result.output)\(log)")
            }
            try createDatabase()
            return outcome
        }
    }

    /// Stops the cluster; false when it was not running.
    @discardableResult
    public func stop() throws(ClusterError) -> Bool {
        try withLock { () throws(ClusterError) -> Bool in
            guard case .running = try status() else { return false }
            let result = try run(try Self.binaries() + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
            guard result.status == 0 else {
                throw ClusterError("could not stop the embedded PostgreSQL in \(directory): \(result.output)")
            }
            return true
        }
    }

    // MARK: Creating

    func initialise(_ binaries: String) throws(ClusterError) {
        // Parents readable on the way (the server's user must pass through them), the cluster's own folder private.
        try Self.makeDirectory((directory as NSString).deletingLastPathComponent, mode: 0o755)
        try Self.makeDirectory(directory, mode: 0o700)
        try handToServer(directory)
        let result = try run(binaries + "/initdb", ["-D", dataDirectory, "-U", Self.userName, "--auth-local=trust",
                                                    "--auth-host=reject", "-E", "UTF8", "--locale=C"])
        guard result.status == 0 else {
            throw ClusterError("initdb failed for the embedded cluster in \(directory):\n\(result.output)")
        }
    }

    /// The marker of the settings hospital-twin keeps at the end of the cluster's postgresql.conf.
    static let configurationMarker = "# hospital-twin: private by construction (rewritten at every start)"

    /// Writes the cluster's configuration so that it is private however it is started (`pg_ctl start` by hand
    /// included): pg_hba.conf takes connections through the local socket only (no host line, so no TCP client can
    /// authenticate, trusted or not), and postgresql.conf listens on no TCP address and keeps its socket in the
    /// cluster's own private directory. Rewritten in place at every start (so a cluster made by an older version is
    /// brought to it), keeping the files' owner, the server's user.
    func secureConfiguration() throws(ClusterError) {
        let hba = (dataDirectory as NSString).appendingPathComponent("pg_hba.conf")
        let conf = (dataDirectory as NSString).appendingPathComponent("postgresql.conf")
        try Self.rewrite(hba, with: """
            # hospital-twin's embedded cluster: connections through its private Unix socket only, never TCP.
            # TYPE  DATABASE  USER  METHOD
            local   all       all   trust

            """)
        let current: String
        do { current = try String(contentsOfFile: conf, encoding: .utf8) } catch {
            throw ClusterError("cannot read \(conf): \(error.localizedDescription)")
        }
        let kept = current.components(separatedBy: Self.configurationMarker)[0]
        try Self.rewrite(conf, with: kept + Self.configurationMarker + "\n" + """
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700

            """)
    }

    /// Replaces a file's content in place (truncating it), so that its owner and mode stay the server's.
    static func rewrite(_ path: String, with text: String) throws(ClusterError) {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ClusterError("cannot write \(path) (the embedded cluster's configuration)")
        }
        defer { try? handle.close() }
        do {
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw ClusterError("cannot write \(path) (the embedded cluster's configuration): \(error.localizedDescription)")
        }
    }

    func prepareSocketDirectory() throws(ClusterError) {
        try Self.makeDirectory(socketDirectory, mode: 0o700)
        try handToServer(socketDirectory)
    }

    func createDatabase() throws(ClusterError) {
        let role = Self.applicationRole
        do {
            let admin = try DatabaseConnection(url: "host=\(socketDirectory) dbname=postgres user=\(Self.userName)")
            try admin.execute("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(raw: role)') THEN
                    CREATE ROLE \(raw: role) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
                  END IF;
                EXCEPTION WHEN duplicate_object THEN NULL;  -- made by a concurrent command
                END $$
                """)
            let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)").rows
            if exists.isEmpty {
                do { try admin.execute("CREATE DATABASE \(raw: Self.databaseName) OWNER \(raw: role)") } catch where error.sqlState == "42P04" {
                    // created by a concurrent command between the check and the statement
                }
            }
            try admin.execute("ALTER DATABASE \(raw: Self.databaseName) OWNER TO \(raw: role)")
            // A cluster made by an older version: its schema and tables were the superuser's; they become the role's.
            let database = try DatabaseConnection(url: "host=\(socketDirectory) dbname=\(Self.databaseName) user=\(Self.userName)")
            try database.execute("""
                DO $$ DECLARE t record; BEGIN
                  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'hospital_twin') THEN
                    ALTER SCHEMA hospital_twin OWNER TO \(raw: role);
                    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'hospital_twin' AND c.relkind IN ('r', 'p', 'v', 'm')
                             AND pg_get_userbyid(c.relowner) <> '\(raw: role)' LOOP
                      EXECUTE format('ALTER TABLE hospital_twin.%I OWNER TO \(raw: role)', t.relname);
                    END LOOP;
                  END IF;
                END $$
                """)
        } catch {
            throw ClusterError("the embedded cluster in \(directory) started, but its database could not be made: \(error)")
        }
    }

    /// As root, gives `path` to the postgres user.
    func handToServer(_ path: String) throws(ClusterError) {
        guard runsAsPostgresUser else { return }
        guard let user = getpwnam("postgres") else { throw ClusterError("the postgres user does not exist") }
        if chown(path, user.pointee.pw_uid, user.pointee.pw_gid) != 0 {
            throw ClusterError("could not give \(path) to the postgres user: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: Running programs

    /// Runs a PostgreSQL program (as the postgres user when root), returning its status and combined output.
    func run(_ executable: String, _ arguments: [String]) throws(ClusterError) -> (status: Int32, output: String) {
        let command = runsAsPostgresUser ? [Self.runuser(), "-u", "postgres", "--", executable] + arguments
            : [executable] + arguments
        let directory = FileManager.default.fileExists(atPath: self.directory) ? self.directory : "/"
        return try Subprocess.run(command, in: directory)
    }

    /// The directory of PostgreSQL's server programs (initdb, pg_ctl): pg_config's, else the newest under
    /// /usr/lib/postgresql, else the one on PATH.
    public static func binaries() throws(ClusterError) -> String {
        let manager = FileManager.default
        var candidates: [String] = []
        if let versions = try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            candidates += versions.compactMap { Int($0) }.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(String(directory))
        }
        if let found = candidates.first(where: { manager.isExecutableFile(atPath: $0 + "/initdb") && manager.isExecutableFile(atPath: $0 + "/pg_ctl") }) {
            return found
        }
        throw ClusterError("PostgreSQL's server programs (initdb, pg_ctl) are not installed: install them "
            + "(Debian: apt-get install postgresql) or give a database with --database-url or HOSPITAL_TWIN_DATABASE_URL")
    }

    static func runuser() -> String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/sbin/runuser"
    }

    /// Makes the postgres system user when it is missing (root only), as the PostgreSQL packages would.
    static func ensurePostgresUser() throws(ClusterError) {
        guard getpwnam("postgres") == nil else { return }
        let result = try Subprocess.run(["/usr/sbin/useradd", "--system", "--home-dir", "/var/lib/postgresql", "--shell",
                                         "/bin/sh", "postgres"], in: "/")
        guard result.status == 0, getpwnam("postgres") != nil else {
            throw ClusterError("the postgres user is missing and useradd failed: \(result.output)")
        }
    }

    /// True when the postgres user can write in `directory` (and so reach it through every parent).
    static func postgresCanWrite(below directory: String) -> Bool {
        let probe = (directory as NSString).appendingPathComponent("pg")
        guard (try? makeDirectory(probe, mode: 0o700)) != nil, let user = getpwnam("postgres"),
              chown(probe, user.pointee.pw_uid, user.pointee.pw_gid) == 0
        else { return false }
        let result = try? Subprocess.run([runuser(), "-u", "postgres", "--", "/usr/bin/test", "-w", probe, "-a", "-x", probe],
                                         in: "/")
        return result?.status == 0
    }

    static func makeDirectory(_ path: String, mode: Int) throws(ClusterError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: mode])
        } catch {
            throw ClusterError("could not make \(path): \(error.localizedDescription)")
        }
    }

    /// A short stable name for a path (FNV-1a, hex).
    static func hash(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// Runs `body` holding an exclusive lock on the cluster (a `flock` on `<home>/pg.lock`).
    func withLock<T>(_ body: () throws(ClusterError) -> T) throws(ClusterError) -> T {
        try Self.makeDirectory(home, mode: 0o755)
        let path = (home as NSString).appendingPathComponent("pg.lock")
        let descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw ClusterError("could not open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw ClusterError("could not lock \(path): \(String(cString: strerror(errno)))")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

/// A failure to create, start or stop the embedded cluster, with what to do about it.
public struct ClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Runs a program and waits for it, with posix_spawn and waitpid: Foundation's `Process` can miss the exit of a
/// child whose own children daemonise (pg_ctl starting the server). Output goes to a file, never a pipe, which
/// the daemon would inherit and hold open.
enum Subprocess {
    /// Runs `command` (the program's absolute path, then its arguments) in `directory`; its status and combined
    /// standard output and error.
    static func run(_ command: [String], in directory: String) throws(ClusterError) -> (status: Int32, output: String) {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("hospital-twin-\(getpid())-\(UUID().uuidString)").path
        defer { unlink(capture) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // In `directory` (the server's user must be able to stand there): a shell changes to it, then execs.
        let command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + command
        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, environ)
        guard spawned == 0 else {
            throw ClusterError("could not run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ClusterError("could not wait for \(command[0]): \(String(cString: strerror(errno)))") }
        }
        let output = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
        // Exited normally: its exit code; killed by a signal: 128 + the signal, as a shell reports it.
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
