import Simulation

/// What a paired comparison says of one measure.
public enum ComparisonVerdict: String, Sendable, Hashable, Codable {
    /// The difference's 95% interval excludes 0 and the measure moved the better way.
    case better
    /// The interval excludes 0 and the measure moved the worse way.
    case worse
    /// The interval excludes 0 for a measure with no better way (a volume).
    case changed
    /// The interval includes 0: no difference detectable at this number of replications.
    case noDetectableDifference = "no_detectable_difference"
    /// Every replication gave the same value in both scenarios.
    case identical
}

/// One measure of a paired comparison: both scenarios' means, the paired difference (alternative − baseline) with
/// its 95% interval, the verdict, and the replications that would detect a difference of the size asked for.
public struct MetricComparison: Sendable, Hashable, Codable {
    /// The measure.
    public var key: MetricKey
    /// Its label for people, as the KPI tables print it.
    public var label: String
    /// Its unit ("patients", "%", "GBP", …).
    public var unit: String
    /// Which way is better, if either.
    public var direction: MetricDirection
    /// The baseline's mean over the pairs compared, in `unit`.
    public var baseline: Double
    /// Half-width of the baseline mean's 95% Student-t interval (0 with no spread).
    public var baselineHalfWidth: Double
    /// The alternative's mean over the pairs compared, in `unit`.
    public var alternative: Double
    /// Half-width of the alternative mean's 95% Student-t interval (0 with no spread).
    public var alternativeHalfWidth: Double
    /// Mean of alternative[k] − baseline[k].
    public var difference: Double
    /// Half-width of the difference's 95% Student-t interval (0 with no spread).
    public var differenceHalfWidth: Double
    /// Standard deviation of the paired differences.
    public var differenceStandardDeviation: Double
    /// What the difference's interval says (`ComparisonVerdict`).
    public var verdict: ComparisonVerdict
    /// The difference that `replicationsToDetect` is for: `ScenarioComparison.detectShare` of the baseline's mean
    /// (in the measure's unit; for a % measure, that many percentage points of it).
    public var detectableDifference: Double
    /// Paired replications that detect a true difference of `detectableDifference` with 80% power at 95%; nil
    /// when the baseline's mean is 0 or more than 100,000 would be needed.
    public var replicationsToDetect: Int?
    /// The paired t-test's two-sided p-value that the difference is 0 (below 0.05 exactly when the interval
    /// excludes 0).
    public var pValue: Double
    /// For a measure outside the headline: its Benjamini–Hochberg adjusted p-value among all of them
    /// (`ScenarioComparison.otherDiscoveries`); nil for a headline measure, which is declared and judged alone.
    public var qValue: Double?
}

/// Scenarios compared on common random numbers: replication k of every scenario has the same arrivals and the
/// same twins, so each difference is paired and its interval far narrower than either scenario's.
public struct ScenarioComparison: Sendable, Hashable, Codable {
    /// The JSON layout this code writes.
    public static let currentSchemaVersion = 1
    /// The layout this value was written in.
    public var schemaVersion = ScenarioComparison.currentSchemaVersion
    /// The baseline scenario's name.
    public var baseline: String
    /// The alternative scenario's name.
    public var alternative: String
    /// Paired replications (≥ 1): replication k of each shares its random numbers.
    public var replications: Int
    /// The relative difference the replications-to-detect column is for (0.05: 5% of the baseline).
    public var detectShare: Double
    /// Every measure compared, in the KPI tables' order.
    public var metrics: [MetricComparison]

    /// The false discovery rate at which the measures outside the headline are read: hundreds of them, each at 95%,
    /// would otherwise list some differences that are chance.
    public static let falseDiscoveryRate = 0.05

    /// The measures outside the headline (`MetricKey.headline`), every one of them tested.
    public var otherMeasures: [MetricComparison] {
        let headline = Set(MetricKey.headline)
        return metrics.filter { !headline.contains($0.key) }
    }

    /// The measures outside the headline whose difference is a discovery with the false discovery rate held at
    /// `falseDiscoveryRate` (Benjamini–Hochberg over `otherMeasures`), largest relative to the baseline first.
    public var otherDiscoveries: [MetricComparison] {
        otherMeasures.filter { m in
            [.better, .worse, .changed].contains(m.verdict) && (m.qValue ?? 1) <= Self.falseDiscoveryRate
        }.sorted { abs($0.difference) / max(abs($0.baseline), 1e-9) > abs($1.difference) / max(abs($1.baseline), 1e-9) }
    }

    /// Compares `alternative` with `baseline`, replication by replication (same count, same order). A metric in
    /// one replication but not another counts as 0 there; a rate undefined (NaN) in either of a pair leaves the pair
    /// out, and a rate with no pair left is not compared.
    public init(baseline: String, alternative: String, baselineRuns: [[Metric]], alternativeRuns: [[Metric]],
                detectShare: Double = 0.05)
    {
        precondition(baselineRuns.count == alternativeRuns.count && !baselineRuns.isEmpty, "paired runs")
        self.baseline = baseline
        self.alternative = alternative
        replications = baselineRuns.count
        self.detectShare = detectShare
        let base = MetricColumns(baselineRuns), alt = MetricColumns(alternativeRuns)
        metrics = MetricColumns(baselineRuns + alternativeRuns).order.compactMap { metric in
            let pairs = zip(base.values(metric.key), alt.values(metric.key)).filter { !$0.0.isNaN && !$0.1.isNaN }
            guard !pairs.isEmpty else { return nil }
            let b = pairs.map(\.0), a = pairs.map(\.1)
            let paired = PairedComparison(baseline: b, alternative: a)
            let d = paired.difference
            let differenceHalf = d.reportedHalfWidth()
            let verdict: ComparisonVerdict
            if zip(a, b).allSatisfy({ $0 == $1 }) {
                verdict = .identical
            } else if d.count < 2 || abs(d.mean) <= differenceHalf || !differenceHalf.isFinite {
                verdict = .noDetectableDifference
            } else {
                switch metric.direction {
                case .neutral: verdict = .changed
                case .higherIsBetter: verdict = d.mean > 0 ? .better : .worse
                case .lowerIsBetter: verdict = d.mean < 0 ? .better : .worse
                }
            }
            let target = detectShare * abs(paired.baseline.mean)
            let needed = d.count > 1 && target > 0
                ? OutputAnalysis.replicationsToDetect(difference: target, differenceStandardDeviation: d.standardDeviation)
                : nil
            return MetricComparison(key: metric.key, label: metric.label, unit: metric.unit, direction: metric.direction,
                                    baseline: paired.baseline.mean, baselineHalfWidth: paired.baseline.reportedHalfWidth(),
                                    alternative: paired.alternative.mean, alternativeHalfWidth: paired.alternative.reportedHalfWidth(),
                                    difference: d.mean, differenceHalfWidth: differenceHalf,
                                    differenceStandardDeviation: d.standardDeviation, verdict: verdict,
                                    detectableDifference: target, replicationsToDetect: needed,
                                    pValue: paired.pValue, qValue: nil)
        }
        let headline = Set(MetricKey.headline)
        let others = metrics.indices.filter { !headline.contains(metrics[$0].key) }
        for (index, q) in zip(others, OutputAnalysis.benjaminiHochberg(others.map { metrics[$0].pValue })) {
            metrics[index].qValue = q
        }
    }
}

/// The report of `hospital-twin compare`: how the scenarios ran, and each alternative against the baseline.
public struct ComparisonReport: Sendable, Hashable, Codable {
    /// The JSON layout this code writes.
    public static let currentSchemaVersion = 1
    /// The layout this value was written in.
    public var schemaVersion = ComparisonReport.currentSchemaVersion
    /// The master seed every scenario ran with.
    public var seed: UInt64
    /// Replications of each scenario (≥ 1).
    public var replications: Int
    /// Days measured after the warm-up.
    public var horizonDays: Int
    /// Days run before measuring began.
    public var warmUpDays: Int
    /// Each alternative against the baseline, in the order given.
    public var comparisons: [ScenarioComparison]

    /// A report of `comparisons` run with these settings.
    public init(seed: UInt64, replications: Int, horizonDays: Int, warmUpDays: Int, comparisons: [ScenarioComparison]) {
        self.seed = seed
        self.replications = replications
        self.horizonDays = horizonDays
        self.warmUpDays = warmUpDays
        self.comparisons = comparisons
    }

    /// The measures an operations manager reads first (`MetricKey.headline`).
    public static var headlineKeys: [MetricKey] { MetricKey.headline }
}
