import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Store

/// The database as the server uses it: libpq's blocking calls run on NIO's thread pool, never on an event loop,
/// each on a connection taken from a small pool (Docs/STORE.md, "Threads and blocking"). A connection that failed
/// is dropped, not returned, so the next call connects afresh (a restarted database is reached again).
public final class DatabasePool: Sendable {
    let url: String
    let idle = NIOLockedValueBox<[Idle]>([])
    /// Threads that wait on the database for requests: more than the cores, since each mostly waits.
    let threads: NIOThreadPool

    /// A connection waiting for its next use (used by one thread at a time, handed over under the lock).
    struct Idle: @unchecked Sendable { let connection: DatabaseConnection }

    /// Connections kept open between requests, and the threads that use them.
    public static let size = 16

    /// A pool on the database at `url` (a libpq connection string); its threads start now.
    public init(url: String) {
        self.url = url
        threads = NIOThreadPool(numberOfThreads: Self.size)
        threads.start()
    }

    deinit { threads.shutdownGracefully { _ in } }

    /// Runs `body` with a connection on the pool's threads.
    public func run<T: Sendable>(_ body: @escaping @Sendable (DatabaseConnection) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            let connection = try idle.withLockedValue { $0.popLast() }?.connection ?? DatabaseConnection(url: url)
            var reusable = true
            defer { if reusable { idle.withLockedValue { if $0.count < Self.size { $0.append(Idle(connection: connection)) } } } }
            do {
                return try body(connection)
            } catch let error as DatabaseError where error.kind == .connection {
                reusable = false  // the connection is dropped
                throw error
            }
        }
    }
}

/// A request's context: Hummingbird's own, and the client's address for the audit log.
public struct ServerContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's own context.
    public var coreContext: CoreRequestContextStorage
    /// The client's address, when the channel knows it (the audit log's "from where").
    public let remoteAddress: SocketAddress?

    /// The context of a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// What the server answers (Docs/SERVER.md): `/health` for a load balancer, and the API under `/api/v1`, with an
/// API token (`Authorization: Bearer …`). Every error is a problem document (RFC 9457); every response carries the
/// security headers.
public enum HospitalServer {
    /// The router, its routes and middleware, on `pool` (whose database's schema is up to date: `serve` migrates
    /// it before listening).
    /// `limits` bound failed sign-ins (`SignInLimits.standard` unless a test needs others).
    /// `feed`: the FHIR intake's pseudonym key and time zone (nil: the intake answers that this server has none).
    /// `metrics`: where requests are counted and `/metrics` reads from.
    public static func router(pool: DatabasePool, limits: SignInLimits = .standard, feed: FeedIntake? = nil,
                              metrics: ServerMetrics = ServerMetrics()) -> Router<ServerContext>
    {
        let router = Router(context: ServerContext.self)
        router.add(middleware: MetricsRecorder(metrics: metrics))
        router.add(middleware: SecurityHeaders())
        router.add(middleware: Problems())
        router.get("health") { _, _ -> Response in
            do {
                let version = try await pool.run { connection in
                    try connection.query("SELECT max(version) AS version FROM hospital_twin.schema_migrations").single().int("version")
                }
                return try json(.ok, ["status": "ok", "database": "ok", "schema_version": "\(version)"])
            } catch {
                return try problem(.serviceUnavailable, title: "The database cannot be reached",
                                   detail: "the server is up but its database is not: \(error)")
            }
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(bytes: await metrics.exposition(pool: pool))))
        }
        router.get("openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPI.document)))
        }
        SignIn.add(to: router, pool: pool, limits: limits)
        Dashboard.add(to: router, pool: pool)
        for route in API.routes { add(route, to: router, pool: pool, feed: feed) }
        return router
    }

    /// Adds an API route: the caller authenticated, the query, path and body checked, the role checked against the
    /// route's access (a refusal is a 403, audited), the handler run on the thread pool, and what it read or did
    /// audited (`api.read`, or `api.write` for a POST).
    static func add(_ route: APIRoute, to router: Router<ServerContext>, pool: DatabasePool, feed: FeedIntake?) {
        router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
            guard route.produces == .fhir else {
                return try await answer(route, request, context: context, pool: pool, feed: feed)
            }
            // FHIR's clients read every error as an OperationOutcome, the sign-in's and the role's too.
            do { return try await answer(route, request, context: context, pool: pool, feed: feed) } catch let problem as ProblemError {
                return FeedIntake.outcome(problem)
            }
        }
    }

    static func answer(_ route: APIRoute, _ request: Request, context: ServerContext, pool: DatabasePool, feed: FeedIntake?) async throws
        -> Response
    {
        let user = try await authenticate(request, context: context, pool: pool)
        let actor = Actor(name: user.name, source: context.remoteAddress?.ipAddress ?? "unknown")
        let target = String(request.uri.path.prefix(200))
        let action = route.method == .get ? "api.read" : "api.write"
        func audit(_ outcome: AuditOutcome, _ detail: String) async throws {
            try await pool.run { connection in
                try AccountStore(connection: connection, migrating: false).audit(actor, action, target: target, outcome: outcome,
                                                                             detail: detail)
            }
        }
        guard route.access.roles.contains(user.role) else {
            try await audit(.refused, "role \(user.role.rawValue) may not use \(route.access.rawValue) routes")
            throw ProblemError(status: .forbidden, title: "Not allowed for this role",
                               detail: "\(route.path) serves \(route.access.rawValue), for the roles "
                                   + route.access.roles.map(\.rawValue).sorted().joined(separator: ", ")
                                   + "; you are \(user.role.rawValue)")
        }
        do {
            let query = try API.query(request.uri.query ?? "", allowed: route.query)
            let id = route.path.contains(":id") ? try API.pathID(context.parameters.get("id")) : nil
            var sent: Data?
            if let expected = route.body { sent = try await Self.body(request, expected) }
            let body = sent
            let answer = try await pool.run { connection in
                var call = APIRequest(user: user, id: id, query: query, connection: connection, path: target)
                call.body = body
                call.feed = feed
                let answer = try route.handle(call)
                try AccountStore(connection: connection, migrating: false).audit(actor, action, target: target,
                                                                             outcome: .allowed, detail: answer.read)
                return answer
            }
            if route.produces == .events {
                return events(first: answer, route: route, user: user, id: id, query: query, target: target, pool: pool)
            }
            return Response(status: answer.status ?? route.status,
                            headers: [.contentType: route.produces == .fhir ? FeedIntake.mediaType : "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: answer.json)))
        } catch let problem as ProblemError {
            // A handler's 403 (a kind of job the role may not start) is a refusal, as the router's is.
            try await audit(problem.status == .forbidden ? .refused : .failed,
                            problem.status == .forbidden ? problem.detail : "\(problem.status.code) \(problem.title)")
            throw problem
        }
    }

    /// A request's body, of one of `expected`'s media types and at most its limit: a 415 problem for another media
    /// type, 413 for more.
    static func body(_ request: Request, _ expected: APIRoute.Body) async throws -> Data {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let type, expected.mediaTypes.contains(type) else {
            throw ProblemError(status: .unsupportedMediaType, title: "The body's media type is not accepted",
                               detail: "send Content-Type: \(expected.mediaTypes.joined(separator: " or ")); found '\((request.headers[.contentType] ?? "none").prefix(60))'")
        }
        var buffer = ByteBuffer()
        for try await var part in request.body {
            guard buffer.readableBytes + part.readableBytes <= expected.limit else {
                throw ProblemError(status: .contentTooLarge, title: "The body is too large",
                                   detail: "this route's request body holds at most \(expected.limit) bytes")
            }
            buffer.writeBuffer(&part)
        }
        return Data(buffer.readableBytesView)
    }

    /// Server-sent events (`text/event-stream`): `first`, then the route's answer again each second as a `progress`
    /// event until one is final (an `end` event), for at most an hour (a client reconnects for more). Only the first
    /// answer is audited.
    static func events(first: APIAnswer, route: APIRoute, user: User, id: Int64?, query: [QueryParameter: String],
                       target: String, pool: DatabasePool) -> Response
    {
        let body = ResponseBody { writer in
            func send(_ answer: APIAnswer) async throws {
                let data = String(decoding: answer.json, as: UTF8.self).split(separator: "\n").map { "data: \($0)" }.joined(separator: "\n")
                try await writer.write(ByteBuffer(string: "event: \(answer.final ? "end" : "progress")\n\(data)\n\n"))
            }
            var answer = first
            try await send(answer)
            let started = ContinuousClock.now
            while !answer.final, ContinuousClock.now - started < .seconds(3_600) {
                try await Task.sleep(for: .seconds(1))
                answer = try await pool.run { connection in
                    try route.handle(APIRequest(user: user, id: id, query: query, connection: connection, path: target))
                }
                try await send(answer)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// The user a request is: its bearer token's (a system), else its session cookie's (a browser), or a 401
    /// problem (audited as refused, with where it came from). A request that may change something (any method but
    /// GET and HEAD) made with a session must carry the session's CSRF token in `X-CSRF-Token`, else it is a 403.
    static func authenticate(_ request: Request, context: ServerContext, pool: DatabasePool) async throws -> User {
        let header = request.headers[.authorization] ?? ""
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        let path = String(request.uri.path.prefix(200))
        let bearer = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : nil
        let cookie = bearer == nil ? request.cookies[SignIn.sessionCookie]?.value : nil
        let safe = request.method == .get || request.method == .head
        let csrf = request.headers[SignIn.csrfHeader]
        let found = try await pool.run { connection -> (user: User?, why: String, csrf: Bool) in
            let accounts = try AccountStore(connection: connection, migrating: false)
            var user: User?, why = "", csrfMissing = false
            if let bearer {
                user = try accounts.user(forToken: bearer)
                why = "an unknown, revoked or malformed token"
            } else if let cookie {
                let session = try accounts.session(forToken: cookie)
                if let session, !safe, csrf != session.csrfToken {
                    why = "a session's request without its CSRF token"
                    csrfMissing = true
                } else {
                    user = session?.user
                    why = "an unknown, ended or expired session"
                }
            } else {
                why = header.isEmpty ? "no token or session" : "an Authorization header that is not a bearer token"
            }
            if user == nil {
                try accounts.audit(Actor(name: "anonymous", source: source), "api.request", target: path, outcome: .refused,
                                   detail: why)
            }
            return (user, why, csrfMissing)
        }
        guard let user = found.user else {
            if found.csrf {
                throw ProblemError(status: .forbidden, title: "CSRF token missing or wrong",
                                   detail: "a change made with a session must send its CSRF token in X-CSRF-Token")
            }
            throw ProblemError(status: .unauthorized, title: "Sign in required",
                               detail: "send an API token as 'Authorization: Bearer TOKEN' (hospital-twin users token NAME), "
                                   + "or sign in at /login",
                               headers: [.wwwAuthenticate: "Bearer"])
        }
        return user
    }

    /// The session of a request's cookie, or nil (no cookie, or an ended, expired or idle session).
    static func session(_ request: Request, pool: DatabasePool) async throws -> Session? {
        guard let token = request.cookies[SignIn.sessionCookie]?.value else { return nil }
        return try await pool.run { connection in
            try AccountStore(connection: connection, migrating: false).session(forToken: token)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, title: String, detail: String, headers: HTTPFields = [:],
                        errors: [ProblemError.Located] = []) throws -> Response
    {
        var fields: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail]
        if !errors.isEmpty {
            fields["errors"] = errors.map { error -> [String: Any] in
                var item: [String: Any] = ["pointer": error.path, "detail": error.detail]
                if let line = error.line, let column = error.column { item["line"] = line; item["column"] = column }
                if let file = error.file { item["file"] = file }
                return item
            }
        }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        var all = headers
        all[.contentType] = "application/problem+json"
        return Response(status: status, headers: all, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// An error a handler throws to answer with a problem document.
struct ProblemError: Error {
    /// One of several errors in what was sent, where it is: a line and column of the text, and the setting's path
    /// (`units[2].beds`; empty for the text as a whole). A problem's `errors` member (RFC 9457's extension).
    struct Located {
        let file: String?, line: Int?, column: Int?, path: String, detail: String
    }

    let status: HTTPResponse.Status, title: String, detail: String
    var headers: HTTPFields = [:]
    var errors: [Located] = []
}

/// Errors as RFC 9457 problem documents: a `ProblemError` as it says; a route not found, or anything else, with its
/// status and no internal detail.
struct Problems<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ProblemError {
            return try HospitalServer.problem(error.status, title: error.title, detail: error.detail, headers: error.headers,
                                              errors: error.errors)
        } catch let error as HTTPError {
            return try HospitalServer.problem(error.status, title: error.status.reasonPhrase,
                                              detail: error.status == .notFound ? "no such route: \(request.uri.path.prefix(200))" : error.body ?? "")
        } catch {
            context.logger.error("request failed: \(error)")
            return try HospitalServer.problem(.internalServerError, title: "Internal Server Error", detail: "the server logged what failed")
        }
    }
}

/// The headers every response carries: nothing from elsewhere, no framing, no type sniffing, no referrer.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }
}
