import Foundation
import HospitalModel
import RunRecords

/// Renders stored runs: the list, one run's record, and their JSON.
public enum RunReports {
    /// One line per run: id, scenario and version, status, seed, replications, horizon, when, who, and the headline
    /// figures of completed runs.
    public static func table(_ runs: [RunRecord]) -> String {
        guard !runs.isEmpty else { return "no runs stored" }
        var rows = [["run", "scenario", "status", "seed", "replications", "days (warm-up)", "started (UTC)", "took", "by"]
            + MetricKey.listing.map(\.heading)]
        for run in runs {
            rows.append([
                String(run.id), "\(run.scenario) v\(run.scenarioVersion)", run.status.rawValue, String(run.seed),
                String(run.replications), "\(run.horizonDays) (\(run.warmUpDays))", timestamp(run.startedAt),
                run.finishedAt.map { duration($0.timeIntervalSince(run.startedAt)) } ?? "–", run.runBy,
            ] + MetricKey.listing.map { column -> String in
                guard let value = run.headline[column.key.rawValue] else { return "–" }
                return value.formatted(significantDigits: 3)
            })
        }
        return TextTable.render(rows)
    }

    /// A run's record, field by field, then — for a completed run — its KPI table.
    public static func show(_ run: RunRecord, result: HospitalExperimentResult?) -> String {
        var lines = [
            "run \(run.id): \(run.scenario) v\(run.scenarioVersion) (scenario content \(run.scenarioHash.prefix(12)))",
            "status: \(run.status.rawValue)" + (run.failure.map { " — \($0)" } ?? ""),
            "seed \(run.seed), \(run.replications) replications of \(run.horizonDays) days (first \(run.warmUpDays) warm-up)",
            "engine \(run.engineVersion), KPI schema \(run.kpiSchemaVersion)",
            "started \(timestamp(run.startedAt))" + (run.finishedAt.map { ", finished \(timestamp($0))" } ?? "")
                + " by \(run.runBy) on \(run.host)",
        ]
        if let source = run.importedFrom { lines.append("imported from \(source)") }
        if let result { lines += ["", HospitalReports.table(result)] }
        return lines.joined(separator: "\n")
    }

    /// Runs as JSON (times in ISO 8601, keys sorted, snake_case).
    public static func json(_ runs: [RunRecord]) throws -> Data {
        let encoder = ResultJSON.encoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(runs)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(seconds.formatted(significantDigits: 2)) s" }
        if seconds < 3600 { return "\((seconds / 60).formatted(significantDigits: 2)) min" }
        return "\((seconds / 3600).formatted(significantDigits: 2)) h"
    }
}

extension RunReports {
    /// A sharded run as `runs status` shows it: the run, how much is stored, the pace and time left, then one line
    /// per shard (its replications, how many stored, its state, its attempts and last failure).
    public static func shardStatus(_ statuses: [ShardedRunStatus]) -> String {
        statuses.map { status in
            let run = status.run
            let percent = Double(status.stored) / Double(max(1, run.replications)) * 100
            var lines = [
                "run \(run.id): \(run.scenario) v\(run.scenarioVersion), \(run.status.rawValue); seed \(run.seed), "
                    + "\(run.replications) replications of \(run.horizonDays) days in \(status.shards.count) shards",
                "stored \(status.stored) of \(run.replications) (\(percent.formatted(significantDigits: 3))%), "
                    + "\(status.liveWorkers) shard\(status.liveWorkers == 1 ? "" : "s") being worked"
                    + (status.secondsPerReplication.map { ", \($0.formatted(significantDigits: 3)) s per replication" } ?? "")
                    + (status.secondsLeft.map { ", about \(duration($0)) left" } ?? ""),
            ]
            lines += shardLines(status.shards, plan: run.id, items: "replications", completed: run.status == .completed)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// Sharded runs' (or a sharded backtest's) status as JSON (keys sorted, snake_case).
    public static func shardStatusJSON<Status: Encodable>(_ statuses: Status) throws -> Data {
        let encoder = ResultJSON.encoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(statuses)
    }

    /// A backtest planned in shards as `runs status` shows it: the plan, the origins stored, the pace and time left,
    /// the backtest once completed, then one line per shard.
    public static func backtestShardStatus(_ status: ShardedBacktestStatus) -> String {
        let percent = Double(status.stored) / Double(max(1, status.origins)) * 100
        var lines = [
            "backtest plan \(status.plan): \(status.scenario) v\(status.scenarioVersion), \(status.status.rawValue); "
                + "\(status.origins) origins in \(status.shards.count) shards"
                + (status.backtest.map { "; stored as backtest \($0) (hospital-twin report \($0) --as backtest)" } ?? ""),
            "stored \(status.stored) of \(status.origins) origins (\(percent.formatted(significantDigits: 3))%), "
                + "\(status.liveWorkers) shard\(status.liveWorkers == 1 ? "" : "s") being worked"
                + (status.secondsPerOrigin.map { ", \($0.formatted(significantDigits: 3)) s per origin" } ?? "")
                + (status.secondsLeft.map { ", about \(duration($0)) left" } ?? ""),
        ]
        lines += shardLines(status.shards, plan: status.plan, items: "origins", completed: status.status == .completed)
        return lines.joined(separator: "\n")
    }

    /// The line naming the shards neither done nor worked, then the table of shards.
    static func shardLines(_ shards: [ShardedRunStatus.Shard], plan: Int64, items: String, completed: Bool) -> [String] {
        var lines: [String] = []
        let missing = shards.filter { $0.state == .missing || $0.state == .failed }.map(\.index)
        if !missing.isEmpty && !completed {
            lines.append("not being worked and not done: shard" + (missing.count == 1 ? " " : "s ")
                + missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? "…" : "")
                + " (start their workers again: hospital-twin work \(plan) --shard I)")
        }
        var rows = [["shard", items, "stored", "state", "attempts", "last failure"]]
        for shard in shards {
            rows.append([String(shard.index), "\(shard.first)–\(shard.end - 1)", String(shard.stored), shard.state.rawValue,
                         String(shard.attempts), shard.failure.map { String($0.prefix(80)) } ?? ""])
        }
        return lines + ["", TextTable.render(rows)]
    }
}
