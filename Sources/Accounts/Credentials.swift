import Foundation

/// What a user may read and do (Docs/SECURITY.md, "Accounts"). Patient-level data (pseudonymous ids, twins,
/// observations) is for `clinician` and `admin` only.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// Aggregate reports.
    case viewer
    /// Forecasts, the census in aggregate, backtests.
    case planner
    /// Runs and comparisons.
    case manager
    /// Cost reports.
    case finance
    /// The patient-level census and twins.
    case clinician
    /// Users, scenarios, the feed's quarantine.
    case admin

    /// The roles, as a user types them: "viewer, planner, …".
    public static let list = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A refused user name, password or token: what was wrong, for the person who typed it.
public struct CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong and what is accepted.
    public let message: String
    public var description: String { message }
    /// An error saying `message`.
    public init(message: String) { self.message = message }
}

/// A login name: 1–63 characters of ASCII lower-case letters, digits, '.', '_' and '-', starting with a letter or
/// digit. Nothing else is accepted, so two names that look alike on a screen are the same bytes or refused
/// (no upper case, no Unicode look-alikes, no spaces).
public struct UserName: Sendable, Hashable, CustomStringConvertible {
    /// The name, as checked.
    public let value: String
    public var description: String { value }

    /// Names kept for the program's own entries in the audit log.
    public static let reserved: Set<String> = ["system", "anonymous", "cli"]

    /// `text` as a name, or an error saying which rule it breaks.
    public init(_ text: String) throws(CredentialError) {
        guard !text.isEmpty else { throw CredentialError(message: "a user name cannot be empty") }
        guard text.utf8.count <= 63 else {
            throw CredentialError(message: "a user name is at most 63 characters (this one is \(text.utf8.count) bytes)")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-".utf8)
        if let bad = text.unicodeScalars.first(where: { !$0.isASCII || !allowed.contains(UInt8($0.value)) }) {
            let shown = bad.properties.isWhitespace || bad.value < 0x20 ? String(format: "U+%04X", bad.value) : "'\(bad)' (U+\(String(format: "%04X", bad.value)))"
            throw CredentialError(message: "a user name is lower-case ASCII letters, digits, '.', '_' and '-'; \(shown) is not one"
                + (text.lowercased() != text && text.unicodeScalars.allSatisfy(\.isASCII) ? " (write it in lower case: \(text.lowercased()))" : ""))
        }
        guard let first = text.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "_"), first != UInt8(ascii: "-") else {
            throw CredentialError(message: "a user name starts with a letter or a digit")
        }
        guard !Self.reserved.contains(text) else {
            throw CredentialError(message: "'\(text)' is reserved for the program's own entries; choose another name")
        }
        value = text
    }
}

/// A password as given: 8–72 bytes of UTF-8 with no control characters. Bcrypt reads 72 bytes at most, so a longer
/// one is refused rather than cut without a word.
public struct Password: Sendable {
    let value: String

    /// The shortest password accepted, UTF-8 bytes.
    public static let minimumBytes = 8
    /// The longest: all bcrypt reads.
    public static let maximumBytes = 72

    /// `text` as a password, or an error saying which rule it breaks.
    public init(_ text: String) throws(CredentialError) {
        let bytes = text.utf8.count
        guard bytes >= Self.minimumBytes else {
            throw CredentialError(message: "a password is at least \(Self.minimumBytes) bytes (this one is \(bytes))")
        }
        guard bytes <= Self.maximumBytes else {
            throw CredentialError(message: "a password is at most \(Self.maximumBytes) bytes, all that bcrypt reads (this one is \(bytes))")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CredentialError(message: "a password cannot hold control characters (a tab, a NUL, a line break…)")
        }
        value = text
    }
}

/// Random secrets handed out once (API tokens, session cookies, CSRF tokens): a prefix, then 43 characters of
/// base64url holding 256 random bits from the operating system's generator.
public enum RandomToken {
    /// Characters after the prefix.
    public static let randomLength = 43

    /// A new token with `prefix`.
    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    /// Whether `text` is `prefix` and 43 base64url characters (checked before any lookup, so nothing else reaches
    /// the database).
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        guard text.utf8.count == prefix.utf8.count + randomLength, text.hasPrefix(prefix) else { return false }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        return text.utf8.dropFirst(prefix.utf8.count).allSatisfy { alphabet.contains($0) }
    }
}

/// An API token as handed to a system once: "htw_" then a `RandomToken`. Only its SHA-256 is stored.
public enum APIToken {
    /// What every API token starts with.
    public static let prefix = "htw_"
    /// Characters of a token, prefix included.
    public static let length = 47

    /// A new token.
    public static func make() -> String { RandomToken.make(prefix: prefix) }

    /// Whether `text` has a token's shape.
    public static func isWellFormed(_ text: String) -> Bool { RandomToken.isWellFormed(text, prefix: prefix) }
}

/// A browser session's cookie value: "hts_" then a `RandomToken`. Only its SHA-256 is stored.
public enum SessionToken {
    /// What every session token starts with.
    public static let prefix = "hts_"

    /// A new session token.
    public static func make() -> String { RandomToken.make(prefix: prefix) }

    /// Whether `text` has a session token's shape (checked before any lookup).
    public static func isWellFormed(_ text: String) -> Bool { RandomToken.isWellFormed(text, prefix: prefix) }
}
