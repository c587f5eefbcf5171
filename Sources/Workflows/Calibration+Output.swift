import Feed
import Forecasting
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation

extension Calibrating {
    /// The log's midnight census over a calibration window, by group and by unit, as the census check holds it
    /// against the simulated: read once for all the checks of a calibration (the log and the window do not change
    /// between them, and the scenarios checked share the base's units and locations).
    public struct ObservedWindow: Sendable {
        /// Groups, then units; one value a midnight of the window.
        let series: [Backtest.Series]
        /// The first local day with an observation: the log's ramp-up after its first event.
        let firstSeenDay: Int

        /// `events`' census at each midnight of `request`'s window, units and locations from `scenario`. Read with
        /// hindsight: the window's events are all known, so a patient in hospital when the feed began counts from
        /// then, where the message that first told of it (dated back by PV1-44) says it was, not only from that
        /// message on.
        public init(events: [ReceivedEvent], request: CalibrationRequest, scenario: Scenario) {
            let zone = scenario.configuration.timeZone
            let firstDay = Int(request.from.localMinutesSinceEpoch / 1440), lastDay = Int(request.to.localMinutesSinceEpoch / 1440)
            let timeline = LedgerTimeline(events)
            firstSeenDay = (timeline.firstMinute.map { RecordTime.localDay(ofEpochMinute: $0, in: zone) } ?? firstDay) + 1
                + Backtest.logRampUpDays
            let windowEnd = ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: Double(lastDay + 1) * 1440), in: zone)
            let late = PatientLedger.history(of: events, through: windowEnd).heardOfLate
            series = Backtest.observedSeries(timeline, scenario: scenario, from: firstDay, through: lastDay,
                                             keepingBefore: -.infinity, heardOfLate: late).series
        }
    }

    /// Runs `calibrated` (read from `file`) over the calibration window, after its own warm-up, and holds each
    /// midnight's census per group against the log's (from the log's ramp-up on): how well the fitted hospital
    /// reproduces the one it was fitted to. `observed` is the log's over the window (read from `events` when nil).
    public static func censusCheck(_ calibrated: Scenario, file: String, events: [ReceivedEvent], request: CalibrationRequest,
                                   replications: Int, seed: UInt64?, observed: ObservedWindow? = nil,
                                   observer: WorkflowObserver = .silent) throws(WorkflowError) -> CensusCheck
    {
        let firstDay = Int(request.from.localMinutesSinceEpoch / 1440), lastDay = Int(request.to.localMinutesSinceEpoch / 1440)
        let days = lastDay - firstDay + 1
        let warmUp = calibrated.run.warmUpDays
        let scenario = calibrated.starting(at: LocalDateTime(localMinutesSinceEpoch: Double(firstDay - warmUp) * 1440))
        let seed = seed ?? scenario.run.seed
        let plan = RunSettings(horizonDays: warmUp + days, warmUpDays: warmUp, replications: replications, seed: seed)
        let prepared = try PreparedScenario(scenario, file: file, plan: plan)
        let result: HospitalExperimentResult
        do {
            result = try HospitalExperiment.run(prepared.hospital, replications: replications, seed: seed, horizonDays: plan.horizonDays,
                                                warmUpDays: warmUp, progress: { observer.progress($0, replications, "census check") },
                                                isCancelled: observer.isCancelled)
        } catch is HospitalExperimentCancelled {
            throw WorkflowError(.cancelled, "the calibration's census check was cancelled")
        } catch {
            throw WorkflowError(.input, "\(file): the census check failed: \(error)")
        }
        let window = observed ?? ObservedWindow(events: events, request: request, scenario: scenario)
        let rampUp = window.firstSeenDay, series = window.series
        var groups: [CensusCheck.Group] = []
        var units: [CensusCheck.Unit] = []
        let seen = (0..<days).filter { firstDay + $0 >= rampUp }  // the days with an observation
        for item in series where !item.unit.isEmpty {
            guard !seen.isEmpty, let unit = item.units.first else { continue }
            var simulated = 0.0
            for d in seen {
                for run in result.replications where d < run.units[unit].midnightCensus.count {
                    simulated += Double(run.units[unit].midnightCensus[d])
                }
            }
            units.append(CensusCheck.Unit(unit: item.unit, group: item.group,
                                          observedMean: seen.reduce(0) { $0 + item.values[$1] } / Double(seen.count),
                                          simulatedMean: simulated / Double(seen.count * result.replications.count)))
        }
        for item in series where item.unit.isEmpty {
            var rows: [(date: String, observed: Double?, mean: Double, p05: Double, p95: Double)] = []
            var replicationTotals = [Double](repeating: 0, count: result.replications.count)
            for d in 0..<days {
                var values: [Double] = []
                for (r, run) in result.replications.enumerated() {
                    var total = 0
                    for unit in item.units where d < run.units[unit].midnightCensus.count { total += run.units[unit].midnightCensus[d] }
                    values.append(Double(total))
                    if firstDay + d >= rampUp { replicationTotals[r] += Double(total) }
                }
                values.sort()
                rows.append((LocalDateTime(localMinutesSinceEpoch: Double(firstDay + d) * 1440).dateDescription,
                             firstDay + d >= rampUp ? item.values[d] : nil, values.reduce(0, +) / Double(values.count),
                             SampleQuantile.type7(values, probability: 0.05), SampleQuantile.type7(values, probability: 0.95)))
            }
            groups.append(CensusCheck.Group(group: item.group, days: rows,
                                            replicationMeans: seen.isEmpty ? [] : replicationTotals.map { $0 / Double(seen.count) }))
        }
        return CensusCheck(groups: groups, units: units, replications: replications, warmUpDays: warmUp, seed: seed,
                           bedStays: BedStayKPIs.pooled(result.replications.flatMap { $0.patients.bedStays ?? [] }))
    }
}

extension Calibration {
    /// The twin model to write with `stayScale`: the fitted model, its theatre and recovery times divided by the
    /// scale. The scale corrects the bed stays for the waits the model adds on top of them; the theatre and recovery
    /// times were fitted to the time observed under the theatres code already, so the run, which multiplies every
    /// time of a pathway by its `stay_scale`, gets them back unchanged.
    ///
    /// With `factors` (`stayFactors`), each bed stay is multiplied by its factor: the fitted stays are of the time in
    /// a bed, which holds waits the model adds itself, and of the feed's patients, whose covariates the model's vary.
    ///
    /// `criticalCare` multiplies the ICU and HDU stays on top (`fitStayScale`: the critical care census's own ratio).
    public func model(stayScale: Double, factors: [Pathway: [CareState: Double]] = [:], criticalCare: Double = 1) -> TwinModel {
        let pathways = fit.model.pathways.map { pathway in
            PathwayModel(pathway: pathway.pathway, states: pathway.states.map { state in
                var kept = state
                if state.state == .theatre || state.state == .recovery {
                    kept.sojourn.distribution = state.sojourn.distribution.scaled(by: 1 / stayScale)
                } else if let factor = factors[pathway.pathway]?[state.state] {
                    kept.sojourn.distribution = state.sojourn.distribution.scaled(by: factor)
                }
                if (state.state == .icu || state.state == .hdu) && criticalCare != 1 {
                    kept.sojourn.distribution = kept.sojourn.distribution.scaled(by: criticalCare)
                }
                return kept
            })
        }
        return TwinModel(description: fit.model.description, pathways: pathways, readmission: fit.model.readmission)
    }

    /// The calibrated scenario's text: it `extends` the base (at `base`, relative to the written file) and sets what
    /// calibration fitted — the arrival level and profile by hour of the week, the yearly term when chosen, the
    /// triage categories' admission probabilities, the emergency pathways' shares, the discharge windows — and
    /// `twin_model` (the model file, relative to the written file). Everything else stays the base's.
    /// `stayScale` multiplies every pathway's stays (written for all six, so that none of the base's stays: the fitted
    /// model is of this hospital's stays already).
    ///
    /// `stayScaleSpread` (> 0) is written as `stay_scale_spread` (`Calibrating.stayScaleSpread`).
    public func scenarioText(name: String, base: String, twinModel: String, stayScale: Double = 1, stayScaleSpread: Double = 0)
        -> String
    {
        func number(_ x: Double) -> String {
            let text = String(format: "%.4g", x)
            return text.contains("e") ? String(format: "%.6f", x) : text
        }
        func list(_ values: [Double], perLine: Int, indent: String) -> String {
            stride(from: 0, to: values.count, by: perLine).map { start in
                values[start..<min(values.count, start + perLine)].map(number).joined(separator: ", ")
            }.joined(separator: ",\n" + indent)
        }
        func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        func time(_ hour: Int) -> String { "\"\(Calibration.Discharges.timeOfDay(hour: hour))\"" }
        var lines: [String] = []
        lines.append("# Calibrated by hospital-twin calibrate from the feed's event log, \(from) to \(to) (\(days) days, "
            + "\(arrivals.total) attendances, \(fit.report.spells) admitted spells).")
        lines.append("# Every value below was fitted; everything else is the base's. The calibration report gives the evidence.")
        lines.append("name: \(quoted(name))")
        lines.append("description: \(quoted("calibrated from the event log, \(from) to \(to)"))")
        lines.append("extends: \(quoted(base))")
        lines.append("twin_model: \(quoted(twinModel))")
        lines.append("# The fitted stays are of time in a bed; the model adds discharge windows, placements and waits for a bed on")
        lines.append("# top, so one scale brings the simulated general and acute census to the observed mean (the report says how).")
        lines.append("stay_scale: {" + Pathway.allCases.map { "\($0.rawValue): \(number(stayScale))" }.joined(separator: ", ") + "}")
        if stayScaleSpread > 0 {
            lines.append("# The one window of history may lie above or below the hospital's own level by chance: each replication")
            lines.append("# draws its stays' factor with this spread (the census check's replications' spread of the window's mean).")
            lines.append("stay_scale_spread: \(number(stayScaleSpread))")
        }
        lines.append("emergency_department:")
        lines.append("  attendances_per_day: \(number(arrivals.perDay))")
        lines.append("  # Mean arrivals per hour, Monday 00:00 first (relative: the level is attendances_per_day).")
        lines.append("  hour_of_week_profile: [" + list(arrivals.fittedHourOfWeek, perLine: 12, indent: "    ") + "]")
        if arrivals.monthlyTest?.chosen == true {
            lines.append("  monthly_profile: [" + list(arrivals.monthly, perLine: 12, indent: "    ") + "]")
        }
        if admissions.attendances >= Calibration.minimumAttendances {
            lines.append("  triage:")
            for item in admissions.triageAdmit { lines.append("    - {category: \(item.category), admit: \(number(item.written))}") }
        }
        let emergency = admissions.emergencyPathways.values.reduce(0, +)
        if emergency >= Calibration.minimumAdmissions {
            let shares = [Pathway.emergencyMedical, .emergencySurgical, .stroke, .frailElderly].map {
                "\($0.rawValue): \(number(Double(admissions.emergencyPathways[$0] ?? 0) / Double(emergency)))"
            }
            lines.append("  admitted_pathways: {" + shares.joined(separator: ", ") + "}")
        }
        if discharges.hourOfWeek.reduce(0, +) >= Calibration.minimumAdmissions {
            lines.append("discharge:")
            lines.append("  windows:")
            for window in discharges.windows {
                lines.append("    - {days: \(window.days), from: \(time(window.from)), to: \(time(window.to))"
                    + (window.share < 1 ? ", share: \(number(window.share))" : "") + "}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Calibrating {
    /// The `stay_scale_spread` a calibration writes from its last census `check`: the general and acute group's
    /// `levelSpread`, the relative standard deviation of a window's mean census between the check's replications,
    /// within 0…`HospitalConfiguration.stayScaleSpreadLimit`. The stay scale was chosen so that the simulated mean
    /// meets the one window the log saw, which lies off the hospital's own level by about that much by chance (a
    /// year of the shadow hospital: 1.1%; its census remembers weeks, so a year's mean varies more than its days'
    /// count suggests), and a forecast's census moves about proportionally with the stays: drawing the stays' factor
    /// per replication with that spread carries the calibration's own uncertainty into the forecast's intervals.
    /// Taken from the check's replications (10 by default), the spread is itself known to about ±25%.
    public static func stayScaleSpread(_ check: CensusCheck) -> Double {
        guard let group = check.groups.first(where: { $0.group == BacktestReport.generalAndAcute }) else { return 0 }
        let spread = group.levelSpread
        return spread.isFinite ? max(0, min(HospitalConfiguration.stayScaleSpreadLimit, spread)) : 0
    }

    /// Census checks at most.
    public static let scaleRounds = 8
    /// The stay-scale search stops once the general and acute simulated mean is within the check's own standard error
    /// of the observed, kept within these fractions: below the error a further step would chase the replications'
    /// chance, and above it the scale written would lie off the window's level by more than the check can tell.
    public static let scaleToleranceRange = 0.001...0.01

    /// The fraction of the observed mean within which the search stops at `check`: the standard error of its general
    /// and acute mean over the window, `levelSpread` / √replications (10 replications of a year of the shadow
    /// hospital: 0.47%; the 4 of a recalibration: about 0.35%), within `scaleToleranceRange`; the range's top
    /// where the check has fewer than two replications.
    public static func scaleTolerance(_ group: CensusCheck.Group) -> Double {
        let n = group.replicationMeans.count
        guard n >= 2 else { return scaleToleranceRange.upperBound }
        let error = group.levelSpread / Double(n).squareRoot()
        return error.isFinite ? max(scaleToleranceRange.lowerBound, min(scaleToleranceRange.upperBound, error))
            : scaleToleranceRange.upperBound
    }

    /// The one stay scale (every pathway) at which the calibrated scenario's simulated general and acute midnight
    /// census over the window has the log's mean, once the waits the model adds itself are out of the bed stays
    /// (below): what the scale corrects is what remains. A full
    /// hospital answers a shorter stay with less than proportionally fewer patients in beds, and an emptier one
    /// with about proportionally fewer, so the root is found on log scale by the Illinois variant of regula falsi
    /// once bracketed, and before that by secant steps (the first proportional) of at most ×0.67–1.5, the scale
    /// kept within 0.5–2; at most `scaleRounds` checks, the first at `start`, stopping within `scaleTolerance`. `scenario(scale)` gives the calibrated
    /// scenario with that scale and its file.
    ///
    /// Before the scale, the waits: the first check runs the fitted model as it is (`bedWaits` empty) and measures,
    /// per pathway and unit type, how much of each stay in a bed is the clinical stay and how much a wait the model
    /// added after it, and the mean clinical stay its own patients drew; every later check runs the model with each
    /// fitted bed stay multiplied by its factor (`Calibration.stayFactors`: the clinical share, times the feed's
    /// fitted mean over the run's), and the scale is then found on that model. Returned: the scale, the waits
    /// measured, the factors (to write the model with), each check's ratio (the first before the waits were taken
    /// out) and the last check.
    ///
    /// Then critical care: the stay scale is found on the general and acute census, and critical care's own ratio
    /// (observed over simulated mean) at that scale is what the fitted ICU and HDU stays miss — above all the model's
    /// own overflow of HDU patients into ICU beds when the HDU is full, on top of the feed's ICU stays, which held
    /// the hospital's overflow already (a stay is fitted by the type of the unit it was in). Where that ratio is
    /// further than `criticalCareTolerance` from 1, the ICU and HDU stays are multiplied by it (within 0.5–2), one
    /// step, and the stay scale is sought again with it from where it was; critical care's ratios are returned
    /// (before, and at the scale found again; empty when none was sought).
    /// `scenario(scale, criticalCare, factors)` gives `calibration`'s scenario and its file.
    public static func fitStayScale(_ calibration: Calibration, events: [ReceivedEvent], request: CalibrationRequest, replications: Int,
                                    seed: UInt64?, observer: WorkflowObserver = .silent, start: Double = 1,
                                    scenario: (Double, Double, [Pathway: [CareState: Double]]) throws(WorkflowError) -> (Scenario, String))
        throws(WorkflowError) -> (scale: Double, criticalCare: Double, bedWaits: [BedStayKPIs], factors: [Pathway: [CareState: Double]],
                                  ratios: [Double], criticalCareRatios: [Double], check: CensusCheck)
    {
        let (uncorrected, uncorrectedFile) = try scenario(start, 1, [:])
        let observed = ObservedWindow(events: events, request: request, scenario: uncorrected)
        let first = try censusCheck(uncorrected, file: uncorrectedFile, events: events, request: request, replications: replications,
                                    seed: seed, observed: observed, observer: observer)
        let bedWaits = first.bedStays
        let factors = calibration.stayFactors(bedWaits: bedWaits, checkedAt: start)
        let firstRatio = first.groups.first.map { $0.means.simulated > 0 ? $0.means.observed / $0.means.simulated : 1 }
        let found = try searchStayScale(events: events, observed: observed, request: request, replications: replications, seed: seed,
                                        observer: observer, start: start) { (scale: Double) throws(WorkflowError) in
            try scenario(scale, 1, factors)
        }
        let ratios = (firstRatio.map { [$0] } ?? []) + found.ratios
        func criticalCareRatio(_ check: CensusCheck) -> Double? {
            guard let group = check.groups.first(where: { $0.group == BacktestReport.criticalCare }), group.means.simulated > 0,
                  group.means.observed > 0 else { return nil }
            return group.means.observed / group.means.simulated
        }
        guard let before = criticalCareRatio(found.check), abs(before - 1) > criticalCareTolerance else {
            return (found.scale, 1, bedWaits, factors, ratios, [], found.check)
        }
        let factor = max(0.5, min(2, before))
        // Critical care's stays move the general and acute census too (patients step down sooner, and fewer wait
        // for a critical care bed): the scale is sought again from where it was, with the factor.
        let again = try searchStayScale(events: events, observed: observed, request: request, replications: replications, seed: seed,
                                        observer: observer, start: found.scale) { (scale: Double) throws(WorkflowError) in
            try scenario(scale, factor, factors)
        }
        return (again.scale, factor, bedWaits, factors, ratios + again.ratios,
                [before] + (criticalCareRatio(again.check).map { [$0] } ?? []), again.check)
    }

    /// A critical care mean within this fraction of the observed is left as it is: a smaller unit's mean is
    /// noisier (a 13-patient census averaged over a year of 10 replications varies by about 1%).
    public static let criticalCareTolerance = 0.03

    static func searchStayScale(events: [ReceivedEvent], observed: ObservedWindow, request: CalibrationRequest, replications: Int, seed: UInt64?,
                                observer: WorkflowObserver, start: Double,
                                scenario: (Double) throws(WorkflowError) -> (Scenario, String))
        throws(WorkflowError) -> (scale: Double, ratios: [Double], check: CensusCheck)
    {
        try searchScale(start: start) { (scale: Double) throws(WorkflowError) -> ScaleTrial<CensusCheck> in
            let (written, file) = try scenario(scale)
            let check = try censusCheck(written, file: file, events: events, request: request, replications: replications,
                                        seed: seed, observed: observed, observer: observer)
            guard let group = check.groups.first, group.means.simulated > 0, group.means.observed > 0 else {
                return ScaleTrial(check: check, ratio: nil, tolerance: 0)
            }
            return ScaleTrial(check: check, ratio: group.means.observed / group.means.simulated, tolerance: scaleTolerance(group))
        }
    }

    /// One check of a scale in `searchScale`: its result, the observed over simulated mean (nil: nothing to compare,
    /// the search ends there) and the fraction of 1 within which the ratio is close enough.
    public struct ScaleTrial<Check> {
        public var check: Check
        public var ratio: Double?
        public var tolerance: Double

        /// A value from its parts.
        public init(check: Check, ratio: Double?, tolerance: Double) {
            self.check = check
            self.ratio = ratio
            self.tolerance = tolerance
        }
    }

    /// The root finding of `searchStayScale`, apart from what a check runs: `trial(scale)` checks a scale. Returns
    /// the scale whose ratio was nearest 1 (the last within its tolerance, or the best of `scaleRounds`), every
    /// ratio in order, and that scale's check.
    public static func searchScale<Check>(start: Double, trial: (Double) throws(WorkflowError) -> ScaleTrial<Check>)
        throws(WorkflowError) -> (scale: Double, ratios: [Double], check: Check)
    {
        var scale = start
        var tried: [(x: Double, f: Double)] = []          // log scale, log(simulated / observed)
        var low: (x: Double, f: Double)?, high: (x: Double, f: Double)?
        var lastSide = 0
        var ratios: [Double] = []
        var best: (error: Double, scale: Double, check: Check)?
        for round in 0..<scaleRounds {
            let result = try trial(scale)
            guard let ratio = result.ratio, ratio > 0, ratio.isFinite else { return (scale, ratios, result.check) }
            ratios.append(ratio)
            let point = (x: log(scale), f: -log(ratio))
            if best == nil || abs(point.f) < best!.error { best = (abs(point.f), scale, result.check) }
            guard abs(ratio - 1) > result.tolerance, round + 1 < scaleRounds else { break }
            tried.append(point)
            let side = point.f > 0 ? 1 : -1
            if side > 0 { high = point } else { low = point }
            var next: Double
            if var l = low, var h = high {
                // Illinois: when the same end moves twice running, halve the other end's value.
                if side == lastSide { if side > 0 { l.f /= 2; low = l } else { h.f /= 2; high = h } }
                next = (l.x * h.f - h.x * l.f) / (h.f - l.f)
            } else {
                var step = -point.f
                if tried.count >= 2 {
                    let a = tried[tried.count - 2], b = tried[tried.count - 1]
                    let slope = (b.f - a.f) / (b.x - a.x)
                    if slope.isFinite, slope > 0.05 { step = -b.f / slope }
                }
                next = point.x + max(log(2.0 / 3), min(log(1.5), step))
            }
            lastSide = side
            scale = max(0.5, min(2, exp(next)))
        }
        return (best!.scale, ratios, best!.check)
    }
}
