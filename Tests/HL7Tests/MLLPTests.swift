import HL7
import Testing

@Suite("MLLP framing")
struct MLLPTests {
    static let first = Array("MSH|^~\\&|A|B\rPID|1\r".utf8)
    static let second = Array("MSH|^~\\&|C|D\rPV1|1\r".utf8)

    @Test("a frame split at every byte boundary, and several frames in one read, give the same messages")
    func splitsAndBatches() {
        let stream = MLLPDecoder.frame(Self.first) + MLLPDecoder.frame(Self.second)
        var whole = MLLPDecoder()
        #expect(whole.append(stream) == [.message(Self.first), .message(Self.second)])
        for cut in 1..<stream.count {
            var decoder = MLLPDecoder()
            let events = decoder.append(stream[..<cut]) + decoder.append(stream[cut...]) + decoder.finish()
            #expect(events == [.message(Self.first), .message(Self.second)], "cut at \(cut)")
        }
        var byByte = MLLPDecoder()
        #expect(stream.flatMap { byByte.append([$0]) } == [.message(Self.first), .message(Self.second)])
    }

    @Test("bytes before a start block are dropped and counted; a frame cut off by a new one or by the end is reported")
    func junkAndCutFrames() {
        var decoder = MLLPDecoder()
        let junk = Array("HELLO\r\n".utf8)
        #expect(decoder.append(junk + MLLPDecoder.frame(Self.first)) == [.discarded(bytes: junk.count), .message(Self.first)])
        // A start block, some bytes, then another start block: the first frame never ended.
        let cut = [MLLPDecoder.startBlock] + Self.first.prefix(5)
        #expect(decoder.append(cut + MLLPDecoder.frame(Self.second)) == [.incomplete(Array(Self.first.prefix(5))),
                                                                        .message(Self.second)])
        // A frame whose end block never comes: reported when the connection ends, and only then.
        #expect(decoder.append([MLLPDecoder.startBlock] + Self.first) == [])
        #expect(decoder.isInFrame)
        #expect(decoder.finish() == [.incomplete(Self.first)])
        #expect(!decoder.isInFrame && decoder.finish() == [])
        // An end block with no CR after it still ends the frame; a stray end block outside a frame is junk.
        var loose = MLLPDecoder()
        #expect(loose.append([MLLPDecoder.startBlock] + Self.first + [MLLPDecoder.endBlock, MLLPDecoder.startBlock]
            + Self.second + [MLLPDecoder.endBlock]) == [.message(Self.first), .message(Self.second)])
        #expect(loose.append([MLLPDecoder.endBlock, 0x41]) == [.discarded(bytes: 2)])
    }

    @Test("a frame beyond the limit is dropped up to its end, counted, and the next frame is read")
    func oversized() {
        var decoder = MLLPDecoder(maximumFrameBytes: 10)
        let big = [UInt8](repeating: 0x41, count: 25)
        let events = decoder.append(MLLPDecoder.frame(big) + MLLPDecoder.frame(Array("MSH|^~\\&".utf8)))
        #expect(events == [.oversized(bytes: 25), .message(Array("MSH|^~\\&".utf8))])
        // Exactly at the limit is read.
        var exact = MLLPDecoder(maximumFrameBytes: 10)
        #expect(exact.append(MLLPDecoder.frame(Array(big.prefix(10)))) == [.message(Array(big.prefix(10)))])
        // Oversized and then cut off by the connection's end.
        var open = MLLPDecoder(maximumFrameBytes: 10)
        #expect(open.append([MLLPDecoder.startBlock] + big) == [])
        #expect(open.finish() == [.oversized(bytes: 25)])
    }
}
