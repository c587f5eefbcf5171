import Foundation

/// Keyed pseudonyms of patient identifiers: HMAC-SHA-256 (RFC 2104, FIPS 180-4) of the identifier under a key the
/// trust holds, so the same NHS number or local id always gives the same pseudonym and nobody without the key can
/// recompute it from a list of NHS numbers (an unkeyed hash could be).
public struct Pseudonymiser: Sendable {
    /// The environment variable holding the key (at least 32 characters), or naming a file that holds it with
    /// `HOSPITAL_TWIN_PSEUDONYM_KEY_FILE`.
    public static let keyVariable = "HOSPITAL_TWIN_PSEUDONYM_KEY"
    /// The environment variable naming a file that holds the key.
    public static let keyFileVariable = "HOSPITAL_TWIN_PSEUDONYM_KEY_FILE"
    /// The shortest key accepted, in bytes: 32 (the hash's own length, RFC 2104's recommendation).
    public static let minimumKeyBytes = 32

    private let key: [UInt8]

    /// A pseudonymiser with `key` (at least 32 bytes).
    public init(key: [UInt8]) throws(PseudonymKeyError) {
        guard key.count >= Self.minimumKeyBytes else {
            throw PseudonymKeyError(problem: "the pseudonym key has \(key.count) bytes; at least \(Self.minimumKeyBytes) are needed")
        }
        self.key = key
    }

    /// The key from the environment: `HOSPITAL_TWIN_PSEUDONYM_KEY`, or the file `HOSPITAL_TWIN_PSEUDONYM_KEY_FILE`
    /// names (its trailing newline dropped). Never from the repository.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(PseudonymKeyError) -> Pseudonymiser
    {
        if let text = environment[keyVariable], !text.isEmpty { return try Pseudonymiser(key: Array(text.utf8)) }
        if let path = environment[keyFileVariable], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PseudonymKeyError(problem: "\(keyFileVariable)=\(path): the file cannot be read")
            }
            var bytes = [UInt8](data)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            return try Pseudonymiser(key: bytes)
        }
        throw PseudonymKeyError(problem: "no pseudonym key: set \(keyVariable) (32 characters or more) or \(keyFileVariable) "
            + "to a file holding one; identifiers from the feed are stored only as keyed pseudonyms")
    }

    /// HMAC-SHA-256 of a whole message's bytes under the key, hex: tells a retransmission (the same bytes) from a
    /// different message, without storing anything from which the message could be recomputed.
    public func contentMAC(_ bytes: [UInt8]) -> String {
        Self.hex(HMACSHA256.authenticationCode(for: Array("content:".utf8) + bytes, key: key)[...])
    }

    /// The pseudonym of `identifier` in `namespace` ("MR", "NHS"): "PSN-" and the first 20 hex digits (80 bits)
    /// of HMAC-SHA-256(key, namespace ":" identifier).
    public func pseudonym(_ identifier: String, namespace: String) -> String {
        let mac = HMACSHA256.authenticationCode(for: Array((namespace + ":" + identifier).utf8), key: key)
        return "PSN-" + Self.hex(mac.prefix(10))
    }
}

/// The pseudonym key is missing or too short.
public struct PseudonymKeyError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the key, and how to give one.
    public let problem: String
    public var description: String { problem }
}

/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): small, dependency-free, checked against the standards' test
/// vectors (FeedTests).
public enum HMACSHA256 {
    static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The SHA-256 digest of `message` (32 bytes).
    public static func sha256(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 64)
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ roundConstants[i] &+ w[i]
                let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    /// HMAC-SHA-256 of `message` under `key` (32 bytes).
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? sha256(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = sha256(block.map { $0 ^ 0x36 } + message)
        return sha256(block.map { $0 ^ 0x5c } + inner)
    }
}

extension Pseudonymiser {
    /// Lower-case hexadecimal, two digits a byte (a table, not a formatter per byte: it runs for every message).
    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
