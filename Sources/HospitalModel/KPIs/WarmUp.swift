import Simulation

/// Whether a hospital scenario's measured window is in steady state (`hospital-twin run --warmup-report`): each
/// replication run from empty with nothing discarded, and for each daily series — general and acute demand,
/// critical-care demand, patients in hospital at midnight — Welch's moving average, the MSER-5 truncation point,
/// and the trend over the second half of the run. The warm-up a scenario should use is at least the largest MSER-5
/// point; a series whose second-half trend excludes 0 grows (or falls) without settling, and no warm-up cures it.
public struct HospitalWarmUpReport: Sendable, Hashable, Codable {
    /// One daily series over the replications.
    public struct Series: Sendable, Hashable, Codable {
        /// What the series counts, as the report names it ("general and acute demand", …).
        public var name: String
        /// Welch's analysis and the MSER-5 suggestion, in days.
        public var analysis: WarmUpAnalysis
        /// The least-squares trend over the second half of the run (over all of it in `drifting`), per day.
        public var trend: TrendCheck
        /// The series' mean over the same days.
        public var level: Double

        /// The trend over a year, as a share of its level (0.01: 1% a year).
        public var yearlyDrift: Double { level > 0 ? trend.slope * 365 / level : 0 }

        /// Drifting enough to matter: the trend's interval excludes 0 and it moves the level by more than
        /// `HospitalWarmUpReport.materialYearlyDrift` a year. A trend detectable but smaller is reported, not warned of.
        public var driftsMaterially: Bool { trend.isDrifting && abs(yearlyDrift) > HospitalWarmUpReport.materialYearlyDrift }
    }

    /// A drift a planner would notice: 1% of the level a year (a 500-bed hospital gaining 5 beds of demand).
    public static let materialYearlyDrift = 0.01

    /// The scenario's name.
    public var scenario: String
    /// The master seed.
    public var seed: UInt64
    /// Replications run, each from empty (≥ 1).
    public var replications: Int
    /// Days run, none discarded.
    public var horizonDays: Int
    /// The scenario's own warm-up, days.
    public var scenarioWarmUpDays: Int
    /// The daily series analysed, in the report's order.
    public var series: [Series]

    /// The largest MSER-5 point of the series, days: the least warm-up the report suggests.
    public var suggestedWarmUpDays: Int { series.map(\.analysis.suggestedWarmUpPeriods).max() ?? 0 }

    /// Analyses `runs`, replications run with no warm-up over `horizonDays` (each at least 20 days).
    public init(scenario: String, seed: UInt64, horizonDays: Int, scenarioWarmUpDays: Int, runs: [HospitalKPIs]) {
        precondition(!runs.isEmpty && horizonDays >= 20, "a warm-up report needs replications of 20 days or more")
        self.scenario = scenario
        self.seed = seed
        replications = runs.count
        self.horizonDays = horizonDays
        self.scenarioWarmUpDays = scenarioWarmUpDays
        series = Self.series(of: runs, trendFromHalf: true)
    }

    /// The series of `runs` that drift materially over their whole measured window: what a run warns of (an
    /// elective list fed faster than theatres clear it, long stays accumulating, a transient not yet over). Empty
    /// for windows under 60 days, too short to tell a trend from the weekly rhythm.
    public static func drifting(_ runs: [HospitalKPIs]) -> [Series] {
        guard let days = runs.map(\.flows.count).min(), days >= 60 else { return [] }
        return series(of: runs, trendFromHalf: false).filter(\.driftsMaterially)
    }

    /// Each daily series with its analysis; the trend over the second half of the run, or over all of it.
    static func series(of runs: [HospitalKPIs], trendFromHalf: Bool) -> [Series] {
        func group(_ critical: Bool) -> [[Double]] {
            runs.map { kpis in
                let units = kpis.units.filter { $0.kind.isCriticalCare == critical }
                return kpis.flows.indices.map { day in
                    Double(units.reduce(0) { $0 + $1.midnightDemand[day] - $1.midnightDemandInGroup[day] })
                }
            }
        }
        let named: [(String, [[Double]])] = [
            ("General and acute demand at midnight", group(false)),
            ("Critical-care demand at midnight", group(true)),
            ("Patients in hospital at midnight", runs.map { $0.flows.map { Double($0.inHospital) } }),
            ("ED: mean hours in the department of the day's departures", runs.map(Self.dailyHoursInDepartment)),
            ("Elective waiting list at midnight", runs.map { kpis -> [Double] in kpis.flows.electiveWaitingList?.map(Double.init) ?? [] }),
        ]
        return named.compactMap { name, values in
            guard values.allSatisfy({ !$0.isEmpty }), values.contains(where: { $0.contains { $0 > 0 } }) else { return nil }
            let days = values.map(\.count).min() ?? 0
            let from = trendFromHalf ? days / 2 : 0
            let measured = values.flatMap { $0[from..<days] }
            return Series(name: name, analysis: WarmUpAnalysis(series: values),
                          trend: TrendCheck(series: values, fromPeriod: from),
                          level: measured.reduce(0, +) / Double(max(1, measured.count)))
        }
    }

    /// Each day's mean hours in ED of the departures between two midnights (0 on a day without one); empty for
    /// runs made before departures were counted by day.
    static func dailyHoursInDepartment(_ kpis: HospitalKPIs) -> [Double] {
        guard let departures = kpis.flows.edDepartures, let minutes = kpis.flows.edMinutesInDepartment else { return [] }
        var hours: [Double] = []
        for day in departures.indices.dropFirst() {
            let count = departures[day] - departures[day - 1]
            hours.append(count > 0 ? (minutes[day] - minutes[day - 1]) / Double(count) / 60 : 0)
        }
        return hours
    }
}
