import Feed
import Forecasting
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation

/// What a calibration reads: the window of the event log (local dates, both whole days) and the base scenario's
/// checks.
public struct CalibrationRequest: Sendable, Hashable {
    /// The first and last local dates of the window.
    public var from: LocalDateTime, to: LocalDateTime
    /// Threads the twin fit and the census check run on.
    public var threads = ProcessInfo.processInfo.activeProcessorCount

    /// A request for the window `from`…`to`.
    public init(from: LocalDateTime, to: LocalDateTime) {
        self.from = from
        self.to = to
    }
}

/// The calibration workflow (Docs/CALIBRATION.md): the base scenario's hospital, learnt from the feed's event log.
public enum Calibrating {
    /// Calibrates `base` (read from `file`) on `events` over `request`'s window: arrivals, admissions, stays and
    /// moves, discharges, readmissions. Throws an input error when the window is outside the log, too short, or the
    /// base's twin model cannot draw what the feed does not carry.
    public static func run(_ base: Scenario, file: String, events: [ReceivedEvent], request: CalibrationRequest,
                           observer: WorkflowObserver = .silent) throws(WorkflowError) -> Calibration
    {
        let zone = base.configuration.timeZone
        let day = 1440.0
        let firstDay = Int(request.from.localMinutesSinceEpoch / day), lastDay = Int(request.to.localMinutesSinceEpoch / day)
        let days = lastDay - firstDay + 1
        guard days >= minimumDays else {
            throw WorkflowError(.input, "--from \(request.from.dateDescription) to --to \(request.to.dateDescription) is \(days) "
                + "day\(days == 1 ? "" : "s"): calibration needs at least \(minimumDays) (eight weeks, so that every hour of the week is seen eight times)")
        }
        guard let first = events.map(\.event.minute).min(), let last = events.map(\.event.minute).max() else {
            throw WorkflowError(.input, "the feed's event log is empty: nothing to calibrate on (hospital-twin ingest or listen fill it)")
        }
        let start = ForecastStart.epochMinute(of: request.from, in: zone)
        let end = ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: Double(lastDay + 1) * day), in: zone)
        guard start >= first - day else {
            throw WorkflowError(.input, "the event log begins at \(RecordTime.format(first)): --from \(request.from.dateDescription) "
                + "is before it; choose --from \(LocalDateTime(localMinutesSinceEpoch: Double(RecordTime.localDay(ofEpochMinute: first, in: zone) + 1) * day).dateDescription) or later")
        }
        guard end <= last + day else {
            throw WorkflowError(.input, "the event log ends at \(RecordTime.format(last)): --to \(request.to.dateDescription) "
                + "is after it; choose --to \(LocalDateTime(localMinutesSinceEpoch: Double(RecordTime.localDay(ofEpochMinute: last, in: zone) - 1) * day).dateDescription) or earlier")
        }
        observer.progress(0, 4, "reading the event log")
        let history = PatientLedger.history(of: events, through: end)
        let inWindow = history.spells.filter { $0.patient.spellStart >= start && $0.patient.spellStart < end }
        let imputer: AttributeImputer
        do {
            imputer = try AttributeImputer(base.configuration, logStart: first, patients: inWindow.map(\.patient))
        } catch {
            throw WorkflowError(.input, "\(file): the twin model cannot draw what the feed does not carry: \(error)")
        }
        var notes: [String] = []
        if !history.anomalies.isEmpty {
            notes.append("\(history.anomalies.count) event\(history.anomalies.count == 1 ? "" : "s") in the log made no sense "
                + "where they fell and were applied as far as they could be (hospital-twin census lists them)")
        }
        let switchedOn = history.heardOfLate.filter { $0.patient.spellStart < first }.count
        if switchedOn > 0 {
            notes.append("the feed began (\(RecordTime.format(first))) with \(switchedOn) patient\(switchedOn == 1 ? "" : "s") in hospital "
                + "whose first message came later and whose PV1-44 dated the spell back: the window's census counts each from the "
                + "feed's start, where that message says it was (Docs/CALIBRATION.md)")
        }

        observer.progress(1, 4, "fitting arrivals")
        // Readmissions arrive in the model from the twins' readmission draws, on top of the ED's arrival process: the
        // attendances and the admitted share are fitted without them.
        let readmissions = readmissionSpells(history.spells)
        let edSpells = inWindow.filter {
            place(of: $0.places[0].location, base) == .emergencyDepartment && !readmissions.contains(spellKey($0))
        }
        let readmitted = inWindow.filter { readmissions.contains(spellKey($0)) }.count
        if readmitted > 0 {
            notes.append("\(readmitted) emergency readmission\(readmitted == 1 ? "" : "s") within 30 days of a discharge are left "
                + "out of the attendances, the admitted share and the emergency pathways' mix: the twins' readmission model makes them")
        }
        // An ED at its capacity diverts arrivals, which never reach the feed: the rate fitted is the one offered, from
        // the hours the department was open to them (the model diverts again at capacity).
        let capacity = base.configuration.emergencyDepartment.capacity
        let full = capacity.map { fullDepartment(history.spells, base: base, capacity: $0, from: start, to: end) } ?? []
        let arrivals = fitArrivals(edSpells.map(\.patient.spellStart), start: start, firstDay: firstDay, days: days,
                                   zone: zone, holidays: base.configuration.publicHolidays, atCapacity: full, notes: &notes)
        if let capacity {
            let hours = arrivals.fullHours
            notes.append(hours > 0
                ? "the ED held its capacity (\(capacity) patients) or more for \(String(format: "%.1f", hours)) hours of the window "
                    + "(\(String(format: "%.2f", 100 * hours / (Double(days) * 24)))%): arrivals then are diverted and reach no feed, so "
                    + "those hours are left out of the arrivals' exposure; the level written is the rate offered, which the model "
                    + "diverts again at capacity"
                : "the ED never held its capacity (\(capacity) patients) in the window: no arrival was diverted")
        }

        observer.progress(2, 4, "fitting stays and moves")
        let typical = typicalCovariates(imputer)
        let shares = imputer.population.pathwayShares
        let charlson = Int((Pathway.allCases.reduce(0.0) { $0 + (shares[$1] ?? 0) * (typical[$1]?.charlson ?? 0) }
            / max(1e-12, shares.values.reduce(0, +))).rounded())
        let admitted = classify(inWindow, base: base, imputer: imputer, zone: zone, charlson: charlson, notes: &notes)
        let admissions = admissionMix(edSpells: edSpells, admitted: admitted, readmissions: readmissions, base: base, days: days,
                                      notes: &notes)
        // The windows the calibrated scenario runs with: a discharge at the minute one opens was ready before it.
        let discharges = dischargeWindows(admitted, zone: zone)
        let windows = discharges.hourOfWeek.reduce(0, +) >= Calibration.minimumAdmissions ? discharges.fittedWindows
            : base.configuration.discharge.windows
        var options = FitOptions()
        options.endIntervals = { spell, index in readyIntervals(spell, stay: index, windows: windows, zone: zone) }
        options.exportMinute = end
        options.base = base.configuration.twinModel
        options.threads = request.threads
        options.timeZone = zone
        options.covariates = { spell in
            var x = typical[spell.pathway] ?? .reference
            x.age10 = Double(spell.attributes.ageYears - 65) / 10
            return x
        }
        let source = "the event log, \(request.from.dateDescription) to \(request.to.dateDescription)"
        var fitted = ModelFitter.fit(admitted.map(\.spell), source: source, options: options)
        let strokeUnits = Set(base.configuration.units.indices.filter { base.configuration.units[$0].kind == .strokeUnit })
        let strokeBeds = strokeUnits.reduce(0) { $0 + base.configuration.units[$1].beds }
        if strokeBeds > 0 {
            let occupancy = UnitOccupancy(history.spells, units: strokeUnits, base: base)
            let (relabelled, outliers) = strokeOutliers(admitted.map(\.spell), occupancy: occupancy, beds: strokeBeds)
            if outliers > 0, let moves = ModelFitter.fit(relabelled, source: source, options: options).model
                .model(of: .stroke)?.model(of: .ed)?.transitions
            {
                fitted = FitResult(model: fitted.model.replacing(.stroke, .ed, transitions: moves), report: fitted.report)
                notes.append("\(outliers) stroke patient\(outliers == 1 ? "" : "s") went from the ED to a ward while the stroke "
                    + "unit\(strokeUnits.count == 1 ? " was" : "s were") full (its \(strokeBeds) beds taken or being cleaned): "
                    + "the moves out of the ED count them as going to the stroke unit, which the model fills and then outlies "
                    + "from as the hospital did")
            }
        }
        let theatreTimes = try theatreTimes(admitted.map(\.spell), base: base.configuration.twinModel, covariates: typical)
        let fit = FitResult(model: keepingTheatres(fitted.model, from: base.configuration.twinModel, times: theatreTimes),
                            report: fitted.report)
        notes.append("theatre and recovery share the feed's theatres code, so their moves are the base model's and their "
            + "times the base's scaled to the time observed under that code; the moves into theatre are fitted")
        let curves = stayCurves(admitted.map(\.spell), fit: fit, options: options)

        observer.progress(3, 4, "fitting discharges")
        let atOpenings = admitted.filter { !readyIntervals($0.spell, stay: $0.spell.stays.count - 1, windows: windows, zone: zone).isEmpty }.count
        if atOpenings > 0 {
            notes.append("\(atOpenings) discharge\(atOpenings == 1 ? "" : "s") alive left at the minute a discharge window opened: "
                + "each stay's end is read as the patient's readiness at some time since the window before (interval-censored), "
                + "so the fitted stays hold no wait for a window, which the model adds; the Kaplan–Meier curves are of the time in the bed")
        }
        if arrivals.fittedMonthly == nil {
            notes.append("the window is \(days) days: a yearly term needs a year of history, so monthly_profile is the base's")
        }
        observer.progress(4, 4, "done")
        return Calibration(from: request.from.dateDescription, to: request.to.dateDescription, days: days,
                           events: events.count, spells: inWindow.count, arrivals: arrivals, admissions: admissions,
                           discharges: discharges, fit: fit, stays: curves, theatreTimes: theatreTimes, notes: notes)
    }

    /// Fewest days in a window: eight weeks.
    public static let minimumDays = 56

    // MARK: Arrivals

    /// Hour of the week, Monday 00:00 first, of a local minute.
    static func hourOfWeek(_ local: Double) -> Int {
        let day = (local / 1440).rounded(.down)
        return (Weekday(daysSinceEpoch: day).rawValue - 1) * 24 + Int((local - day * 1440) / 60)
    }

    /// The times in [`from`, `to`) (epoch minutes) when the log has `capacity` patients or more in the ED, in time
    /// order and disjoint: the model diverts every arrival then, so a feed shows none.
    static func fullDepartment(_ spells: [LedgerSpell], base: Scenario, capacity: Int, from: Double, to: Double)
        -> [(from: Double, to: Double)]
    {
        var changes: [(minute: Double, step: Int)] = []
        for spell in spells {
            for (index, stay) in spell.places.enumerated() where place(of: stay.location, base) == .emergencyDepartment {
                let left = index + 1 < spell.places.count ? spell.places[index + 1].since : (spell.patient.dischargedAt ?? to)
                guard left > stay.since, left > from, stay.since < to else { continue }
                changes.append((stay.since, 1))
                changes.append((left, -1))
            }
        }
        changes.sort { ($0.minute, $0.step) < ($1.minute, $1.step) }  // at one minute, leaving before arriving
        var inDepartment = 0, since: Double?
        var result: [(from: Double, to: Double)] = []
        func close(_ end: Double) {
            guard let opened = since else { return }
            since = nil
            let a = max(opened, from), b = min(end, to)
            if b > a { result.append((a, b)) }
        }
        for change in changes {
            inDepartment += change.step
            if inDepartment >= capacity { since = since ?? change.minute } else { close(change.minute) }
        }
        close(to)
        return result
    }

    /// `atCapacity`: the times the ED was at capacity (`fullDepartment`), left out of each hour's exposure.
    static func fitArrivals(_ times: [Double], start: Double, firstDay: Int, days: Int, zone: TimeZone,
                            holidays: Set<Int>, atCapacity: [(from: Double, to: Double)] = [], notes: inout [String]) -> Calibration.Arrivals
    {
        // Cells: each wall-clock hour of the window (a repeated hour when clocks go back is one cell of two hours'
        // exposure; the skipped hour in spring has none).
        let hours = days * 24
        var counts = [Double](repeating: 0, count: hours), exposure = [Double](repeating: 0, count: hours)
        let firstLocal = Double(firstDay) * 1440
        var minute = start
        let end = ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: Double(firstDay + days) * 1440), in: zone)
        while minute < end {
            let cell = Int(((RecordTime.localMinute(ofEpochMinute: minute, in: zone) - firstLocal) / 60).rounded(.down))
            if cell >= 0 && cell < hours { exposure[cell] += 1 }
            minute += 60
        }
        for interval in atCapacity {
            // Split at the hours the exposure was counted in (epoch hours from `start`).
            var a = interval.from
            while a < interval.to {
                let b = min(interval.to, start + (((a - start) / 60).rounded(.down) + 1) * 60)
                let cell = Int(((RecordTime.localMinute(ofEpochMinute: a, in: zone) - firstLocal) / 60).rounded(.down))
                if cell >= 0 && cell < hours { exposure[cell] = max(0, exposure[cell] - (b - a) / 60) }
                a = b
            }
        }
        for time in times {
            let cell = Int(((RecordTime.localMinute(ofEpochMinute: time, in: zone) - firstLocal) / 60).rounded(.down))
            if cell >= 0 && cell < hours { counts[cell] += 1 }
        }
        let kept = (0..<hours).filter { exposure[$0] > 0 }
        let y = kept.map { counts[$0] }, e = kept.map { exposure[$0] }
        let hourOfWeekIndex = kept.map { hourOfWeek(firstLocal + Double($0) * 60) }
        let hourIndex = hourOfWeekIndex.map { $0 % 24 }, weekdayIndex = hourOfWeekIndex.map { $0 / 24 }
        let dayIndex = kept.map { $0 / 24 }
        let monthIndex = kept.map { LocalDateTime(localMinutesSinceEpoch: firstLocal + Double($0) * 60).month - 1 }
        let years = Double(days) / 365.25
        let centre = Double(hours) / 2
        let t = kept.map { (Double($0) - centre) / (365.25 * 24) }   // years from the window's middle
        let fitMonths = days >= 365
        let fitTrend = days >= 730 || !fitMonths
        let weekHours = (levels: 168, index: hourOfWeekIndex)
        let separable = [(levels: 24, index: hourIndex), (levels: 7, index: weekdayIndex)]
        let month = (levels: 12, index: monthIndex)

        // The largest model, then each term tested against it without that term.
        let full = PoissonRegression(counts: y, factors: [weekHours] + (fitMonths ? [month] : []),
                                     trend: fitTrend ? t : nil, exposure: e)
        let dispersion = max(1, dailyDispersion(y, full.fitted, dayIndex, days: days, parameters: full.parameters - 167 + 6))
        let noWeekInteraction = PoissonRegression(counts: y, factors: separable + (fitMonths ? [month] : []),
                                                  trend: fitTrend ? t : nil, exposure: e)
        let weekTest = full.test(against: noWeekInteraction, dispersion: dispersion)
        let chooseFull = weekTest.pValue < significance
        var monthTest: Calibration.Test?, fittedMonths: [Double]?
        var chosenMonths = false
        if fitMonths {
            let without = PoissonRegression(counts: y, factors: [weekHours], trend: fitTrend ? t : nil, exposure: e)
            let test = full.test(against: without, dispersion: dispersion)
            chosenMonths = test.pValue < significance
            monthTest = Calibration.Test(statistic: test.statistic, degreesOfFreedom: test.degreesOfFreedom,
                                         pValue: test.pValue, chosen: chosenMonths)
            let effects = full.effects[1].map { $0.isFinite ? exp($0) : 0 }
            let mean = effects.reduce(0, +) / 12
            fittedMonths = effects.map { $0 / mean }
        }
        var trendTest: Calibration.Test?, trend: (ratio: Double, low: Double, high: Double)?
        var chosenTrend = false
        if fitTrend {
            let without = PoissonRegression(counts: y, factors: [weekHours] + (fitMonths ? [month] : []), exposure: e)
            let test = full.test(against: without, dispersion: dispersion)
            chosenTrend = test.pValue < significance
            trendTest = Calibration.Test(statistic: test.statistic, degreesOfFreedom: test.degreesOfFreedom,
                                         pValue: test.pValue, chosen: chosenTrend)
            let se = full.slopeStandardError * dispersion.squareRoot()
            trend = (exp(full.slope), exp(full.slope - 1.96 * se), exp(full.slope + 1.96 * se))
        }
        // The chosen model, refitted with only the chosen terms.
        let chosen = PoissonRegression(counts: y, factors: (chooseFull ? [weekHours] : separable) + (chosenMonths ? [month] : []),
                                       trend: chosenTrend ? t : nil, exposure: e)
        // Its rate per hour of the week in an average month at the window's end (t = years/2): from the fitted
        // means with the month and trend divided out.
        var rateSum = [Double](repeating: 0, count: 168), rateExposure = [Double](repeating: 0, count: 168)
        let monthEffects = chosenMonths ? chosen.effects[chooseFull ? 1 : 2] : nil
        let monthMean = monthEffects.map { m in m.map { $0.isFinite ? exp($0) : 0 }.reduce(0, +) / 12 } ?? 1
        var observedSum = [Double](repeating: 0, count: 168)
        for i in y.indices {
            var mu = chosen.fitted[i] / e[i]
            if let monthEffects { mu /= (monthEffects[monthIndex[i]].isFinite ? exp(monthEffects[monthIndex[i]]) : 1) / monthMean }
            if chosenTrend { mu *= exp(chosen.slope * (years / 2 - t[i])) }
            rateSum[hourOfWeekIndex[i]] += mu * e[i]
            rateExposure[hourOfWeekIndex[i]] += e[i]
            observedSum[hourOfWeekIndex[i]] += y[i]
        }
        let fittedHourOfWeek = (0..<168).map { rateExposure[$0] > 0 ? rateSum[$0] / rateExposure[$0] : 0 }
        let observedHourOfWeek = (0..<168).map { rateExposure[$0] > 0 ? observedSum[$0] / rateExposure[$0] : 0 }
        let perDay = fittedHourOfWeek.reduce(0, +) / 7
        var monthly = [Double](repeating: 1, count: 12)
        if chosenMonths, let monthEffects {
            monthly = monthEffects.map { ($0.isFinite ? exp($0) : 0) / monthMean }
        }
        // Observed against fitted by date; public holidays said, not fitted.
        var dailyObserved = [Int](repeating: 0, count: days), dailyFitted = [Double](repeating: 0, count: days)
        for i in y.indices {
            dailyObserved[dayIndex[i]] += Int(y[i])
            dailyFitted[dayIndex[i]] += chosen.fitted[i]
        }
        let daily = (0..<days).map { d -> (date: String, observed: Int, fitted: Double) in
            let date = LocalDateTime(localMinutesSinceEpoch: Double(firstDay + d) * 1440).dateDescription
            return (date, dailyObserved[d], dailyFitted[d])
        }
        let holidayDays = (0..<days).filter { holidays.contains(firstDay + $0) }
        if !holidayDays.isEmpty {
            let observed = holidayDays.reduce(0) { $0 + dailyObserved[$1] }
            let fitted = holidayDays.reduce(0.0) { $0 + dailyFitted[$1] }
            notes.append("\(holidayDays.count) public holiday\(holidayDays.count == 1 ? "" : "s") in the window had "
                + "\(observed) attendances against \(Int(fitted.rounded())) fitted (\(percent(Double(observed) / max(fitted, 1) - 1))): "
                + "the scenario has no holiday term for arrivals, so this is said, not written")
        } else {
            notes.append("no public holiday of the scenario falls in the window: holiday effects on arrivals are not known")
        }
        return Calibration.Arrivals(
            total: Int(y.reduce(0, +)), perDay: perDay, observedHourOfWeek: observedHourOfWeek,
            fittedHourOfWeek: fittedHourOfWeek, hourOfWeekChosen: chooseFull,
            hourOfWeekTest: Calibration.Test(statistic: weekTest.statistic, degreesOfFreedom: weekTest.degreesOfFreedom,
                                             pValue: weekTest.pValue, chosen: chooseFull),
            monthly: monthly, fittedMonthly: fittedMonths, monthlyTest: monthTest, trendPerYear: trend, trendTest: trendTest,
            dispersion: dispersion, daily: daily, fullHours: atCapacity.reduce(0.0) { $0 + ($1.to - $1.from) } / 60)
    }

    /// A term is written when its test's p-value is below this.
    static var significance: Double { Calibration.significance }

    /// Pearson χ² of daily totals around the fitted daily means over the residual degrees of freedom: counts of
    /// the same day share the day's pressures, so the day is the level at which they are taken as independent.
    static func dailyDispersion(_ y: [Double], _ mu: [Double], _ dayIndex: [Int], days: Int, parameters: Int) -> Double {
        var observed = [Double](repeating: 0, count: days), expected = observed
        for i in y.indices {
            observed[dayIndex[i]] += y[i]
            expected[dayIndex[i]] += mu[i]
        }
        var chi2 = 0.0
        for d in 0..<days where expected[d] > 0 { chi2 += (observed[d] - expected[d]) * (observed[d] - expected[d]) / expected[d] }
        return chi2 / Double(max(1, days - parameters))
    }

    static func percent(_ x: Double) -> String { String(format: "%+.0f%%", x * 100) }

    // MARK: Spells

    static func spellKey(_ spell: LedgerSpell) -> String { "\(spell.patient.key)@\(spell.patient.spellStart)" }

    /// The spells that are emergency readmissions as the twins' fitter counts them: an admitted emergency spell of a
    /// patient starting within 30 days after the end of its previous admitted spell, left alive.
    static func readmissionSpells(_ spells: [LedgerSpell]) -> Set<String> {
        var byPatient: [String: [LedgerSpell]] = [:]
        for spell in spells where spell.patient.admitted { byPatient[spell.patient.key, default: []].append(spell) }
        var result: Set<String> = []
        for (_, list) in byPatient where list.count > 1 {
            let sorted = list.sorted { $0.patient.spellStart < $1.patient.spellStart }
            for (previous, spell) in zip(sorted, sorted.dropFirst()) {
                guard let end = previous.patient.dischargedAt, previous.patient.dischargeDestination != .died,
                      !AttributeImputer.isElective(spell.patient.admissionType),
                      spell.patient.spellStart > end, spell.patient.spellStart - end <= 30 * 1440 else { continue }
                result.insert(spellKey(spell))
            }
        }
        return result
    }

    /// An admitted spell as the twins' fitter reads it (the Charlson index ADT does not carry is the population's
    /// mean, the same for all, so that no effect is learnt from a draw), with where it ended in the feed's words.
    struct AdmittedSpell {
        let spell: Spell
        let ledger: LedgerSpell
        let viaED: Bool
    }

    static func place(of location: FeedEvent.Location?, _ scenario: Scenario) -> NamedPlace? {
        location.flatMap { scenario.locations[$0.pointOfCare] }
    }

    /// The window's admitted spells as twin spells: each place mapped by the scenario's `locations:` to a care
    /// state, consecutive places of one state joined; ED-only attendances and spells through an unmapped code left
    /// out (counted in the notes).
    static func classify(_ spells: [LedgerSpell], base: Scenario, imputer: AttributeImputer, zone: TimeZone, charlson: Int,
                         notes: inout [String]) -> [AdmittedSpell]
    {
        let units = base.configuration.units
        var result: [AdmittedSpell] = []
        var unmapped: [String: Int] = [:]
        var missing = 0
        for ledger in spells where ledger.patient.admitted {
            var stays: [(state: CareState, start: Double)] = []
            var firstUnit: UnitConfiguration?
            var skip = false
            for place in ledger.places {
                let code = place.location?.pointOfCare ?? ""
                guard let named = base.locations[code] else {
                    unmapped[code.isEmpty ? "(no location)" : code, default: 0] += 1
                    skip = true
                    break
                }
                let state: CareState
                switch named {
                case .emergencyDepartment: state = .ed
                case .theatres: state = .theatre
                case .unit(let index):
                    state = units[index].kind.careState
                    firstUnit = firstUnit ?? units[index]
                case .discharged: continue
                }
                if stays.last?.state != state { stays.append((state, place.since)) }
            }
            guard !skip, stays.contains(where: { $0.state != .ed }) else { continue }
            let drawn = imputer.attributes(of: ledger.patient, on: firstUnit, at: ledger.patient.spellStart, news2: nil,
                                           zone: zone, missingBirthDates: &missing)
            let pathway = drawn.0
            var attributes = drawn.1
            // One Charlson index for every spell: LACE's C does not vary, so the readmission fit holds its effect at
            // the base model's rather than learning it from draws.
            attributes.charlsonIndex = charlson
            let end = ledger.patient.dischargedAt
            // The ED stay is the time to the decision to admit (the twin's ED stay; the model adds the wait for a
            // bed after it) when the feed sent an A01 in the ED; else the time to leaving it.
            let decision = ledger.patient.admittedAt
            let twinStays = stays.indices.map { i in
                var stayEnd = i + 1 < stays.count ? stays[i + 1].start : end
                if stays[i].state == .ed, let decision, decision > stays[i].start, decision < stayEnd ?? .infinity {
                    stayEnd = decision
                }
                return Spell.Stay(unit: stays[i].state, startMinute: stays[i].start, endMinute: stayEnd)
            }
            var destination: CareState?
            if end != nil {
                switch ledger.patient.dischargeDestination {
                case .careHome: destination = .dischargedCareHome
                case .died: destination = .died
                case .home, .otherHospital, .other: destination = .dischargedHome
                }
            }
            let spell = Spell(id: "\(ledger.patient.key)@\(Int(ledger.patient.spellStart))", patientID: ledger.patient.key,
                              pathway: pathway, attributes: attributes, admissionNEWS2: 0, hasNEWS2: false,
                              stays: twinStays, discharge: destination)
            result.append(AdmittedSpell(spell: spell, ledger: ledger, viaED: stays[0].state == .ed))
        }
        if !unmapped.isEmpty {
            notes.append("spells through point-of-care codes the scenario's locations: does not map were left out of the fit: "
                + unmapped.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        }
        if missing > 0 {
            notes.append("\(missing) admitted spell\(missing == 1 ? "" : "s") without a birth date: age drawn from the base's population")
        }
        return result
    }

    /// The covariates ADT does not carry (Charlson, frailty, NEWS2) at their mean in the base's population for each
    /// pathway, from 4,000 draws of a fixed stream: within a pathway they do not vary, so the fit holds their
    /// effects at the base model's and fits the stays of the pathway's typical patient.
    static func typicalCovariates(_ imputer: AttributeImputer) -> [Pathway: Covariates] {
        var result: [Pathway: Covariates] = [:]
        for pathway in Pathway.allCases {
            var stream = RandomStream(seed: 0xCA11_B8A7E ^ UInt64(pathway.ordinal))
            var sum = [Double](repeating: 0, count: Covariate.allCases.count)
            let draws = 4000
            for _ in 0..<draws {
                let attributes = imputer.generator.attributes(on: pathway, using: &stream)
                let x = Covariates(attributes: attributes, news2: nil).values
                for k in sum.indices { sum[k] += x[k] }
            }
            var mean = Covariates(values: sum.map { $0 / Double(draws) })
            mean.news2 = imputer.population.news2Mean[pathway] ?? 0
            result[pathway] = mean
        }
        return result
    }

    /// `model` with the theatre and recovery states of `base`, their times multiplied by the pathway's factor in
    /// `times` (absent: 1): the feed's one code for both cannot tell them apart.
    static func keepingTheatres(_ model: TwinModel, from base: TwinModel, times: [Calibration.TheatreTime]) -> TwinModel {
        let pathways = model.pathways.map { pathway -> PathwayModel in
            let factor = times.first { $0.pathway == pathway.pathway }?.factor ?? 1
            let states = pathway.states.map { state -> StateModel in
                guard state.state == .theatre || state.state == .recovery,
                      var kept = base.model(of: pathway.pathway)?.model(of: state.state) else { return state }
                kept.sojourn.distribution = kept.sojourn.distribution.scaled(by: factor)
                return kept
            }
            return PathwayModel(pathway: pathway.pathway, states: states)
        }
        return TwinModel(description: model.description, pathways: pathways, readmission: model.readmission)
    }

    /// Each operated pathway's completed stays under the theatres code against the base model's theatre time plus
    /// recovery time (recovery with its chance) for the pathway's mean covariates: the factor is the ratio of the
    /// medians (`Calibration.TheatreTime`).
    static func theatreTimes(_ spells: [Spell], base: TwinModel, covariates: [Pathway: Covariates])
        throws(WorkflowError) -> [Calibration.TheatreTime]
    {
        let predictor: TrajectoryPredictor
        do { predictor = try TrajectoryPredictor(model: base) } catch {
            throw WorkflowError(.input, "the base twin model cannot be used: \(error)")
        }
        var observed: [Pathway: [Double]] = [:]
        for spell in spells {
            for stay in spell.stays where stay.unit == .theatre {
                guard let end = stay.endMinute, end > stay.startMinute else { continue }
                observed[spell.pathway, default: []].append(end - stay.startMinute)
            }
        }
        return Pathway.allCases.compactMap { pathway -> Calibration.TheatreTime? in
            guard let model = base.model(of: pathway), model.model(of: .theatre) != nil, let seen = observed[pathway] else { return nil }
            let x = covariates[pathway] ?? .reference
            var expected = predictor.meanSojourn(pathway: pathway, state: .theatre, covariates: x)
            var recoveryChance = 0.0
            if model.model(of: .recovery) != nil {
                recoveryChance = predictor.transitionProbabilities(pathway: pathway, state: .theatre, covariates: x)
                    .first { $0.0 == .recovery }?.1 ?? 0
                expected += recoveryChance * predictor.meanSojourn(pathway: pathway, state: .recovery, covariates: x)
            }
            let baseMedian = medianOfSum(
                first: { predictor.sojournSurvival(pathway: pathway, state: .theatre, covariates: x, minutes: $0) },
                second: { predictor.sojournSurvival(pathway: pathway, state: .recovery, covariates: x, minutes: $0) },
                secondChance: recoveryChance)
            let sorted = seen.sorted()
            let n = Double(sorted.count)
            let median = SampleQuantile.type7(sorted, probability: 0.5)
            let half = 1.96 * n.squareRoot() / 2
            let low = sorted[max(0, Int((n / 2 - half).rounded(.down)) - 1)]
            let high = sorted[min(sorted.count - 1, Int((n / 2 + half).rounded(.up)))]
            let mean = sorted.reduce(0, +) / n
            let variance = sorted.count > 1 ? sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
            let factor = sorted.count >= Calibration.minimumOperations && baseMedian > 0 ? median / baseMedian : 1
            return Calibration.TheatreTime(pathway: pathway, operations: sorted.count, observedMedianMinutes: median,
                                           medianInterval: low...high, observedMeanMinutes: mean,
                                           standardErrorMinutes: (variance / n).squareRoot(), baseMedianMinutes: baseMedian,
                                           baseMeanMinutes: expected, factor: factor)
        }
    }

    /// The median, in minutes, of X + B·Y for independent X and Y with survival functions `first` and `second`
    /// (of minutes) and B a Bernoulli(`secondChance`): P(X + B·Y ≤ m) = Σ P(X in a minute's bin)·[1 − c + c·F_Y(m − t)]
    /// over one-minute bins of X (F_Y at each bin's middle), solved for 1/2 by bisection to a hundredth of a minute.
    public static func medianOfSum(first: (Double) -> Double, second: (Double) -> Double, secondChance: Double) -> Double {
        func cdf(_ m: Double) -> Double {
            var total = 0.0, t = 0.0, above = first(0)
            while t < m {
                let next = min(m, t + 1)
                let still = first(next)
                let ended = secondChance > 0 ? 1 - secondChance + secondChance * (1 - second(m - (t + next) / 2)) : 1
                total += (above - still) * ended
                above = still
                t = next
            }
            return total
        }
        var high = 60.0
        while cdf(high) < 0.5 && high < 1e6 { high *= 2 }
        var low = 0.0
        while high - low > 0.01 {
            let middle = (low + high) / 2
            if cdf(middle) < 0.5 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    // MARK: Outlying stroke patients

    /// How many patients a set of units held at any moment, from the log's places: each place on one of the units
    /// is a stay from its time to the next place's (or the discharge; open when neither is known); and how many beds
    /// were taken, the patients with the beds still being cleaned after a stay ended.
    public struct UnitOccupancy: Sendable {
        /// Stays' starts and ends, each ascending (epoch minutes).
        let starts: [Double], ends: [Double]
        /// Minutes a bed is cleaned after a stay ends before the next patient can have it (≥ 0).
        let turnaround: Double

        /// From stays [start, end) in epoch minutes (end .infinity: still there), each bed cleaned for `turnaround`
        /// minutes after its stay.
        public init(stays: [(start: Double, end: Double)], turnaround: Double = 0) {
            starts = stays.map(\.start).sorted()
            ends = stays.map(\.end).sorted()
            self.turnaround = max(0, turnaround)
        }

        init(_ spells: [LedgerSpell], units: Set<Int>, base: Scenario) {
            var stays: [(start: Double, end: Double)] = []
            for spell in spells {
                for (i, place) in spell.places.enumerated() {
                    guard case .unit(let index)? = Calibrating.place(of: place.location, base), units.contains(index) else { continue }
                    let end = i + 1 < spell.places.count ? spell.places[i + 1].since : spell.patient.dischargedAt ?? .infinity
                    stays.append((place.since, end))
                }
            }
            // The feed does not show cleaning: the scenario's turnaround (its mean, over the units).
            let means = units.map { base.configuration.units[$0].turnaroundMinutes?.mean ?? 0 }
            self.init(stays: stays, turnaround: means.isEmpty ? 0 : means.reduce(0, +) / Double(means.count))
        }

        /// Patients in the units at `minute`: stays begun at or before it, not ended at or before it.
        public func count(at minute: Double) -> Int {
            SampleQuantile.countAtOrBelow(minute, in: starts) - SampleQuantile.countAtOrBelow(minute, in: ends)
        }

        /// Beds taken at `minute`: its patients, and the beds whose stay ended in the `turnaround` minutes up to it.
        public func taken(at minute: Double) -> Int {
            count(at: minute) + SampleQuantile.countAtOrBelow(minute, in: ends) - SampleQuantile.countAtOrBelow(minute - turnaround, in: ends)
        }
    }

    /// The stroke pathway's spells with each outlier's first bed read as the stroke unit's: a stroke patient whose
    /// first bed after the ED was a ward, entered while all `beds` of the stroke units were taken (by patients, or
    /// being cleaned after one left: `UnitOccupancy.taken`), went there because the stroke unit was full (the model
    /// outlies a stroke-unit patient to a ward then, keeping its state). Fitted as the feed has them, the ED's moves
    /// learnt the hospital's outlying as a choice of the ward: on the second shadow feed 0.65 to the stroke unit and
    /// 0.23 to a ward (0.79 and 0.09 so read), where the shadow sends 0.91 and 0.06, and the model, which outlies
    /// again when its stroke unit is full, held the stroke unit 2 patients under the log (Docs/BACKTEST.md). A ward
    /// stay followed by the stroke unit is one stay there (a wait on a ward for it). Returned: the stroke spells so
    /// read, and how many were outliers.
    public static func strokeOutliers(_ spells: [Spell], occupancy: UnitOccupancy, beds: Int) -> (spells: [Spell], outliers: Int) {
        var result: [Spell] = [], outliers = 0
        for spell in spells where spell.pathway == .stroke {
            var stays = spell.stays
            if let first = stays.firstIndex(where: { $0.unit != .ed }), first > 0, stays[first].unit == .ward,
               occupancy.taken(at: stays[first].startMinute) >= beds
            {
                let merged = first + 1 < stays.count && stays[first + 1].unit == .strokeUnit
                stays[first] = Spell.Stay(unit: .strokeUnit, startMinute: stays[first].startMinute,
                                          endMinute: merged ? stays[first + 1].endMinute : stays[first].endMinute)
                if merged { stays.remove(at: first + 1) }
                outliers += 1
            }
            result.append(Spell(id: spell.id, patientID: spell.patientID, pathway: spell.pathway, attributes: spell.attributes,
                                admissionNEWS2: spell.admissionNEWS2, hasNEWS2: spell.hasNEWS2, stays: stays,
                                discharge: spell.discharge))
        }
        return (result, outliers)
    }

    // MARK: Admissions

    /// The ED's attendances and admitted share (readmissions already left out of `edSpells`), the elective
    /// admissions per week, and the emergency pathways' mix of the admissions through the ED that are not
    /// `readmissions` (spell keys): the mix written is that of the attendances the ED's arrival process makes, and
    /// the twins' readmissions, nearly all medical (a surgical specialty and a stroke become medicine), come on top
    /// in the model as in the log. Counted with them, the mix over-weighted medicine: a calibrated year admitted 3.8%
    /// too many emergency medical patients and 7.4% too few surgical ones, its AMU 1.5 patients over and its SAU,
    /// Ward 9 and stroke unit 0.6, 1.7 and 1.9 under (Docs/BACKTEST.md).
    static func admissionMix(edSpells: [LedgerSpell], admitted: [AdmittedSpell], readmissions: Set<String>, base: Scenario,
                             days: Int, notes: inout [String]) -> Calibration.Admissions
    {
        let ed = base.configuration.emergencyDepartment
        let attendances = edSpells.count
        let admittedFromED = edSpells.filter(\.patient.admitted).count
        var emergency: [Pathway: Int] = [:], elective: [Pathway: Int] = [:]
        var direct = 0
        for item in admitted {
            if !item.spell.pathway.isEmergency {
                elective[item.spell.pathway, default: 0] += 1
            } else if item.viaED {
                if !readmissions.contains(spellKey(item.ledger)) { emergency[item.spell.pathway, default: 0] += 1 }
            } else {
                direct += 1
            }
        }
        if direct > 0 {
            notes.append("\(direct) emergency admission\(direct == 1 ? "" : "s") did not come through the ED (direct admissions): "
                + "the scenario has no direct-admission route, so they are in the stay fits but not in the arrivals")
        }
        let weeks = Double(days) / 7
        var baseReferrals: [Pathway: Double] = [:]
        for demand in base.configuration.theatres?.demand ?? [] {
            baseReferrals[demand.pathway, default: 0] += demand.referralsPerWeek
        }
        // One factor k on every category's admission probability: Σ share·min(1, k·admit) = the observed share.
        let shares = ed.triage.map(\.share), total = max(shares.reduce(0, +), 1e-12)
        let baseShare = zip(ed.triage, shares).reduce(0.0) { $0 + $1.1 / total * $1.0.admissionProbability }
        let observedShare = attendances > 0 ? Double(admittedFromED) / Double(attendances) : baseShare
        func share(_ k: Double) -> Double {
            zip(ed.triage, shares).reduce(0.0) { $0 + $1.1 / total * min(1, k * $1.0.admissionProbability) }
        }
        var low = 0.0, high = 1.0
        while share(high) < observedShare && high < 1e6 { high *= 2 }
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if share(middle) < observedShare { low = middle } else { high = middle }
        }
        let k = baseShare > 0 ? (low + high) / 2 : 1
        return Calibration.Admissions(
            attendances: attendances, admittedFromED: admittedFromED,
            electivePerWeek: elective.mapValues { Double($0) / weeks }, baseReferralsPerWeek: baseReferrals,
            direct: direct, emergencyPathways: emergency, triageScale: k, baseAdmittedShare: baseShare,
            observedAdmittedShare: observedShare,
            triageAdmit: ed.triage.map { ($0.category.rawValue, $0.admissionProbability, min(1, k * $0.admissionProbability)) })
    }

    // MARK: Stays

    /// Kaplan–Meier of each fitted (pathway, state)'s stays against the fitted AFT model's survival averaged over
    /// the same patients' covariates, at 24 points from the 2nd to the 98th percentile of the stays.
    static func stayCurves(_ spells: [Spell], fit: FitResult, options: FitOptions) -> [Calibration.StayCurve] {
        var data: [String: [(minutes: Double, censored: Bool, x: Covariates)]] = [:]
        for spell in spells {
            let x = options.covariates(spell)
            for stay in spell.stays {
                let end = stay.endMinute ?? options.exportMinute ?? stay.startMinute
                guard end > stay.startMinute else { continue }
                data["\(spell.pathway.rawValue)/\(stay.unit.rawValue)", default: []]
                    .append((end - stay.startMinute, stay.endMinute == nil, x))
            }
        }
        var curves: [Calibration.StayCurve] = []
        // Theatre is left out: its time under the feed's code includes recovery (`theatreTimes` compares it).
        for report in fit.report.states where report.state != .theatre {
            guard let family = report.chosen, let observations = data["\(report.pathway.rawValue)/\(report.state.rawValue)"],
                  let sojourn = fit.model.model(of: report.pathway)?.model(of: report.state)?.sojourn,
                  let baseline = try? sojourn.distribution.baseline()
            else { continue }
            let sorted = observations.sorted { $0.minutes < $1.minutes }
            let grid = (0..<24).map { i -> Double in
                let q = 0.02 + 0.96 * Double(i) / 23
                return sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))].minutes
            }
            let km = SojournFitter.kaplanMeier(sorted.map { ($0.minutes, $0.censored) })
            let points = grid.map { t -> (days: Double, observed: Double, fitted: Double) in
                let observed = km.last { $0.time <= t }?.survival ?? 1
                let fitted = observations.reduce(0.0) { sum, o in
                    sum + (1 - baseline.cdf(t * exp(-sojourn.timeEffects.dot(o.x))))
                } / Double(observations.count)
                return (t / 1440, observed, fitted)
            }
            // The marginal median: the time where the averaged fitted survival crosses one half, by bisection.
            var low = 0.0, high = sorted.last!.minutes * 4 + 1
            for _ in 0..<60 {
                let middle = (low + high) / 2
                let s = observations.reduce(0.0) { $0 + 1 - baseline.cdf(middle * exp(-sojourn.timeEffects.dot($1.x))) }
                    / Double(observations.count)
                if s > 0.5 { low = middle } else { high = middle }
            }
            let mean = observations.reduce(0.0) { $0 + baseline.mean * exp(sojourn.timeEffects.dot($1.x)) } / Double(observations.count)
            curves.append(Calibration.StayCurve(pathway: report.pathway, state: report.state, stays: report.stays,
                                                censored: report.censored, points: points, family: family.rawValue,
                                                medianDays: (low + high) / 2 / 1440, meanDays: mean / 1440))
        }
        return curves
    }

    // MARK: Discharges

    /// Where the end of `spell`'s stay `stay` lay, when it is known only within intervals: for the last stay of a
    /// spell discharged alive at the minute one of `windows` opened (`Calibration.Discharges.readyIntervals`), the
    /// times the patient could have been ready, in minutes from the stay's start (clipped to the stay); else none.
    public static func readyIntervals(_ spell: Spell, stay index: Int, windows: [DischargeWindow], zone: TimeZone)
        -> [SojournObservation.EndInterval]
    {
        guard index == spell.stays.count - 1, spell.discharge == .dischargedHome || spell.discharge == .dischargedCareHome,
              let end = spell.stays[index].endMinute
        else { return [] }
        let start = spell.stays[index].startMinute
        let local = RecordTime.localMinute(ofEpochMinute: end, in: zone)
        return Calibration.Discharges.readyIntervals(leavingAt: local, windows: windows).compactMap { interval in
            let from = max(0, RecordTime.epochMinute(ofWallClock: interval.from, in: zone) - start)
            let to = min(end - start, RecordTime.epochMinute(ofWallClock: interval.to, in: zone) - start)
            return to > from ? SojournObservation.EndInterval(from: from, to: to, weight: interval.weight) : nil
        }
    }

    /// Discharges alive by hour of the week; a window per weekdays and weekends from the hour of the 2.5th to the
    /// end of the hour of the 97.5th percentile; the weekend share that makes a weekend day's discharges the
    /// observed fraction of a weekday's when patients become ready at an even rate through the week and leave by the
    /// model's windows (`Calibration.Discharges.weekendShare`; Docs/CALIBRATION.md).
    static func dischargeWindows(_ spells: [AdmittedSpell], zone: TimeZone) -> Calibration.Discharges {
        var byHour = [Int](repeating: 0, count: 168)
        var deaths = 0, otherHospital = 0
        var dates: Set<Int> = []
        for item in spells {
            guard let end = item.ledger.patient.dischargedAt else { continue }
            switch item.ledger.patient.dischargeDestination {
            case .died:
                deaths += 1
                continue
            case .otherHospital: otherHospital += 1
            default: break
            }
            let local = RecordTime.localMinute(ofEpochMinute: end, in: zone)
            byHour[hourOfWeek(local)] += 1
            dates.insert(Int((local / 1440).rounded(.down)))
        }
        func window(_ days: ClosedRange<Int>) -> (from: Int, to: Int, total: Int) {
            var hours = [Int](repeating: 0, count: 24)
            for d in days { for h in 0..<24 { hours[h] += byHour[d * 24 + h] } }
            let total = hours.reduce(0, +)
            guard total > 0 else { return (0, 24, 0) }
            var cumulative = 0, from = 0, to = 23
            var fromSet = false
            for h in 0..<24 {
                cumulative += hours[h]
                if !fromSet && Double(cumulative) > 0.025 * Double(total) { from = h; fromSet = true }
                if Double(cumulative) >= 0.975 * Double(total) { to = h; break }
            }
            return (from, to + 1, total)
        }
        let weekdays = window(0...4), weekends = window(5...6)
        let weekdayDays = dates.filter { Weekday(daysSinceEpoch: Double($0)) < .saturday }.count
        let weekendDays = dates.count - weekdayDays
        let weekdayPerDay = weekdayDays > 0 ? Double(weekdays.total) / Double(weekdayDays) : 0
        let weekendPerDay = weekendDays > 0 ? Double(weekends.total) / Double(weekendDays) : 0
        let ratio = weekdayPerDay > 0 ? min(1, weekendPerDay / weekdayPerDay) : 1
        // Patients ready at an even rate through the week, leaving by the model's windows: the hours matter (one
        // ready on a Friday evening after the weekday window meets the weekend's first).
        let share = Calibration.Discharges.weekendShare(ratio: ratio, weekdays: (weekdays.from, weekdays.to),
                                                        weekends: (weekends.from, weekends.to))
        return Calibration.Discharges(
            hourOfWeek: byHour,
            windows: [("weekdays", weekdays.from, weekdays.to, 1), ("weekends", weekends.from, weekends.to, share)],
            weekdayPerDay: weekdayPerDay, weekendPerDay: weekendPerDay, deaths: deaths, otherHospital: otherHospital)
    }
}

extension TwinModel {
    /// This model with the moves out of `state` on `pathway` replaced by `transitions` (unchanged where the pathway
    /// has no such state).
    func replacing(_ pathway: Pathway, _ state: CareState, transitions: TransitionModel) -> TwinModel {
        var model = self
        for p in model.pathways.indices where model.pathways[p].pathway == pathway {
            for s in model.pathways[p].states.indices where model.pathways[p].states[s].state == state {
                model.pathways[p].states[s].transitions = transitions
            }
        }
        return model
    }
}
