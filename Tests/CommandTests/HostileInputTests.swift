import Foundation
import Testing
import TestSupport

/// Inputs tried as a careless user or a hostile file would: nothing the user has is overwritten, no file makes the
/// tool read without end, and every refusal says which file or option and why, before any work.
@Suite("hostile inputs on the command line")
struct HostileInputTests {
    static let demo = CLI.repository("scenarios/demo.yaml")
    var plain: [String: String] { CLI.environment([:]) }

    @Test("-o naming the scenario, or the census, is refused before any work and the input is left as it was")
    func outputOverInput() throws {
        let directory = try CLI.temporaryDirectory()
        let scenario = directory.appendingPathComponent("mine.yaml")
        try FileManager.default.copyItem(atPath: Self.demo, toPath: scenario.path)
        let before = try Data(contentsOf: scenario)
        for arguments in [["run", scenario.path, "-o", scenario.path], ["run", scenario.path, "-o", "./mine.yaml"],
                          ["compare", scenario.path, scenario.path, "--html", scenario.path]] {
            let result = try CLI.run(arguments, environment: plain, directory: directory)
            #expect(result.status == 2 && result.stderr.contains("an input of this command"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("nothing was simulated"))
            #expect(try Data(contentsOf: scenario) == before, "the scenario is untouched")
        }
    }

    @Test("-o and --html naming one file, or a folder that does not exist, are refused before simulating")
    func unwritableOutputs() throws {
        let directory = try CLI.temporaryDirectory()
        let same = try CLI.run(["run", Self.demo, "-o", "r.html", "--html", "./r.html"], environment: plain, directory: directory)
        #expect(same.status == 2 && same.stderr.contains("-o and --html name the same file"), "\(same.stderr)")
        let missing = try CLI.run(["run", Self.demo, "-o", "no/such/folder/r.csv"], environment: plain, directory: directory)
        #expect(missing.status == 2 && missing.stderr.contains("does not exist; create it or write elsewhere"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("-o /dev/null writes into the device and leaves it one; -o through a link writes the file it names, or is refused when that is the scenario")
    func devicesAndLinks() throws {
        let directory = try CLI.temporaryDirectory()
        let scenario = directory.appendingPathComponent("mine.yaml")
        try FileManager.default.copyItem(atPath: Self.demo, toPath: scenario.path)
        let before = try Data(contentsOf: scenario)
        let short = ["--replications", "1", "--horizon", "30", "--warmup", "5"]
        let null = try CLI.run(["run", scenario.path, "-o", "/dev/null"] + short, environment: plain, directory: directory)
        #expect(null.status == 0, "\(null.stderr)")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "still the null device")
        let link = directory.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scenario.path)
        let over = try CLI.run(["run", scenario.path, "-o", link] + short, environment: plain, directory: directory)
        #expect(over.status == 2 && over.stderr.contains("an input of this command"), "\(over.stderr)")
        #expect(try Data(contentsOf: scenario) == before, "the scenario is untouched")
        let real = directory.appendingPathComponent("real.csv").path, toReal = directory.appendingPathComponent("to-real.csv").path
        try FileManager.default.createSymbolicLink(atPath: toReal, withDestinationPath: real)
        let through = try CLI.run(["run", scenario.path, "-o", toReal, "--format", "csv"] + short, environment: plain,
                                  directory: directory)
        #expect(through.status == 0, "\(through.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: toReal) == real)
        #expect(try String(contentsOfFile: real, encoding: .utf8).hasPrefix("scenario,metric"))
    }

    @Test("--census-at and --warmup-report: a malformed or out-of-run time, an output over the scenario, and options that do not apply are refused before any work")
    func censusAndWarmUpOptions() throws {
        let directory = try CLI.temporaryDirectory()
        let scenario = directory.appendingPathComponent("mine.yaml")
        try FileManager.default.copyItem(atPath: Self.demo, toPath: scenario.path)
        let before = try Data(contentsOf: scenario)
        let malformed = try CLI.run(["run", scenario.path, "--census-at", "2026-02-30T25:00"], environment: plain, directory: directory)
        #expect(malformed.status != 0 && malformed.stderr.contains("--census-at: expected a local date-time"), "\(malformed.stderr)")
        let outside = try CLI.run(["run", scenario.path, "--census-at", "2031-01-01T00:00"], environment: plain, directory: directory)
        #expect(outside.status == 2 && outside.stderr.contains("must be after the scenario's start"), "\(outside.stderr)")
        let over = try CLI.run(["run", scenario.path, "--census-at", "2026-03-02T00:00", "-o", "./mine.yaml"], environment: plain,
                               directory: directory)
        #expect(over.status == 2 && over.stderr.contains("an input of this command"), "\(over.stderr)")
        #expect(try Data(contentsOf: scenario) == before, "the scenario is untouched")
        for arguments in [["--warmup-report", "--format", "csv"], ["--warmup-report", "--census-at", "2026-03-02T00:00"],
                          ["--census-at", "2026-03-02T00:00", "--html", "x.html"]] {
            let refused = try CLI.run(["run", scenario.path] + arguments, environment: plain, directory: directory)
            #expect(refused.status != 0 && refused.stderr.contains("do not apply"), "\(arguments): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.html").path))
    }

    @Test("options beyond their bounds are refused with the bound", arguments: [
        (["--replications", "1000000"], "--replications must be from 1 to 100000"),
        (["--horizon", "100000"], "--horizon must be from 1 to 36500 days"),
        (["--threads", "100000"], "--threads must be from 1 to 1024"),
    ])
    func bounds(options: [String], message: String) throws {
        let result = try CLI.run(["run", Self.demo] + options, environment: plain, directory: try CLI.temporaryDirectory())
        #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("a FIFO, /dev/zero, a folder or an oversized file given as a scenario is refused at once, not read")
    func notRegularFiles() throws {
        let directory = try CLI.temporaryDirectory()
        let fifo = directory.appendingPathComponent("pipe.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let big = directory.appendingPathComponent("big.yaml")
        try Data(repeating: UInt8(ascii: "#"), count: 5 << 20).write(to: big)
        let result = try CLI.run(["validate", fifo, "/dev/zero", directory.path, big.path], environment: plain, directory: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("pipe.yaml: is not a regular file"), "\(result.stderr)")
        #expect(result.stderr.contains("/dev/zero: is not a regular file"), "\(result.stderr)")
        #expect(result.stderr.contains("is a directory"), "\(result.stderr)")
        #expect(result.stderr.contains("big.yaml: is 5 MiB, more than the 4 MiB a scenario file may be"), "\(result.stderr)")
    }

    @Test("aliases that repeat aliases ('billion laughs', 10^10 nodes expanded) are refused at the node limit")
    func aliasBomb() throws {
        let directory = try CLI.temporaryDirectory()
        var lines = ["name: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<10 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("units: *a9")
        let file = directory.appendingPathComponent("bomb.yaml")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try CLI.run(["validate", file.path], environment: plain, directory: directory)
        #expect(result.status == 1 && result.stderr.contains("more than 100000 YAML nodes once its aliases are expanded"),
                "\(result.stderr)")
    }

    @Test("--detect is a share: 5 (500%) is refused with what was probably meant")
    func detectShare() throws {
        let result = try CLI.run(["compare", Self.demo, Self.demo, "--detect", "5"], environment: plain,
                                 directory: try CLI.temporaryDirectory())
        #expect(result.status != 0 && result.stderr.contains("--detect is a share of the baseline from above 0 to 1")
            && result.stderr.contains("give 0.05"), "\(result.stderr)")
    }

    @Test("twins predict's --samples is bounded before any work: 9 and a trillion are refused with the range, nothing read")
    func samplesBounded() throws {
        let directory = try CLI.temporaryDirectory()
        for samples in ["9", "1000000000000", "100001"] {
            let result = try CLI.run(["twins", "predict", "no-such-episodes.csv", "--samples", samples], environment: plain, directory: directory)
            #expect(result.status == 64 && result.stderr.contains("--samples must be from 10 to 100000, found \(samples)"), "\(result.stderr)")
        }
    }

    @Test("twins predict never writes its forecasts over an input: the episodes, the observations, the model, or --live's scenario and the model file it names; an unwritable -o is refused before any work")
    func predictOutputs() throws {
        let directory = try CLI.temporaryDirectory()
        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CLI.run(arguments, environment: plain, directory: directory)
        }
        #expect(try run(["twins", "generate", "--patients", "50", "--seed", "3", "-o", "episodes.csv"]).status == 0)
        #expect(try run(["twins", "export-model", "-o", "model.json"]).status == 0)
        try "patient_id,time,news2\n".write(to: directory.appendingPathComponent("obs.csv"), atomically: true, encoding: .utf8)
        try "extends: \(Self.demo)\nname: beside\ntwin_model: model.json\n".write(to: directory.appendingPathComponent("s.yaml"),
                                                                                    atomically: true, encoding: .utf8)
        let files = ["episodes.csv", "obs.csv", "model.json", "s.yaml"]
        let before = try files.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
        for (arguments, input) in [(["twins", "predict", "episodes.csv", "-o", "episodes.csv"], "episodes.csv"),
                                   (["twins", "predict", "episodes.csv", "--observations", "obs.csv", "-o", "./obs.csv"], "obs.csv"),
                                   (["twins", "predict", "episodes.csv", "--model", "model.json", "-o", "model.json"], "model.json"),
                                   (["twins", "predict", "--live", "s.yaml", "-o", "s.yaml"], "s.yaml"),
                                   (["twins", "predict", "--live", "s.yaml", "-o", "model.json"], "model.json")] {
            let result = try run(arguments)
            #expect(result.status == 2 && result.stderr.contains("an input of this command") && result.stderr.contains(input), "\(arguments): \(result.stderr)")
        }
        #expect(try files.map { try Data(contentsOf: directory.appendingPathComponent($0)) } == before, "no input was touched")
        let unwritable = try run(["twins", "predict", "episodes.csv", "-o", "no/such/folder/f.csv"])
        #expect(unwritable.status == 2 && unwritable.stderr.contains("-o no/such/folder/f.csv") && !unwritable.stderr.contains("forecast as of"),
                "\(unwritable.stderr)")
    }

    @Test("a file that cannot be written is one sentence naming it, never a Foundation error dump")
    func unwritable() throws {
        let directory = try CLI.temporaryDirectory()
        let result = try CLI.run(["twins", "export-model", "-o", "no/such/folder/m.json"], environment: plain,
                                 directory: directory)
        #expect(result.status != 0 && result.stderr.contains("cannot write no/such/folder/m.json: no such file or directory"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("UserInfo"), "\(result.stderr)")
    }

    @Test("run writes its HTML report, as the README says; a name with control characters reaches the terminal escaped")
    func runHTML() throws {
        let directory = try CLI.temporaryDirectory()
        let variant = directory.appendingPathComponent("esc.yaml")
        try "extends: \(Self.demo)\nname: \"demo\\e[2J\"\n".write(to: variant, atomically: true, encoding: .utf8)
        let result = try CLI.run(["run", variant.path, "--replications", "1", "--horizon", "20", "--warmup", "2",
                                  "--html", "run.html"], environment: plain, directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let page = try String(contentsOf: directory.appendingPathComponent("run.html"), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("Scenario run"))
        #expect(!result.stdout.unicodeScalars.contains("\u{1B}") && result.stdout.contains("demo\\u{1B}[2J"), "\(result.stdout.prefix(200))")
    }

    @Test("-o naming the base a variant extends is refused too, and the base is left as it was")
    func outputOverBase() throws {
        let directory = try CLI.temporaryDirectory()
        let base = directory.appendingPathComponent("base.yaml")
        try FileManager.default.copyItem(atPath: Self.demo, toPath: base.path)
        try "extends: base.yaml\nname: variant\n".write(to: directory.appendingPathComponent("variant.yaml"), atomically: true,
                                                        encoding: .utf8)
        let before = try Data(contentsOf: base)
        let result = try CLI.run(["run", "variant.yaml", "-o", "base.yaml"], environment: plain, directory: directory)
        #expect(result.status == 2 && result.stderr.contains("an input of this command"), "\(result.stderr)")
        #expect(try Data(contentsOf: base) == before)
    }

    @Test("feed emit's day counts out of range are refused before simulating, naming the option and the range")
    func feedEmitBounds() throws {
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        for (arguments, says) in [(["--days", "0"], "--days must be from 1 to 3,650, found 0"),
                                  (["--days", "3651"], "--days must be from 1 to 3,650"),
                                  (["--days", "2", "--warmup=-1"], "--warmup must be from 0 to 3,650 days, found -1"),
                                  (["--days", "2", "--warmup", "3651"], "--warmup must be from 0 to 3,650 days, found 3651"),
                                  (["--days", "2", "--warmup", "1e9"], "--warmup")] {
            let result = try CLI.run(["feed", "emit", scenario] + arguments, environment: plain, directory: try CLI.temporaryDirectory())
            #expect(result.status == 64 && result.stderr.contains(says) && result.stdout.isEmpty,
                    "\(arguments): \(result.status) \(result.stderr)")
        }
    }
}
