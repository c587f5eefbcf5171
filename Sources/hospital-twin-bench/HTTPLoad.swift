import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A load on the server's API: `--clients` clients, each on its own thread, each sending GETs of the given paths in
/// turn (with an API token, or a browser's session for the dashboard's pages) for `--seconds`, one request at a time, after `--warmup` seconds unmeasured. One JSON line:
/// requests, failures (any status but 200, or no answer), requests per second, and P50/P90/P99/max latency in
/// milliseconds, overall and per path.
struct HTTPLoadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-load",
        abstract: "Measure the server's API under concurrent clients: requests per second and latency percentiles.")

    @Option(help: "The server's base URL (http://127.0.0.1:8080).")
    var base: String
    @Option(help: "An API token (hospital-twin users token NAME).")
    var token: String?
    @Option(name: .customLong("session"), help: "A signed-in browser's session cookie value (htw_session), instead of a token: for the dashboard's pages.")
    var sessionCookie: String?
    @Option(parsing: .upToNextOption, help: "Paths to GET, in turn (e.g. /api/v1/runs /api/v1/runs/12).")
    var paths: [String]
    @Option(help: "Concurrent clients.")
    var clients = 50
    @Option(help: "Seconds measured.")
    var seconds = 30.0
    @Option(help: "Seconds of load before measuring.")
    var warmup = 5.0

    func validate() throws {
        guard (token == nil) != (sessionCookie == nil) else { throw ValidationError("give --token or --session") }
        guard URL(string: base)?.host != nil else { throw ValidationError("--base must be a URL like http://127.0.0.1:8080, found '\(base)'") }
        guard !paths.isEmpty, paths.allSatisfy({ $0.hasPrefix("/") }) else { throw ValidationError("--paths: give paths starting with /") }
        guard (1...1_000).contains(clients) else { throw ValidationError("--clients must be from 1 to 1000, found \(clients)") }
        guard seconds > 0, seconds <= 3_600, warmup >= 0, warmup <= 600 else {
            throw ValidationError("--seconds must be in (0, 3600] and --warmup in [0, 600]")
        }
    }

    /// One client's measured requests: path index, milliseconds, and whether it failed.
    final class Samples: @unchecked Sendable {
        var latencies: [[Double]]
        var failures: [Int]
        var statuses: [Int: Int] = [:]

        init(paths: Int) {
            latencies = Array(repeating: [], count: paths)
            failures = Array(repeating: 0, count: paths)
        }
    }

    /// A response's status, handed from the session's thread to the client's (after the semaphore).
    final class Answer: @unchecked Sendable { var status = 0 }

    func run() throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = clients
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration)
        let requests = paths.map { path -> URLRequest in
            var request = URLRequest(url: URL(string: base + path)!)
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let sessionCookie { request.setValue("htw_session=\(sessionCookie)", forHTTPHeaderField: "Cookie") }
            return request
        }
        let start = Date()
        let measureFrom = start.addingTimeInterval(warmup), end = measureFrom.addingTimeInterval(seconds)
        let group = DispatchGroup()
        let all = (0..<clients).map { _ in Samples(paths: paths.count) }
        for (client, samples) in all.enumerated() {
            group.enter()
            Thread {
                var next = client % requests.count
                while Date() < end {
                    let sent = Date()
                    let done = DispatchSemaphore(value: 0)
                    let answer = Answer()
                    session.dataTask(with: requests[next]) { _, response, _ in
                        answer.status = (response as? HTTPURLResponse)?.statusCode ?? 0
                        done.signal()
                    }.resume()
                    done.wait()
                    let status = answer.status
                    let received = Date()
                    if sent >= measureFrom, received <= end {
                        samples.latencies[next].append(1000 * received.timeIntervalSince(sent))
                        if status != 200 { samples.failures[next] += 1 }
                        samples.statuses[status, default: 0] += 1
                    }
                    next = (next + 1) % requests.count
                }
                group.leave()
            }.start()
        }
        group.wait()
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            func at(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            return "\"requests\": \(sorted.count), \"p50_ms\": \(String(format: "%.1f", at(0.5))), \"p90_ms\": \(String(format: "%.1f", at(0.9))), "
                + "\"p99_ms\": \(String(format: "%.1f", at(0.99))), \"max_ms\": \(String(format: "%.1f", sorted.last ?? 0))"
        }
        let every = all.flatMap { $0.latencies.flatMap { $0 } }
        let failures = all.reduce(0) { $0 + $1.failures.reduce(0, +) }
        var statuses: [Int: Int] = [:]
        for samples in all { statuses.merge(samples.statuses, uniquingKeysWith: +) }
        let perPath = paths.indices.map { index in
            "{\"path\": \"\(paths[index])\", " + summary(all.flatMap { $0.latencies[index] })
                + ", \"failures\": \(all.reduce(0) { $0 + $1.failures[index] })}"
        }
        print("{\"clients\": \(clients), \"seconds\": \(seconds), " + summary(every) + ", \"failures\": \(failures), "
            + "\"requests_per_s\": \(String(format: "%.1f", Double(every.count) / seconds)), "
            + "\"statuses\": {" + statuses.keys.sorted().map { "\"\($0)\": \(statuses[$0]!)" }.joined(separator: ", ") + "}, "
            + "\"paths\": [" + perPath.joined(separator: ", ") + "]}")
    }
}
