import Finance
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Testing
import TestSupport

@Suite("unit names: reserved, look-alike and duplicate names refused where they are written")
struct UnitNameTests {
    /// The minimal scenario with a third unit named `name` (written as a YAML double-quoted string).
    static func scenario(withUnitNamed name: String) -> String {
        minimal.replacingOccurrences(of: "  - {name: ICU, type: icu, beds: 4}",
                                     with: "  - {name: ICU, type: icu, beds: 4}\n  - {name: \(name.debugDescription), type: ward, beds: 5}")
    }

    @Test("a name the roster, the census or the cost report already uses is refused, in any case or spelling", arguments: [
        ("Theatres", "the theatres"), ("THEATRES", "the theatres"), ("emergency_department", "the emergency department"),
        ("Emergency Department", "the emergency department"), ("emergency-department", "the emergency department"),
        ("ED", "the emergency department"), ("Hospital", "the hospital's cost centre"),
        ("Ｈｏｓｐｉｔａｌ", "the hospital's cost centre"), ("Spells: stroke", "spell-income"), ("SPELLS:elective", "spell-income"),
        ("Discharged", "the recent discharges in census files"), ("DISCHARGED", "the recent discharges in census files"),
    ])
    func reserved(name: String, meaning: String) throws {
        let files = try ScenarioFiles()
        let found = problems(try files.write("named.yaml", Self.scenario(withUnitNamed: name)), in: files)
        #expect(found.count == 1 && found[0].hasPrefix("named.yaml:14:") && found[0].contains("units[2].name: '\(name)' is reserved")
            && found[0].contains(meaning), "\(found)")
    }

    @Test("empty names, names with spaces around them or control characters are refused", arguments: [
        ("", "must not be empty"), (" Ward B", "must not start or end with a space"), ("Ward B ", "must not start or end"),
        ("Ward\tB", "control character"), ("Ward\nB", "control character"),
    ])
    func malformed(name: String, message: String) throws {
        let files = try ScenarioFiles()
        let found = problems(try files.write("named.yaml", Self.scenario(withUnitNamed: name)), in: files)
        #expect(found.count == 1 && found[0].hasPrefix("named.yaml:14:") && found[0].contains("units[2].name: ")
            && found[0].contains(message), "\(found)")
    }

    @Test("names that differ only in case, spaces, '_', '-' or width are one name", arguments: [
        "ward a", "WARD A", "Ward  A", "ward_a", "Ward-A", "Ｗａｒｄ Ａ",
    ])
    func lookAlikes(name: String) throws {
        let files = try ScenarioFiles()
        let found = problems(try files.write("named.yaml", Self.scenario(withUnitNamed: name)), in: files)
        #expect(found.count == 1 && found[0].contains("units[2].name: '\(name)' is already the name of units[0]"), "\(found)")
    }

    @Test("a roster names a place as a reader would: 'Emergency Department', 'ward_a' and 'ED' find theirs")
    func rosterPlaces() throws {
        let files = try ScenarioFiles()
        let text = minimal
            .replacingOccurrences(of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
                                  with: "{unit: ward_a, group: registered_nurse, shift: night, headcount: 2}\n"
                                      + "    - {unit: Emergency Department, group: doctor, shift: day, headcount: 4}\n"
                                      + "    - {unit: ED, group: doctor, shift: night, headcount: 2}")
        let scenario = try Scenario.load(path: try files.write("roster.yaml", text))
        let places = scenario.configuration.staffing.roster.map(\.place)
        #expect(places == [.unit(0), .unit(0), .emergencyDepartment, .emergencyDepartment])
    }

    @Test("cost centres are told apart by kind and read back from their names as the centre they were")
    func costCentres() {
        let centres: [CostCentre] = [.unit("Ward 7"), .unit("Spellsbury ward"), .emergencyDepartment, .theatres, .hospital]
            + Pathway.allCases.map(CostCentre.spells)
        for centre in centres { #expect(CostCentre(name: centre.name) == centre, "\(centre)") }
        #expect(Set(centres.map(\.name)).count == centres.count)
        // Every name a unit may take reads back as a unit.
        for name in ["Ward 7", "Spellsbury ward", "Theatre recovery", "Hospital at home"] where UnitNames.problem(with: name) == nil {
            #expect(CostCentre(name: name) == .unit(name))
        }
    }

    @Test("a KPI row with a staff group, pay period or unit kind the program does not know is an error, never skipped")
    func unknownKeysRefused() throws {
        let row = StaffMonthKPIs(month: "2026-04", place: .unit("Ward 7"), group: .registeredNurse, period: .standard)
        let encoded = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
        #expect(encoded.contains("\"registered_nurse\"") && encoded.contains("\"Ward 7\""), "\(encoded)")
        for (good, bad) in [("\"registered_nurse\"", "\"registered_nuns\""), ("\"standard\"", "\"standrad\"")] {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(StaffMonthKPIs.self, from: Data(encoded.replacingOccurrences(of: good, with: bad).utf8))
            }
        }
        var unit = UnitKPIs()
        unit.kind = .hdu
        let unitJSON = String(decoding: try JSONEncoder().encode(unit), as: UTF8.self)
        #expect(try JSONDecoder().decode(UnitKPIs.self, from: Data(unitJSON.utf8)) == unit)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(UnitKPIs.self, from: Data(unitJSON.replacingOccurrences(of: "\"hdu\"", with: "\"hud\"").utf8))
        }
    }
}

@Suite("defaults live in the schema alone")
struct SchemaDefaultTests {
    @Test("theatres without session times take the schema's: 08:30–12:30 and 13:30–17:30 (the builder once said 08:00–12:00)")
    func theatreWindows() throws {
        let files = try ScenarioFiles()
        let text = minimal + """

            theatres:
              rooms: 1
              elective_demand:
                - {specialty: general_surgery, pathway: elective_surgical, referrals_per_week: 5}
              sessions:
                - {room: 1, days: [monday], period: am, specialty: general_surgery}
            """
        let theatres = try #require(try Scenario.load(path: try files.write("theatres.yaml", text)).configuration.theatres)
        #expect(theatres.morning.start.description == "08:30" && theatres.morning.end.description == "12:30",
                "\(theatres.morning)")
        #expect(theatres.afternoon.start.description == "13:30" && theatres.afternoon.end.description == "17:30",
                "\(theatres.afternoon)")
    }

    @Test("keys a scenario omits read back as Docs/SCENARIO-REFERENCE.md documents their defaults")
    func documentedDefaults() throws {
        let files = try ScenarioFiles()
        let scenario = try Scenario.load(path: try files.write("minimal.yaml", minimal))
        // A sample across sections: the run, the ED, outlying, deterioration and staffing.
        #expect(scenario.run.horizonDays == 365)
        #expect(scenario.run.warmUpDays == 28 && scenario.run.replications == 10 && scenario.run.seed == 1)
        #expect(scenario.configuration.emergencyDepartment.targetMinutes == 240)
        #expect(scenario.configuration.outlying.allowed && scenario.configuration.outlying.stayMultiplier == 1.1)
        #expect(scenario.configuration.deterioration.news2Range == 5...9)
        #expect(scenario.configuration.staffing.ratios.level2 == 2 && scenario.configuration.staffing.ratios.level3 == 1)
    }
}

@Suite("the model's meaning checks, stated once, reported where they are written")
struct LocatedMeaningTests {
    @Test("a capacity below the cubicles, shares all zero, no ICU: each at its key's line, with every other problem")
    func located() throws {
        let files = try ScenarioFiles()
        let text = minimal
            .replacingOccurrences(of: "  cubicles: 10", with: "  cubicles: 10\n  capacity: 4")
            .replacingOccurrences(of: "admitted_pathways: {emergency_medical: 1}", with: "admitted_pathways: {emergency_medical: 0}")
            .replacingOccurrences(of: "  - {name: ICU, type: icu, beds: 4}", with: "  - {name: HDU, type: hdu, beds: 4}")
            .replacingOccurrences(of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
                                  with: "{unit: Ward Q, group: registered_nurse, shift: night, headcount: 2}")
        let found = problems(try files.write("meaning.yaml", text), in: files)
        #expect(found.contains("meaning.yaml:5:13: emergency_department.capacity: must be at least the cubicles (10), found 4"),
                "\(found)")
        #expect(found.contains { $0.hasPrefix("meaning.yaml:11:22: emergency_department.admitted_pathways: needs a pathway") },
                "\(found)")
        #expect(found.contains { $0.hasPrefix("meaning.yaml:13:3: units: needs at least one unit of type icu") }, "\(found)")
        #expect(found.contains { $0.contains("staff.rosters[1].unit: no unit named 'Ward Q'") }, "all at once: \(found)")
        #expect(found.count == 4, "\(found)")
    }

    @Test("a path finds its node, or the deepest node on its way")
    func paths() throws {
        let files = try ScenarioFiles()
        let scenario = try Scenario.load(path: try files.write("ok.yaml", minimal))
        let document = scenario.document
        #expect(document.node(atPath: "units[1].beds").location.line == 13)
        #expect(document.node(atPath: "units[7].beds").location.line == document["units"]?.location.line)
        #expect(document.node(atPath: "nothing.here").location == document.location)
    }
}

@Suite("what a scenario may extend, and how large a census may be")
struct ExtendsAndCensusBoundsTests {
    @Test("extends: naming a file that is not a scenario is refused without reading it")
    func extendsOnlyScenarios() throws {
        let files = try ScenarioFiles()
        let secret = try files.write("secret.txt", "root:x:0:0:the first line of a file that is not a scenario\n")
        let found = problems(try files.write("variant.yaml", "extends: \(secret)\nname: v\n"), in: files)
        #expect(found.count == 1 && found[0].contains("extends: 'secret.txt' is not a scenario file"), "\(found)")
        #expect(!found.joined().contains("root:x"), "the file's content is never echoed")
    }

    @Test("a census of more than 100,000 patients is refused, not read into memory")
    func censusRows() throws {
        let scenario = try Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))
        let sample = try String(contentsOfFile: Repository.path("scenarios/general-hospital-census.csv"), encoding: .utf8)
            .split(separator: "\n")
        let row = sample[1].split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)[1]
        var text = String(sample[0]) + "\n"
        text.reserveCapacity(120 * (CensusFile.rowLimit + 2))
        for index in 0...CensusFile.rowLimit { text += "X\(index),\(row)\n" }
        let files = try ScenarioFiles()
        let path = try files.write("huge.csv", text)
        let error = #expect(throws: CensusFileError.self) {
            try CensusFile.read(path: path, for: scenario.configuration, asOf: nil)
        }
        #expect(error?.problems.contains { $0.contains("more than 100000 patients") } == true,
                "\(error?.problems.prefix(3) ?? [])")
    }
}

@Suite("a variant's changes compare names as the base does")
struct VariantNameTests {
    @Test("a variant naming one unit twice, by case or spacing, is refused at the second; one naming it once changes it")
    func variantDuplicates() throws {
        let files = try ScenarioFiles()
        let base = try files.write("base.yaml", minimal)
        let twice = try files.write("twice.yaml", """
            extends: base.yaml
            units:
              - {name: Ward A, beds: 25}
              - {name: ward  a, type: ward, beds: 30}
            """)
        let found = problems(twice, in: files)
        #expect(found.count == 1 && found[0].hasPrefix("twice.yaml:4:") && found[0].contains("is already the name of units[0]"),
                "\(found)")
        let once = try files.write("once.yaml", "extends: base.yaml\nunits:\n  - {name: WARD_A, beds: 25}\n")
        let scenario = try Scenario.load(path: once)
        #expect(scenario.configuration.units.map(\.beds) == [25, 4], "merged onto the base's Ward A: \(scenario.configuration.units.map(\.name))")
        _ = base
    }
}

@Suite("a cost model's currency")
struct CurrencyTests {
    @Test("an ISO 4217 code is taken; anything else is refused at the key, with the upper-case code suggested",
          arguments: [("EUR", nil), ("usd", "did you mean 'USD'?"), ("GPB", "found 'GPB'"), ("£", "found '£'")] as [(String, String?)])
    func currency(code: String, message: String?) throws {
        let files = try ScenarioFiles()
        let path = try files.write("money.yaml", minimal + "\ncosts:\n  currency: \"\(code)\"\n")
        let found = problems(path, in: files)
        if let message {
            #expect(found.count == 1 && found[0].contains("costs.currency: must be an ISO 4217 currency code")
                && found[0].contains(message), "\(found)")
        } else {
            #expect(found.isEmpty, "\(found)")
            #expect(try Scenario.load(path: path).costs.currency == code)
        }
    }
}

@Suite("census times a census cannot have")
struct CensusPlausibilityTests {
    @Test("a census dated 2099 or 0000 is refused at its line and column", arguments: ["2099-11-25T15:36", "0000-01-01T00:00"])
    func implausible(time: String) throws {
        let scenario = try Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))
        let lines = try String(contentsOfFile: Repository.path("scenarios/general-hospital-census.csv"), encoding: .utf8)
            .split(separator: "\n")
        let files = try ScenarioFiles()
        let path = try files.write("census.csv", [String(lines[0]), lines[2].replacingOccurrences(of: "2026-11-25T15:36", with: time)]
            .joined(separator: "\n") + "\n")
        let error = #expect(throws: CensusFileError.self) { try CensusFile.read(path: path, for: scenario.configuration, asOf: nil) }
        #expect(error?.problems.first?.contains("census.csv:2: column 'admitted_at'") == true
            && error?.problems.first?.contains("from 1970 to five years after today") == true, "\(error?.problems ?? [])")
    }
}

@Suite("every problem of a file at once")
struct AllAtOnceTests {
    @Test("a schema error does not hide a capacity below the cubicles, a roster naming no unit or a bad currency")
    func allStages() throws {
        let files = try ScenarioFiles()
        let text = minimal
            .replacingOccurrences(of: "  cubicles: 10", with: "  cubicles: 10\n  capacity: 4")
            .replacingOccurrences(of: "{name: ICU, type: icu, beds: 4}", with: "{name: ICU, type: icu, beds: -4}")
            .replacingOccurrences(of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
                                  with: "{unit: Ward Z, group: registered_nurse, shift: night, headcount: 2}")
            + "\ncosts:\n  currency: gbp\n"
        let found = problems(try files.write("multi.yaml", text), in: files)
        for expected in ["emergency_department.capacity: must be at least the cubicles", "units[1].beds: must be a whole number",
                         "staff.rosters[1].unit: no unit named 'Ward Z'", "costs.currency: must be an ISO 4217"] {
            #expect(found.contains { $0.contains(expected) }, "\(expected): \(found)")
        }
        #expect(found.count == 4, "\(found)")
    }

    @Test("a file of many mistakes reports at most the limit, the first by place")
    func capped() throws {
        let files = try ScenarioFiles()
        let units = (0..<300).map { "  - {name: Ward \($0), type: ward, beds: -1}" }.joined(separator: "\n")
        let text = minimal.replacingOccurrences(of: "  - {name: Ward A, type: ward, beds: 20}", with: units + "\n  - {name: Ward A, type: ward, beds: 20}")
        let found = problems(try files.write("many.yaml", text), in: files)
        #expect(found.count == ScenarioError.problemLimit, "\(found.count)")
        #expect(found.first?.contains("units[0].beds") == true, "\(found.first ?? "")")
    }
}

@Suite("a census's and a roster's place names, looked up once per file")
struct NamedPlaceLookupTests {
    static let units = [UnitConfiguration(name: "Ward 7 (care of the elderly)", kind: .ward, beds: 20),
                        UnitConfiguration(name: "AMU", kind: .assessmentUnit, beds: 30), UnitConfiguration(name: "ICU", kind: .icu, beds: 8)]

    /// The rule stated once (`UnitNames.comparable`), applied to every name by hand: what the lookup must answer.
    static func byFolding(_ name: String) -> NamedPlace? {
        let key = UnitNames.comparable(name)
        if key == UnitNames.comparable("emergency_department") || key == "ed" { return .emergencyDepartment }
        if key == "theatres" { return .theatres }
        if key == "discharged" { return .discharged }
        return units.firstIndex { UnitNames.comparable($0.name) == key }.map { .unit($0) }
    }

    @Test("every spelling, exact or folded, finds what folding every name finds; unknown names find nothing", arguments: [
        "Ward 7 (care of the elderly)", "ward 7 (CARE of the elderly)", "Ward  7 (care of the elderly)", "Ｗａｒｄ 7 (care of the elderly)",
        "AMU", "amu", "a-m-u", "ICU", "icu", "emergency_department", "Emergency Department", "ED", "ed", "theatres",
        "THEATRES", "discharged", "Discharged", "Ward 8", "", " AMU", "AMU ", "A M U",
    ])
    func sameAsFolding(name: String) {
        let lookup = NamedPlace.Lookup(units: Self.units)
        #expect(lookup.place(name) == Self.byFolding(name), "\(name)")
        #expect(NamedPlace(name, units: Self.units) == Self.byFolding(name), "\(name)")
    }
}
