import Simulation

/// Daily bed demand per unit over replications: percentile bands and the chance that demand exceeds the staffed
/// beds — the planners' forecast. Day 0 is the first local midnight of the window (with a census, the census
/// itself); demand is the patients in a unit's beds plus those waiting for a bed whose first choice it is.
public struct BedForecast: Sendable, Hashable, Codable {
    /// What a series is of: one unit (of its kind) or a group of units. Encoded as the unit kind's raw value, or
    /// "group".
    public enum SeriesKind: Sendable, Hashable, Codable {
        case unit(UnitKind)
        case group

        /// The encoded name.
        public var name: String {
            switch self {
            case .unit(let kind): kind.rawValue
            case .group: "group"
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let name = try container.decode(String.self)
            if name == "group" { self = .group; return }
            guard let kind = UnitKind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription:
                    "expected a unit kind (\(UnitKind.allCases.map(\.rawValue).joined(separator: ", "))) or group, found '\(name)'")
            }
            self = .unit(kind)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    /// The JSON layout this code writes.
    public static let currentSchemaVersion = 1

    /// One midnight of one unit (or group of units).
    public struct Day: Sendable, Hashable, Codable {
        /// "2026-11-26".
        public var date: String
        /// Demand over replications: mean and type-7 percentiles, patients.
        public var mean: Double
        /// The 5th percentile of demand, patients.
        public var p5: Double
        /// The 10th percentile, patients.
        public var p10: Double
        /// The median, patients.
        public var p50: Double
        /// The 90th percentile, patients.
        public var p90: Double
        /// The 95th percentile, patients.
        public var p95: Double
        /// Staffed beds at midnight, mean over replications.
        public var staffedBeds: Double
        /// Their P10 and P90 over replications: staffed beds as each replication had them, escalation beds opened
        /// where its demand rose — what `exceedProbability` compares demand with, replication by replication.
        public var staffedBedsP10: Double
        /// The P90 of staffed beds over replications.
        public var staffedBedsP90: Double
        /// Share of replications in which demand exceeded the staffed beds, with its 95% Wilson interval, 0–1.
        public var exceedProbability: Double
        /// The lower end of its 95% Wilson interval, 0–1.
        public var exceedLower: Double
        /// The upper end of its 95% Wilson interval, 0–1.
        public var exceedUpper: Double
    }

    /// A unit's (or group's) days.
    public struct Series: Sendable, Hashable, Codable {
        /// The unit's name, or "General and acute (all units)" / "Critical care (ICU and HDU)".
        public var name: String
        /// A unit's kind, or a group of units.
        public var kind: SeriesKind
        /// Physical beds.
        public var beds: Int
        /// The forecast's midnights, in date order.
        public var days: [Day]
    }

    /// The layout this value was written in.
    public var schemaVersion = BedForecast.currentSchemaVersion
    /// The scenario's name.
    public var scenario: String
    /// The master seed.
    public var seed: UInt64
    /// Replications (≥ 1): each a possible future of the same census.
    public var replications: Int
    /// Patients in the census the forecast started from (0: the scenario's warm-up instead).
    public var censusPatients: Int
    /// Groups first (general and acute, critical care), then every unit.
    public var series: [Series]

    /// The name of the general and acute group.
    public static let generalAndAcute = "General and acute (all units)"
    /// The name of the critical-care group.
    public static let criticalCare = "Critical care (ICU and HDU)"

    /// Summarises the replications' midnight demand and staffed beds.
    public init(scenario: String, seed: UInt64, replications: [HospitalKPIs]) {
        precondition(!replications.isEmpty, "a forecast needs replications")
        self.scenario = scenario
        self.seed = seed
        self.replications = replications.count
        censusPatients = replications[0].censusPatients ?? 0
        let first = replications[0]
        let dates = first.flows.map(\.date)
        /// A group's demand counts a patient waiting for one of its units while in a bed of another once.
        func summarise(name: String, kind: SeriesKind, beds: Int, units: [Int], group: Bool = false) -> Series {
            let days = dates.indices.map { day -> Day in
                var demand: [Double] = [], staffed: [Double] = []
                var exceeded = 0
                for run in replications {
                    var d = 0.0, s = 0.0
                    for unit in units where day < run.units[unit].midnightDemand.count {
                        d += Double(run.units[unit].midnightDemand[day])
                        if group { d -= Double(run.units[unit].midnightDemandInGroup[day]) }
                        s += run.units[unit].midnightStaffedBeds[day]
                    }
                    demand.append(d)
                    staffed.append(s)
                    if d > s { exceeded += 1 }
                }
                demand.sort()
                let staffedSorted = staffed.sorted()
                let exceed = ProportionEstimate(successes: exceeded, trials: replications.count)
                return Day(date: dates[day], mean: demand.reduce(0, +) / Double(demand.count),
                           p5: SampleQuantile.type7(demand, probability: 0.05),
                           p10: SampleQuantile.type7(demand, probability: 0.10),
                           p50: SampleQuantile.type7(demand, probability: 0.50),
                           p90: SampleQuantile.type7(demand, probability: 0.90),
                           p95: SampleQuantile.type7(demand, probability: 0.95),
                           staffedBeds: staffed.reduce(0, +) / Double(staffed.count),
                           staffedBedsP10: SampleQuantile.type7(staffedSorted, probability: 0.10),
                           staffedBedsP90: SampleQuantile.type7(staffedSorted, probability: 0.90),
                           exceedProbability: exceed.proportion, exceedLower: exceed.lower, exceedUpper: exceed.upper)
            }
            return Series(name: name, kind: kind, beds: beds, days: days)
        }
        let critical = first.units.indices.filter { first.units[$0].kind.isCriticalCare }
        let general = first.units.indices.filter { !critical.contains($0) }
        var all: [Series] = []
        if !general.isEmpty {
            all.append(summarise(name: Self.generalAndAcute, kind: .group, beds: general.reduce(0) { $0 + first.units[$1].beds },
                              units: general, group: true))
        }
        if !critical.isEmpty {
            all.append(summarise(name: Self.criticalCare, kind: .group, beds: critical.reduce(0) { $0 + first.units[$1].beds },
                              units: critical, group: true))
        }
        for unit in first.units.indices {
            all.append(summarise(name: first.units[unit].name, kind: .unit(first.units[unit].kind), beds: first.units[unit].beds,
                              units: [unit]))
        }
        self.series = all
    }
}
