import CSVFiles
import Foundation
import PatientTwin
import Testing

@Suite("scoring CSV files")
struct ScoreFileTests {
    /// Scores `text` and returns the output lines and the reported problems.
    static func score(_ kind: ScoreKind, _ text: String, timeZone: TimeZone = RecordTime.utc) throws
        -> (output: [String], problems: [String], ScoreRunSummary)
    {
        let directory = NSTemporaryDirectory()
        let input = directory + "score-in-\(UUID().uuidString).csv"
        let output = directory + "score-out-\(UUID().uuidString).csv"
        defer {
            unlink(input)
            unlink(output)
        }
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        try #require(FileManager.default.createFile(atPath: output, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        var problems: [String] = []
        let summary = try ScoreFiles.score(kind, inputPath: input, timeZone: timeZone, into: CSVWriter(handle: handle)) {
            problems.append($0.replacingOccurrences(of: input, with: "IN"))
        }
        try handle.close()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines, problems, summary)
    }

    @Test("NEWS2: each row repeated with the nine score columns; columns in any order; others pass through")
    func news2() throws {
        let text = """
            note,temperature,consciousness,pulse,systolic_bp,on_oxygen,spo2_scale,spo2,respiration_rate
            "bay 3, bed 2",39.5,V,115,95,true,1,90,25
            ,37,A,70,120,false,2,95,16
            """
        let (output, problems, summary) = try Self.score(.news2, text)
        #expect(problems.isEmpty && summary.scored == 2 && summary.failed == 0)
        #expect(output[0] == "note,temperature,consciousness,pulse,systolic_bp,on_oxygen,spo2_scale,spo2,respiration_rate,"
            + "news2_respiration_rate,news2_spo2,news2_oxygen,news2_systolic_bp,news2_pulse,news2_consciousness,"
            + "news2_temperature,news2_total,news2_band")
        #expect(output[1] == "\"bay 3, bed 2\",39.5,V,115,95,true,1,90,25,3,3,2,2,2,3,2,17,high")
        #expect(output[2] == ",37,A,70,120,false,2,95,16,0,0,0,0,0,0,0,0,low")
    }

    @Test("malformed rows are reported with line and column and left out; valid rows are still scored")
    func malformedRows() throws {
        let text = """
            respiration_rate,spo2,spo2_scale,on_oxygen,systolic_bp,pulse,consciousness,temperature
            16,97,1,false,120,70,A,37
            abc,97,1,false,120,70,A,37
            16,97,3,maybe,120,70,X,98.6
            16,97,1,false,120,70,A,37,extra
            20,"9"7,1,false,120,70,A,37
            22,93,2,true,100,95,A,38.5
            """
        let (output, problems, summary) = try Self.score(.news2, text)
        #expect(summary.rows == 6 && summary.scored == 2 && summary.failed == 4)
        #expect(output.count == 3)
        #expect(output[2].hasSuffix(",2,1,2,2,1,0,1,9,high"))  // scale 2 on oxygen at 93%: 1
        #expect(problems == [
            "IN:3: column 'respiration_rate': expected a number (breaths per minute), found 'abc'",
            "IN:4: column 'spo2_scale': expected 1 or 2, found '3'",
            "IN:4: column 'on_oxygen': expected true or false (also yes/no, y/n, 1/0), found 'maybe'",
            "IN:4: column 'consciousness': expected A, C, V, P or U, found 'X'",
            "IN:4: column 'temperature': expected degrees Celsius between 25 and 45, found '98.6'",
            "IN:5: expected 8 fields as in the header, found 9",
            "IN:6: text after a closing quote: expected a comma or the end of the line",
        ])
    }

    @Test("LACE: completed days, acuity, comorbidity and visits points, and the total")
    func lace() throws {
        let text = """
            spell,los_days,emergency_admission,charlson_index,ed_visits_6m
            s1,0.5,true,0,0
            s2,1.9,false,4,5
            s3,14,TRUE,2,3
            s4,-1,true,1,x
            """
        let (output, problems, summary) = try Self.score(.lace, text)
        #expect(output == ["spell,los_days,emergency_admission,charlson_index,ed_visits_6m,lace_l,lace_a,lace_c,lace_e,lace_total",
                           "s1,0.5,true,0,0,0,3,0,0,3", "s2,1.9,false,4,5,1,0,5,4,10", "s3,14,TRUE,2,3,7,3,2,3,15"])
        #expect(summary.failed == 1)
        #expect(problems == ["IN:5: column 'los_days': expected days between 0 and 36500, found '-1'",
                             "IN:5: column 'ed_visits_6m': expected a whole number, found 'x'"])
    }

    @Test("LACE from admitted_at and discharged_at: calendar days in --time-zone; local times read there")
    func laceFromTimestamps() throws {
        let text = """
            spell,admitted_at,discharged_at,emergency_admission,charlson_index,ed_visits_6m
            s1,2024-03-01T22:00:00Z,2024-03-02T08:00:00Z,y,0,0
            s2,2024-07-01T23:30:00Z,2024-07-02T22:30:00Z,1,0,0
            s3,2024-07-01 23:30,2024-07-02 00:30,no,0,0
            s4,2024-07-02T10:00:00Z,2024-07-01T10:00:00Z,yes,0,0
            s5,yesterday,2024-07-01T10:00:00Z,yes,0,0
            """
        let (utc, utcProblems, _) = try Self.score(.lace, text)
        #expect(utc[1].hasSuffix(",1,3,0,0,4") && utc[2].hasSuffix(",1,3,0,0,4") && utc[3].hasSuffix(",1,0,0,0,1"))
        #expect(utcProblems == ["IN:5: column 'discharged_at': expected a time not before admitted_at, found '2024-07-01T10:00:00Z'",
                                "IN:6: column 'admitted_at': expected a date-time such as 2024-03-01T10:20:00Z, found 'yesterday'"])
        let (london, _, _) = try Self.score(.lace, text, timeZone: TimeZone(identifier: "Europe/London")!)
        // s2 runs 00:30 to 23:30 BST on one date: 0 days. s3's times have no offset: London wall-clock times, a
        // day apart: 1.
        #expect(london[1].hasSuffix(",1,3,0,0,4") && london[2].hasSuffix(",0,3,0,0,3") && london[3].hasSuffix(",1,0,0,0,1"))
    }

    @Test("every file shares one boolean vocabulary: true/false, yes/no, y/n, 1/0 in any case")
    func booleans() throws {
        let text = "los_days,emergency_admission,charlson_index,ed_visits_6m\n1,Y,0,0\n1,0,0,0\n1,TRUE,0,0\n1,No,0,0\n"
        let (output, problems, _) = try Self.score(.lace, text)
        #expect(problems.isEmpty)
        #expect(output.dropFirst().map { $0.split(separator: ",")[5] } == ["3", "0", "3", "0"])
    }

    @Test("a file missing a required column is refused as a whole, naming the columns")
    func missingColumns() throws {
        let error = #expect(throws: ScoreFileError.self) { _ = try Self.score(.lace, "los_days,charlson_index\n1,2\n") }
        #expect(error?.message.hasSuffix(":1: missing columns 'emergency_admission', 'ed_visits_6m'; a lace file needs "
            + "los_days, emergency_admission, charlson_index, ed_visits_6m (or admitted_at and discharged_at in place "
            + "of los_days)") == true)
    }

    @Test("scoring a scored file replaces the score columns instead of repeating them")
    func rescoring() throws {
        let (first, _, _) = try Self.score(.lace, "los_days,emergency_admission,charlson_index,ed_visits_6m\n3,true,1,0\n")
        let (second, _, _) = try Self.score(.lace, first.joined(separator: "\n") + "\n")
        #expect(second == first)
    }
}
