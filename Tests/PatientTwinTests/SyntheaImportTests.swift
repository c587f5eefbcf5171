import Foundation
import PatientTwin
import Testing
import TestSupport

/// The importer on the Synthea sample in Tests/Fixtures/synthea (27 synthetic patients, Synthea 3.0.0, Apache-2.0,
/// its README and LICENSE beside it), which the repository carries so that these tests run everywhere. The expected
/// values are read off the sample's own rows.
@Suite("importing Synthea")
struct SyntheaImportTests {
    static let imported = try! SyntheaImporter.importExport(directory: SyntheaSample.directory)

    static func spell(startingAt timestamp: String) -> [EpisodeRow] {
        let minute = RecordTime.epochMinute(parsing: timestamp)!
        let id = imported.episodes.first { $0.startMinute == minute }!.spellID
        return imported.episodes.filter { $0.spellID == id }
    }

    @Test("11 inpatient and 17 emergency encounters make 27 spells: one ED attendance led to an admission")
    func spellCounts() throws {
        let spells = try EpisodeFile.spells(from: Self.imported.episodes)
        #expect(Self.imported.warnings.isEmpty)
        #expect(spells.count == 27 && Self.imported.spells == 27)
        #expect(spells.filter { $0.stays.count == 2 }.count == 1)
        #expect(spells.filter { $0.attributes.admissionMethod == .elective }.count == 10)
        #expect(Self.imported.patients == 14)
    }

    @Test("the appendicitis admission: ED then ward, emergency surgical, 46-year-old man, discharged home")
    func appendicitis() throws {
        let rows = Self.spell(startingAt: "2014-09-08T14:03:55Z")
        #expect(rows.map(\.unit) == [.ed, .ward])
        #expect(rows[0].endMinute == RecordTime.epochMinute(parsing: "2014-09-08T15:03:55Z"))
        #expect(rows[1].endMinute == RecordTime.epochMinute(parsing: "2014-09-12T09:51:25Z"))
        #expect(rows[1].dischargeDestination == .dischargedHome)
        let a = rows[0].attributes
        #expect(a.ageYears == 46 && a.sex == .male && a.admissionMethod == .emergency)
        #expect(a.diagnosisGroup == .gastrointestinal && a.specialty == .generalSurgery && a.charlsonIndex == 0)
        let spell = try EpisodeFile.spells(from: rows)[0]
        #expect(spell.pathway == .emergencySurgical)
    }

    @Test("deaths, comorbidity and prior use come from the export")
    func attributes() {
        // Myocardial infarction on the day he died: Charlson 1 (LACE weight), discharged dead.
        let mi = Self.spell(startingAt: "2004-03-21T11:25:06Z")
        #expect(mi.count == 1 && mi[0].dischargeDestination == .died && mi[0].attributes.charlsonIndex == 1)
        // Childhood asthma since 2012 is chronic pulmonary disease: Charlson 2 under the LACE weights.
        let asthma = Self.spell(startingAt: "2023-11-14T15:47:44Z")
        #expect(asthma[0].attributes.charlsonIndex == 2 && asthma[0].attributes.diagnosisGroup == .respiratory)
        // Detox admission a week after an overdose in ED: one ED visit in the six months before.
        let detox = Self.spell(startingAt: "2002-09-26T06:01:15Z")
        #expect(detox[0].attributes.edVisitsLast6Months == 1 && detox[0].attributes.admissionMethod == .elective)
    }

    @Test("no name, address or source identifier reaches the output")
    func pseudonymous() throws {
        let text = try String(contentsOfFile: SyntheaSample.directory + "/patients.csv", encoding: .utf8)
        let firstLine = text.split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false)
        let identifiers = [String(firstLine[0]), String(firstLine[7]), String(firstLine[8])]  // Id, FIRST, LAST
        let output = Self.imported.episodes.map { "\($0.spellID) \($0.patientID)" }.joined(separator: " ")
            + Self.imported.observations.map { $0.fields.joined(separator: ",") }.joined(separator: " ")
        for identifier in identifiers { #expect(!output.contains(identifier)) }
    }

    @Test("vital signs become the twins' observation history, grouped into sets")
    func observations() {
        let vitals = Self.imported.observations.compactMap { row -> VitalSigns? in
            if case .vitals(let vitals, _) = row.content { return vitals }
            return nil
        }
        #expect(!vitals.isEmpty)
        #expect(vitals.allSatisfy { !$0.isEmpty })
        let procedures = Self.imported.observations.filter { row in
            if case .procedure(_, let description) = row.content { return description.contains("Percutaneous coronary intervention") }
            return false
        }
        #expect(procedures.contains { !$0.spellID.isEmpty })
    }

    @Test("the observation file the importer writes reads back whole: partial vital-sign sets are kept and said")
    func observationFileRoundTrip() throws {
        let path = NSTemporaryDirectory() + "synthea-observations-\(getpid()).csv"
        defer { unlink(path) }
        try ObservationFile.write(Self.imported.observations, to: path)
        var problems: [String] = []
        let (rows, summary) = try ObservationFile.read(path: path) { problems.append($0) }
        #expect(problems.isEmpty)
        #expect(rows == Self.imported.observations)
        // Synthea records no oxygen flag and no ACVPU: every set is partial, kept, and the note says so.
        #expect(summary.vitalSets > 0 && summary.partialVitalSets == summary.vitalSets)
        #expect(summary.missing[.supplementalOxygen] == summary.vitalSets)
        let note = try #require(summary.partialSetsNote(file: "obs.csv"))
        #expect(note.contains("on_oxygen (\(summary.vitalSets))") && note.contains("lower bound"))
    }

    @Test("HIV infection is not AIDS in the Charlson mapping; AIDS is")
    func hivIsNotAIDS() {
        #expect(SNOMEDCharlson.condition(code: "86406008", description: "Human immunodeficiency virus infection (disorder)") == nil)
        #expect(SNOMEDCharlson.condition(code: "000", description: "Asymptomatic HIV infection (disorder)") == nil)
        #expect(SNOMEDCharlson.condition(code: "62479008", description: "Acquired immune deficiency syndrome (disorder)") == .aids)
        #expect(SNOMEDCharlson.condition(code: "000", description: "AIDS wasting syndrome (disorder)") == .aids)
        #expect(SNOMEDCharlson.condition(code: "000", description: "Uses hearing aids (finding)") == nil)
    }

    @Test("a missing file or column is refused with its name")
    func missingPieces() throws {
        let directory = NSTemporaryDirectory() + "synthea-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = #expect(throws: SyntheaImportError.self) { try SyntheaImporter.importExport(directory: directory) }
        #expect(missing?.message.hasSuffix("patients.csv: missing; a Synthea CSV export has patients.csv, encounters.csv, "
            + "conditions.csv and observations.csv") == true)
        try "Id,BIRTHDATE,GENDER\n".write(toFile: directory + "/patients.csv", atomically: true, encoding: .utf8)
        let column = #expect(throws: SyntheaImportError.self) { try SyntheaImporter.importExport(directory: directory) }
        #expect(column?.message.hasSuffix("patients.csv:1: missing column 'DEATHDATE'; expected the columns Id, BIRTHDATE, "
            + "DEATHDATE, GENDER") == true)
    }
}

/// The sample the import tests read must be there: a wrong path must fail, not skip.
@Test("the Synthea sample the import tests read is where they look for it")
func syntheaSampleIsFound() {
    for file in ["patients.csv", "encounters.csv"] {
        #expect(FileManager.default.fileExists(atPath: SyntheaSample.directory + "/" + file), "\(SyntheaSample.directory)/\(file)")
    }
}

/// Where the shared Synthea sample is: ../shared/data/synthea beside the project, or $HOSPITAL_TWIN_SYNTHEA_SAMPLE.
enum SyntheaSample {
    /// The fixture's folder (`HOSPITAL_TWIN_SYNTHEA_SAMPLE` points elsewhere, to try another export).
    static let directory: String = ProcessInfo.processInfo.environment["HOSPITAL_TWIN_SYNTHEA_SAMPLE"]
        ?? Repository.path("Tests/Fixtures/synthea")
}
