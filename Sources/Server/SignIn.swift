import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports

/// Signing in and out in a browser (Docs/SERVER.md, "Sessions"): the sign-in page, its form, the session cookie, and
/// the CSRF checks of everything a session may change.
enum SignIn {
    /// The session cookie: the session's token, sent back on every request to this server and readable by no script.
    static let sessionCookie = "htw_session"
    /// The sign-in form's own CSRF cookie (double submit: the form's hidden field must equal it).
    static let formCookie = "htw_signin"
    /// The most bytes a sign-in or sign-out form may have.
    static let formLimit = 4_096
    /// The header an API call made with a session carries its CSRF token in.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Adds the sign-in routes to `router`.
    static func add(to router: Router<ServerContext>, pool: DatabasePool, limits: SignInLimits) {
        router.get("login") { request, _ -> Response in
            page(status: .ok, form: RandomToken.make(prefix: "csrf_"), next: nextPath(request.uri.queryParameters["next"].map(String.init)),
                 message: nil)
        }
        router.post("login") { request, context -> Response in
            let fields = try await Form.read(request, expecting: ["name", "password", "csrf", "next"], limit: formLimit)
            let next = nextPath(fields["next"])
            guard let sent = fields["csrf"], let cookie = request.cookies[formCookie]?.value, !cookie.isEmpty, sent == cookie else {
                throw ProblemError(status: .forbidden, title: "The form has expired",
                                   detail: "the sign-in form's CSRF token is missing or does not match its cookie: open /login again")
            }
            let name = fields["name"] ?? "", password = fields["password"] ?? ""
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            let outcome = try await pool.run { connection in
                try AccountStore(connection: connection, migrating: false).openSession(name: name, password: password, from: source,
                                                                                   limits: limits)
            }
            switch outcome {
            case .signedIn(let token, _):
                var response = Response(status: .seeOther, headers: [.location: next, .cacheControl: "no-store"])
                response.setCookie(Cookie(name: sessionCookie, value: token, maxAge: SessionPolicy.lifetimeSeconds, path: "/",
                                          secure: true, httpOnly: true, sameSite: .strict))
                response.setCookie(Cookie(name: formCookie, value: "", maxAge: 0, path: "/login", secure: true, httpOnly: true,
                                          sameSite: .strict))
                return response
            case .refused:
                return page(status: .unauthorized, form: RandomToken.make(prefix: "csrf_"), next: next,
                            message: "The name or the password is wrong, or the account is disabled.")
            case .tooManyAttempts(let seconds):
                var response = page(status: .tooManyRequests, form: RandomToken.make(prefix: "csrf_"), next: next,
                                    message: "Too many failed sign-ins for this name or from this address: try again in "
                                        + "\((seconds + 59) / 60) minute\(seconds > 60 ? "s" : "").")
                response.headers[.retryAfter] = String(seconds)
                return response
            }
        }
        router.post("logout") { request, context -> Response in
            let fields = try await Form.read(request, expecting: ["csrf"], limit: formLimit)
            let token = request.cookies[sessionCookie]?.value ?? ""
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            _ = try await pool.run { connection -> Bool in
                let accounts = try AccountStore(connection: connection, migrating: false)
                guard let session = try accounts.session(forToken: token) else { return false }
                guard fields["csrf"] == session.csrfToken else {
                    throw ProblemError(status: .forbidden, title: "The form has expired",
                                       detail: "the sign-out form's CSRF token does not match the session's: reload the page")
                }
                return try accounts.endSession(token: token, from: source)
            }
            var response = Response(status: .seeOther, headers: [.location: "/login", .cacheControl: "no-store"])
            response.setCookie(Cookie(name: sessionCookie, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }

    /// The sign-in page with a new form token (also set as the form's cookie), `message` above the form.
    static func page(status: HTTPResponse.Status, form token: String, next: String, message: String?) -> Response {
        var response = HTMLPage.response(status, title: "Sign in — hospital-twin", body: """
            <h1>Sign in to hospital-twin</h1>
            \(message.map { "<p role=\"alert\">\(HTMLPage.escape($0))</p>" } ?? "")
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(HTMLPage.escape(token))">
            <input type="hidden" name="next" value="\(HTMLPage.escape(next))">
            <p><label for="name">Name</label><br><input id="name" name="name" autocomplete="username" maxlength="63" required></p>
            <p><label for="password">Password</label><br><input id="password" name="password" type="password"
               autocomplete="current-password" maxlength="72" required></p>
            <p><button type="submit">Sign in</button></p>
            </form>
            """)
        response.setCookie(Cookie(name: formCookie, value: token, maxAge: 3600, path: "/login", secure: true, httpOnly: true,
                                  sameSite: .strict))
        return response
    }

    /// Where to go after signing in: a path on this server only ("/…" but not "//…" or "/\\…", which a browser
    /// reads as another host), at most 200 characters; anything else is "/".
    static func nextPath(_ given: String?) -> String {
        guard let given, given.hasPrefix("/"), given.utf8.count <= 200, !given.hasPrefix("//"), !given.hasPrefix("/\\"),
              given.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F })
        else { return "/" }
        return given
    }
}

/// A form sent as application/x-www-form-urlencoded, read strictly: bounded in bytes, UTF-8, only the fields
/// expected, each at most once.
enum Form {
    /// `repeatable`: fields a form may send more than once (ticked boxes of one name), their values joined by
    /// commas in order.
    /// `multiline`: fields that may hold line breaks and tabs (a textarea's; CR LF read as LF).
    static func read(_ request: Request, expecting names: Set<String>, repeatable: Set<String> = [], multiline: Set<String> = [],
                     limit: Int) async throws -> [String: String]
    {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/x-www-form-urlencoded" else {
            throw ProblemError(status: .unsupportedMediaType, title: "A form was expected",
                               detail: "send the fields as application/x-www-form-urlencoded")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            throw ProblemError(status: .contentTooLarge, title: "The form is too large",
                               detail: "a form here has at most \(limit) bytes")
        }
        return try parse(Array(body.readableBytesView), expecting: names, repeatable: repeatable, multiline: multiline)
    }

    /// The fields of `bytes`; throws a 400 problem naming what is wrong.
    static func parse(_ bytes: [UInt8], expecting names: Set<String>, repeatable: Set<String> = [], multiline: Set<String> = []) throws
        -> [String: String]
    {
        func bad(_ detail: String) -> ProblemError { ProblemError(status: .badRequest, title: "The form is malformed", detail: detail) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw bad("the form is not UTF-8 text") }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), var value = decode(parts.count > 1 ? parts[1] : "") else {
                throw bad("a field is not percent-encoded UTF-8")
            }
            let breaks: Set<Unicode.Scalar> = multiline.contains(name) ? ["\n", "\r", "\t"] : []
            if !breaks.isEmpty { value = value.replacingOccurrences(of: "\r\n", with: "\n") }
            guard names.contains(name) else {
                throw bad("unexpected field '\(name.prefix(40))': this form has \(names.sorted().joined(separator: ", "))")
            }
            if let before = fields[name], repeatable.contains(name), !value.contains(",") {
                fields[name] = before + "," + value
                continue
            }
            guard fields[name] == nil else { throw bad("the field '\(name)' is given twice") }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !breaks.contains($0) }) else {
                throw bad("the field '\(name)' holds a control character")
            }
            fields[name] = value
        }
        return fields
    }

    static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// The sign-in page's HTML: a complete document, no script, no inline style, every value escaped.
enum HTMLPage {
    static func response(_ status: HTTPResponse.Status, title: String, body: String) -> Response {
        let html = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title><link rel="stylesheet" href="\(Dashboard.stylesheetPath)"></head>
            <body>
            \(body)
            </body>
            </html>

            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `text` safe in HTML text and attribute values (the reports' escaping, stated once).
    static func escape(_ text: String) -> String { HTML.escape(text) }
}
