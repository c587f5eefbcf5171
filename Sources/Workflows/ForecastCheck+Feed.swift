import Feed
import Forecasting
import Foundation
import HL7
import HospitalModel
import Scenario
import Simulation

extension ForecastCoverage {
    /// The self-consistency check through the feed: each truth is one run of the scenario (seed `seed + k`) that
    /// sends its feed (`ShadowHospital.emit`, with `faults`) for the `historyDays` days before the census and the days
    /// after; a backtest of the one origin `local` on that feed forecasts as `forecast --live` does (the census the
    /// log gives, readiness and attributes imputed; forecast seed `seed + 10_000 + k`) and scores each group's twin
    /// forecast against the feed's own midnight census. Against `check`, which forecasts from the run's exact census,
    /// it measures what the feed's missing facts cost. Returns the groups' scores by horizon day (general and acute,
    /// then critical care), summed over the truths.
    public static func checkThroughFeed(_ scenario: Scenario, file: String, at local: LocalDateTime, truths: Int,
                                        replications: Int, days: Int, seed: UInt64, threads: Int,
                                        historyDays: Int = 60, faults: FeedFaults = FeedFaults()) throws(WorkflowError) -> [(group: String, scores: [ForecastScore])]
    {
        precondition(truths >= 1 && replications >= 2 && days >= 1 && historyDays >= 31, "a check needs truths, replications, days and history")
        let zone = scenario.configuration.timeZone
        let originDay = Int((local.localMinutesSinceEpoch / 1440).rounded(.down))
        let feedStart = LocalDateTime(localMinutesSinceEpoch: Double(originDay - historyDays) * 1440)
        let warmUp = Int(((feedStart.localMinutesSinceEpoch - scenario.configuration.start.localMinutesSinceEpoch) / 1440).rounded(.down))
        guard warmUp >= 0 else {
            throw WorkflowError(.input, "\(file): a census at \(local) needs \(historyDays) days of feed after the scenario's start")
        }
        guard let at = LocalTimeOfDay(hour: Int(local.localMinutesSinceEpoch.truncatingRemainder(dividingBy: 1440)) / 60,
                                      minute: Int(local.localMinutesSinceEpoch.truncatingRemainder(dividingBy: 1440)) % 60)
        else { preconditionFailure("a time of day") }
        let groups = [BedForecast.generalAndAcute, BedForecast.criticalCare]
        var sums = groups.map { _ in [ForecastScore](repeating: ForecastScore(), count: days) }
        let feedDays = historyDays + days + 2
        let probes = EDProbes()   // every truth's forecast is of the same scenario and year: probed once
        // Truths on `threads` threads at once, each backtest on one: a truth's run and feed are one thread's work.
        let reports = Parallel.map(count: truths, threads: threads) { k in
            Result { () throws(WorkflowError) -> BacktestReport in
                let plan = RunSettings(horizonDays: feedDays, warmUpDays: 0, replications: 1, seed: seed + UInt64(k))
                let feed = try ShadowHospital.emit(try PreparedScenario(scenario.starting(at: feedStart), file: file, plan: plan),
                                                   days: feedDays, seed: seed + UInt64(k), faults: faults,
                                                   warmUpDays: warmUp)
                var events: [ReceivedEvent] = []
                events.reserveCapacity(feed.messages.count)
                var seen = Set<[UInt8]>()   // a retransmission is stored once, as ingest stores it
                for message in feed.messages where !message.malformed && seen.insert(message.bytes).inserted {
                    do {
                        let event = try FeedMessageReader.event(from: HL7Parser.parse(message.bytes), timeZone: zone)
                        events.append(ReceivedEvent(sequence: events.count, event: event))
                    } catch {
                        throw WorkflowError(.input, "the shadow feed sent a message it cannot read back: \(error)")
                    }
                }
                let origin = LocalDateTime(localMinutesSinceEpoch: Double(originDay) * 1440)
                var request = BacktestRequest(from: origin, to: origin)
                request.horizonDays = days
                request.at = at
                request.replications = replications
                request.seed = seed + 10_000 + UInt64(k)
                request.threads = 1
                request.fans = 0
                request.edProbes = probes
                return try Backtest.run(scenario, file: file, events: events, request: request)
            }
        }
        for result in reports {
            let report = try result.get()
            for row in report.rows where row.method == "twin" && row.unit.isEmpty && row.horizonDays <= days {
                sums[row.group == "critical_care" ? 1 : 0][row.horizonDays - 1].merge(row.score)
            }
        }
        return zip(groups, sums).map { ($0, $1) }
    }
}
