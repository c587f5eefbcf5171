import HL7

/// Messages in a file as integration engines write them: MLLP frames (a file whose first 64 kB hold a start block
/// `0x0B` is read frame by frame), or text with one message after another — each MSH line starts a message;
/// segments end at CR, LF or CRLF; blank lines and batch headers and trailers (FHS, BHS, BTS, FTS) are skipped.
///
/// Read as a stream (`MessageSplitter`), so a file of any length is read in bounded memory: no message, and no line,
/// may be longer than `maximumMessageBytes` (1 MiB by default); a longer one is skipped and said, and the reading
/// goes on at the next message.
public enum MessageFiles {
    /// What a file holds: its messages (each with CR segment ends) and what was not a message.
    public struct Contents: Sendable {
        /// Each message's bytes, segments ended by CR, in file order.
        public var messages: [[UInt8]] = []
        /// Lines before the first MSH, frames cut off, and the like, each with why.
        public var skipped: [String] = []

        /// Contents from their parts.
        public init(messages: [[UInt8]] = [], skipped: [String] = []) {
            self.messages = messages
            self.skipped = skipped
        }
    }

    /// Splits `bytes` (a whole file) into messages: the same as giving them to a `MessageSplitter` in any pieces.
    public static func messages(in bytes: [UInt8], maximumMessageBytes: Int = 1 << 20) -> Contents {
        var splitter = MessageSplitter(maximumMessageBytes: maximumMessageBytes)
        var contents = splitter.append(bytes)
        let rest = splitter.finish()
        contents.messages += rest.messages
        contents.skipped += rest.skipped
        return contents
    }
}

/// Splits a file's bytes, given in pieces of any size, into messages (`MessageFiles`): what `append` returns for
/// the pieces and `finish` together are the same however the file was cut.
public struct MessageSplitter: Sendable {
    /// Bytes looked at before the file's kind is decided: MLLP when they hold a start block.
    public static let sniffBytes = 64 << 10

    private enum Mode: Sendable { case undecided, mllp, text }
    private let maximumMessageBytes: Int
    private var mode = Mode.undecided
    private var sniffed: [UInt8] = []
    private var decoder: MLLPDecoder
    // Text mode: the message so far and the line (1-based) it starts on, the line so far, lines ended, the
    // previous byte.
    private var current: [UInt8] = []
    private var currentLine = 0
    private var line: [UInt8] = []
    private var lineNumber = 0
    private var previous: UInt8 = 0
    /// A message too long to keep: the line it starts on and its bytes so far; its lines are counted, not kept,
    /// until the next MSH.
    private var skipping: (line: Int, bytes: Int)?
    /// The rest of the physical line that made the message too long is counted, not kept.
    private var droppingLine = false

    /// - Parameter maximumMessageBytes: the longest message or line kept, bytes (≥ 1).
    public init(maximumMessageBytes: Int = 1 << 20) {
        precondition(maximumMessageBytes >= 1, "a message bound of at least one byte")
        self.maximumMessageBytes = maximumMessageBytes
        decoder = MLLPDecoder(maximumFrameBytes: maximumMessageBytes)
    }

    /// The messages completed by `bytes`, and what was skipped.
    public mutating func append(_ bytes: some Collection<UInt8>) -> MessageFiles.Contents {
        var contents = MessageFiles.Contents()
        switch mode {
        case .undecided:
            sniffed += bytes
            guard sniffed.count >= Self.sniffBytes else { return contents }
            decide(into: &contents)
        case .mllp: mllp(decoder.append(bytes), into: &contents)
        case .text: text(bytes, into: &contents)
        }
        return contents
    }

    /// What is left at the end of the file: a last message, a frame without its end block.
    public mutating func finish() -> MessageFiles.Contents {
        var contents = MessageFiles.Contents()
        if mode == .undecided { decide(into: &contents) }
        switch mode {
        case .mllp: mllp(decoder.finish(), into: &contents)
        case .text, .undecided:
            if !line.isEmpty || droppingLine { endLine(into: &contents) }
            endSkip(into: &contents)
            if !current.isEmpty { contents.messages.append(current) }
            current = []
        }
        return contents
    }

    private mutating func decide(into contents: inout MessageFiles.Contents) {
        let bytes = sniffed
        sniffed = []
        if bytes.contains(MLLPDecoder.startBlock) {
            mode = .mllp
            mllp(decoder.append(bytes), into: &contents)
        } else {
            mode = .text
            text(bytes, into: &contents)
        }
    }

    private func mllp(_ events: [MLLPDecoder.Event], into contents: inout MessageFiles.Contents) {
        for event in events {
            switch event {
            case .message(let message): contents.messages.append(message)
            case .discarded(let count): contents.skipped.append("\(count) bytes outside any MLLP frame")
            case .incomplete(let partial): contents.skipped.append("a frame of \(partial.count) bytes without its end block")
            case .oversized(let count): contents.skipped.append("a frame of \(count) bytes, over the \(maximumMessageBytes) a message may have")
            }
        }
    }

    private mutating func text(_ bytes: some Collection<UInt8>, into contents: inout MessageFiles.Contents) {
        let array = Array(bytes)
        array.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0D && buffer[end] != 0x0A { end += 1 }
                if end > start {
                    take(UnsafeBufferPointer(rebasing: buffer[start..<end]))
                    previous = buffer[end - 1]
                }
                guard end < buffer.count else { return }
                // A line end; LF after CR ends nothing more.
                if !(buffer[end] == 0x0A && previous == 0x0D) { endLine(into: &contents) }
                previous = buffer[end]
                start = end + 1
            }
        }
    }

    /// A piece of a line, without line ends.
    private mutating func take(_ piece: UnsafeBufferPointer<UInt8>) {
        if droppingLine {
            skipping?.bytes += piece.count
            return
        }
        line.append(contentsOf: piece)
        if line.count + current.count > maximumMessageBytes {
            // Too long: the message (or the stray line) is dropped whole, and said once.
            let start = current.isEmpty ? lineNumber + 1 : currentLine
            skipping = (skipping?.line ?? start, (skipping?.bytes ?? 0) + line.count + current.count)
            line.removeAll()
            current.removeAll()
            droppingLine = true
        }
    }

    private mutating func endSkip(into contents: inout MessageFiles.Contents) {
        guard let skipped = skipping else { return }
        contents.skipped.append("line \(skipped.line): a message or line of \(skipped.bytes) bytes, over the "
            + "\(maximumMessageBytes) a message may have")
        skipping = nil
    }

    private mutating func endLine(into contents: inout MessageFiles.Contents) {
        defer { line.removeAll(keepingCapacity: true) }
        lineNumber += 1
        if droppingLine {
            skipping?.bytes += 1  // its end, as a segment's CR would be
            droppingLine = false
            return
        }
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        let head = String(decoding: line.prefix(3), as: UTF8.self)
        if ["FHS", "BHS", "BTS", "FTS"].contains(head) { return }
        if head == "MSH" {
            endSkip(into: &contents)
            if !current.isEmpty { contents.messages.append(current) }
            current = line + [0x0D]
            currentLine = lineNumber
        } else if skipping != nil {
            skipping?.bytes += line.count + 1
        } else if current.isEmpty {
            contents.skipped.append("line \(lineNumber): '\(String(decoding: line.prefix(20), as: UTF8.self))' is before any MSH")
        } else {
            current += line + [0x0D]
        }
    }
}
