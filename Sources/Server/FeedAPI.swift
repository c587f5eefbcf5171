import Feed
import FeedStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store

/// The server's FHIR R4 intake (Docs/SERVER.md, "The feed"): a Bundle, an NDJSON export or one resource POSTed to
/// `/api/v1/feed/fhir`, read as `hospital-twin feed receive` reads a FHIR file, each event stored pseudonymised in the
/// feed's event log (once: a resource sent again is recognised), and answered with FHIR's OperationOutcome — also
/// for every error.
public struct FeedIntake: Sendable {
    /// The key the feed's identifiers are pseudonymised with (the same as `feed receive`'s).
    public let pseudonymiser: Pseudonymiser
    /// Reads times without an offset (the hospital's zone).
    public let timeZone: TimeZone

    /// An intake with the feed's key and the hospital's time zone.
    public init(pseudonymiser: Pseudonymiser, timeZone: TimeZone) {
        self.pseudonymiser = pseudonymiser
        self.timeZone = timeZone
    }

    /// FHIR's JSON media type.
    static let mediaType = "application/fhir+json"
    /// The most bytes one POST may have.
    static let bodyLimit = 4 << 20

    /// One issue of an OperationOutcome: its severity (fatal, error, warning, information), FHIR's issue type code,
    /// and what happened, and where when known (a FHIRPath expression).
    struct Issue: Encodable {
        let severity: String, code: String, diagnostics: String
        var expression: [String]? = nil
    }

    /// An OperationOutcome document.
    static func document(_ issues: [Issue]) -> Data {
        struct Outcome: Encodable { let resourceType = "OperationOutcome"; let issue: [Issue] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(Outcome(issue: issues)) } catch { preconditionFailure("an OperationOutcome encodes: \(error)") }
    }

    /// A problem as FHIR answers it: an OperationOutcome with one error issue, the problem's status.
    static func outcome(_ problem: ProblemError) -> Response {
        let code: String = switch problem.status.code {
        case 400: "invalid"
        case 401: "login"
        case 403: "forbidden"
        case 404: "not-found"
        case 413: "too-long"
        case 415: "not-supported"
        case 422: "processing"
        case 503: "transient"
        default: "exception"
        }
        var headers = problem.headers
        headers[.contentType] = mediaType
        headers[.cacheControl] = "no-store"
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(
            bytes: document([Issue(severity: "error", code: code, diagnostics: problem.title + ": " + problem.detail)]))))
    }

    /// Reads `bytes` and stores their events on `connection`, sent by `user`: the OperationOutcome (information: how
    /// many events were applied, already applied, quarantined; a warning for each resource skipped or message
    /// quarantined, with where and why). Nothing readable is a 400.
    func receive(_ bytes: [UInt8], from user: String, connection: DatabaseConnection) throws -> APIAnswer {
        let contents = FHIRResources.events(in: bytes, file: "request", timeZone: timeZone)
        var issues = contents.skipped.map { Issue(severity: "warning", code: "invalid", diagnostics: "skipped " + $0) }
        guard !contents.events.isEmpty || contents.skipped.isEmpty else {
            throw ProblemError(status: .badRequest, title: "No resource could be read",
                               detail: contents.skipped.prefix(5).joined(separator: "; "))
        }
        let store = try FeedStore(connection: connection, pseudonymiser: pseudonymiser, timeZone: timeZone, migrating: false)
        var applied = 0, duplicates = 0, quarantined = 0
        for message in FHIRResources.messages(contents, timeZone: timeZone) {
            let receipt = try store.receive(message, source: "api:" + user)
            switch receipt.receipt {
            case .applied: applied += 1
            case .duplicate: duplicates += 1
            case .quarantined(let id, let outcome):
                quarantined += 1
                let why: String = switch outcome {
                case .error(_, let reason), .rejected(_, let reason): reason
                case .accepted: ""
                }
                issues.append(Issue(severity: "warning", code: "processing",
                                    diagnostics: "\(receipt.message?.controlID ?? "an event") quarantined (\(id)): \(why)"))
            }
        }
        let total = applied + duplicates + quarantined
        let summary = "\(total) event\(total == 1 ? "" : "s"): \(applied) applied, \(duplicates) already applied, \(quarantined) quarantined"
            + (total == 0 ? " (a Patient alone gives no event: send it with the Encounters and Observations that name it)" : "")
        return APIAnswer(json: Self.document([Issue(severity: "information", code: "informational", diagnostics: summary)] + issues),
                         read: "feed: " + summary)
    }
}

extension API {
    static let feedRoutes: [APIRoute] = [
        APIRoute(method: .post, path: "/api/v1/feed/fhir", access: .feed, query: [],
                 body: APIRoute.Body(mediaTypes: [FeedIntake.mediaType, "application/json", "application/fhir+ndjson", "application/x-ndjson"],
                                     schema: ["type: object", "description: \"A FHIR R4 Bundle, an NDJSON export (one resource a line) or one resource: Patient, Encounter, Observation (Docs/FEED.md, \\\"FHIR R4\\\").\""],
                                     limit: FeedIntake.bodyLimit),
                 produces: .fhir,
                 summary: "Store FHIR R4 resources in the feed's event log (pseudonymised; each once): an OperationOutcome says what was applied, and is every error's answer.") { request in
            guard let feed = request.feed else {
                throw ProblemError(status: .serviceUnavailable, title: "The intake has no pseudonym key",
                                   detail: "start the server with HOSPITAL_TWIN_PSEUDONYM_KEY or HOSPITAL_TWIN_PSEUDONYM_KEY_FILE set (Docs/FEED.md)")
            }
            return try feed.receive(Array(request.body ?? Data()), from: request.user.name, connection: request.connection)
        },
    ]
}
