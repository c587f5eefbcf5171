import HL7

/// Messages in a file as integration engines write them: MLLP frames (a file holding a start block `0x0B` is read
/// frame by frame), or text with one message after another — each MSH line starts a message; segments end at CR,
/// LF or CRLF; blank lines and batch headers and trailers (FHS, BHS, BTS, FTS) are skipped.
public enum MessageFiles {
    /// What a file holds: its messages (each with CR segment ends) and what was not a message.
    public struct Contents: Sendable {
        /// Each message's bytes, segments ended by CR, in file order.
        public var messages: [[UInt8]] = []
        /// Lines before the first MSH, frames cut off, and the like, each with why.
        public var skipped: [String] = []

        public init(messages: [[UInt8]] = [], skipped: [String] = []) {
            self.messages = messages
            self.skipped = skipped
        }
    }

    /// Splits `bytes` into messages.
    public static func messages(in bytes: [UInt8], maximumMessageBytes: Int = 1 << 20) -> Contents {
        var contents = Contents()
        if bytes.contains(MLLPDecoder.startBlock) {
            var decoder = MLLPDecoder(maximumFrameBytes: maximumMessageBytes)
            for event in decoder.append(bytes) + decoder.finish() {
                switch event {
                case .message(let message): contents.messages.append(message)
                case .discarded(let count): contents.skipped.append("\(count) bytes outside any MLLP frame")
                case .incomplete(let partial): contents.skipped.append("a frame of \(partial.count) bytes without its end block")
                case .oversized(let count): contents.skipped.append("a frame of \(count) bytes, over the limit")
                }
            }
            return contents
        }
        var current: [UInt8] = []
        var line: [UInt8] = []
        var lineNumber = 0
        func endLine() {
            defer { line.removeAll(keepingCapacity: true) }
            lineNumber += 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
            let head = String(decoding: line.prefix(3), as: UTF8.self)
            if ["FHS", "BHS", "BTS", "FTS"].contains(head) { return }
            if head == "MSH" {
                if !current.isEmpty { contents.messages.append(current) }
                current = line + [0x0D]
            } else if current.isEmpty {
                contents.skipped.append("line \(lineNumber): '\(String(decoding: line.prefix(20), as: UTF8.self))' is before any MSH")
            } else {
                current += line + [0x0D]
            }
        }
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0D || byte == 0x0A {
                if !(byte == 0x0A && previous == 0x0D) { endLine() }
            } else {
                line.append(byte)
            }
            previous = byte
        }
        if !line.isEmpty { endLine() }
        if !current.isEmpty { contents.messages.append(current) }
        return contents
    }
}
