import CLibPQ
import Foundation

extension DatabaseConnection {
    /// Bulk-loads `rows` into `table` through `COPY … FROM STDIN` (text format), the fast path for many rows:
    /// one statement, the rows streamed in chunks. Values are escaped as COPY's text format requires (backslash,
    /// tab, newline, carriage return); nil is NULL. `table` and `columns` are program-controlled identifiers, never
    /// user input. Inside a transaction, a failure leaves nothing of the copy. Returns the rows copied.
    @discardableResult
    public func copy<Rows: Sequence>(into table: String, columns: [String], rows: Rows) throws(DatabaseError) -> Int
        where Rows.Element == [String?]
    {
        let statement = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        guard let start = PQexec(connection, statement) else {
            throw DatabaseError(kind: .query, message: String(cString: PQerrorMessage(connection)), url: redactedURL)
        }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            let error = DatabaseError(result: start, sql: statement)
            PQclear(start)
            throw error
        }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var count = 0
        var sendError: String?
        func flush() -> Bool {
            guard !buffer.isEmpty else { return true }
            let sent = buffer.withUnsafeBufferPointer { bytes in
                bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    PQputCopyData(connection, $0, Int32(bytes.count))
                }
            }
            buffer.removeAll(keepingCapacity: true)
            if sent != 1 { sendError = String(cString: PQerrorMessage(connection)) }
            return sent == 1
        }
        for row in rows {
            precondition(row.count == columns.count, "a COPY row has one value per column")
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: "\t")) }
                guard let value else {
                    buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    continue
                }
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    default: buffer.append(byte)
                    }
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            count += 1
            if buffer.count >= 1 << 16, !flush() { break }
        }
        if sendError == nil { _ = flush() }
        // Ends the copy: with an error message when sending failed, so the server discards what it received.
        let ended = sendError.map { PQputCopyEnd(connection, $0) } ?? PQputCopyEnd(connection, nil)
        var failure: DatabaseError?
        if ended != 1 {
            failure = DatabaseError(kind: .query, message: String(cString: PQerrorMessage(connection)), url: redactedURL)
        }
        while let result = PQgetResult(connection) {
            if failure == nil && PQresultStatus(result) != PGRES_COMMAND_OK {
                failure = DatabaseError(result: result, sql: statement)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if let sendError { throw DatabaseError(kind: .query, message: sendError, url: redactedURL) }
        return count
    }
}
