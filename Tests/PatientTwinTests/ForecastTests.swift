import CSVFiles
import Foundation
import PatientTwin
import Simulation
import Testing
import TestSupport

/// Forecasts are made as of the right time: by default the latest time anywhere in the files, and with an
/// explicit time, on the history up to then and nothing after.
@Suite("forecasts as of a time")
struct ForecastAsOfTests {
    static let day = 1440.0
    static let origin = RecordTime.epochMinute(parsing: "2025-03-03T00:00:00Z")!

    /// Three patients. A: admitted day 0 to ED, ward from 6 h, discharged home on day 5. B: admitted on day 1
    /// (the last admission in the file), on a ward since day 1 + 4 h, still in hospital at the export. C: admitted
    /// day 0, discharged on day 4. The export ends with A's discharge, four days after the last admission.
    static func files() throws -> (episodes: String, observations: String) {
        func time(_ days: Double) -> String { RecordTime.format(origin + days * day) }
        let attributes = "emergency,general_medicine,respiratory,72,female,2,4,5,1,0"
        let episodes = """
            spell_id,patient_id,pathway,admission_method,specialty,diagnosis_group,age,sex,charlson_index,frailty_score,deprivation_decile,ed_visits_6m,admissions_12m,admission_news2,unit,start,end,discharge_destination
            a1,A,emergency_medical,\(attributes),2,ed,\(time(0)),\(time(0.25)),
            a1,A,emergency_medical,\(attributes),2,ward,\(time(0.25)),\(time(5)),home
            b1,B,emergency_medical,\(attributes),1,ed,\(time(1)),\(time(1 + 4 / 24)),
            b1,B,emergency_medical,\(attributes),1,ward,\(time(1 + 4 / 24)),,
            c1,C,emergency_medical,\(attributes),,ed,\(time(0)),\(time(0.2)),
            c1,C,emergency_medical,\(attributes),,ward,\(time(0.2)),\(time(4)),home
            """
        let observations = """
            patient_id,time,news2
            B,\(time(1.5)),3
            B,\(time(3)),7
            A,\(time(2.5)),6
            """
        let directory = NSTemporaryDirectory() + "forecast-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try episodes.write(toFile: directory + "/episodes.csv", atomically: true, encoding: .utf8)
        try observations.write(toFile: directory + "/observations.csv", atomically: true, encoding: .utf8)
        return (directory + "/episodes.csv", directory + "/observations.csv")
    }

    @Test("by default the census is taken at the latest time anywhere in the files, not the last admission")
    func defaultTimeIsTheExport() throws {
        let (episodes, observations) = try Self.files()
        defer { try? FileManager.default.removeItem(atPath: (episodes as NSString).deletingLastPathComponent) }
        var problems: [String] = []
        let census = try TwinForecasts.census(episodesPath: episodes, observationsPath: observations, at: nil) {
            problems.append($0)
        }
        #expect(problems.isEmpty)
        #expect(census.minute == Self.origin + 5 * Self.day && census.latestMinuteInFiles == census.minute)
        // A was discharged at that instant and C the day before: only B is in hospital, four days into its spell.
        #expect(census.patients.map(\.spell.patientID) == ["B"])
        let twin = try #require(census.patients.first?.twin)
        #expect(twin.state == .ward && twin.latestNEWS2 == 7)
        #expect(abs(twin.minutesInState(at: census.minute) - (4 - 4.0 / 24) * Self.day) < 1e-6)
        let forecasts = try TwinForecasts.forecast(census, predictor: try TrajectoryPredictor(model: .builtIn),
                                                   samples: 200, seed: 1, threads: 2)
        #expect(forecasts.count == 1 && forecasts[0].state == .ward)
    }

    @Test("--at cuts the history: later stays, discharges and observations are unseen")
    func atCutsTheHistory() throws {
        let (episodes, observations) = try Self.files()
        defer { try? FileManager.default.removeItem(atPath: (episodes as NSString).deletingLastPathComponent) }
        let at = Self.origin + 2 * Self.day
        let census = try TwinForecasts.census(episodesPath: episodes, observationsPath: observations, at: at) { _ in }
        #expect(census.minute == at)
        // On day 2 all three were in hospital: A and C discharged later, so still there then.
        #expect(census.patients.map(\.spell.patientID).sorted() == ["A", "B", "C"])
        for patient in census.patients {
            #expect(patient.twin.state == .ward && !patient.twin.isDischarged)
            #expect(patient.spell.discharge == nil && patient.spell.stays.last?.endMinute == nil)
        }
        let b = try #require(census.patients.first { $0.spell.patientID == "B" })
        #expect(b.twin.latestNEWS2 == 3)  // the NEWS2 of 7 on day 3 is in the future
        let a = try #require(census.patients.first { $0.spell.patientID == "A" })
        #expect(a.twin.latestNEWS2 == 2)  // admission NEWS2; the 6 on day 2.5 is unseen
        // Before anyone arrived there is no one; between A's ED and ward stays A is in ED.
        #expect(try TwinForecasts.census(episodesPath: episodes, observationsPath: nil, at: Self.origin - 1) { _ in }
            .patients.isEmpty)
        let early = try TwinForecasts.census(episodesPath: episodes, observationsPath: nil, at: Self.origin + 0.1 * Self.day) { _ in }
        #expect(early.patients.first { $0.spell.patientID == "A" }?.twin.state == .ed)
    }

    @Test("each census twin counts the patient's earlier spells, so its draws are keyed like the live twin's")
    func earlierSpellsAreCounted() throws {
        func time(_ days: Double) -> String { RecordTime.format(Self.origin + days * Self.day) }
        let attributes = "emergency,general_medicine,respiratory,72,female,2,4,5,1,0"
        let text = """
            spell_id,patient_id,admission_method,specialty,diagnosis_group,age,sex,charlson_index,frailty_score,deprivation_decile,ed_visits_6m,admissions_12m,unit,start,end,discharge_destination
            s1,P,\(attributes),ward,\(time(0)),\(time(3)),home
            s2,P,\(attributes),ward,\(time(10)),,
            """
        let path = NSTemporaryDirectory() + "spells-\(UUID().uuidString).csv"
        defer { unlink(path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let census = try TwinForecasts.census(episodesPath: path, observationsPath: nil, at: nil) { _ in }
        #expect(census.patients.map(\.twin.spell) == [1])
    }
}
