import Feed
import Testing

/// A file cut into pieces at `cuts` (sorted byte offsets) and given to a splitter piece by piece.
private func split(_ bytes: [UInt8], at cuts: [Int], bound: Int = 1 << 20) -> MessageFiles.Contents {
    var splitter = MessageSplitter(maximumMessageBytes: bound)
    var contents = MessageFiles.Contents()
    var start = 0
    for cut in cuts + [bytes.count] where cut >= start {
        let piece = splitter.append(bytes[start..<cut])
        contents.messages += piece.messages
        contents.skipped += piece.skipped
        start = cut
    }
    let rest = splitter.finish()
    return MessageFiles.Contents(messages: contents.messages + rest.messages, skipped: contents.skipped + rest.skipped)
}

/// SplitMix64 (Steele et al. 2014), for reproducible cut points.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func message(_ number: Int, segments: Int = 3) -> String {
    "MSH|^~\\&|PAS|RXX|TWIN|RXX|202606011432||ADT^A01|C\(number)|P|2.5\r"
        + (1..<segments).map { "ZZZ|\(number)|\($0)|" + String(repeating: "x", count: number % 50) }.joined(separator: "\r") + "\r"
}

@Suite("message files read as a stream")
struct MessageFilesTests {
    /// Text messages with LF, CRLF and CR line ends, a batch header, blank lines and a stray line; over the 64 kB
    /// the kind is decided on, so the decision falls inside the pieces.
    static let text: [UInt8] = {
        var text = "a stray line\nFHS|^~\\&|PAS\r\nBHS|^~\\&\n\n"
        for number in 0..<600 {
            let ends = ["\n", "\r\n", "\r"][number % 3]
            text += message(number).replacingOccurrences(of: "\r", with: ends) + (number % 7 == 0 ? "  \n" : "")
        }
        return Array((text + "BTS|600\nFTS|1").utf8)
    }()

    @Test("the messages and what is skipped are the same however the file is cut")
    func cutAnywhere() {
        let whole = MessageFiles.messages(in: Self.text)
        #expect(whole.messages.count == 600 && whole.messages.first == Array(message(0).utf8)
            && whole.messages.last == Array(message(599).utf8))
        #expect(whole.skipped == ["line 1: 'a stray line' is before any MSH"])
        #expect(Self.text.count > MessageSplitter.sniffBytes)
        var generator = SplitMix(seed: 18)
        for pieces in [1, 2, 3, 17, 400] {
            let cuts = (0..<pieces).map { _ in Int(generator.next() % UInt64(Self.text.count)) }.sorted()
            let cut = split(Self.text, at: cuts)
            #expect(cut.messages == whole.messages && cut.skipped == whole.skipped, "cut at \(cuts.prefix(5))")
        }
        // Byte by byte, and at every offset around the point the kind is decided.
        #expect(split(Self.text, at: Array(0..<Self.text.count)).messages == whole.messages)
        for offset in MessageSplitter.sniffBytes - 3...MessageSplitter.sniffBytes + 3 {
            #expect(split(Self.text, at: [offset]).messages == whole.messages)
        }
    }

    @Test("MLLP frames are read frame by frame however they are cut; junk between frames and a cut-off frame are said")
    func mllpFrames() {
        var bytes: [UInt8] = Array("junk".utf8)
        for number in 0..<600 { bytes += [0x0B] + Array(message(number).utf8) + [0x1C, 0x0D] }
        bytes += [0x0B] + Array("MSH|^~\\&|cut off".utf8)
        let whole = MessageFiles.messages(in: bytes)
        #expect(whole.messages.count == 600 && whole.messages[7] == Array(message(7).utf8))
        #expect(whole.skipped == ["4 bytes outside any MLLP frame", "a frame of 16 bytes without its end block"], "\(whole.skipped)")
        var generator = SplitMix(seed: 7)
        let cuts = (0..<50).map { _ in Int(generator.next() % UInt64(bytes.count)) }.sorted()
        let cut = split(bytes, at: cuts)
        #expect(cut.messages == whole.messages && cut.skipped == whole.skipped)
    }

    @Test("a message or a line over the bound is dropped whole and said with its line; the reading goes on")
    func oversized() {
        // Message C1 has a segment of 300 bytes: over a 200-byte bound, its other segments go with it.
        let long = "MSH|^~\\&|PAS|RXX|TWIN|RXX|202606011432||ADT^A01|C1|P|2.5\nZZZ|" + String(repeating: "y", count: 300)
            + "\nZZZ|after\n"
        let text = Array((message(0).replacingOccurrences(of: "\r", with: "\n") + long + message(2)).utf8)
        let contents = MessageFiles.messages(in: text, maximumMessageBytes: 200)
        #expect(contents.messages == [Array(message(0).utf8), Array(message(2).utf8)])
        #expect(contents.skipped == ["line 4: a message or line of \(long.utf8.count) bytes, over the 200 a message may have"],
                "\(contents.skipped)")
        // The bytes counted are the message's as it would be stored: each segment with its end.
        // A file of NUL bytes with no line end at all (a disk image given by mistake), then a message.
        let zeros = [UInt8](repeating: 0, count: 5000) + Array(("\n" + message(3)).utf8)
        let afterZeros = MessageFiles.messages(in: zeros, maximumMessageBytes: 200)
        #expect(afterZeros.messages == [Array(message(3).utf8)])
        #expect(afterZeros.skipped == ["line 1: a message or line of 5001 bytes, over the 200 a message may have"], "\(afterZeros.skipped)")
        // Cut anywhere, the same.
        #expect(split(zeros, at: [1, 199, 200, 201, 4999, 5000], bound: 200).skipped == afterZeros.skipped)
        // An MLLP frame over the bound.
        let frames = [0x0B] + [UInt8](repeating: 0x41, count: 300) + [0x1C, 0x0D, 0x0B] + Array(message(4).utf8) + [0x1C, 0x0D]
        let mllp = MessageFiles.messages(in: frames, maximumMessageBytes: 200)
        #expect(mllp.messages == [Array(message(4).utf8)] && mllp.skipped.count == 1 && mllp.skipped[0].contains("over the 200"))
    }

    @Test("an empty file, or one of blank lines, holds nothing and says nothing")
    func empty() {
        #expect(MessageFiles.messages(in: []).messages.isEmpty && MessageFiles.messages(in: []).skipped.isEmpty)
        let blank = MessageFiles.messages(in: Array("\n\r\n  \n\t\r".utf8))
        #expect(blank.messages.isEmpty && blank.skipped.isEmpty)
    }
}
