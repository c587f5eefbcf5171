import Foundation
import Glibc
import HL7

/// Why messages could not be delivered over MLLP.
public struct MLLPSendError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the host and port.
    public let problem: String
    /// The problem.
    public var description: String { problem }
}

/// Sends messages over MLLP one at a time, as an integration engine does: each framed, then the acknowledgement
/// awaited before the next. A connection that fails, or closes, before the acknowledgement is opened again and the
/// same message resent (with a growing pause), so a receiver that restarts loses nothing and — keying each message
/// by its control id — applies nothing twice.
public final class MLLPSender {
    let host: String
    let port: UInt16
    /// Seconds to wait for an acknowledgement before the connection is taken as failed.
    let timeoutSeconds: Int
    /// Connection attempts per message before giving up.
    let attempts: Int
    var fd: Int32 = -1
    var decoder = MLLPDecoder()
    /// Messages resent after a failed connection.
    public private(set) var resent = 0

    /// A sender to `host` (an IPv4 address or a name) and `port`.
    public init(host: String, port: UInt16, timeoutSeconds: Int = 30, attempts: Int = 8) {
        self.host = host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
        self.attempts = attempts
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Sends `message` and returns its acknowledgement's bytes; throws when every attempt failed.
    public func deliver(_ message: [UInt8]) throws(MLLPSendError) -> [UInt8] {
        let frame = MLLPDecoder.frame(message)
        var lastProblem = ""
        for attempt in 0..<attempts {
            if attempt > 0 {
                resent += 1
                usleep(useconds_t(min(5_000_000, 100_000 << min(attempt - 1, 6))))  // 0.1 s, 0.2 s, … at most 5 s
            }
            do throws(MLLPSendError) {
                if fd < 0 { try connect() }
                try write(frame)
                return try acknowledgement()
            } catch {
                lastProblem = error.problem
                disconnect()
            }
        }
        throw MLLPSendError(problem: "no acknowledgement from \(host):\(port) after \(attempts) attempts: \(lastProblem)")
    }

    /// Closes the connection.
    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        decoder = MLLPDecoder()
    }

    func connect() throws(MLLPSendError) {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw MLLPSendError(problem: "cannot resolve '\(host)'")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw MLLPSendError(problem: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.connect(socket, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let problem = String(cString: strerror(errno))
            close(socket)
            throw MLLPSendError(problem: "cannot connect to \(host):\(port): \(problem)")
        }
        fd = socket
    }

    func write(_ bytes: [UInt8]) throws(MLLPSendError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw MLLPSendError(problem: "the connection failed while sending: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    func acknowledgement() throws(MLLPSendError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                throw MLLPSendError(problem: count == 0 ? "the receiver closed the connection before acknowledging"
                    : "no acknowledgement: \(String(cString: strerror(errno)))")
            }
            for event in decoder.append(buffer[0..<count]) {
                if case .message(let ack) = event { return ack }
            }
        }
    }
}
