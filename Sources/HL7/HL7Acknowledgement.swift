/// How a received message came out, for its acknowledgement.
public enum HL7Outcome: Sendable, Hashable {
    /// Stored and applied (or recognised as already applied: a retransmission).
    case accepted
    /// Stored in quarantine: it could be read but not applied (an unmapped location, a patient not known); the
    /// code and reason go back in ERR and MSA-3.
    case error(HL7ErrorCode, String)
    /// Refused: it could not be read as HL7 at all, or is not a message this receiver takes.
    case rejected(HL7ErrorCode, String)
}

extension HL7Outcome: CustomStringConvertible {
    /// "accepted", or the condition and reason: "error 204 (Unknown key identifier): …".
    public var description: String {
        switch self {
        case .accepted: "accepted"
        case .error(let code, let why): "error \(code.rawValue) (\(code.text)): \(why)"
        case .rejected(let code, let why): "rejected \(code.rawValue) (\(code.text)): \(why)"
        }
    }
}

/// HL7 table 0357, the message error conditions an acknowledgement names in ERR-3.
public enum HL7ErrorCode: String, Sendable, Hashable, CaseIterable {
    case segmentSequenceError = "100"
    case requiredFieldMissing = "101"
    case dataTypeError = "102"
    case tableValueNotFound = "103"
    case unsupportedMessageType = "200"
    case unsupportedEventCode = "201"
    case unsupportedProcessingID = "202"
    case unsupportedVersionID = "203"
    case unknownKeyIdentifier = "204"
    case duplicateKeyIdentifier = "205"
    case applicationRecordLocked = "206"
    case applicationInternalError = "207"

    /// The table's text for the code.
    public var text: String {
        switch self {
        case .segmentSequenceError: "Segment sequence error"
        case .requiredFieldMissing: "Required field missing"
        case .dataTypeError: "Data type error"
        case .tableValueNotFound: "Table value not found"
        case .unsupportedMessageType: "Unsupported message type"
        case .unsupportedEventCode: "Unsupported event code"
        case .unsupportedProcessingID: "Unsupported processing id"
        case .unsupportedVersionID: "Unsupported version id"
        case .unknownKeyIdentifier: "Unknown key identifier"
        case .duplicateKeyIdentifier: "Duplicate key identifier"
        case .applicationRecordLocked: "Application record locked"
        case .applicationInternalError: "Application internal error"
        }
    }
}

/// The acknowledgement a receiver sends for a message (HL7 v2, chapter 2): which code, whether one is sent at all,
/// and its bytes.
///
/// Original mode (MSH-15 and MSH-16 empty): every message gets an application acknowledgement, AA, AE or AR.
/// Enhanced mode (MSH-15 given): the receiver answers with the commit acknowledgement MSH-15 asks for — CA, CE
/// or CR — when its condition holds (AL always, NE never, ER only on an error or rejection, SU only on success);
/// this receiver commits and applies in one transaction, so it sends no later application acknowledgement.
public enum HL7Acknowledgement {
    /// The MSA-1 code to send for `outcome`, or nil when the sender asked for none.
    public static func code(for outcome: HL7Outcome, acceptAcknowledgementType: String) -> String? {
        let condition = acceptAcknowledgementType.uppercased()
        let enhanced = !condition.isEmpty
        let success: Bool
        let code: String
        switch outcome {
        case .accepted:
            success = true
            code = enhanced ? "CA" : "AA"
        case .error:
            success = false
            code = enhanced ? "CE" : "AE"
        case .rejected:
            success = false
            code = enhanced ? "CR" : "AR"
        }
        switch condition {
        case "", "AL": return code
        case "NE": return nil
        case "ER": return success ? nil : code
        case "SU": return success ? code : nil
        default: return code  // an unknown condition is answered, as in original mode
        }
    }

    /// The acknowledgement of `message` with MSA-1 `code`: MSH with sender and receiver swapped, MSH-9
    /// ACK^event^ACK, control id `controlID`, processing id and version as received; MSA with the received control
    /// id and, for an error or rejection, the reason (escaped) in MSA-3 and in an ERR segment. In the message's own
    /// delimiters. `timestamp` is the HL7 time of sending (YYYYMMDDHHMMSS).
    public static func make(for message: HL7Message, code: String, outcome: HL7Outcome, controlID: String,
                            timestamp: String) -> [UInt8]
    {
        let encoding = message.encoding
        let msh = message.segments[0]
        let field = String(UnicodeScalar(encoding.field))
        let component = String(UnicodeScalar(encoding.component))
        func text(_ value: String) -> String { HL7Escaping.escape(value, encoding) }
        var reason = "", error: HL7ErrorCode?
        if case .error(let code, let why) = outcome { (error, reason) = (code, why) }
        if case .rejected(let code, let why) = outcome { (error, reason) = (code, why) }
        let header = ["MSH", msh[2], text(msh[5]), text(msh[6]), text(msh[3]), text(msh[4]), timestamp, "",
                      ["ACK", text(message.messageType.event), "ACK"].joined(separator: component), text(controlID),
                      text(msh[11]), text(msh[12])]
        // MSH-1 is the separator itself: "MSH" + separator + MSH-2 …
        var segments = ["MSH" + field + header.dropFirst().joined(separator: field)]
        segments.append(["MSA", code, text(message.controlID), text(reason)].joined(separator: field))
        if let error {
            // ERR-3 the condition (table 0357), ERR-4 severity E, ERR-8 the user message.
            let condition = [error.rawValue, error.text, "HL70357"].joined(separator: component)
            segments.append(["ERR", "", "", condition, "E", "", "", "", text(reason)].joined(separator: field))
        }
        return Array((segments.joined(separator: "\r") + "\r").utf8)
    }
}

/// Text written into an HL7 field: each delimiter (and the escape character) replaced by its escape sequence, and
/// CR and LF (which would end a segment) by \X0D\ and \X0A\.
public enum HL7Escaping {
    /// `text` as it must be written in a field of a message in `encoding`.
    public static func escape(_ text: String, _ encoding: HL7Encoding) -> String {
        guard let escape = encoding.escape else {
            // No escape character declared: delimiters (and CR, which ends a segment) cannot be written as text, so
            // they become spaces. A LF stays: written segments end in CR, so a LF is text (found by fuzzing).
            let delimiters: Set<UInt8> = [encoding.field, encoding.component, encoding.repetition, 0x0D]
            return String(decoding: text.utf8.map { delimiters.contains($0) ? 0x20 : $0 }, as: UTF8.self)
        }
        let special: (UInt8) -> Bool = {
            $0 == encoding.field || $0 == encoding.component || $0 == encoding.repetition || $0 == escape
                || $0 == encoding.subcomponent || $0 == encoding.truncation || $0 == 0x0D || $0 == 0x0A
        }
        // Most leaves need nothing: returned as they are, without building them again (it runs for every leaf).
        guard text.utf8.contains(where: special) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let sequence: String? =
                byte == encoding.field ? "F" : byte == encoding.component ? "S" : byte == encoding.repetition ? "R"
                : byte == escape ? "E" : byte == encoding.subcomponent ? "T" : byte == encoding.truncation ? "P"
                : byte == 0x0D ? "X0D" : byte == 0x0A ? "X0A" : nil
            if let sequence {
                out.append(escape)
                out += Array(sequence.utf8)
                out.append(escape)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
