import Feed
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation
import Testing
import TestSupport
import Workflows

/// A shadow hospital unlike the base (8% fewer attendances, every stay 15% longer), its feed received, and the base
/// calibrated on it.
@Suite("the median of a theatre stay plus a recovery with its chance")
struct TheatreMedianTests {
    /// Gamma(2, 40) + Gamma(3, 40) is Gamma(5, 40); with chance 0 the sum is the first alone; with chance c the median m
    /// solves (1 − c)·F₂(m) + c·F₅(m) = 1/2, checked by putting the answer back. One-minute bins and the
    /// recovery's CDF at each bin's middle: within a tenth of a minute of the closed forms.
    @Test("gamma sums against their closed forms")
    func gammaSums() throws {
        let theatre = try Gamma(shape: 2, scale: 40), recovery = try Gamma(shape: 3, scale: 40)
        let sum = try Gamma(shape: 5, scale: 40)
        func median(_ chance: Double) -> Double {
            Calibrating.medianOfSum(first: { 1 - theatre.cdf($0) }, second: { 1 - recovery.cdf($0) }, secondChance: chance)
        }
        #expect(abs(median(1) - sum.quantile(0.5)) < 0.1, "\(median(1)) against \(sum.quantile(0.5))")
        #expect(abs(median(0) - theatre.quantile(0.5)) < 0.1, "\(median(0)) against \(theatre.quantile(0.5))")
        let m = median(0.3)
        #expect(abs(0.7 * theatre.cdf(m) + 0.3 * sum.cdf(m) - 0.5) < 1e-3, "\(m)")
        #expect(m > theatre.quantile(0.5) && m < sum.quantile(0.5))
    }
}

@Suite("outlying stroke patients in a calibration")
struct StrokeOutlierTests {
    /// Stays [0, 10), [5, 15), [10, 20) and one from 30 still open: counted at the ends of each, an end counting as
    /// gone and a start as there; with each bed cleaned for 3 minutes after its stay, a bed is taken until then.
    @Test("the units' occupancy at a moment, from stays, and the beds taken with those being cleaned")
    func occupancy() {
        let held = Calibrating.UnitOccupancy(stays: [(0, 10), (5, 15), (10, 20), (30, .infinity)], turnaround: 3)
        #expect([-1, 0, 5, 9, 10, 15, 20, 29, 30, 1e9].map { held.count(at: $0) } == [0, 1, 2, 2, 2, 1, 0, 0, 1, 1])
        #expect([10, 12, 13, 14, 15, 17, 18, 20, 22, 23, 30].map { held.taken(at: $0) } == [3, 3, 2, 2, 2, 2, 1, 1, 1, 0, 1])
    }

    /// Two stroke-unit beds, full from minute 100 to 200, and taken until 230 as the bed freed at 200 is cleaned for
    /// 30 minutes. A stroke patient who went from the ED to a ward then is read as having gone to the stroke unit
    /// (and one who waited on the ward for it, as one stay there); one who went to a ward when a bed was free, or to
    /// the assessment unit first, is as the feed has it; other pathways are not returned.
    @Test("a stroke patient sent to a ward while the stroke unit was full is read as its outlier")
    func relabelled() {
        let full = Calibrating.UnitOccupancy(stays: [(100, 200), (90, 250), (300, 400)], turnaround: 30)
        let attributes = PatientAttributes(ageYears: 80, sex: .female, admissionMethod: .emergency, specialty: .strokeMedicine,
                                           diagnosisGroup: .stroke, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        func spell(_ id: String, _ stays: [(CareState, Double)], end: Double, pathway: Pathway = .stroke) -> Spell {
            Spell(id: id, patientID: id, pathway: pathway, attributes: attributes, admissionNEWS2: 0, hasNEWS2: false,
                  stays: stays.indices.map { i in
                      Spell.Stay(unit: stays[i].0, startMinute: stays[i].1, endMinute: i + 1 < stays.count ? stays[i + 1].1 : end)
                  }, discharge: .dischargedHome)
        }
        let spells = [
            spell("outlier", [(.ed, 50), (.ward, 120)], end: 900),
            spell("waited", [(.ed, 60), (.ward, 150), (.strokeUnit, 260), (.ward, 500)], end: 800),
            spell("cleaning", [(.ed, 20), (.ward, 215)], end: 650),
            spell("room", [(.ed, 10), (.ward, 240)], end: 700),
            spell("assessed", [(.ed, 70), (.assessmentUnit, 110), (.ward, 130)], end: 600),
            spell("medical", [(.ed, 80), (.ward, 140)], end: 500, pathway: .emergencyMedical),
        ]
        let (read, outliers) = Calibrating.strokeOutliers(spells, occupancy: full, beds: 2)
        #expect(outliers == 3)
        #expect(read.map(\.id) == ["outlier", "waited", "cleaning", "room", "assessed"])
        func states(_ spell: Spell) -> [String] { spell.stays.map { "\($0.unit.rawValue) \(Int($0.startMinute))-\(Int($0.endMinute ?? -1))" } }
        #expect(states(read[0]) == ["ed 50-120", "stroke_unit 120-900"])
        #expect(states(read[1]) == ["ed 60-150", "stroke_unit 150-500", "ward 500-800"])
        #expect(states(read[2]) == ["ed 20-215", "stroke_unit 215-650"])
        #expect(states(read[3]) == states(spells[3]) && states(read[4]) == states(spells[4]))
    }
}

@Suite("calibration on a shadow hospital's feed", .serialized)
struct CalibrationTests {
    static let base = ShadowHospitalTests.scenario
    static let attendances = 245.0
    static let stayScale = 1.15

    /// A folder of this process's own for the files the tests write.
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hospital-twin-calibration-\(getpid())")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let shadow: Scenario = {
        let path = folder.appendingPathComponent("shadow.yaml").path
        let scale = Pathway.allCases.map { "\($0.rawValue): \(stayScale)" }.joined(separator: ", ")
        try! Data("""
            name: shadow
            extends: \(Repository.path("scenarios/general-hospital.yaml"))
            stay_scale: {\(scale)}
            emergency_department: {attendances_per_day: \(attendances)}

            """.utf8).write(to: URL(fileURLWithPath: path))
        return try! Scenario.load(path: path)
    }()

    /// 80 days of the shadow hospital's feed from 5 January 2026, as a receiver logs it.
    static let log: [ReceivedEvent] = {
        let prepared = try! PreparedScenario(shadow, file: "shadow.yaml",
                                             plan: RunSettings(horizonDays: 80, warmUpDays: 0, replications: 1, seed: 11))
        let feed = try! ShadowHospital.emit(prepared, days: 80, seed: 11)
        return try! ShadowHospitalTests.receive(feed, zone: shadow.configuration.timeZone).log
    }()

    static func request(_ from: String, _ to: String) -> CalibrationRequest {
        var request = CalibrationRequest(from: ForecastStart.date(from)!, to: ForecastStart.date(to)!)
        request.threads = 2
        return request
    }

    static let calibration = try! Calibrating.run(base, file: "general-hospital.yaml", events: log,
                                                  request: request("2026-01-20", "2026-03-16"))

    @Test("the census check reads its window with hindsight: from a feed switched on in a full hospital, each midnight's observed census is the hospital's own, patients told of by a later message of the window included")
    func censusWithHindsight() throws {
        let days = 24
        let prepared = try PreparedScenario(Self.shadow, file: "shadow.yaml",
                                            plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: 5))
        let feed = try ShadowHospital.emit(prepared, days: days, seed: 5, warmUpDays: 90)
        let zone = Self.shadow.configuration.timeZone
        let log = try ShadowHospitalTests.receive(feed, zone: zone).log
        var request = Self.request("2026-01-20", "2026-01-28")
        request.threads = 2
        let path = Repository.path("scenarios/general-hospital.yaml")
        let check = try Calibrating.censusCheck(Self.base, file: path, events: log, request: request, replications: 1, seed: 3)
        let units = Self.shadow.configuration.units
        let feedStartDay = RecordTime.localDay(ofEpochMinute: try #require(log.map(\.event.minute).min()), in: zone)
        // A patient with no message until the window's end is not known to it: the calibration reads nothing later.
        let windowEnd = ForecastStart.epochMinute(of: try #require(ForecastStart.date("2026-01-29")), in: zone)
        var told: Set<PatientID> = []
        for received in log where received.event.minute <= windowEnd {
            if let id = ShadowFeed.patient(ofLocalID: received.event.localID ?? "") { told.insert(id) }
        }
        var compared = 0, short = 0, untold = 0
        for midnight in feed.midnights {
            let day = RecordTime.localDay(ofEpochMinute: midnight.epochMinute, in: zone)
            let date = LocalDateTime(localMinutesSinceEpoch: Double(day) * 1440).dateDescription
            guard let index = check.groups[0].days.firstIndex(where: { $0.date == date }),
                  let observed = check.groups[0].days[index].observed else { continue }
            let inBeds = midnight.patients.filter { patient in
                if case .unit(let unit) = patient.place { return !units[unit].kind.isCriticalCare } else { return false }
            }
            let hospital = inBeds.filter { told.contains($0.patient) }.count
            untold = max(untold, inBeds.count - hospital)
            #expect(observed == Double(hospital), "\(date): observed \(observed), the hospital's \(hospital)")
            // What a census read at the midnight itself gives: short of the hospital's by the patients not yet told of.
            let census = PatientLedger.census(of: log, at: midnight.epochMinute)
            let asOf = census.inHospital.filter { patient in
                if case .unit(let unit)? = Self.base.locations[patient.location?.pointOfCare ?? ""] { return !units[unit].kind.isCriticalCare }
                return false
            }.count
            if asOf < hospital { short += 1 }
            compared += 1
        }
        #expect(compared == 9 && day(of: request.from) > feedStartDay + Backtest.logRampUpDays, "\(compared) midnights compared")
        #expect(short > 0, "the census read at each midnight was already whole: nothing for hindsight to add")
        #expect(untold < 20, "\(untold) patients in beds with no message in the window")
    }

    private func day(of date: LocalDateTime) -> Int { Int(date.localMinutesSinceEpoch / 1440) }

    @Test("the arrival level is the shadow's within its Poisson interval; the admitted share the base's within its binomial interval")
    func arrivalsAndAdmissions() {
        let c = Self.calibration
        #expect(c.days == 56)
        // 99.9% interval of a Poisson mean from 56 days: ± 3.29 √(λ/56).
        let half = 3.29 * (Self.attendances / 56).squareRoot()
        #expect(abs(c.arrivals.perDay - Self.attendances) <= half, "\(c.arrivals.perDay)")
        // The fit keeps the total: Σ fitted per hour of the week × hours of each = the attendances.
        #expect(c.arrivals.total == c.admissions.attendances)
        #expect(c.arrivals.fittedHourOfWeek.count == 168 && c.arrivals.monthly == [Double](repeating: 1, count: 12))
        #expect(c.arrivals.fittedMonthly == nil && c.arrivals.monthlyTest == nil && c.arrivals.trendTest != nil)
        let m = c.admissions
        let p = m.baseAdmittedShare, se = (p * (1 - p) / Double(m.attendances)).squareRoot()
        #expect(abs(m.observedAdmittedShare - p) <= 3.29 * se, "\(m.observedAdmittedShare) against \(p)")
        #expect(m.direct == 0 && m.emergencyPathways.values.reduce(0, +) > 1000)
        #expect(c.notes.contains { $0.contains("readmission") })
    }

    /// The emergency pathways' mix written is that of the ED's own attendances: the emergency admissions through
    /// the ED counted in it are the admitted attendances (readmissions left out of both), and each pathway's share is
    /// the shadow's `admitted_pathways` share within its binomial interval (α = 0.001). Counted with the
    /// readmissions, which are nearly all medical, the mix held more admissions than the ED admitted and
    /// over-weighted medicine.
    @Test("the emergency pathways' mix leaves the readmissions out: the shadow's shares within their intervals")
    func pathwayMixWithoutReadmissions() throws {
        let m = Self.calibration.admissions
        let counted = m.emergencyPathways.values.reduce(0, +)
        #expect(counted <= m.admittedFromED && counted >= m.admittedFromED * 99 / 100, "\(counted) against \(m.admittedFromED)")
        let truth = Self.shadow.configuration.emergencyDepartment.admittedPathways
        let total = truth.values.reduce(0, +)
        for pathway in Pathway.allCases where pathway.isEmergency {
            let p = (truth[pathway] ?? 0) / total
            let share = Double(m.emergencyPathways[pathway] ?? 0) / Double(counted)
            let se = (p * (1 - p) / Double(counted)).squareRoot()
            #expect(abs(share - p) <= Tolerance.z * se, "\(pathway): \(share) against \(p) ± \(Tolerance.z * se)")
        }
    }

    @Test("an ED that diverts at capacity: the level is the rate offered, fitted on the hours it was open, within its Poisson interval, where the attendances the feed saw fall short of it")
    func divertingDepartment() throws {
        let path = Self.folder.appendingPathComponent("diverting.yaml").path
        let offered = 330.0
        try Data("""
            name: diverting
            extends: \(Repository.path("scenarios/general-hospital.yaml"))
            emergency_department: {attendances_per_day: \(offered), capacity: 60}

            """.utf8).write(to: URL(fileURLWithPath: path))
        let diverting = try Scenario.load(path: path)
        let prepared = try PreparedScenario(diverting, file: "diverting.yaml",
                                            plan: RunSettings(horizonDays: 80, warmUpDays: 0, replications: 1, seed: 17))
        let feed = try ShadowHospital.emit(prepared, days: 80, seed: 17)
        let log = try ShadowHospitalTests.receive(feed, zone: diverting.configuration.timeZone).log
        let c = try Calibrating.run(diverting, file: "diverting.yaml", events: log, request: Self.request("2026-01-20", "2026-03-16"))
        let open = Double(c.days * 24) - c.arrivals.fullHours
        #expect(c.arrivals.fullHours > 48 && open > 0, "hours at capacity: \(c.arrivals.fullHours)")
        // The attendances seen a day fall short of the rate offered by more than their sampling error allows.
        let seen = Double(c.arrivals.total) / Double(c.days)
        #expect(seen < offered - 3.29 * (offered / Double(c.days)).squareRoot(), "\(seen) a day seen")
        // 99.9% interval of a Poisson rate from the hours open: ± 3.29 √(24 λ / hours).
        let half = 3.29 * (24 * offered / open).squareRoot()
        #expect(abs(c.arrivals.perDay - offered) <= half, "\(c.arrivals.perDay) ± \(half), \(open) hours open")
        #expect(c.notes.contains { $0.contains("the ED held its capacity (60 patients) or more for") })
    }

    @Test("stays are fitted longer than the base's by at least the shadow's scale (less its sampling error); theatre and recovery are the base's scaled by a factor as long; the windows are the base's")
    func staysAndDischarges() throws {
        let c = Self.calibration
        let fitted = try #require(c.fit.model.model(of: .emergencyMedical)?.model(of: .ward)?.sojourn)
        let baseline = try #require(Self.base.configuration.twinModel.model(of: .emergencyMedical)?.model(of: .ward)?.sojourn)
        let state = try #require(c.fit.report.states.first { $0.pathway == .emergencyMedical && $0.state == .ward })
        guard case .lognormal(let mu, let sigma) = fitted.distribution, case .lognormal(let baseMu, _) = baseline.distribution else {
            Issue.record("the ward stays are lognormal in the base and in the fit: \(fitted.distribution)")
            return
        }
        // Observed stays are the twins' plus waits (never less), so the fitted log-median exceeds the base's by at least
        // log 1.15, less 3.29 standard errors σ/√n of a log-mean.
        #expect(mu - baseMu >= Foundation.log(Self.stayScale) - 3.29 * sigma / Double(state.stays - state.censored).squareRoot(),
                "\(exp(mu - baseMu))")
        // Theatre and recovery: the base's moves, and its times scaled by the pathway's factor. The time under the
        // theatres code is the twins' theatre and recovery times (× 1.15 in the shadow) plus waits there for a bed,
        // never less: the base's median × 1.15 is at most the top of the observed median's 95% interval (widened to
        // 99.9% by the ratio of the normal quantiles, 3.29 / 1.96).
        let operated = Set(c.theatreTimes.map(\.pathway))
        #expect(operated == [.emergencySurgical, .electiveSurgical, .electiveOrthopaedic], "\(operated)")
        for time in c.theatreTimes {
            #expect(time.operations >= Calibration.minimumOperations)
            let median = time.observedMedianMinutes
            #expect(time.medianInterval.contains(median))
            let top = median + (time.medianInterval.upperBound - median) * 3.29 / 1.96
            #expect(Self.stayScale * time.baseMedianMinutes <= top, "\(time.pathway): \(time.factor)")
            #expect(abs(time.factor - median / time.baseMedianMinutes) < 1e-12)
        }
        for pathway in Pathway.allCases {
            let factor = c.theatreTimes.first { $0.pathway == pathway }?.factor ?? 1
            for unit in [CareState.theatre, .recovery] {
                guard let base = Self.base.configuration.twinModel.model(of: pathway)?.model(of: unit) else { continue }
                var expected = base
                expected.sojourn.distribution = base.sojourn.distribution.scaled(by: factor)
                #expect(c.fit.model.model(of: pathway)?.model(of: unit) == expected)
                // The model written with a stay scale holds them divided by it, so the run gets them back.
                var divided = expected
                divided.sojourn.distribution = expected.sojourn.distribution.scaled(by: 1 / 0.8)
                #expect(c.model(stayScale: 0.8).model(of: pathway)?.model(of: unit) == divided)
            }
            #expect(c.model(stayScale: 0.8).model(of: pathway)?.model(of: .ward) == c.fit.model.model(of: pathway)?.model(of: .ward))
        }
        #expect(c.fit.model.problems.isEmpty)
        for curve in c.stays {
            #expect(curve.points.allSatisfy { (0...1).contains($0.observed) && (0...1).contains($0.fitted) })
            #expect(zip(curve.points, curve.points.dropFirst()).allSatisfy { $0.observed >= $1.observed && $0.days <= $1.days })
        }
        let windows = c.discharges.windows
        #expect(windows.count == 2)
        #expect(windows[0].days == "weekdays" && windows[0].from == 9 && windows[0].to == 20 && windows[0].share == 1)
        #expect(windows[1].days == "weekends" && windows[1].from == 9 && windows[1].to == 18 && windows[1].share < 1)
    }

    /// The feed's A01 comes at the decision to admit, and the model's ED stay ends there; the wait for a bed after it
    /// is the hospital's, which the model adds. So the emergency pathways' ED stays are fitted to the decision: each
    /// log-median is the base's plus log 1.15 (the shadow's scale) or more, the queue for a cubicle and a clinician
    /// before the decision being in the observed time as in the model's, and at most 1.15 times the base's × 1.15
    /// (the queues are short at these volumes: 1.17–1.20 times the base's were fitted). Fitted to leaving the ED,
    /// with the boarding in it, they were 1.46–1.80 times the base's.
    @Test("ED stays are fitted to the decision to admit (the feed's A01), not to leaving the ED")
    func edStaysToDecision() throws {
        let c = Self.calibration
        for pathway in [Pathway.emergencyMedical, .emergencySurgical, .frailElderly] {
            let fitted = try #require(c.fit.model.model(of: pathway)?.model(of: .ed)?.sojourn)
            let baseline = try #require(Self.base.configuration.twinModel.model(of: pathway)?.model(of: .ed)?.sojourn)
            let state = try #require(c.fit.report.states.first { $0.pathway == pathway && $0.state == .ed })
            guard case .lognormal(let mu, let sigma) = fitted.distribution, case .lognormal(let baseMu, _) = baseline.distribution
            else {
                Issue.record("\(pathway): the ED stays are lognormal in the base and in the fit: \(fitted.distribution)")
                continue
            }
            let error = 3.29 * sigma / Double(state.stays - state.censored).squareRoot()
            #expect(mu - baseMu >= Foundation.log(Self.stayScale) - error, "\(pathway): \(exp(mu - baseMu))")
            #expect(mu - baseMu <= Foundation.log(Self.stayScale * 1.15) + error, "\(pathway): \(exp(mu - baseMu))")
        }
    }

    @Test("nothing after --to is read: a log with other events after the window gives the same calibration")
    func noFuture() throws {
        let zone = Self.base.configuration.timeZone
        let end = ForecastStart.epochMinute(of: ForecastStart.date("2026-03-17")!, in: zone)
        let past = Self.log.filter { $0.event.minute < end }
        let other = try Calibrating.run(Self.base, file: "general-hospital.yaml", events: past + Self.log.filter { $0.event.minute >= end + 1440 },
                                        request: Self.request("2026-01-20", "2026-03-16"))
        let c = Self.calibration
        #expect(other.arrivals.perDay == c.arrivals.perDay && other.fit.model == c.fit.model)
        #expect(other.admissions.triageScale == c.admissions.triageScale && other.discharges.hourOfWeek == c.discharges.hourOfWeek)
    }

    @Test("the scenario written extends the base, loads, and carries what was fitted; its census check runs over the window")
    func writtenScenario() throws {
        let c = Self.calibration
        let model = Self.folder.appendingPathComponent("calibrated.twin-model.json").path
        try TwinModelFile.write(c.fit.model, to: model)
        let path = Self.folder.appendingPathComponent("calibrated.yaml").path
        try Data(c.scenarioText(name: "calibrated \"test\"", base: Repository.path("scenarios/general-hospital.yaml"),
                                twinModel: "calibrated.twin-model.json", stayScale: 0.9, stayScaleSpread: 0.0123).utf8)
            .write(to: URL(fileURLWithPath: path))
        let written = try Scenario.load(path: path)
        let configuration = written.configuration
        #expect(configuration.name == "calibrated \"test\"")
        #expect(configuration.units.map(\.name) == Self.base.configuration.units.map(\.name))
        #expect(Pathway.allCases.allSatisfy { configuration.stayScale[$0] == 0.9 })
        #expect(configuration.stayScaleSpread == 0.0123)
        let perHour = configuration.emergencyDepartment.attendances.meanRatePerHour
        #expect(abs(perHour * 24 - c.arrivals.perDay) < 1e-3 * c.arrivals.perDay)
        #expect(configuration.twinModel.pathways.count == Pathway.allCases.count)
        #expect(configuration.discharge.windows.count == 2)
        var request = Self.request("2026-02-10", "2026-03-16")
        request.threads = 2
        let check = try Calibrating.censusCheck(written, file: path, events: Self.log, request: request, replications: 2, seed: 3)
        #expect(check.groups.map(\.group) == ["general_and_acute", "critical_care"])
        #expect(check.groups.allSatisfy { $0.days.count == 35 && $0.days.allSatisfy { $0.p05 <= $0.mean && $0.mean <= $0.p95 } })
        #expect(check.groups[0].days.allSatisfy { $0.observed != nil })
        // Each replication's mean over the window, whose mean is the group's simulated mean; the spread written is
        // their relative standard deviation, computed here by hand.
        let means = check.groups[0].replicationMeans
        #expect(means.count == 2 && abs(means.reduce(0, +) / 2 - check.groups[0].means.simulated) < 1e-9)
        let relative = abs(means[0] - means[1]) / 2.squareRoot() / ((means[0] + means[1]) / 2)
        #expect(abs(Calibrating.stayScaleSpread(check) - relative) < 1e-12 && relative > 0, "\(means)")
        // Each unit's means, in the scenario's order; a group's units sum to the group's means (every day of this
        // window is observed, so both average the same midnights).
        #expect(check.units.map(\.unit) == configuration.units.map(\.name))
        // The run's stays in a bed, pooled: the correction's input. Each bed stay with enough stays is scaled by its
        // clinical share times the fitted mean over the feed's patients over the run's mean clinical stay per unit of
        // the scale the run had (0.9 here), computed by hand; the ED, theatre and recovery are not.
        #expect(!check.bedStays.isEmpty)
        let factors = c.stayFactors(bedWaits: check.bedStays, checkedAt: 0.9)
        #expect(factors.values.allSatisfy { $0.keys.allSatisfy { ![.ed, .theatre, .recovery].contains($0) } })
        let corrected = c.model(stayScale: 1, factors: factors)
        var scaled = 0, withMeans = 0
        for stay in check.bedStays {
            guard let fitted = c.fit.model.pathways.first(where: { $0.pathway == stay.pathway })?.states.first(where: { $0.state == stay.state }),
                  let written = corrected.pathways.first(where: { $0.pathway == stay.pathway })?.states.first(where: { $0.state == stay.state })
            else { continue }
            var expected = 1.0
            if stay.stays >= BedStayKPIs.minimumStaysForCorrection, ![.ed, .theatre, .recovery].contains(stay.state) {
                expected = stay.clinicalShare
                if let curve = c.stays.first(where: { $0.pathway == stay.pathway && $0.state == stay.state }) {
                    expected *= curve.meanDays * 0.9 / stay.meanClinicalDays
                    withMeans += 1
                }
            }
            #expect(abs(try written.sojourn.distribution.baseline().distribution.quantile(0.5) / (try fitted.sojourn.distribution.baseline().distribution.quantile(0.5)) - expected) < 1e-9,
                    "\(stay.pathway) \(stay.state)")
            if expected != 1 { scaled += 1 }
        }
        #expect(scaled > 0 && withMeans > 0)
        // Run with the factors, the model's mean clinical stay is the fitted mean over the feed's patients times the
        // share (times the scale): each patient draws its stays from its own streams, so the same patients' clinical
        // stays are the first run's times the factor, and only who completes a stay in the window, and where, differs.
        // The tolerance is 3.29 standard errors of a difference of two independent means of n stays with the fitted
        // stay's coefficient of variation (the runs share their random numbers, so it is wide); without the factor
        // the AMU's run would be 25% off, against its 10%.
        try TwinModelFile.write(c.model(stayScale: 1, factors: factors), to: model)
        let again = try Calibrating.censusCheck(try Scenario.load(path: path), file: path, events: Self.log, request: request,
                                                replications: 2, seed: 3)
        var compared = 0
        for stay in check.bedStays where stay.stays >= 200 && ![.ed, .theatre, .recovery].contains(stay.state) {
            guard let curve = c.stays.first(where: { $0.pathway == stay.pathway && $0.state == stay.state }),
                  let run = again.bedStays.first(where: { $0.pathway == stay.pathway && $0.state == stay.state }),
                  let fitted = try c.fit.model.model(of: stay.pathway)?.model(of: stay.state)?.sojourn.distribution.baseline().distribution
            else { continue }
            let target = curve.meanDays * 0.9 * stay.clinicalShare
            let tolerance = 3.29 * fitted.standardDeviation / fitted.mean * (2 / Double(min(stay.stays, run.stays))).squareRoot()
            #expect(abs(run.meanClinicalDays / target - 1) < tolerance,
                    "\(stay.pathway) \(stay.state): \(run.meanClinicalDays) days run against \(target), within \(tolerance)")
            compared += 1
        }
        #expect(compared >= 5)
        for pathway in corrected.pathways {
            let fitted = try #require(c.fit.model.pathways.first { $0.pathway == pathway.pathway })
            for state in pathway.states where [.ed, .theatre, .recovery].contains(state.state) {
                #expect(state.sojourn.distribution == fitted.states.first { $0.state == state.state }?.sojourn.distribution)
            }
        }
        // Critical care's factor multiplies the ICU and HDU stays on top of their wait shares, and nothing else.
        let withCriticalCare = c.model(stayScale: 1, factors: factors, criticalCare: 0.8)
        var criticalStates = 0
        for (pathway, other) in zip(corrected.pathways, withCriticalCare.pathways) {
            for (state, scaled) in zip(pathway.states, other.states) {
                let ratio = try scaled.sojourn.distribution.baseline().distribution.quantile(0.5)
                    / (try state.sojourn.distribution.baseline().distribution.quantile(0.5))
                let expected = [.icu, .hdu].contains(state.state) ? 0.8 : 1
                #expect(abs(ratio - expected) < 1e-9, "\(pathway.pathway) \(state.state): \(ratio)")
                if expected < 1 { criticalStates += 1 }
            }
        }
        #expect(criticalStates > 0)
        for group in check.groups {
            let members = check.units.filter { $0.group == group.group }
            let means = group.means
            #expect(abs(members.reduce(0) { $0 + $1.observedMean } - means.observed) < 1e-9 * max(1, means.observed))
            #expect(abs(members.reduce(0) { $0 + $1.simulatedMean } - means.simulated) < 1e-9 * max(1, means.simulated))
        }
    }

    @Test("a window too short, before the log or after it, or an empty log is refused, saying what would do")
    func refusals() {
        func message(_ events: [ReceivedEvent], _ from: String, _ to: String) -> String {
            do {
                _ = try Calibrating.run(Self.base, file: "general-hospital.yaml", events: events, request: Self.request(from, to))
                return ""
            } catch { return error.description }
        }
        #expect(message(Self.log, "2026-01-20", "2026-02-20").contains("at least 56"))
        #expect(message(Self.log, "2025-12-01", "2026-02-20").contains("choose --from 2026-01-06 or later"))
        #expect(message(Self.log, "2026-01-20", "2026-04-30").contains("or earlier"))
        #expect(message([], "2026-01-20", "2026-03-16").contains("empty"))
    }

    @Test("backtest --recalibrate calibrates the base on the history before the origin only (the day before it back to the log's ramp-up), removes its files, and refuses an origin with too little history, saying which would do")
    func recalibratingBacktest() throws {
        var request = BacktestRequest(from: ForecastStart.date("2026-03-17")!, to: ForecastStart.date("2026-03-18")!)
        request.horizonDays = 3
        request.replications = 4
        request.threads = 2
        request.fans = 0
        var rule = BacktestRequest.Recalibration()
        rule.replications = 2
        request.recalibration = rule
        let report = try Backtest.run(Self.base, file: Repository.path("scenarios/general-hospital.yaml"), events: Self.log, request: request)
        let notes = report.notes.filter { $0.hasPrefix("recalibrated") }
        #expect(notes.count == 1 && notes[0].hasPrefix("recalibrated before 2026-03-17 on 2026-01-20 to 2026-03-16:"), "\(report.notes)")
        #expect(report.rows.contains { $0.method == "twin" && $0.group == "general_and_acute" && $0.score.origins == 2 })
        let left = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("hospital-twin-recalibration-\(getpid())-") }
        #expect(left.isEmpty, "\(left)")
        request.from = ForecastStart.date("2026-03-01")!
        do {
            _ = try Backtest.run(Self.base, file: Repository.path("scenarios/general-hospital.yaml"), events: Self.log, request: request)
            Issue.record("an origin with 40 days of history was recalibrated")
        } catch {
            #expect(error.description.contains("choose --from 2026-03-17 or later"), "\(error.description)")
        }
    }
}

/// The weekend share read from discharges by weekday. With windows 09:00–20:00 on weekdays and 09:00–18:00 at weekends
/// and patients ready at an even rate, by hand: Tuesday to Friday each take the 24 hours ready since the evening
/// before; Saturday takes s of the 22 hours from Friday 20:00; Sunday s of the 24 hours from Saturday 18:00 and s of
/// Saturday's (1 − s); Monday the 26 hours from Sunday 18:00 and the rest, 24(1 − s) + 22(1 − s)². So weekend over
/// weekday = (34s − 11s²) / [(122 + 24(1 − s) + 22(1 − s)²) / 5]. The earlier formula, which took every patient
/// ready by a window, read 0.554 from the goal run's 0.649, where the shadow's share is 0.65.
@Suite("the weekend discharge share")
struct WeekendShareTests {
    @Test("the ratio at a share is the hand-worked one, and the share is read back from it")
    func weekendShare() {
        let weekdays = (from: 9, to: 20), weekends = (from: 9, to: 18)
        for s in [0.1, 0.3, 0.5, 0.65, 0.9, 1.0] {
            let hand = (34 * s - 11 * s * s) / ((122 + 24 * (1 - s) + 22 * (1 - s) * (1 - s)) / 5)
            let worked = Calibration.Discharges.weekendRatio(share: s, weekdays: weekdays, weekends: weekends)
            #expect(abs(worked - hand) <= 1e-12 * hand, "share \(s): \(worked) against \(hand)")
            if s < 1 {
                let back = Calibration.Discharges.weekendShare(ratio: worked, weekdays: weekdays, weekends: weekends)
                #expect(abs(back - s) <= 1e-9, "share \(s) read back as \(back)")
            }
        }
        let goal = Calibration.Discharges.weekendShare(ratio: 0.649, weekdays: weekdays, weekends: weekends)
        #expect(abs(goal - 0.65) < 0.02, "the goal run's ratio reads \(goal)")
        #expect(Calibration.Discharges.weekendShare(ratio: 1, weekdays: weekdays, weekends: weekends) == 1)
    }

    /// 1970-01-05 (local day 4) was a Monday. With the same windows and a weekend share of 0.65, by hand: one who left
    /// on Monday at 09:00 was ready after Sunday's close (chance 1: Monday takes everyone), or after Saturday's close
    /// and declined on Sunday (0.35), or after Friday's close and declined twice (0.35²); Friday takes everyone, so
    /// no earlier. Saturday 09:00: after Friday's close, taken (0.65). Sunday 09:00: after Saturday's close (0.65),
    /// or after Friday's and declined on Saturday (0.65 · 0.35). Tuesday 09:00: after Monday's close. Inside a
    /// window, or at a minute no window opens, the discharge is the ready time: none.
    @Test("a discharge at a window's opening was ready in the hand-worked intervals, with the hand-worked chances")
    func readyIntervals() throws {
        let windows = Calibration.Discharges.modelWindows(weekdays: (9, 20), weekends: (9, 18), share: 0.65)
        func at(_ day: Int, _ hour: Double) -> Double { Double(day) * 1440 + hour * 60 }
        func check(_ leaving: Double, _ expected: [(Double, Double, Double)]) {
            let found = Calibration.Discharges.readyIntervals(leavingAt: leaving, windows: windows)
            #expect(found.count == expected.count, "\(leaving): \(found)")
            for (a, b) in zip(found, expected) {
                #expect(a.from == b.0 && a.to == b.1 && abs(a.weight - b.2) < 1e-12, "\(leaving): \(a) against \(b)")
            }
        }
        check(at(4, 9), [(at(3, 18), at(4, 9), 1), (at(2, 18), at(3, 18), 0.35), (at(1, 20), at(2, 18), 0.35 * 0.35)])
        check(at(2, 9), [(at(1, 20), at(2, 9), 0.65)])
        check(at(3, 9), [(at(2, 18), at(3, 9), 0.65), (at(1, 20), at(2, 18), 0.65 * 0.35)])
        check(at(5, 9), [(at(4, 20), at(5, 9), 1)])
        check(at(4, 10.5), [])
        check(at(4, 3), [])
        // Overlapping windows have no order of reach: read as exact.
        let overlapping = windows + [DischargeWindow(weekdays: [.monday], from: LocalTimeOfDay(hour: 8, minute: 0)!,
                                                     to: LocalTimeOfDay(hour: 10, minute: 0)!)]
        #expect(Calibration.Discharges.readyIntervals(leavingAt: at(4, 9), windows: overlapping).isEmpty)
        #expect(Calibration.Discharges.readyIntervals(leavingAt: at(4, 9), windows: []).isEmpty)
        // A weekend window that takes nobody: no discharge at its opening in the model, so one in a feed is exact;
        // Monday's reach then stops at Sunday's window, which declines everyone.
        let closed = Calibration.Discharges.modelWindows(weekdays: (9, 20), weekends: (9, 18), share: 0)
        #expect(Calibration.Discharges.readyIntervals(leavingAt: at(2, 9), windows: closed).isEmpty)
        let monday = Calibration.Discharges.readyIntervals(leavingAt: at(4, 9), windows: closed)
        #expect(monday.count == 3 && monday.allSatisfy { $0.weight == 1 } && monday.last?.from == at(1, 20), "\(monday)")
    }

    @Test("a spell's last stay, discharged alive at an opening, is read as interval-censored, clipped to the stay; others are exact")
    func stayIntervals() throws {
        let windows = Calibration.Discharges.modelWindows(weekdays: (9, 20), weekends: (9, 18), share: 0.65)
        let utc = TimeZone(identifier: "UTC")!
        func spell(_ stays: [Spell.Stay], _ discharge: CareState?) -> Spell {
            Spell(id: "s", patientID: "p", pathway: .emergencyMedical,
                  attributes: PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency, specialty: .generalMedicine,
                                                diagnosisGroup: .respiratory, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                                deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0),
                  admissionNEWS2: 0,
                  hasNEWS2: false, stays: stays, discharge: discharge)
        }
        let monday9 = 4 * 1440 + 540.0, sunday20 = 3 * 1440 + 1200.0
        let stays = [Spell.Stay(unit: .ed, startMinute: sunday20 - 300, endMinute: sunday20),
                     Spell.Stay(unit: .ward, startMinute: sunday20, endMinute: monday9)]
        // Ready on the ward from its start (Sunday 20:00, after Sunday's close) to Monday 09:00: the one interval left.
        let home = Calibrating.readyIntervals(spell(stays, .dischargedHome), stay: 1, windows: windows, zone: utc)
        #expect(home == [SojournObservation.EndInterval(from: 0, to: 780, weight: 1)])
        #expect(Calibrating.readyIntervals(spell(stays, .dischargedCareHome), stay: 1, windows: windows, zone: utc) == home)
        #expect(Calibrating.readyIntervals(spell(stays, .died), stay: 1, windows: windows, zone: utc).isEmpty)
        #expect(Calibrating.readyIntervals(spell(stays, .dischargedHome), stay: 0, windows: windows, zone: utc).isEmpty)
        // A ward stay begun on Saturday morning: three intervals, the first clipped at the stay's start.
        let saturday10 = 2 * 1440 + 600.0
        let long = [Spell.Stay(unit: .ward, startMinute: saturday10, endMinute: monday9)]
        let found = Calibrating.readyIntervals(spell(long, .dischargedHome), stay: 0, windows: windows, zone: utc)
        #expect(found == [.init(from: 3 * 1440 + 1080 - saturday10, to: monday9 - saturday10, weight: 1),
                          .init(from: 2 * 1440 + 1080 - saturday10, to: 3 * 1440 + 1080 - saturday10, weight: 0.35),
                          .init(from: 0, to: 2 * 1440 + 1080 - saturday10, weight: 0.35 * 0.35)],
                "\(found)")
        // An open stay, or one that ended inside a window, is exact.
        let inside = [Spell.Stay(unit: .ward, startMinute: saturday10, endMinute: monday9 + 90)]
        #expect(Calibrating.readyIntervals(spell(inside, .dischargedHome), stay: 0, windows: windows, zone: utc).isEmpty)
    }
}
