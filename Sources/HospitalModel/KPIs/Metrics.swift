import Foundation
import Simulation

/// Which way a measure should move: what "better" means in a comparison.
public enum MetricDirection: String, Sendable, Hashable, Codable {
    /// Higher is better (share within four hours).
    case higherIsBetter = "higher"
    /// Lower is better (breaches, waits, cancellations).
    case lowerIsBetter = "lower"
    /// Neither: a volume or a descriptive figure.
    case neutral
}

/// A metric's stable key: "ed.within_four_hours_percent", "units.Ward 7.occupancy_percent", "costs.net". Encoded
/// as its text. The keys the reports single out are named here once (`headline`, `listing`).
public struct MetricKey: RawRepresentable, Sendable, Hashable, Comparable, Codable, ExpressibleByStringInterpolation,
    CustomStringConvertible
{
    /// The key's text, as stored and printed.
    public let rawValue: String

    /// The key `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The key written as a literal.
    public init(stringLiteral value: String) { rawValue = value }
    /// The key written with interpolations ("units.\(name).occupancy_percent").
    public init(stringInterpolation: DefaultStringInterpolation) { rawValue = String(stringInterpolation: stringInterpolation) }
    /// The key `text`.
    public init(_ text: String) { rawValue = text }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (a: MetricKey, b: MetricKey) -> Bool { a.rawValue < b.rawValue }

    /// Whether the key is in a section ("ed.", "units.", "costs.").
    public func hasPrefix(_ section: String) -> Bool { rawValue.hasPrefix(section) }

    /// The measures an operations manager reads first, in this order (those present): the comparison's headline.
    public static let headline: [MetricKey] = [
        "ed.within_four_hours_percent", "ed.admitted_within_four_hours_percent", "ed.boarding_hours",
        "ed.mean_time_to_bed_minutes", "ed.twelve_hour_trolley_waits", "hospital.general_and_acute_occupancy_percent",
        "safe_staffing.hours_below_total", "staff.bank_hours_total", "staff.agency_hours_total",
        "theatres.elective_cases", "theatres.cancellation_percent", "theatres.waiting_list_at_end",
        "patients.deaths_per_1000_spells", "patients.delayed_discharges_per_100_discharges", "patients.readmission_percent",
        "costs.agency_staff", "costs.total_costs", "costs.net",
    ]

    /// The few figures a list of stored runs shows beside each run, with their column headings.
    public static let listing: [(key: MetricKey, heading: String)] = [
        ("hospital.general_and_acute_occupancy_percent", "G&A occupancy %"), ("ed.within_four_hours_percent", "ED 4-hour %"),
        ("theatres.cancellation_percent", "cancelled %"),
    ]
}

/// One named figure of one replication: what summaries, comparisons and exports are made of.
public struct Metric: Sendable, Hashable, Codable {
    /// A stable key.
    public let key: MetricKey
    /// What it is, for a reader.
    public let label: String
    /// Its unit: "%", "minutes", "hours", "days", "patients", "count".
    public let unit: String
    /// Which way is better.
    public let direction: MetricDirection
    /// The value.
    public let value: Double

    /// A metric from its parts.
    public init(key: MetricKey, label: String, unit: String, direction: MetricDirection, value: Double) {
        self.key = key
        self.label = label
        self.unit = unit
        self.direction = direction
        self.value = value
    }
}

/// A metric over replications: the mean with its 95% Student-t interval.
public struct MetricSummary: Sendable, Hashable, Codable {
    /// The key.
    public let key: MetricKey
    /// The label.
    public let label: String
    /// The unit.
    public let unit: String
    /// Which way is better.
    public let direction: MetricDirection
    /// Replications in which the metric is defined (0: in none, as a rate of a group with no patients; the
    /// mean is then not a value and reports read "none").
    public let replications: Int
    /// Mean over replications.
    public let mean: Double
    /// Standard deviation between replications.
    public let standardDeviation: Double
    /// Half-width of the 95% confidence interval of the mean (0 with one replication).
    public let halfWidth: Double
}

extension HospitalKPIs {
    /// Every scalar measure, flattened in a stable order: the hospital's occupancy, the ED, the theatres, patients, then each unit, staff
    /// hours, safe staffing and equity groups. Daily series (midnight census, flows) stay in the KPIs.
    public var metrics: [Metric] {
        var list: [Metric] = []
        func add(_ key: MetricKey, _ label: String, _ unit: String, _ direction: MetricDirection, _ value: Double) {
            list.append(Metric(key: key, label: label, unit: unit, direction: direction, value: value))
        }
        add("hospital.general_and_acute_occupancy_percent", "General and acute bed occupancy", "%", .neutral,
            generalAndAcuteOccupancyPercent)
        add("hospital.critical_care_occupancy_percent", "Critical-care bed occupancy", "%", .neutral,
            criticalCareOccupancyPercent)
        if let hours = fullCapacityProtocolHours {
            add("hospital.full_capacity_protocol_hours", "Hours under the full-capacity protocol", "hours", .lowerIsBetter, hours)
        }
        let ed = emergencyDepartment
        add("ed.attendances", "ED attendances", "patients", .neutral, Double(ed.attendances))
        add("ed.within_four_hours_percent", "ED: left within 4 hours", "%", .higherIsBetter, ed.withinFourHoursPercent)
        add("ed.admitted_within_four_hours_percent", "ED: admitted, left within 4 hours", "%", .higherIsBetter,
            ed.admittedWithinFourHoursPercent)
        add("ed.non_admitted_within_four_hours_percent", "ED: not admitted, left within 4 hours", "%", .higherIsBetter,
            ed.nonAdmittedWithinFourHoursPercent)
        // Counts that follow throughput are volumes (neutral); their rates carry the verdicts: the 4-hour
        // percentage for breaches, cancellations per 100 operations, deaths per 1,000 spells, delayed discharges per
        // 100 discharges. Fewer patients seen is not better care.
        add("ed.four_hour_breaches", "ED: 4-hour breaches", "patients", .neutral, Double(ed.fourHourBreaches))
        add("ed.twelve_hour_stays", "ED: stays over 12 hours", "patients", .lowerIsBetter, Double(ed.twelveHourStays))
        add("ed.twelve_hour_trolley_waits", "ED: over 12 hours from decision to admit", "patients", .lowerIsBetter,
            Double(ed.twelveHourTrolleyWaits))
        add("ed.mean_minutes_in_department", "ED: mean time in department", "minutes", .lowerIsBetter, ed.meanMinutesInDepartment)
        add("ed.mean_time_to_bed_minutes", "ED: mean time from decision to admit to a bed", "minutes", .lowerIsBetter,
            ed.meanTimeToBedMinutes)
        add("ed.p95_time_to_bed_minutes", "ED: 95th percentile time to bed", "minutes", .lowerIsBetter, ed.p95TimeToBedMinutes)
        add("ed.boarding_hours", "ED: hours admitted patients waited for a bed", "hours", .lowerIsBetter, ed.boardingHours)
        add("ed.mean_minutes_to_assessment", "ED: mean time to clinician assessment", "minutes", .lowerIsBetter,
            ed.meanMinutesToAssessment)
        add("ed.admissions", "ED: admitted to a bed", "patients", .neutral, Double(ed.admissions))
        if let sdec = ed.sameDayEmergencyCare {
            add("ed.same_day_emergency_care", "ED: streamed to same-day emergency care", "patients", .neutral, Double(sdec))
            add("ed.admitted_including_sdec_percent", "ED: admitted, to a bed or same-day emergency care, % of attendances", "%",
                .neutral, ed.attendances > 0 ? 100 * Double(ed.admissions + sdec) / Double(ed.attendances) : .nan)
        }
        add("ed.admitted_percent", "ED: admitted to a bed, % of attendances", "%", .neutral,
            ed.attendances > 0 ? 100 * Double(ed.admissions) / Double(ed.attendances) : .nan)
        add("ed.diversions", "ED: diverted on arrival", "patients", .lowerIsBetter, Double(ed.diversions))
        add("ed.transfers_out", "ED: admitted patients transferred out", "patients", .lowerIsBetter, Double(ed.transfersOut))
        let t = theatres
        add("theatres.utilisation_percent", "Theatres: session utilisation", "%", .higherIsBetter, t.utilisationPercent)
        add("theatres.sessions_held", "Theatres: sessions held", "sessions", .higherIsBetter, Double(t.sessionsHeld))
        add("theatres.elective_cases", "Theatres: elective operations", "patients", .higherIsBetter, Double(t.electiveCases))
        add("theatres.emergency_cases", "Theatres: emergency operations", "patients", .neutral, Double(t.emergencyCases))
        add("theatres.cancellations", "Theatres: on-the-day cancellations", "patients", .neutral,
            Double(t.cancellations.total))
        add("theatres.cancellation_percent", "Theatres: cancellations per 100 operations", "%", .lowerIsBetter,
            t.cancellationPercent)
        add("theatres.cancellations.no_ward_bed", "Cancelled: no ward bed", "patients", .neutral,
            Double(t.cancellations.noWardBed))
        add("theatres.cancellations.no_critical_care_bed", "Cancelled: no critical-care bed", "patients", .neutral,
            Double(t.cancellations.noCriticalCareBed))
        add("theatres.cancellations.no_theatre_team", "Cancelled: no theatre team", "patients", .neutral,
            Double(t.cancellations.noTheatreTeam))
        add("theatres.cancellations.list_overran", "Cancelled: list overran", "patients", .neutral,
            Double(t.cancellations.listOverran))
        add("theatres.lists_short_of_beds", "Theatres: lists booked short of beds", "sessions", .lowerIsBetter,
            Double(t.listsShortOfBeds))
        add("theatres.overruns", "Theatres: sessions overrunning", "sessions", .lowerIsBetter, Double(t.overruns))
        add("theatres.overrun_minutes", "Theatres: minutes overrun", "minutes", .lowerIsBetter, t.overrunMinutes)
        add("theatres.operating_minutes", "Theatres: operating minutes", "minutes", .neutral, t.operatingMinutes)
        add("theatres.waiting_list_at_end", "Elective waiting list at the end", "patients", .lowerIsBetter,
            Double(t.waitingListAtEnd))
        add("theatres.mean_wait_days", "Elective: mean wait to operation", "days", .lowerIsBetter, t.meanWaitDays)
        if let removed = t.removedFromLists {
            add("theatres.removed_from_lists", "Elective: removed from the lists without an operation", "patients", .neutral,
                Double(removed))
        }
        let p = patients
        add("patients.discharges_alive", "Inpatients discharged alive", "patients", .neutral, Double(p.dischargesAlive))
        add("patients.deaths", "In-hospital deaths", "patients", .neutral, Double(p.deaths))
        add("patients.deaths_per_1000_spells", "In-hospital deaths per 1,000 inpatient spells ended", "per 1,000",
            .lowerIsBetter, p.deathsPerThousandSpells)
        add("patients.delayed_discharges", "Delayed discharges (ready a day or more)", "patients", .neutral,
            Double(p.delayedDischarges))
        add("patients.delayed_discharges_per_100_discharges", "Delayed discharges per 100 discharged alive", "%",
            .lowerIsBetter, p.delayedDischargesPerHundred)
        add("patients.bed_days_awaiting_discharge", "Bed-days after ready to leave", "days", .lowerIsBetter,
            p.bedDaysAwaitingDischarge)
        add("patients.readmission_percent", "30-day emergency readmissions", "%", .lowerIsBetter, p.readmissionPercent)
        for band in p.readmissionsByLaceBand {
            add("patients.readmission_percent.lace_\(band.group.split(separator: " ")[0])",
                "30-day readmissions, LACE \(band.group)", "%", .lowerIsBetter, band.percent)
        }
        for (weekday, mean) in inpatientDischargesByWeekday {
            add("patients.discharges_on.\(weekday)", "Inpatient discharges on a \(weekday.capitalized), mean", "patients",
                .neutral, mean)
        }
        let emergencyStays = p.spells.filter { $0.pathway.isEmergency }
        if emergencyStays.allSatisfy({ $0.zeroOrOneDayPercent != nil }) {
            let sdec = Double(emergencyDepartment.sameDayEmergencyCare ?? 0)
            let short = emergencyStays.reduce(sdec) { $0 + ($1.zeroOrOneDayPercent ?? 0) / 100 * Double($1.spells) }
            let all = emergencyStays.reduce(sdec) { $0 + Double($1.spells) }
            add("patients.emergency_0_1_day_percent", "Emergency stays of 0-1 days (same-day emergency care as 0 days)", "%",
                .neutral, all > 0 ? 100 * short / all : .nan)
        }
        add("patients.stranded_at_midnight", "Stranded inpatients (in 7+ days) at midnight, mean", "patients", .lowerIsBetter,
            p.meanStrandedAtMidnight ?? .nan)
        add("patients.super_stranded_at_midnight", "Super-stranded inpatients (in 21+ days) at midnight, mean", "patients",
            .lowerIsBetter, p.meanSuperStrandedAtMidnight ?? .nan)
        for spell in p.spells {
            let pathway = spell.pathway.rawValue, name = spell.pathway.rawValue.replacingOccurrences(of: "_", with: " ")
            add("patients.los_days.\(pathway)", "Mean length of stay, \(name)", "days", .lowerIsBetter, spell.meanLengthOfStayDays)
            add("patients.spells.\(pathway)", "Spells, \(name)", "patients", .neutral, Double(spell.spells))
            add("patients.los_median_days.\(pathway)", "Median length of stay, \(name)", "days", .lowerIsBetter,
                spell.medianLengthOfStayDays ?? .nan)
            add("patients.los_p90_days.\(pathway)", "90th percentile length of stay, \(name)", "days", .lowerIsBetter,
                spell.p90LengthOfStayDays ?? .nan)
            add("patients.los_0_1_day_percent.\(pathway)", "Stays of 0-1 days (midnights), \(name)", "%", .neutral,
                spell.zeroOrOneDayPercent ?? .nan)
        }
        for unit in units {
            let prefix = "units.\(unit.name)"
            add("\(prefix).occupancy_percent", "\(unit.name): occupancy", "%", .neutral, unit.occupancyPercent)
            add("\(prefix).mean_occupied", "\(unit.name): mean occupied beds", "beds", .neutral, unit.meanOccupied)
            add("\(prefix).p95_occupied", "\(unit.name): 95th percentile occupied beds", "beds", .neutral, unit.p95Occupied)
            add("\(prefix).time_at_or_above_85_percent", "\(unit.name): time at or above 85%", "%", .lowerIsBetter,
                unit.timeAtOrAbove85Percent)
            add("\(prefix).time_at_or_above_92_percent", "\(unit.name): time at or above 92%", "%", .lowerIsBetter,
                unit.timeAtOrAbove92Percent)
            add("\(prefix).time_full_percent", "\(unit.name): time full", "%", .lowerIsBetter, unit.timeFullPercent)
            add("\(prefix).staffed_bed_utilisation_percent", "\(unit.name): staffed-bed utilisation", "%", .neutral,
                unit.staffedBedUtilisationPercent)
            add("\(prefix).mean_staffed_beds", "\(unit.name): mean staffed beds", "beds", .neutral, unit.meanStaffedBeds)
            add("\(prefix).admissions", "\(unit.name): admissions", "patients", .neutral, Double(unit.admissions))
            add("\(prefix).outliers_hosted", "\(unit.name): outliers hosted", "patients", .lowerIsBetter,
                Double(unit.outliersHosted))
            add("\(prefix).bed_days", "\(unit.name): bed-days", "days", .neutral, unit.bedDays)
            add("\(prefix).waiting_bed_days", "\(unit.name): bed-days waiting to move on", "days", .lowerIsBetter,
                unit.waitingBedDays)
        }
        for row in staff {
            let prefix = "staff.\(row.group.rawValue).\(row.shift).\(row.dayKind)"
            let label = "\(row.group.rawValue.replacingOccurrences(of: "_", with: " ")), \(row.shift), \(row.dayKind)"
            add("\(prefix).worked_hours", "Hours worked: \(label)", "hours", .neutral, row.workedHours)
            add("\(prefix).bank_hours", "Bank hours: \(label)", "hours", .lowerIsBetter, row.bankHours)
            add("\(prefix).agency_hours", "Agency hours: \(label)", "hours", .lowerIsBetter, row.agencyHours)
            add("\(prefix).vacant_hours", "Vacant hours: \(label)", "hours", .lowerIsBetter, row.vacantHours ?? .nan)
        }
        add("staff.bank_hours_total", "Bank hours, every group", "hours", .lowerIsBetter, staff.reduce(0) { $0 + $1.bankHours })
        add("staff.agency_hours_total", "Agency hours, every group", "hours", .lowerIsBetter, staff.reduce(0) { $0 + $1.agencyHours })
        add("staff.vacant_hours_total", "Hours of vacant posts, every group", "hours", .lowerIsBetter,
            staff.contains { $0.vacantHours == nil } ? .nan : staff.reduce(0) { $0 + ($1.vacantHours ?? 0) })
        add("safe_staffing.hours_below_total", "Unit-hours below the safe nurse ratio, every unit", "hours", .lowerIsBetter,
            safeStaffing.reduce(0) { $0 + $1.hoursBelowSafeRatio })
        for row in safeStaffing {
            add("safe_staffing.\(row.unit).\(row.shift).hours_below", "\(row.unit), \(row.shift): hours below the safe ratio",
                "hours", .lowerIsBetter, row.hoursBelowSafeRatio)
        }
        for group in equity.byDeprivationQuintile + equity.byAgeBand {
            let prefix = "equity.\(group.group.replacingOccurrences(of: " ", with: "_"))"
            // A group with no patients in a rate's denominator has no rate: NaN, summarised as "none".
            add("\(prefix).within_four_hours_percent", "\(group.group): ED within 4 hours", "%", .higherIsBetter,
                group.withinFourHoursPercent ?? .nan)
            add("\(prefix).mean_time_to_bed_minutes", "\(group.group): mean time to bed", "minutes", .lowerIsBetter,
                group.meanTimeToBedMinutes ?? .nan)
            add("\(prefix).mean_elective_wait_days", "\(group.group): mean elective wait", "days", .lowerIsBetter,
                group.meanElectiveWaitDays ?? .nan)
            add("\(prefix).readmission_percent", "\(group.group): 30-day readmissions", "%", .lowerIsBetter,
                group.readmission.count > 0 ? group.readmission.percent : .nan)
        }
        return list
    }
}

extension HospitalKPIs {
    /// Mean inpatient discharges alive on each day of the week (local days between measured midnights), Monday
    /// first; empty for runs made before they were counted.
    public var inpatientDischargesByWeekday: [(weekday: String, mean: Double)] {
        guard let counts = flows.inpatientDischarges, counts.count > 1 else { return [] }
        var sums = [Double](repeating: 0, count: 7), days = [Double](repeating: 0, count: 7)
        for index in 1..<counts.count {
            guard let date = LocalDateTime(parsing: flows.dates[index - 1]) else { continue }
            let weekday = Weekday(daysSinceEpoch: date.localMinutesSinceEpoch / 1440).rawValue - 1
            sums[weekday] += Double(counts[index] - counts[index - 1])
            days[weekday] += 1
        }
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        return (0..<7).filter { days[$0] > 0 }.map { (names[$0], sums[$0] / days[$0]) }
    }
}

/// Metrics of several replications by key: every key in the order first seen, and a key's value in each
/// replication — a metric missing from a replication (a unit's safe staffing on a shift it never had) counts as 0
/// there. The rule summaries and comparisons share.
public struct MetricColumns: Sendable {
    /// One metric of each key, in the order first seen over the replications.
    public let order: [Metric]
    private let byKey: [[MetricKey: Double]]

    /// The columns of `runs`, one list of metrics per replication.
    public init(_ runs: [[Metric]]) {
        byKey = runs.map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }) }
        var order: [Metric] = []
        var seen = Set<MetricKey>()
        for run in runs {
            for metric in run where seen.insert(metric.key).inserted { order.append(metric) }
        }
        self.order = order
    }

    /// The key's value in each replication, in replication order (0 where it is missing; NaN where the metric is a
    /// rate with nothing in its denominator in that replication).
    public func values(_ key: MetricKey) -> [Double] { byKey.map { $0[key] ?? 0 } }
}

/// Summaries of metrics over replications, in the order of the first replication's metrics (`MetricColumns`).
public enum MetricSummaries {
    /// Mean, standard deviation and 95% interval of every metric.
    public static func summarise(_ runs: [HospitalKPIs]) -> [MetricSummary] {
        let columns = MetricColumns(runs.map(\.metrics))
        return columns.order.map { metric in
            // Only the replications where the metric is defined; none: a summary of 0 replications, read "none".
            let values = columns.values(metric.key).filter { !$0.isNaN }
            guard !values.isEmpty else {
                return MetricSummary(key: metric.key, label: metric.label, unit: metric.unit, direction: metric.direction,
                                     replications: 0, mean: 0, standardDeviation: 0, halfWidth: 0)
            }
            let summary = ReplicationSummary(values)
            let halfWidth = summary.reportedHalfWidth()
            return MetricSummary(key: metric.key, label: metric.label, unit: metric.unit, direction: metric.direction,
                                 replications: values.count, mean: summary.mean,
                                 standardDeviation: summary.standardDeviation, halfWidth: halfWidth)
        }
    }
}

/// A scenario run: its replications' KPIs and their summary. Holds no wall-clock field, so the same scenario,
/// seed, horizon and replications give the same value — and the same JSON — on any number of threads.
public struct HospitalExperimentResult: Sendable, Hashable, Codable {
    /// The layout version (that of `HospitalKPIs`).
    public var schemaVersion = HospitalKPIs.currentSchemaVersion
    /// The scenario's name.
    public var scenario: String
    /// The master seed.
    public var seed: UInt64
    /// Days simulated per replication.
    public var horizonDays: Int
    /// Days before measuring.
    public var warmUpDays: Int
    /// Every metric's mean and 95% interval.
    public var summary: [MetricSummary]
    /// Each replication's KPIs, in replication order.
    public var replications: [HospitalKPIs]

    /// The result of `replications` (in replication order), its summary computed from them.
    public init(scenario: String, seed: UInt64, horizonDays: Int, warmUpDays: Int, replications: [HospitalKPIs]) {
        self.scenario = scenario
        self.seed = seed
        self.horizonDays = horizonDays
        self.warmUpDays = warmUpDays
        self.replications = replications
        summary = MetricSummaries.summarise(replications)
    }
}

/// Runs many replications of a scenario on all cores, deterministically.
public enum HospitalExperiment {
    /// Runs `replications` replications from `seed` on `threads` threads; replication k draws from
    /// `RandomStreams(masterSeed: seed).replication(k)` whatever the thread count, so results are bit-identical.
    /// `progress` is told the replications finished so far; once `isCancelled` answers true, no further
    /// replication starts and `HospitalExperimentCancelled` is thrown.
    public static func run(_ hospital: PreparedHospital, replications: Int, seed: UInt64, horizonDays: Int,
                           warmUpDays: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           census: HospitalCensus? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil,
                           isCancelled: (@Sendable () -> Bool)? = nil) throws -> HospitalExperimentResult
    {
        let runs = try kpis(hospital, replications: replications, seed: seed, horizonDays: horizonDays, warmUpDays: warmUpDays,
                            threads: threads, census: census, progress: progress, isCancelled: isCancelled)
        return HospitalExperimentResult(scenario: hospital.configuration.name, seed: seed, horizonDays: horizonDays,
                                        warmUpDays: warmUpDays, replications: runs)
    }

    /// The replications' KPIs of `run`, in replication order, without the summary of every metric (for a caller that
    /// reads only some of them, as a backtest reads the midnight censuses).
    public static func kpis(_ hospital: PreparedHospital, replications: Int, seed: UInt64, horizonDays: Int,
                            warmUpDays: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            census: HospitalCensus? = nil,
                            progress: (@Sendable (Int) -> Void)? = nil,
                            isCancelled: (@Sendable () -> Bool)? = nil) throws -> [HospitalKPIs]
    {
        let counter = ProgressCounter()
        let census = census.map { hospital.preparingReturns($0) }
        return try Replications(count: replications, masterSeed: seed, threads: threads).run { replication in
            if let isCancelled, isCancelled() { throw HospitalExperimentCancelled() }
            let kpis = try Self.replication(replication.index, of: hospital, seed: seed, horizonDays: horizonDays,
                                            warmUpDays: warmUpDays, preparedCensus: census)
            if let progress { progress(counter.increment()) }
            return kpis
        }
    }

    /// Replication `index` of a run from `seed`, alone: it draws from `RandomStreams(masterSeed: seed).replication(index)`,
    /// so it is the same KPIs, bit for bit, as that replication of `run` on any number of threads or in any process
    /// (a sharded run's worker runs it so). `preparedCensus` is a census already prepared for this hospital.
    public static func replication(_ index: Int, of hospital: PreparedHospital, seed: UInt64, horizonDays: Int,
                                   warmUpDays: Int, preparedCensus: HospitalCensus? = nil) throws -> HospitalKPIs
    {
        try HospitalSimulation.run(hospital, horizonDays: horizonDays, warmUpDays: warmUpDays,
                                   streams: RandomStreams(masterSeed: seed).replication(index), census: preparedCensus).kpis
    }
}

/// An experiment stopped by its caller before every replication had run.
public struct HospitalExperimentCancelled: Error, Sendable, Hashable {}

/// Counts finished replications across threads, for a progress display.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
