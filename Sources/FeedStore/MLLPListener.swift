#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Feed
import Foundation
import HL7
import Store

/// Receives HL7 v2 messages over MLLP (TCP) and acknowledges each after it is committed: a thread per connection,
/// each with its own database connection (libpq's are not shared between threads), frames decoded as they come
/// (`MLLPDecoder`), each message stored (`FeedStore.receive`) and only then acknowledged, as MSH-15 asks. A
/// database failure sends no acknowledgement and closes the connection, so the sender resends.
public final class MLLPListener: @unchecked Sendable {
    /// What the listener needs for each connection.
    public struct Settings: Sendable {
        /// The IPv4 address to listen on (0.0.0.0: every interface).
        public var host: String
        /// The TCP port (0: the system chooses; `bind()` returns it).
        public var port: UInt16
        /// Open connections at most; more wait in the kernel's backlog.
        public var maximumConnections = 64
        /// A connection silent this long (seconds) is closed; a frame still open is reported, not applied.
        public var idleSeconds = 300
        /// The largest message, in bytes.
        public var maximumMessageBytes = 1 << 20

        /// Settings for `host`:`port` with the defaults above.
        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }
    }

    let settings: Settings
    let openStore: @Sendable () throws -> FeedStore
    let log: @Sendable (String) -> Void
    private var listening: Int32 = -1
    private let lock = NSLock()
    private var connections = 0
    private var stopping = false

    /// A listener that opens a store per connection with `openStore` and writes one line per event to `log`.
    public init(settings: Settings, openStore: @escaping @Sendable () throws -> FeedStore, log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.openStore = openStore
        self.log = log
    }

    /// Binds and listens; returns the port bound (the one asked for, or the system's choice for 0).
    public func bind() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ListenerError(problem: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = settings.port.bigEndian
        guard inet_pton(AF_INET, settings.host, &address.sin_addr) == 1 else {
            close(fd)
            throw ListenerError(problem: "--mllp: '\(settings.host)' is not an IPv4 address (127.0.0.1, 0.0.0.0 for all)")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw ListenerError(problem: "cannot listen on \(settings.host):\(settings.port): \(problem)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listening = fd
        return UInt16(bigEndian: actual.sin_port)
    }

    /// Accepts connections until `stop()`; each is served on its own thread.
    public func serve() {
        while true {
            let client = accept(listening, nil, nil)
            if client < 0 {
                if lock.withLock({ stopping }) { return }
                if errno == EINTR { continue }
                log("accept failed: \(String(cString: strerror(errno)))")
                return
            }
            let admitted = lock.withLock { () -> Bool in
                guard connections < settings.maximumConnections else { return false }
                connections += 1
                return true
            }
            guard admitted else {
                log("refused a connection: \(settings.maximumConnections) already open")
                close(client)
                continue
            }
            let thread = Thread { [self] in
                serveConnection(client)
                lock.withLock { connections -= 1 }
            }
            thread.start()
        }
    }

    /// Stops accepting (connections already open finish what they are reading).
    public func stop() {
        lock.withLock { stopping = true }
        if listening >= 0 {
            shutdown(listening, Int32(SHUT_RDWR))
            close(listening)
        }
    }

    func serveConnection(_ fd: Int32) {
        defer { close(fd) }
        var timeout = timeval(tv_sec: settings.idleSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Each acknowledgement is one small write the sender waits for: send it now, not when Nagle's rule allows.
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        let store: FeedStore
        do { store = try openStore() } catch {
            log("connection closed: the database cannot be used: \(error)")
            return
        }
        var decoder = MLLPDecoder(maximumFrameBytes: settings.maximumMessageBytes)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                for event in decoder.finish() { report(event) }
                return
            }
            for event in decoder.append(buffer[0..<count]) {
                guard case .message(let bytes) = event else {
                    report(event)
                    continue
                }
                let ack: [UInt8]?
                do { ack = try acknowledge(bytes, store: store) } catch {
                    log("no acknowledgement (the sender will resend): \(error)")
                    return  // closing the connection: nothing half-acknowledged
                }
                if let ack, !sendAll(fd, MLLPDecoder.frame(ack)) {
                    log("connection closed before the acknowledgement was sent")
                    return
                }
            }
        }
    }

    func report(_ event: MLLPDecoder.Event) {
        switch event {
        case .message: break
        case .discarded(let count): log("dropped \(count) bytes outside any MLLP frame")
        case .incomplete(let bytes): log("a frame of \(bytes.count) bytes ended without its end block: not applied, not acknowledged")
        case .oversized(let count): log("a frame of \(count) bytes is over \(settings.maximumMessageBytes): dropped")
        }
    }

    /// Stores the message, then builds the acknowledgement its MSH-15 asks for (nil: none).
    func acknowledge(_ bytes: [UInt8], store: FeedStore) throws -> [UInt8]? {
        let (receipt, message) = try store.receive(bytes, source: "mllp")
        switch receipt {
        case .applied, .duplicate: break
        case .quarantined(let id, let outcome): log("message quarantined (\(id)): \(outcome)")
        }
        let now = Date()
        let timestamp = Self.hl7Time(now)
        guard let message else {
            // Not readable as HL7: an AR in the standard delimiters, with no control id to echo.
            let reason = HL7Escaping.escape("\(receipt.outcome)", .standard)
            return Array("MSH|^~\\&|||||\(timestamp)||ACK|R\(Int(now.timeIntervalSince1970))|P|2.5\rMSA|AR||\(reason)\r".utf8)
        }
        guard let code = HL7Acknowledgement.code(for: receipt.outcome, acceptAcknowledgementType: message.segments[0][15])
        else { return nil }
        return HL7Acknowledgement.make(for: message, code: code, outcome: receipt.outcome,
                                       controlID: String(("A" + message.controlID).prefix(20)), timestamp: timestamp)
    }

    /// `date` as an HL7 time in UTC, YYYYMMDDHHMMSS+0000 (from the C library: no formatter made per message).
    static func hl7Time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02d%02d%02d%02d+0000", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}

/// The listener cannot start.
public struct ListenerError: Error, Sendable, CustomStringConvertible {
    /// Why it cannot listen.
    public let problem: String
    public var description: String { problem }
}
