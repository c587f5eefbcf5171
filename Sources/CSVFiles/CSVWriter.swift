import Foundation

/// Writes comma-separated values, quoting a field only when it must be (a comma, a quote, a line break, or
/// leading or trailing spaces), as RFC 4180 says. Output goes to a file handle through a buffer.
public final class CSVWriter {
    private let handle: FileHandle?
    private var buffer: [UInt8] = []

    /// A writer to `handle` (standard output, or a file).
    public init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    /// A writer that keeps what it writes, in `written` (a download a server sends).
    public init() { handle = nil }

    /// Everything written, for a writer made without a handle.
    public var written: [UInt8] { buffer }

    deinit { flush() }

    /// Writes one record.
    public func write(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            append(field)
        }
        buffer.append(UInt8(ascii: "\n"))
        if handle != nil, buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out whatever is buffered.
    public func flush() {
        guard let handle, !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// A cell a spreadsheet would run as a formula — text beginning with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return, such as a unit named `=HYPERLINK(…)` — with a `'` before it, as OWASP recommends for CSV injection;
    /// a number (a negative one included) stays as it is.
    public static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(field) == nil
        else { return field }
        return "'" + field
    }

    private func append(_ field: String) {
        let field = Self.neutralised(field)
        let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        guard needsQuotes else {
            buffer.append(contentsOf: field.utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in field.utf8 {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// The record as one CSV line, without the line break.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            let field = neutralised(field)
            let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
                || field.first == " " || field.last == " "
            return needsQuotes ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}

/// A file written completely or not at all: content goes to a temporary file beside the target, which replaces
/// the target only when `commit()` is called. If the program fails first, the target is untouched and the
/// temporary file is removed. A symbolic link is followed (the file it names is replaced, the link kept). A target
/// that exists and is not a regular file — `/dev/null`, `/dev/stdout`, a named pipe — is written in place: renaming
/// a file over it would replace the device or pipe itself (and did: `-o /dev/null` as root once left a regular file
/// where the null device was).
public final class AtomicFile {
    /// Where the file will end up.
    public let path: String
    /// The file the temporary one replaces (the link's target for a symbolic link).
    private let target: String
    /// The temporary file, or nil when writing in place to a device or pipe.
    private let temporaryPath: String?
    /// The handle to write to.
    public let handle: FileHandle
    private var committed = false

    /// Opens a temporary file beside `path` (or `path` itself when it is a device or pipe). Throws when the
    /// directory is not writable, or `path` is a folder.
    public init(path: String) throws {
        self.path = path
        target = Self.followingLinks(path)
        var status = stat()
        if stat(target, &status) == 0 {
            let kind = status.st_mode & S_IFMT
            if kind == S_IFDIR { throw OutputFileError(path: path, reason: "Is a directory") }
            if kind != S_IFREG {
                guard let handle = FileHandle(forWritingAtPath: target) else {
                    throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
                }
                self.handle = handle
                temporaryPath = nil
                return
            }
        }
        let url = URL(fileURLWithPath: target)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
        }
        do { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary)) } catch {
            unlink(temporary)
            throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
        }
        temporaryPath = temporary
    }

    /// The file `path` names once symbolic links are followed (up to 32, relative ones against their own folder),
    /// whether or not that file exists yet; `path` itself when it is not a link. Foundation's own resolution gives
    /// up on a link to a file not yet made, and a rename would then replace the link.
    public static func followingLinks(_ path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        for _ in 0..<32 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return current }
            let destination = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let next = destination.hasPrefix("/") ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
            current = URL(fileURLWithPath: next).standardizedFileURL.path
        }
        return current
    }

    deinit {
        if !committed {
            try? handle.close()
            if let temporaryPath { unlink(temporaryPath) }
        }
    }

    /// Writes `text`.
    public func write(_ text: String) { handle.write(Data(text.utf8)) }

    /// Moves the finished file into place (an atomic rename on the same file system); for a device or pipe, closes it.
    public func commit() throws {
        guard let temporaryPath else {
            try handle.close()
            committed = true
            return
        }
        try handle.synchronize()
        try handle.close()
        guard rename(temporaryPath, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputFileError(path: path, reason: reason)
        }
        committed = true
    }
}

/// A file that could not be written: one sentence naming it, why, and what to do.
public struct OutputFileError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The file, as given.
    public let path: String
    /// The system's reason ("No such file or directory", "Permission denied").
    public let reason: String

    public var description: String {
        "cannot write \(path): \(reason.lowercased()); check that its folder exists and can be written, or write elsewhere"
    }

    public var errorDescription: String? { description }
}
