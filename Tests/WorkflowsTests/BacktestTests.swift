import Feed
import Forecasting
import Foundation
import HospitalModel
import Scenario
import Simulation
import Testing
import TestSupport
import Workflows

@Suite("backtests on the shadow hospital's feed")
struct BacktestTests {
    static let scenario = ShadowHospitalTests.scenario

    /// The log of `days` days of the shadow hospital run with `seed`.
    static func log(days: Int, seed: UInt64) throws -> [ReceivedEvent] {
        let prepared = try PreparedScenario(scenario, file: "general-hospital.yaml",
                                            plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: seed))
        let feed = try ShadowHospital.emit(prepared, days: days, seed: seed)
        return try ShadowHospitalTests.receive(feed, zone: scenario.configuration.timeZone).log
    }

    static func request(from: String, to: String, horizon: Int) -> BacktestRequest {
        var request = BacktestRequest(from: ForecastStart.date(from)!, to: ForecastStart.date(to)!)
        request.horizonDays = horizon
        request.replications = 8
        request.threads = 2
        request.fans = 1
        return request
    }

    @Test("an origin reads nothing after its time: logs that differ only after it give every method the same forecasts")
    func noOriginReadsTheFuture() throws {
        let a = try Self.log(days: 55, seed: 5)
        let b = try Self.log(days: 55, seed: 6)
        let origin = LocalDateTime(year: 2026, month: 2, day: 20, hour: 23, minute: 59)
        let cut = ForecastStart.epochMinute(of: origin, in: Self.scenario.configuration.timeZone)
        let past = a.filter { $0.event.minute <= cut }
        // The same past, then another hospital's future (its events relabelled after the past's).
        let otherFuture = past + b.filter { $0.event.minute > cut }.enumerated().map {
            ReceivedEvent(sequence: a.count + $0.offset, event: $0.element.event)
        }
        let request = Self.request(from: "2026-02-20", to: "2026-02-20", horizon: 7)
        let full = try Backtest.forecasts(Self.scenario, file: "general-hospital.yaml", events: a, origin: origin, request: request)
        let pastOnly = try Backtest.forecasts(Self.scenario, file: "general-hospital.yaml", events: past, origin: origin, request: request)
        let other = try Backtest.forecasts(Self.scenario, file: "general-hospital.yaml", events: otherFuture, origin: origin,
                                           request: request)
        // 32 days of series behind the origin: every method but the six-week mean (56 days) forecasts each group.
        for method in ["twin", "last_value", "seasonal_naive", "holt_winters"] {
            for group in [BacktestReport.generalAndAcute, BacktestReport.criticalCare] {
                #expect(full["\(method)|\(group)|"]?.count == 7, "\(method) \(group)")
            }
        }
        #expect(full["six_week_weekday_mean|general_and_acute|"] == nil)
        #expect(full == pastOnly && full == other)
        // and the check has power: a later origin sees the events in between, and forecasts otherwise.
        let later = try Backtest.forecasts(Self.scenario, file: "general-hospital.yaml", events: a,
                                           origin: LocalDateTime(year: 2026, month: 2, day: 21, hour: 23, minute: 59), request: request)
        #expect(later["last_value|general_and_acute|"] != full["last_value|general_and_acute|"]
                || later["twin|general_and_acute|"] != full["twin|general_and_acute|"])
    }

    @Test("with 25 origins or more, each coverage comes with its confidence interval from the origins in batches, around it")
    func coverageIntervals() throws {
        let log = try Self.log(days: 75, seed: 11)
        let report = try Backtest.run(Self.scenario, file: "general-hospital.yaml", events: log,
                                      request: Self.request(from: "2026-02-19", to: "2026-03-15", horizon: 2))
        #expect(report.settings.origins == 25)
        for row in report.rows where row.method != "six_week_weekday_mean" {
            let intervals = try #require(row.coverageIntervals)
            for (level, interval) in intervals.enumerated() {
                let range = try #require(interval, "\(row.method) \(row.group) \(row.unit) h\(row.horizonDays)")
                let coverage = row.score.coverage[level]
                #expect(range.contains(coverage) && range.lowerBound >= 0 && range.upperBound <= 1)
            }
        }
        // Some intervals are wider than a point: the origins' coverages differ.
        #expect(report.rows.contains { row in row.coverageIntervals!.contains { ($0?.upperBound ?? 0) - ($0?.lowerBound ?? 0) > 0.05 } })
    }

    @Test("a backtest scores every method on the same origins at every horizon, per group and unit; a short log is refused, saying how far it reaches")
    func scores() throws {
        let log = try Self.log(days: 55, seed: 7)
        let report = try Backtest.run(Self.scenario, file: "general-hospital.yaml", events: log,
                                      request: Self.request(from: "2026-02-19", to: "2026-02-22", horizon: 5))
        #expect(report.settings.origins == 4 && report.settings.horizonDays == 5)
        let units = Self.scenario.configuration.units.count
        let twin = report.rows.filter { $0.method == BacktestReport.twin }
        #expect(twin.count == (2 + units) * 5 && twin.allSatisfy { $0.score.origins == 4 })
        for method in ["last_value", "seasonal_naive", "holt_winters"] {
            #expect(report.rows(method: method, group: BacktestReport.generalAndAcute).map(\.score.origins) == [4, 4, 4, 4, 4], "\(method)")
        }
        // 31 days of series before the first origin: too few for the six-week mean, which says so.
        #expect(report.rows(method: "six_week_weekday_mean", group: BacktestReport.generalAndAcute).isEmpty)
        #expect(report.notes.contains { $0.hasPrefix("six_week_weekday_mean: 4 of 4 origins") })
        for row in twin {
            #expect(row.score.coverage.allSatisfy { $0 >= 0 && $0 <= 1 } && row.score.mae >= 0 && row.score.meanCRPS >= 0)
            #expect(abs(row.score.pit.reduce(0, +) - 4) < 1e-9)
        }
        #expect(report.fans.count == 2 && report.fans.allSatisfy { $0.days.count == 6 })
        // Four origins are too few to say how sure a coverage is.
        #expect(report.rows.allSatisfy { $0.coverageIntervals?.count == 4 && $0.coverageIntervals!.allSatisfy { $0 == nil } })
        #expect(throws: WorkflowError.self) {
            _ = try Backtest.run(Self.scenario, file: "general-hospital.yaml", events: log,
                                 request: Self.request(from: "2026-02-19", to: "2026-02-26", horizon: 5))
        }
        do {
            _ = try Backtest.run(Self.scenario, file: "general-hospital.yaml", events: log,
                                 request: Self.request(from: "2026-02-19", to: "2026-02-26", horizon: 5))
        } catch {
            #expect(error.description.contains("choose --to 2026-02-22 or earlier"), "\(error.description)")
        }
    }
}
