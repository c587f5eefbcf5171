import Foundation
import Simulation

/// One unit's patients at one local midnight, across the replications of a run: what a bed-demand forecast is made
/// of (the mean, and a band of percentiles).
public struct UnitDayCensus: Sendable, Hashable, Codable {
    /// The unit.
    public var unit: String
    /// The local date of the midnight that starts the day, "2026-03-30".
    public var date: String
    /// Its physical beds.
    public var beds: Int
    /// Replications counted.
    public var replications: Int
    /// Mean patients over replications.
    public var mean: Double
    /// 5th, 50th and 95th percentiles over replications (type 7, interpolated).
    public var p05: Double
    /// The median over replications.
    public var p50: Double
    /// The 95th percentile over replications.
    public var p95: Double
    /// The fewest in any replication.
    public var minimum: Double
    /// The most in any replication.
    public var maximum: Double
}

extension HospitalExperimentResult {
    /// Each unit's midnight census day by day, aggregated across the replications (units in scenario order, then
    /// days in order). Replications measure the same dates, so day d of one is day d of every other.
    public var dailyCensus: [UnitDayCensus] {
        guard let first = replications.first else { return [] }
        var rows: [UnitDayCensus] = []
        for (index, unit) in first.units.enumerated() {
            let days = replications.map { $0.units[index].midnightCensus.count }.min() ?? 0
            for day in 0..<days {
                let values = replications.map { Double($0.units[index].midnightCensus[day]) }.sorted()
                rows.append(UnitDayCensus(
                    unit: unit.name, date: first.flows[day].date, beds: unit.beds, replications: values.count,
                    mean: values.reduce(0, +) / Double(values.count),
                    p05: SampleQuantile.type7(values, probability: 0.05),
                    p50: SampleQuantile.type7(values, probability: 0.5),
                    p95: SampleQuantile.type7(values, probability: 0.95),
                    minimum: values[0], maximum: values[values.count - 1]))
            }
        }
        return rows
    }
}
