import Foundation
import Simulation
import Testing

/// What the type system guarantees about models, checked by compiling small models against the built kernel.
@Suite("models the compiler refuses")
struct CompileTimeTests {
    /// The built kernel's module directory and the module maps of its C dependencies, found beside the running
    /// test binary (.build/<triple>/<configuration>/): what `swiftc -typecheck` needs to import `Simulation`.
    static func typecheck(_ source: String) throws -> (status: Int32, output: String) {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var products = binary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: products.appendingPathComponent("Modules/Simulation.swiftmodule").path) {
            let parent = products.deletingLastPathComponent()
            try #require(parent.path != products.path, "no Modules/Simulation.swiftmodule above \(binary.path)")
            products = parent
        }
        var arguments = ["-typecheck", "-I", products.appendingPathComponent("Modules").path]
        var root = products
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("checkouts").path),
              root.path != "/" { root = root.deletingLastPathComponent() }
        let checkouts = root.appendingPathComponent("checkouts")
        if let walker = FileManager.default.enumerator(atPath: checkouts.path) {
            for case let path as String in walker where path.hasSuffix("/module.modulemap") {
                arguments += ["-I", checkouts.appendingPathComponent(path).deletingLastPathComponent().path]
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc"] + arguments + [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static let header = """
        import Simulation
        struct Patient {}

        """

    @Test("the harness compiles a correct model (so the refusals below are real)")
    func correctModelCompiles() throws {
        let result = try Self.typecheck(Self.header + """
            struct Ward: SimulationModel {
                enum Event { case arrival }
                let beds: ResourceID
                mutating func handle(_ event: Event, in simulation: inout Simulation<Ward>) {
                    simulation.request(beds, tag: Patient())
                }
                mutating func handle(_ notice: ResourceNotice, for patient: Patient, in simulation: inout Simulation<Ward>) {}
            }
            """)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("a model whose requests carry a tag but that handles no notices does not compile")
    func requestsWithoutNoticesDoNotCompile() throws {
        let result = try Self.typecheck(Self.header + """
            struct Ward: SimulationModel {
                enum Event { case arrival }
                typealias RequestTag = Patient
                let beds: ResourceID
                mutating func handle(_ event: Event, in simulation: inout Simulation<Ward>) {
                    simulation.request(beds, tag: Patient())
                }
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("does not conform to protocol 'SimulationModel'"), "\(result.output)")
    }

    @Test("a model that declares no request tag cannot request a resource")
    func noTagNoRequest() throws {
        let result = try Self.typecheck(Self.header + """
            struct Ward: SimulationModel {
                enum Event { case arrival }
                let beds: ResourceID
                mutating func handle(_ event: Event, in simulation: inout Simulation<Ward>) {
                    simulation.request(beds, tag: Patient())
                }
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("'Never'"), "\(result.output)")
    }

    @Test("a request's tag is the model's own type, not one of its events")
    func tagIsItsOwnType() {
        #expect(RecurringEventTests.Census.RequestTag.self == Never.self)
        #expect(ScriptedModel.RequestTag.self == String.self)
    }
}
