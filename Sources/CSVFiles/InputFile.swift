import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every file a user gives is checked before it is read: it must exist, be a regular file (not a directory, a FIFO,
/// a socket or a device such as /dev/zero, which would never end) and be no larger than its kind's limit, so that no
/// file can make a command read without end or fill the memory. The limits are far above any real file and stated
/// with each kind (`InputLimit`).
public enum InputFile {
    /// Checks `path` against `limit`; throws a one-sentence error naming the file and the limit.
    public static func check(_ path: String, _ limit: InputLimit) throws(InputFileError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputFileError(path: path, message: errno == ENOENT ? "no such file"
                : "cannot read it: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file (a pipe, socket or device)"
            throw InputFileError(path: path, message: "is \(kind); give \(limit.what)")
        }
        guard Int(info.st_size) <= limit.bytes else {
            throw InputFileError(path: path, message: "is \(Self.size(Int(info.st_size))), more than the "
                + "\(Self.size(limit.bytes)) \(limit.what) may be (\(limit.typical)); nothing was read")
        }
    }

    /// The whole of `path`, after `check`.
    public static func read(_ path: String, _ limit: InputLimit) throws(InputFileError) -> Data {
        try check(path, limit)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(path: path, message: "cannot read it (permissions?)")
        }
        // A file that grew between the check and the read is held to the same limit.
        guard data.count <= limit.bytes else {
            throw InputFileError(path: path, message: "grew past the \(Self.size(limit.bytes)) \(limit.what) may be")
        }
        return data
    }

    /// Reads `path`, after `check`, in pieces of at most `chunkBytes`, giving each to `body` in file order: memory
    /// stays bounded whatever the file's size. Stops at `limit` even if the file grows while it is read.
    public static func forEachChunk(_ path: String, _ limit: InputLimit, chunkBytes: Int = 1 << 20,
                                    _ body: ([UInt8]) throws -> Void) throws {
        try check(path, limit)
        guard let file = fopen(path, "rb") else {
            throw InputFileError(path: path, message: "cannot read it: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkBytes, file) }
            if count == 0 {
                if ferror(file) != 0 { throw InputFileError(path: path, message: "a read failed after \(size(total))") }
                return
            }
            total += count
            guard total <= limit.bytes else {
                throw InputFileError(path: path, message: "grew past the \(Self.size(limit.bytes)) \(limit.what) may be")
            }
            try body(Array(buffer[..<count]))
        }
    }

    /// The first `count` bytes of `path` (fewer when it is shorter), after `check`.
    public static func head(_ path: String, _ limit: InputLimit, count: Int) throws(InputFileError) -> [UInt8] {
        try check(path, limit)
        guard let file = fopen(path, "rb") else {
            throw InputFileError(path: path, message: "cannot read it: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: count)
        let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
        return Array(buffer[..<read])
    }

    /// "4 MiB", "512 kB", "120 bytes".
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)).replacingOccurrences(of: ".0 ", with: " ") }
        if bytes >= 1 << 10 { return "\(bytes >> 10) kB" }
        return "\(bytes) bytes"
    }
}

/// How large a kind of input file may be.
public struct InputLimit: Sendable, Hashable {
    /// The largest size accepted, bytes.
    public let bytes: Int
    /// What the file is, as in "a scenario file".
    public let what: String
    /// What a real one is like, for the message.
    public let typical: String

    /// A bound of `bytes`.
    public init(bytes: Int, what: String, typical: String) {
        self.bytes = bytes
        self.what = what
        self.typical = typical
    }

    /// Scenario files: 4 MiB (the reference scenarios are under 40 kB).
    public static let scenario = InputLimit(bytes: 4 << 20, what: "a scenario file", typical: "the reference scenarios are under 40 kB")
    /// Twin model files: 16 MiB (the built-in model is about 60 kB).
    public static let twinModel = InputLimit(bytes: 16 << 20, what: "a twin model file", typical: "the built-in model is about 60 kB")
    /// Census files: 64 MiB (a hospital's census of 2,000 inpatients is about 300 kB).
    public static let census = InputLimit(bytes: 64 << 20, what: "a census file",
                                          typical: "a census of 2,000 inpatients is about 300 kB")
    /// Run archives: 1 GiB (a year of 100 replications of the general hospital is about 20 MB).
    public static let runArchive = InputLimit(bytes: 1 << 30, what: "a run archive",
                                              typical: "100 replications of a year of the general hospital are about 20 MB")
    /// FHIR R4 JSON files, read whole (a Bundle is one JSON value): 256 MiB.
    public static let fhir = InputLimit(bytes: 256 << 20, what: "a FHIR JSON file",
                                        typical: "a day of a trust's encounters is a few megabytes; split larger exports")
    /// HL7 v2 message files, read as a stream message by message: 64 GiB (two years of a 750-bed hospital's ADT
    /// and observations are about 1 GiB).
    public static let messages = InputLimit(bytes: 64 << 30, what: "a file of HL7 messages",
                                            typical: "two years of a 750-bed hospital's feed are about 1 GiB")
    /// Record files (episodes, observations, scores, Synthea tables): 4 GiB, read as a stream.
    public static let records = InputLimit(bytes: 4 << 30, what: "a record file", typical: "read as a stream, row by row")
}

/// A file that cannot be read as given: one sentence naming it.
public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, as given.
    public let path: String
    /// What is wrong with it.
    public let message: String
    public var description: String { "\(path): \(message)" }
}
