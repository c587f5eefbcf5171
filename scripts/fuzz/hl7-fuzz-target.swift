// libFuzzer target for the HL7 library: parser, serializer, escaping, acknowledgements and MLLP framing, compiled
// in one module with Sources/HL7 by scripts/fuzz-hl7.sh (swiftc -sanitize=fuzzer,address). Not part of the package.
// Besides "no crash", each input checks properties: a parsed message written back parses to the same message; an
// acknowledgement of it parses and names its control id; framing any split of the bytes gives the same events.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    checkMessage(bytes)
    checkFraming(bytes)
    return 0
}

func checkMessage(_ bytes: [UInt8]) {
    var limits = HL7Limits()
    limits.messageBytes = 64 * 1024
    let message: HL7Message
    do { message = try HL7Parser.parse(bytes, limits: limits) } catch { return }
    let written = message.bytes
    let again: HL7Message
    do { again = try HL7Parser.parse(written, limits: limits) } catch {
        fatalError("a parsed message written back does not parse: \(error)")
    }
    if again != message {
        let index = (0..<min(message.segments.count, again.segments.count)).first { message.segments[$0] != again.segments[$0] } ?? min(message.segments.count, again.segments.count)
        let before = index < message.segments.count ? "\(message.segments[index])" : "nothing"
        let after = index < again.segments.count ? "\(again.segments[index])" : "nothing"
        fatalError("a parsed message written back parses to another message: segment \(index + 1) was \(before), "
            + "is \(after); encoding \(message.encoding) then \(again.encoding)")
    }
    let outcome = HL7Outcome.error(.dataTypeError, "PID-7: '\\X0D\\' |^~\\&")
    for code in ["AA", "AE", "AR", "CA"] {
        let ack = HL7Acknowledgement.make(for: message, code: code, outcome: outcome, controlID: "ACK1", timestamp: "20260101")
        let parsed: HL7Message
        do { parsed = try HL7Parser.parse(ack, limits: HL7Limits()) } catch {
            fatalError("an acknowledgement does not parse: \(error)")
        }
        precondition(parsed.segment("MSA")?[1] == code, "the acknowledgement's code")
        precondition(parsed.segment("MSA")?[2] == message.controlID, "the acknowledgement names the control id")
    }
}

func checkFraming(_ bytes: [UInt8]) {
    var whole = MLLPDecoder(maximumFrameBytes: 4096)
    let expected = whole.append(bytes) + whole.finish()
    // The same bytes in pieces cut where the bytes themselves say (so the split is part of the input).
    var pieces = MLLPDecoder(maximumFrameBytes: 4096)
    var events: [MLLPDecoder.Event] = []
    var index = 0
    while index < bytes.count {
        let length = 1 + Int(bytes[index] % 7)
        events += pieces.append(bytes[index..<min(bytes.count, index + length)])
        index += length
    }
    events += pieces.finish()
    precondition(merged(events) == merged(expected), "framing depends on how the bytes are split")
}

/// Discarded-byte counts merged, as a split can divide a run of them.
func merged(_ events: [MLLPDecoder.Event]) -> [MLLPDecoder.Event] {
    var out: [MLLPDecoder.Event] = []
    for event in events {
        if case .discarded(let n) = event, case .discarded(let m)? = out.last {
            out[out.count - 1] = .discarded(bytes: n + m)
        } else {
            out.append(event)
        }
    }
    return out
}
