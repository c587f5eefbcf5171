import HL7

/// What of a message is kept when it is stored: the message with its patient identifiers replaced by keyed
/// pseudonyms and the fields that identify a person without being needed (names, addresses, phone numbers, next of
/// kin) emptied. Birth date and sex stay (the twins need the age); so do locations, times and observations.
public enum FeedPrivacy {
    /// The identifier type (CX.5) a pseudonymised NHS number carries, so that a stored message reads back.
    public static let pseudonymisedNHSType = "NHP"
    /// PID fields emptied: 2 and 4 (other patient ids), 5 name, 6 mother's maiden name, 9 alias, 11 address, 13 and
    /// 14 telephone numbers, 19 social security number, 20 driving licence, 21 mother's identifier.
    static let emptiedPID: Set<Int> = [2, 4, 5, 6, 9, 11, 13, 14, 19, 20, 21]
    /// Segments dropped: next of kin, guarantor, insurance (names, addresses and numbers of other people).
    static let droppedSegments: Set<String> = ["NK1", "GT1", "IN1", "IN2", "IN3"]

    /// `message` as stored. Local identifiers become `PSN-…` pseudonyms in namespace "MR:" + their assigning
    /// authority; NHS numbers pseudonyms in namespace "NHS", marked `NHP`; PV1-19 (the visit number) a pseudonym
    /// in namespace "VN". The same identifier gives the same pseudonym in every message (the key is the trust's).
    public static func pseudonymised(_ message: HL7Message, with pseudonymiser: Pseudonymiser) -> HL7Message {
        var segments: [HL7Segment] = []
        for segment in message.segments where !droppedSegments.contains(segment.name) {
            switch segment.name {
            case "PID":
                segments.append(rewrite(segment) { number, field in
                    if number == 3 { return identifiers(field, pseudonymiser) }
                    return emptiedPID.contains(number) ? HL7Field(repetitions: []) : field
                })
            case "MRG":
                // MRG-1 the merged identifiers, MRG-7 the prior name.
                segments.append(rewrite(segment) { number, field in
                    number == 1 ? identifiers(field, pseudonymiser) : number == 7 ? HL7Field(repetitions: []) : field
                })
            case "PV1":
                segments.append(rewrite(segment) { number, field in
                    guard number == 19, !field.isEmpty, !field.value().hasPrefix("PSN-") else { return field }
                    return HL7Field(repetitions: [[[pseudonymiser.pseudonym(field.value(), namespace: "VN")]]])
                })
            default:
                segments.append(segment)
            }
        }
        return HL7Message(segments: segments, encoding: message.encoding, characterSet: message.characterSet)
    }

    static func rewrite(_ segment: HL7Segment, _ change: (Int, HL7Field) -> HL7Field) -> HL7Segment {
        HL7Segment(name: segment.name, fields: segment.fields.enumerated().map { change($0.offset + 1, $0.element) })
    }

    /// Each CX repetition's id (CX.1) replaced by its pseudonym; its check digit (CX.2, CX.3) emptied; an NHS
    /// number's type set to `NHP`.
    static func identifiers(_ field: HL7Field, _ pseudonymiser: Pseudonymiser) -> HL7Field {
        HL7Field(repetitions: field.repetitions.map { components in
            var components = components
            let id = components.first?.first ?? ""
            guard !id.isEmpty else { return components }
            while components.count < 5 { components.append([""]) }
            let authority = components[3].first?.uppercased() ?? ""
            let type = components[4].first?.uppercased() ?? ""
            if type == pseudonymisedNHSType || id.hasPrefix("PSN-") { return components }  // already a pseudonym
            if type == "NH" || authority == "NHS" || authority == "NH" {
                let digits = NHSNumber(id)?.digits ?? id
                components[0] = [pseudonymiser.pseudonym(digits, namespace: "NHS")]
                components[4] = [pseudonymisedNHSType]
            } else {
                components[0] = [pseudonymiser.pseudonym(id, namespace: "MR:" + authority)]
            }
            components[1] = [""]
            components[2] = [""]
            return components
        })
    }
}
