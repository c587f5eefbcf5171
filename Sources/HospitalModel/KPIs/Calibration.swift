import Foundation
import PatientTwin
import Simulation

/// What calibration found in the event log, with the evidence for each choice, and the values it writes
/// (Docs/CALIBRATION.md).
public struct Calibration: Sendable {
    /// The window: first and last local dates and whole days.
    public let from: String, to: String, days: Int
    /// Events in the log and spells that began in the window.
    public let events: Int, spells: Int
    /// ED arrivals.
    public let arrivals: Arrivals
    /// Admissions by route and pathway.
    public let admissions: Admissions
    /// Discharges by hour and weekday, and the windows fitted to them.
    public let discharges: Discharges
    /// The twin model fitted to the stays and moves, with its report.
    public let fit: FitResult
    /// Kaplan–Meier against the fitted stay distribution, per pathway and unit type fitted.
    public let stays: [StayCurve]
    /// Time in theatre and recovery per operated pathway, observed against the base model's.
    public let theatreTimes: [TheatreTime]
    /// What calibration could not learn or chose not to write, and why.
    public let notes: [String]

    /// A term of the arrival model is written when its test's p-value is below this.
    public static let significance = 0.01
    /// Fewer attendances than this and the triage admission probabilities stay the base's.
    public static let minimumAttendances = 100
    /// Fewer emergency admissions (or discharges) than this and the pathway shares (or windows) stay the base's.
    public static let minimumAdmissions = 50
    /// Fewer operations than this on a pathway and its theatre and recovery times stay the base's.
    public static let minimumOperations = 30

    /// One pathway's time in theatre and recovery: the feed's one theatres code covers both, so their sum is what
    /// can be observed, and one factor scales the base model's two times to it. The factor is of medians: a patient
    /// who waits in recovery for a ward bed stays under the code hours longer, which moves the mean of a congested
    /// pathway far more than its median (the twin's own simulation makes its own waits).
    public struct TheatreTime: Sendable, Hashable {
        /// The operated pathway.
        public let pathway: Pathway
        /// Completed stays under the theatres code in the window.
        public let operations: Int
        /// Their median, minutes (time in theatre, recovery and any wait there for a bed).
        public let observedMedianMinutes: Double
        /// A distribution-free 95% interval for the population median (order statistics n/2 ∓ 1.96·√n/2), minutes.
        public let medianInterval: ClosedRange<Double>
        /// Their mean, minutes, and its standard error (sample standard deviation over √operations): the waits' tail
        /// shows as a mean well above the median.
        public let observedMeanMinutes: Double
        /// The standard error of `observedMeanMinutes`, minutes.
        public let standardErrorMinutes: Double
        /// The base model's median of theatre time plus recovery time (recovery with its chance), minutes, for the
        /// pathway's mean covariates.
        public let baseMedianMinutes: Double
        /// The base model's mean of the same, minutes.
        public let baseMeanMinutes: Double
        /// The factor written: observed median over base median, or 1 with fewer than `minimumOperations`.
        public let factor: Double

        /// A value from its parts.
        public init(pathway: Pathway, operations: Int, observedMedianMinutes: Double, medianInterval: ClosedRange<Double>,
                    observedMeanMinutes: Double, standardErrorMinutes: Double, baseMedianMinutes: Double,
                    baseMeanMinutes: Double, factor: Double)
        {
            self.pathway = pathway
            self.operations = operations
            self.observedMedianMinutes = observedMedianMinutes
            self.medianInterval = medianInterval
            self.observedMeanMinutes = observedMeanMinutes
            self.standardErrorMinutes = standardErrorMinutes
            self.baseMedianMinutes = baseMedianMinutes
            self.baseMeanMinutes = baseMeanMinutes
            self.factor = factor
        }
    }

    /// ED arrivals: the fitted rate by hour of the week, the yearly term and the trend, with the tests that chose them.
    public struct Arrivals: Sendable {
        /// Attendances in the window.
        public let total: Int
        /// The fitted mean attendances a day at the end of the window (the level written).
        public let perDay: Double
        /// Mean arrivals per hour in each hour of the week, Monday 00:00 first: observed, and fitted (an average
        /// month, at the level written).
        public let observedHourOfWeek: [Double], fittedHourOfWeek: [Double]
        /// True when the full 168-hour profile was chosen over hour of day × weekday.
        public let hourOfWeekChosen: Bool
        /// The test of 168 hours against 24 × 7 (statistic, degrees of freedom, p).
        public let hourOfWeekTest: Test
        /// The 12 month factors written (mean 1), flat when not fitted or not chosen.
        public let monthly: [Double]
        /// Fitted month factors (nil when the window is shorter than a year) and their test.
        public let fittedMonthly: [Double]?
        /// The yearly term's test against the model without it; nil when not fitted.
        public let monthlyTest: Test?
        /// The trend as a ratio per year and its 95% interval, its test; nil when not fitted.
        public let trendPerYear: (ratio: Double, low: Double, high: Double)?
        /// The trend's test against the model without it; nil when not fitted.
        public let trendTest: Test?
        /// Pearson dispersion of daily counts around the chosen model (≥ 1 used in the tests).
        public let dispersion: Double
        /// Observed against fitted attendances by local date: (date, observed, fitted).
        public let daily: [(date: String, observed: Int, fitted: Double)]
        /// Hours of the window the ED held its capacity or more, left out of the arrivals' exposure (arrivals then are
        /// diverted and reach no feed); 0 with no capacity or never full.
        public let fullHours: Double

        /// A value from its parts.
        public init(total: Int, perDay: Double, observedHourOfWeek: [Double], fittedHourOfWeek: [Double],
                    hourOfWeekChosen: Bool, hourOfWeekTest: Test, monthly: [Double], fittedMonthly: [Double]?,
                    monthlyTest: Test?, trendPerYear: (ratio: Double, low: Double, high: Double)?, trendTest: Test?,
                    dispersion: Double, daily: [(date: String, observed: Int, fitted: Double)], fullHours: Double = 0)
        {
            self.fullHours = fullHours
            self.total = total
            self.perDay = perDay
            self.observedHourOfWeek = observedHourOfWeek
            self.fittedHourOfWeek = fittedHourOfWeek
            self.hourOfWeekChosen = hourOfWeekChosen
            self.hourOfWeekTest = hourOfWeekTest
            self.monthly = monthly
            self.fittedMonthly = fittedMonthly
            self.monthlyTest = monthlyTest
            self.trendPerYear = trendPerYear
            self.trendTest = trendTest
            self.dispersion = dispersion
            self.daily = daily
        }
    }

    /// A quasi-likelihood test: statistic, degrees of freedom, p-value, and whether the term was written.
    public struct Test: Sendable {
        /// The drop in deviance over the dispersion (≥ 0): F-like, referred to χ² on `degreesOfFreedom`.
        public let statistic: Double
        /// The extra parameters of the term (≥ 1).
        public let degreesOfFreedom: Int
        /// P(χ² on `degreesOfFreedom` ≥ `statistic`), in [0, 1].
        public let pValue: Double
        /// Whether the term was written into the scenario.
        public let chosen: Bool

        /// A value from its parts.
        public init(statistic: Double, degreesOfFreedom: Int, pValue: Double, chosen: Bool) {
            self.statistic = statistic
            self.degreesOfFreedom = degreesOfFreedom
            self.pValue = pValue
            self.chosen = chosen
        }
    }

    /// Admissions by route, the admitted share of attendances, the pathways of emergency admissions.
    public struct Admissions: Sendable {
        /// ED attendances and of them admitted.
        public let attendances: Int, admittedFromED: Int
        /// Elective admissions by pathway (elective surgical, elective orthopaedic), per week.
        public let electivePerWeek: [Pathway: Double]
        /// The base's elective referrals per week by pathway (what the scenario keeps).
        public let baseReferralsPerWeek: [Pathway: Double]
        /// Emergency admissions that did not come through the ED (direct admissions).
        public let direct: Int
        /// Emergency admissions from ED by pathway.
        public let emergencyPathways: [Pathway: Int]
        /// The factor every triage category's admission probability was multiplied by, and the admitted share the
        /// base gives and the log shows.
        public let triageScale: Double, baseAdmittedShare: Double, observedAdmittedShare: Double
        /// The triage categories' admission probabilities written.
        public let triageAdmit: [(category: Int, base: Double, written: Double)]

        /// A value from its parts.
        public init(attendances: Int, admittedFromED: Int, electivePerWeek: [Pathway: Double],
                    baseReferralsPerWeek: [Pathway: Double], direct: Int, emergencyPathways: [Pathway: Int],
                    triageScale: Double, baseAdmittedShare: Double, observedAdmittedShare: Double,
                    triageAdmit: [(category: Int, base: Double, written: Double)])
        {
            self.attendances = attendances
            self.admittedFromED = admittedFromED
            self.electivePerWeek = electivePerWeek
            self.baseReferralsPerWeek = baseReferralsPerWeek
            self.direct = direct
            self.emergencyPathways = emergencyPathways
            self.triageScale = triageScale
            self.baseAdmittedShare = baseAdmittedShare
            self.observedAdmittedShare = observedAdmittedShare
            self.triageAdmit = triageAdmit
        }
    }

    /// Discharges alive from inpatient spells, by local hour and weekday, and the windows that fit them.
    public struct Discharges: Sendable {
        /// Discharges in each hour of the week, Monday 00:00 first.
        public let hourOfWeek: [Int]
        /// Windows written: (weekdays or weekends, from hour, to hour, share).
        public let windows: [(days: String, from: Int, to: Int, share: Double)]
        /// Mean discharges a day on weekdays and at weekends.
        public let weekdayPerDay: Double, weekendPerDay: Double
        /// Inpatient spells that ended in death, and that went to another hospital (taken as discharges home in
        /// the twin model).
        public let deaths: Int, otherHospital: Int

        /// A value from its parts.
        public init(hourOfWeek: [Int], windows: [(days: String, from: Int, to: Int, share: Double)],
                    weekdayPerDay: Double, weekendPerDay: Double, deaths: Int, otherHospital: Int)
        {
            self.hourOfWeek = hourOfWeek
            self.windows = windows
            self.weekdayPerDay = weekdayPerDay
            self.weekendPerDay = weekendPerDay
            self.deaths = deaths
            self.otherHospital = otherHospital
        }

        /// The time of day a fitted window's hour (0–24) is written as: the hour, and 24 the day's last minute, 23:59.
        public static func timeOfDay(hour: Int) -> LocalTimeOfDay {
            LocalTimeOfDay(hour: min(23, max(0, hour)), minute: hour >= 24 ? 59 : 0).unsafelyUnwrapped
        }

        /// The windows as the model runs them, written as `discharge.windows`: Monday–Friday `weekdays` hours (local,
        /// from–to, 24 the day's last minute) taking everyone, Saturday and Sunday `weekends` hours taking `share`.
        public static func modelWindows(weekdays: (from: Int, to: Int), weekends: (from: Int, to: Int), share: Double)
            -> [DischargeWindow]
        {
            [DischargeWindow(weekdays: [.monday, .tuesday, .wednesday, .thursday, .friday],
                             from: timeOfDay(hour: weekdays.from), to: timeOfDay(hour: weekdays.to)),
             DischargeWindow(weekdays: [.saturday, .sunday], from: timeOfDay(hour: weekends.from),
                             to: timeOfDay(hour: weekends.to), share: share)]
        }

        /// `windows` as the model runs them (`modelWindows`): the first for weekdays, the second for weekends.
        public var fittedWindows: [DischargeWindow] {
            guard windows.count == 2 else { return [] }
            return Self.modelWindows(weekdays: (windows[0].from, windows[0].to), weekends: (windows[1].from, windows[1].to),
                                     share: windows[1].share)
        }

        /// Discharges on a weekend day over those on a weekday (0–1) when patients become ready at an even rate
        /// through the week and leave by the model's rule (`HospitalEngine.dischargeMinute`): the first window whose
        /// close is after the ready time takes the patient with its share, from its opening or at once inside it,
        /// else the next. Weekday windows (Monday–Friday, `weekdays` hours from–to, local, as written) take everyone;
        /// weekend windows (`weekends`) take `share` (0–1). Worked on 15-minute steps of the week.
        public static func weekendRatio(share: Double, weekdays: (from: Int, to: Int), weekends: (from: Int, to: Int)) -> Double {
            let weekly = HospitalEngine.weeklyOpenings(modelWindows(weekdays: weekdays, weekends: weekends, share: share))
            var byDay = [Double](repeating: 0, count: 7)
            let step = 15.0
            for index in 0..<Int(10_080 / step) {
                let ready = (Double(index) + 0.5) * step
                var left = 1.0
                for week in 0..<3 where left > 0 {
                    for opening in weekly where opening.close + Double(week) * 10_080 > ready && left > 0 {
                        byDay[Int(opening.open / 1440) % 7] += left * opening.share
                        left *= 1 - opening.share
                    }
                }
            }
            let weekday = byDay[0..<5].reduce(0, +) / 5, weekend = byDay[5..<7].reduce(0, +) / 2
            return weekday > 0 ? weekend / weekday : 1
        }

        /// When a patient who left at local minute `local` (minutes since the epoch, local time) could have been
        /// ready to leave, by the model's rule (`HospitalEngine.dischargeMinute`): inside a window a ready patient
        /// leaves at once, so only a discharge at the minute a window opens hides its ready time. For one, the
        /// intervals (from, to] of local minutes it was ready in, each with the chance that a ready time in it leads
        /// to leaving then: the window's share from the previous window's close to its opening, then back through
        /// each earlier window's reach (from the close before it to its own close) the share times the chances of
        /// the windows between declining it, until a window that takes everyone (a weekday's) or a chance below
        /// 10⁻⁹. Empty when `local` is not an opening (the ready time is the discharge), when that window takes
        /// nobody (share 0: no such discharge in the model, so it is read as it was), or when `windows` overlap (their
        /// order of reach is not the week's).
        public static func readyIntervals(leavingAt local: Double, windows: [DischargeWindow])
            -> [(from: Double, to: Double, weight: Double)]
        {
            let weekly = HospitalEngine.weeklyOpenings(windows)
            guard !weekly.isEmpty else { return [] }
            let weekStart = HospitalEngine.weekStart(ofLocalMinute: local)
            var openings: [(open: Double, close: Double, share: Double)] = []
            for week in -3...1 {
                let offset = weekStart + Double(week) * 10_080
                for opening in weekly { openings.append((offset + opening.open, offset + opening.close, opening.share)) }
            }
            guard zip(openings, openings.dropFirst()).allSatisfy({ $0.close <= $1.open }),
                  let k = openings.firstIndex(where: { abs($0.open - local) < 0.5 }), k > 0
            else { return [] }
            // A window that takes nobody (share 0) discharges nobody at its opening: such a discharge is read as exact.
            guard openings[k].share > 0 else { return [] }
            var result = [(from: openings[k - 1].close, to: openings[k].open, weight: openings[k].share)]
            var chance = openings[k].share
            var j = k - 1
            while j > 0 {
                chance *= 1 - openings[j].share
                guard chance >= 1e-9 else { break }
                result.append((from: openings[j - 1].close, to: openings[j].close, weight: chance))
                j -= 1
            }
            return result
        }

        /// The weekend share (0.05–1) at which `weekendRatio` is `ratio`, by bisection (the ratio rises with the
        /// share); 1 for a ratio the share cannot reach.
        public static func weekendShare(ratio: Double, weekdays: (from: Int, to: Int), weekends: (from: Int, to: Int)) -> Double {
            var low = 0.05, high = 1.0
            guard weekendRatio(share: high, weekdays: weekdays, weekends: weekends) > ratio else { return 1 }
            guard weekendRatio(share: low, weekdays: weekdays, weekends: weekends) < ratio else { return low }
            for _ in 0..<50 {
                let middle = (low + high) / 2
                if weekendRatio(share: middle, weekdays: weekdays, weekends: weekends) < ratio { low = middle } else { high = middle }
            }
            return (low + high) / 2
        }
    }

    /// One fitted stay: Kaplan–Meier of the observed stays (censored at the window's end) against the fitted
    /// model's marginal survival over the same patients.
    public struct StayCurve: Sendable {
        /// The pathway of the stays.
        public let pathway: Pathway
        /// The care state (unit kind) of the stays.
        public let state: CareState
        /// Stays observed, and of them those still open at the window's end (censored, not dropped).
        public let stays: Int, censored: Int
        /// (days, Kaplan–Meier survival, fitted survival).
        public let points: [(days: Double, observed: Double, fitted: Double)]
        /// The fitted family and median days.
        public let family: String, medianDays: Double
        /// The fitted model's mean stay over the same patients (days, > 0): each patient's mean for their covariates,
        /// averaged. It is what the feed's patients' stays are expected to hold, open ones included; a model run
        /// draws other patients, whose covariates the feed does not carry (Charlson, frailty, NEWS2) varying
        /// around the means the fit held them at, so its mean differs (`Calibration.stayFactors`).
        public let meanDays: Double

        /// A value from its parts.
        public init(pathway: Pathway, state: CareState, stays: Int, censored: Int,
                    points: [(days: Double, observed: Double, fitted: Double)], family: String, medianDays: Double,
                    meanDays: Double)
        {
            self.pathway = pathway
            self.state = state
            self.stays = stays
            self.censored = censored
            self.points = points
            self.family = family
            self.medianDays = medianDays
            self.meanDays = meanDays
        }
    }

    /// The factor on each fitted bed stay (unit types, not the ED, theatre or recovery) that a run of the fitted
    /// model measured in `bedWaits`, run at stay scale `checkedAt`, asks for, where it ran
    /// `BedStayKPIs.minimumStaysForCorrection` stays or more: its clinical share (`BedStayKPIs.clinicalShare`) times
    /// the fitted mean over the feed's patients (`StayCurve.meanDays`) over the run's mean clinical stay per unit of
    /// scale; the share alone where no curve was fitted.
    ///
    /// The share takes out the waits the model adds on top of a clinical stay, which the feed's time in a bed held
    /// already. The mean ratio takes out what the model's own patients make of the fitted stays: their covariates
    /// vary where the fit held them at their means, and a stay's time factor exp(γ·x) averaged over them exceeds its
    /// value at the mean (5–7% for the shadow hospital's surgical wards); a patient outlying in another ward stays
    /// `outlying.stay_multiplier` longer in the model on top of a feed whose stays held that already. With the
    /// factor, the run's mean clinical stay is the feed's fitted mean times the share, per pathway and unit type.
    public func stayFactors(bedWaits: [BedStayKPIs], checkedAt: Double) -> [Pathway: [CareState: Double]] {
        var factors = BedStayKPIs.corrections(bedWaits)
        for stay in bedWaits where factors[stay.pathway]?[stay.state] != nil && stay.meanClinicalDays > 0 && checkedAt > 0 {
            guard let curve = stays.first(where: { $0.pathway == stay.pathway && $0.state == stay.state }), curve.meanDays > 0 else { continue }
            factors[stay.pathway]?[stay.state]? *= curve.meanDays * checkedAt / stay.meanClinicalDays
        }
        return factors
    }

    /// A value from its parts.
    public init(from: String, to: String, days: Int, events: Int, spells: Int, arrivals: Arrivals,
                admissions: Admissions, discharges: Discharges, fit: FitResult, stays: [StayCurve],
                theatreTimes: [TheatreTime], notes: [String])
    {
        self.from = from
        self.to = to
        self.days = days
        self.events = events
        self.spells = spells
        self.arrivals = arrivals
        self.admissions = admissions
        self.discharges = discharges
        self.fit = fit
        self.stays = stays
        self.theatreTimes = theatreTimes
        self.notes = notes
    }
}


/// The calibrated scenario's midnight census, simulated over the calibration window, against the log's.
public struct CensusCheck: Sendable {
    /// One group's midnights: observed (nil before the log's ramp-up) against the replications' mean and 90% band.
    public struct Group: Sendable {
        /// The group: general and acute, or critical care.
        public let group: String
        /// Each midnight of the window: local date, the log's census (patients), the replications' mean and 90% band.
        public let days: [(date: String, observed: Double?, mean: Double, p05: Double, p95: Double)]
        /// Each replication's mean census over the days with an observation (patients), in replication order.
        public let replicationMeans: [Double]

        /// The relative standard deviation of a replication's mean census over the window (sample standard deviation
        /// of `replicationMeans` over their mean; 0 with fewer than two): how far the one window the log saw may lie
        /// from the model's own level by chance alone.
        public var levelSpread: Double {
            let n = Double(replicationMeans.count)
            guard replicationMeans.count >= 2 else { return 0 }
            let mean = replicationMeans.reduce(0, +) / n
            guard mean > 0 else { return 0 }
            let variance = replicationMeans.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            return variance.squareRoot() / mean
        }

        /// Mean observed and mean simulated over the days with an observation.
        public var means: (observed: Double, simulated: Double) {
            let seen = days.filter { $0.observed != nil }
            guard !seen.isEmpty else { return (.nan, .nan) }
            return (seen.reduce(0) { $0 + $1.observed! } / Double(seen.count), seen.reduce(0) { $0 + $1.mean } / Double(seen.count))
        }

        /// Share of the days with an observation whose observed census lay inside the simulated 90% band.
        public var inBand: Double {
            let seen = days.filter { $0.observed != nil }
            guard !seen.isEmpty else { return .nan }
            return Double(seen.filter { $0.observed! >= $0.p05 && $0.observed! <= $0.p95 }.count) / Double(seen.count)
        }

        /// A value from its parts.
        public init(group: String, days: [(date: String, observed: Double?, mean: Double, p05: Double, p95: Double)],
                    replicationMeans: [Double] = [])
        {
            self.group = group
            self.days = days
            self.replicationMeans = replicationMeans
        }
    }

    /// One unit's mean midnight census over the days with an observation: what the group totals cannot show, errors
    /// of opposite sign between units (a unit held full by blocking downstream against one emptied), which make a
    /// forecast from the real census drift while each unit moves to the model's level.
    public struct Unit: Sendable, Hashable {
        /// The unit's name.
        public let unit: String
        /// The group it counts in.
        public let group: String
        /// Patients, mean of the observed midnights and of the replications' means over the same midnights.
        public let observedMean: Double, simulatedMean: Double

        /// A value from its parts.
        public init(unit: String, group: String, observedMean: Double, simulatedMean: Double) {
            self.unit = unit
            self.group = group
            self.observedMean = observedMean
            self.simulatedMean = simulatedMean
        }
    }

    /// General and acute, then critical care.
    public let groups: [Group]
    /// Each unit, in the scenario's order.
    public let units: [Unit]
    /// Replications, warm-up days before the window, and the seed.
    public let replications: Int, warmUpDays: Int, seed: UInt64
    /// The run's stays in a unit's bed by pathway and care state, pooled over the replications: the clinical stay
    /// and the wait in the bed the model added after it.
    public let bedStays: [BedStayKPIs]

    /// A value from its parts.
    public init(groups: [Group], units: [Unit] = [], replications: Int, warmUpDays: Int, seed: UInt64,
                bedStays: [BedStayKPIs] = [])
    {
        self.groups = groups
        self.units = units
        self.bedStays = bedStays
        self.replications = replications
        self.warmUpDays = warmUpDays
        self.seed = seed
    }
}


/// A calibration as its report shows it: what was fitted, the files written, the stay scale that brought the
/// simulated census to the observed one, and the check of the scenario written.
public struct CalibrationOutcome: Sendable {
    /// What was fitted.
    public let calibration: Calibration
    /// The base scenario's name and file, the scenario and model files written.
    public let baseName: String, baseFile: String, scenarioFile: String, modelFile: String
    /// The stay scale written for every pathway (1: none), and the general and acute census ratio each check found
    /// (observed over simulated mean), in order.
    public let stayScale: Double
    /// The `stay_scale_spread` written (`Calibrating.stayScaleSpread`): 0 when none.
    public let stayScaleSpread: Double
    /// The general and acute census ratios, observed over simulated mean, one per check, in order.
    public let ratios: [Double]
    /// The written scenario's census check.
    public let check: CensusCheck
    /// The waits the model adds and its clinical stays, measured in a run of the fitted model before any correction
    /// at stay scale `bedWaitsScale`; each fitted bed stay was multiplied by its factor in `stayFactors`. Empty:
    /// none taken out.
    public let bedWaits: [BedStayKPIs]
    /// The stay scale of the run that measured `bedWaits`.
    public let bedWaitsScale: Double
    /// The factor each fitted bed stay was multiplied by (`Calibration.stayFactors`); absent: 1.
    public var stayFactors: [Pathway: [CareState: Double]] { calibration.stayFactors(bedWaits: bedWaits, checkedAt: bedWaitsScale) }
    /// The fitted mean stay over the feed's patients (days) of `wait`'s pathway and unit type, per unit of the stay
    /// scale the run had (`bedWaitsScale`); nil where no stay curve was fitted.
    public func fittedMeanDays(_ wait: BedStayKPIs) -> Double? {
        calibration.stays.first { $0.pathway == wait.pathway && $0.state == wait.state }.map { $0.meanDays * bedWaitsScale }
    }
    /// The factor on the ICU and HDU stays in the model written, on top of the stay scale (1: none), and the critical
    /// care census ratios (observed over simulated mean) before and after it; empty when none was sought.
    public let criticalCare: Double
    /// The critical care census ratios, observed over simulated mean: before the factor, then after it.
    public let criticalCareRatios: [Double]

    /// An outcome from its parts.
    public init(calibration: Calibration, baseName: String, baseFile: String, scenarioFile: String, modelFile: String,
                stayScale: Double, ratios: [Double], check: CensusCheck, bedWaits: [BedStayKPIs] = [], bedWaitsScale: Double = 1,
                criticalCare: Double = 1, criticalCareRatios: [Double] = [], stayScaleSpread: Double = 0)
    {
        self.stayScaleSpread = stayScaleSpread
        self.bedWaits = bedWaits
        self.bedWaitsScale = bedWaitsScale
        self.criticalCare = criticalCare
        self.criticalCareRatios = criticalCareRatios
        self.calibration = calibration
        self.baseName = baseName
        self.baseFile = baseFile
        self.scenarioFile = scenarioFile
        self.modelFile = modelFile
        self.stayScale = stayScale
        self.ratios = ratios
        self.check = check
    }
}
