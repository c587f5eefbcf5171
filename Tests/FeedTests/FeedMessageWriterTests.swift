import Feed
import Foundation
import HL7
import PatientTwin
import Testing

@Suite("messages written for events read back as the same events")
struct FeedMessageWriterTests {
    static let london = TimeZone(identifier: "Europe/London")!
    static let sender = FeedSender(application: "PAS", facility: "RXX01")

    static func event(_ kind: FeedEvent.Kind, minute: Double, vitals: VitalSigns? = nil, merged: String? = nil,
                      disposition: String = "") -> FeedEvent
    {
        FeedEvent(kind: kind, minute: minute, localID: "D0001|^~\\&", nhsID: "9434765919",
                  birthDate: DateComponents(year: 1941, month: 2, day: 28), sex: .female, patientClass: "I",
                  location: FeedEvent.Location(pointOfCare: "WD07", room: "B2", bed: "4", facility: "RXX01"),
                  admissionType: "E", priorLocation: kind == .transfer ? FeedEvent.Location(pointOfCare: "AMU") : nil,
                  hospitalService: "430", visitNumber: "V77", dischargeDisposition: disposition, mergedLocalID: merged,
                  vitals: vitals, controlID: "C\(kind.rawValue)", admittedAt: kind == .register ? nil : minute - 4321.5)
    }

    @Test("every kind, in winter and summer time, at a whole ten-thousandth of a second")
    func roundTrip() throws {
        // 2027-01-15 09:30:12.3456 UTC and 2027-07-15 23:59:59.9999 UTC (00:59 local, the next day).
        let winter = (Double(20_833 * 1440 + 9 * 60 + 30) + 12.3456 / 60)
        let summer = (Double(21_014 * 1440 + 23 * 60 + 59) + 59.9999 / 60)
        for minute in [winter, summer] {
            for kind in FeedEvent.Kind.allCases {
                let tick = (minute * 600_000).rounded() / 600_000
                let written = Self.event(kind, minute: tick,
                                         vitals: kind == .observation ? VitalSigns.scoring(9) : nil,
                                         merged: kind == .merge ? "TMP9" : nil, disposition: kind == .discharge ? "79" : "")
                let message = FeedMessageWriter.message(for: written, from: Self.sender, timeZone: Self.london)
                let read = try FeedMessageReader.event(from: try HL7Parser.parse(message.bytes), timeZone: Self.london)
                #expect(abs(read.minute - written.minute) < 1e-6, "\(kind): \(read.minute) vs \(written.minute)")
                let same = FeedEvent(kind: read.kind, minute: written.minute, localID: read.localID, nhsID: read.nhsID,
                                     birthDate: read.birthDate, sex: read.sex, patientClass: read.patientClass,
                                     location: read.location, admissionType: read.admissionType,
                                     priorLocation: read.priorLocation, hospitalService: read.hospitalService,
                                     visitNumber: read.visitNumber, dischargeDisposition: read.dischargeDisposition,
                                     mergedLocalID: read.mergedLocalID, vitals: read.vitals, controlID: read.controlID,
                                     admittedAt: read.admittedAt.map { $0 - read.minute + written.minute })
                #expect(same == written, "\(kind)")
                #expect(abs((read.admittedAt ?? 0) - (written.admittedAt ?? 0)) < 1e-6, "\(kind): PV1-44")
                #expect(read.dischargeDestination == (kind == .discharge ? .died : .other))
            }
        }
    }

    @Test("the local time and its offset: 09:30 in January is +0000, in July 10:30 +0100")
    func localTimes() throws {
        let january = Double(20_833 * 1440 + 9 * 60 + 30)
        let text = String(decoding: FeedMessageWriter.message(for: Self.event(.admit, minute: january), from: Self.sender,
                                                             timeZone: Self.london).bytes, as: UTF8.self)
        #expect(text.contains("EVN|A01|20270115093000.0000+0000||||20270115093000.0000+0000"))
        #expect(HL7DateTime.text(epochMinute: january + 181 * 1440, utcOffsetMinutes: 60) == "20270715103000.0000+0100")
        #expect(HL7DateTime.text(epochMinute: -1.0 / 600_000, utcOffsetMinutes: -330) == "19691231182959.9999-0530")
        #expect(HL7DateTime.text(epochMinute: 0, utcOffsetMinutes: 0) == "19700101000000.0000+0000")
        // 29 February of a leap year, and a year beyond 2100.
        #expect(HL7DateTime(HL7DateTime.text(epochMinute: Double(11_016 * 1440), utcOffsetMinutes: 0))?.day == 29)
        #expect(HL7DateTime.text(epochMinute: Double(47_541 * 1440), utcOffsetMinutes: 0).hasPrefix("21000301"))
    }

    @Test("discharge destinations by their NHS codes; the codes written read back")
    func destinations() {
        for destination in DischargeDestination.allCases {
            #expect(DischargeDestination(code: destination.code) == destination)
        }
        #expect(DischargeDestination(code: "29") == .home)
        #expect(DischargeDestination(code: "87") == .otherHospital)
        #expect(DischargeDestination(code: " 79 ") == .died)
        #expect(DischargeDestination(code: "") == .other)
        #expect(!DischargeDestination.died.isFollowedForReadmission && DischargeDestination.careHome.isFollowedForReadmission)
    }
}
