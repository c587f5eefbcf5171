import Accounts
import Foundation
import Server
import Store
import Testing
import TestSupport

@Suite("/metrics for Prometheus", .enabled(if: TestDatabase.runs("/metrics for Prometheus")))
struct MetricsTests {
    @Test("requests counted by route pattern, method and status with their durations; the jobs by status and the database read when scraped; no path's id and no user in any label; every line Prometheus's text format")
    func exposition() async throws {
        _ = try AccountStore(connection: TestDatabase.connect())  // the schema, as serve brings it up to date before listening
        try await withServer { base in
            let client = PlainClient(base: base)
            for _ in 0..<3 { _ = try await client.send("GET", "/health") }
            _ = try await client.send("GET", "/api/v1/runs/918273645")  // 401: no token
            _ = try await client.send("GET", "/no/such/route")
            let answer = try await client.send("GET", "/metrics")
            #expect(answer.status == 200 && answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let text = answer.body
            #expect(text.contains(#"hospital_twin_http_requests_total{route="/health",method="GET",status="200"} 3"#), "\(text)")
            #expect(text.contains(#"hospital_twin_http_requests_total{route="/api/v1/runs/{id}",method="GET",status="401"} 1"#))
            #expect(text.contains(#"status="404"} 1"#))
            #expect(text.contains(#"hospital_twin_http_request_duration_seconds_count{route="/health",method="GET"} 3"#))
            #expect(text.contains("hospital_twin_database_up 1.0"))
            for status in ["queued", "running", "interrupted", "completed", "failed", "cancelled"] {
                #expect(text.contains("hospital_twin_jobs_count{status=\"\(status)\"} "), "\(status)")
            }
            #expect(!text.contains("918273645") && !text.contains("/no/such/route"), "labels are route patterns, never what was asked")
            // The text format 0.0.4: comments, or a name, optional labels and a number.
            let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$"#)
            for line in text.split(separator: "\n") where !line.hasPrefix("# HELP ") && !line.hasPrefix("# TYPE ") {
                #expect(line.wholeMatch(of: sample) != nil, "not a sample line: \(line)")
            }
        }
    }
}
