/// A rolling-origin backtest's result: every method's scores per series and horizon day, over the same origins,
/// and a few origins' forecast fans against what happened. What it scores and how is in Docs/BACKTEST.md.
public struct BacktestReport: Sendable, Hashable, Codable {
    /// The version of this document's form.
    public static let currentSchemaVersion = 1
    /// The method name of the simulation's own forecast; the baselines are named by `BaselineMethod`.
    public static let twin = "twin"
    /// Every method, in report order.
    public static let methods = [twin] + BaselineMethod.allCases.map(\.rawValue)
    /// The group of every general and acute unit, as reports name it.
    public static let generalAndAcute = "general_and_acute"
    /// The group of the ICU and HDU units, as reports name it.
    public static let criticalCare = "critical_care"

    /// How the backtest was run.
    public struct Settings: Sendable, Hashable, Codable {
        /// The scenario's name.
        public var scenario: String
        /// The first and last origins' dates, local, YYYY-MM-DD.
        public var from: String, to: String
        /// Days forecast from each origin (horizons 1…horizonDays).
        public var horizonDays: Int
        /// Days between origins.
        public var everyDays: Int
        /// The origins' local time of day, HH:MM.
        public var at: String
        /// Replications of each twin forecast.
        public var replications: Int
        /// The twin forecasts' master seed.
        public var seed: UInt64
        /// Origins forecast.
        public var origins: Int
        /// The first midnight of the observed series (the baselines' history starts there), local date.
        public var seriesStart: String
        /// Events in the log read.
        public var events: Int

        /// A value from its parts.
        public init(scenario: String, from: String, to: String, horizonDays: Int, everyDays: Int, at: String,
                    replications: Int, seed: UInt64, origins: Int, seriesStart: String, events: Int)
        {
            self.scenario = scenario
            self.from = from
            self.to = to
            self.horizonDays = horizonDays
            self.everyDays = everyDays
            self.at = at
            self.replications = replications
            self.seed = seed
            self.origins = origins
            self.seriesStart = seriesStart
            self.events = events
        }
    }

    /// One method on one series at one horizon.
    public struct Row: Sendable, Hashable, Codable {
        /// `twin` or a `BaselineMethod` raw value.
        public var method: String
        /// `general_and_acute` or `critical_care`: the group, or the group the unit belongs to.
        public var group: String
        /// The unit's name; empty on a group's row.
        public var unit: String
        /// Days after the forecast's first midnight (the origin's census).
        public var horizonDays: Int
        /// The sums over the origins.
        public var score: ForecastScore
        /// The series' in-sample MAE of the seasonal naive method over the history before the first origin: the
        /// MASE's scale (nil when that history is shorter than two weeks).
        public var maseScale: Double?
        /// Per level of `ForecastScore.levels`, the 95% confidence interval of the coverage, from the origins' own
        /// coverages in order by batch means (`SerialInterval`): how sure the score is, neighbouring origins being
        /// alike. An element is nil with too few origins (fewer than 25); the whole is nil in backtests stored
        /// before it was kept.
        public var coverageIntervals: [ClosedRange<Double>?]?

        /// A value from its parts.
        public init(method: String, group: String, unit: String, horizonDays: Int, score: ForecastScore,
                    maseScale: Double?, coverageIntervals: [ClosedRange<Double>?]? = nil)
        {
            self.method = method
            self.group = group
            self.unit = unit
            self.horizonDays = horizonDays
            self.score = score
            self.maseScale = maseScale
            self.coverageIntervals = coverageIntervals
        }

        /// MASE against the seasonal naive method's in-sample error.
        public var mase: Double? { maseScale.flatMap { score.mase(scale: $0) } }
    }

    /// One origin's twin forecast of a group, day by day, against what happened.
    public struct Fan: Sendable, Hashable, Codable {
        /// The origin, local YYYY-MM-DDTHH:MM.
        public var origin: String
        /// The group.
        public var group: String
        /// Days 0 (the census) to the horizon.
        public var days: [FanDay]

        /// A value from its parts.
        public init(origin: String, group: String, days: [FanDay]) {
            self.origin = origin
            self.group = group
            self.days = days
        }
    }

    /// One midnight of a fan: the twin's percentiles and the observed census.
    public struct FanDay: Sendable, Hashable, Codable {
        /// Local date of the midnight.
        public var date: String
        /// The twin's 5th, 25th, 50th, 75th and 95th percentiles, patients (the census itself on day 0).
        public var p5: Double, p25: Double, p50: Double, p75: Double, p95: Double
        /// Patients in the group's beds that midnight, from the event log.
        public var actual: Double

        /// A value from its parts.
        public init(date: String, p5: Double, p25: Double, p50: Double, p75: Double, p95: Double, actual: Double) {
            self.date = date
            self.p5 = p5
            self.p25 = p25
            self.p50 = p50
            self.p75 = p75
            self.p95 = p95
            self.actual = actual
        }
    }

    /// The version this document was written in.
    public var schemaVersion = BacktestReport.currentSchemaVersion
    /// How it was run.
    public var settings: Settings
    /// Groups first (general and acute, critical care), then units in the scenario's order; within each, methods in
    /// `methods` order, then horizons.
    public var rows: [Row]
    /// The `--fans` origins' forecast fans against the observed census, per group.
    public var fans: [Fan]
    /// What the reader must know: origins a baseline skipped for want of history, and assumptions.
    public var notes: [String]

    /// A report from its parts.
    public init(settings: Settings, rows: [Row], fans: [Fan], notes: [String]) {
        self.settings = settings
        self.rows = rows
        self.fans = fans
        self.notes = notes
    }

    /// The rows of one method on one series, by horizon.
    public func rows(method: String, group: String, unit: String = "") -> [Row] {
        rows.filter { $0.method == method && $0.group == group && $0.unit == unit }
            .sorted { $0.horizonDays < $1.horizonDays }
    }
}
