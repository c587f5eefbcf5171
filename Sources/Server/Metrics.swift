import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import RunRecords
import RunStore

/// The server's metrics for Prometheus (Docs/SERVER.md, "Metrics"), in a registry of its own (no process-wide
/// state, so that servers in one process, as in the tests, count apart): every request by route pattern, method
/// and status, with its duration; and, read from the database when scraped, the jobs by status and whether the
/// database answers. Served at `/metrics` in Prometheus's text format 0.0.4. No label holds a user's value: routes are
/// their patterns (`/api/v1/runs/{id}`; `NotFound` for a path no route has), never the path asked for.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// The request durations' bucket bounds, seconds: from a cached read to a report recomputed from a thousand
    /// replications.
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    /// An empty registry.
    public init() {}

    /// Counts one answered request.
    func record(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, duration: Duration) {
        let labels = [("route", route), ("method", method.rawValue)]
        registry.makeCounter(descriptor: Self.requests, labels: labels + [("status", String(status.code))]).increment()
        registry.makeDurationHistogram(descriptor: Self.durations, labels: labels, buckets: Self.buckets).record(duration)
    }

    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "hospital_twin", metricName: "http_requests", unitName: "total",
                                               helpText: "Requests answered, by route pattern, method and status.") }
    static var durations: MetricNameDescriptor { MetricNameDescriptor(namespace: "hospital_twin", metricName: "http_request_duration", unitName: "seconds",
                                                helpText: "Time to the answer's head, by route pattern and method (an event stream's first event).") }
    static var jobs: MetricNameDescriptor { MetricNameDescriptor(namespace: "hospital_twin", metricName: "jobs", unitName: "count",
                                           helpText: "Jobs in the queue's table, by status (read when scraped).") }
    static var database: MetricNameDescriptor { MetricNameDescriptor(namespace: "hospital_twin", metricName: "database", unitName: "up",
                                               helpText: "1 when the database answered the scrape's query, else 0.") }

    /// The exposition: the requests so far, and the jobs and the database as they are now.
    func exposition(pool: DatabasePool) async -> [UInt8] {
        do {
            let counts = try await pool.run { connection in
                try RunStore(connection: connection, migrating: false).jobCounts()
            }
            for status in Job.Status.allCases {
                registry.makeGauge(descriptor: Self.jobs, labels: [("status", status.rawValue)]).set(to: Double(counts[status] ?? 0))
            }
            registry.makeGauge(descriptor: Self.database, labels: []).set(to: 1)
        } catch {
            registry.makeGauge(descriptor: Self.database, labels: []).set(to: 0)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Records each request in `metrics`: its route's pattern (Hummingbird's, or `NotFound`), method, status and duration.
struct MetricsRecorder<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(route: context.endpointPath ?? "NotFound", method: request.method, status: response.status,
                       duration: ContinuousClock.now - started)
        return response
    }
}
