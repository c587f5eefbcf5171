import CSVFiles
import Forecasting
import Foundation
import HospitalModel
import Scenario
import Simulation

/// How often a forecast from a simulated hospital's census contains what that hospital then did: the forecast's
/// self-consistency. Each "truth" is one run of the scenario (its own seed); its census at a time is written to a
/// census file and read back, as a user's would be; a forecast of `replications` runs from that file (another
/// seed) gives bands for each of the next `days` midnights; the truth's own demand on those midnights is inside
/// the P10–P90 band or not, inside P5–P95 or not. A forecast that holds everything still to come contains it about
/// 80% and 90% of the time.
public struct ForecastCoverage: Sendable {
    /// One series (a group of units, or a unit) over the truths: at each horizon day 1…days, how many truths fell
    /// inside each band.
    public struct Series: Sendable {
        /// The group's or unit's name, as the forecast names it.
        public let name: String
        /// Truths inside P10–P90, by horizon day (index 0: day 1).
        public var within80: [Int]
        /// Truths inside P5–P95, by horizon day.
        public var within90: [Int]
        /// The truths' mean of actual demand − the forecast's mean demand, by horizon day: the forecast's bias.
        public var meanError: [Double]
        /// The standard error of `meanError` over the truths, by horizon day: a bias of zero lies within
        /// ±z·standardError when the forecast holds everything still to come.
        public var standardError: [Double]
        /// The same at the census's own midnight (day 0): what the census lost of the hospital's demand, 0 when it
        /// carries every patient who counts (and, for a census taken before that midnight, the forecast holds what
        /// happens until it).
        public var startError = 0.0
        /// The standard error of `startError` over the truths.
        public var startStandardError = 0.0
    }

    /// The groups' patients in beds (what a backtest scores; the bands above are of demand, which counts the ED's
    /// boarders too): general and acute, then critical care.
    public struct BedSeries: Sendable {
        /// The group's name.
        public let name: String
        /// Σ over the truths of each one's coverage of the central 80% and 95% intervals of the forecast's
        /// replications (`PredictiveDistribution.coverage`: fractional where replications sit on the truth's
        /// count, so a calibrated forecast covers at the nominal rate), by horizon day (index 0: day 1).
        public var covered80: [Double]
        /// The same for the 95% interval.
        public var covered95: [Double]
        /// Σ over the truths of (actual − the replications' median)², by horizon day.
        public var squaredError: [Double]
        /// Σ over the truths of the replications' variance, by horizon day: against `squaredError`, whether the
        /// spread is the size of the errors.
        public var variance: [Double]
    }

    /// General and acute, then critical care, then each unit (configuration order), in beds.
    public let inBeds: [BedSeries]
    /// Truths (runs held against their forecasts).
    public let truths: Int
    /// Replications of each forecast.
    public let replications: Int
    /// Horizon days.
    public let days: Int
    /// The groups first, then each unit (`BedForecast`'s order).
    public let series: [Series]
    /// Mean census patients, and recent discharges, per truth (what the forecasts started from).
    public let meanCensusPatients: Double
    /// Mean recent discharges per truth's census.
    public let meanRecentDischarges: Double
    /// One of the hospital's flows over the days forecast, per truth: the truth's count against the forecast's mean
    /// — where a bias starts.
    public struct Flow: Sendable {
        /// "arrivals", "inpatient discharges", ….
        public let name: String
        /// The truths' mean count.
        public var truth = 0.0
        /// The forecasts' mean count.
        public var forecast = 0.0
    }

    /// Arrivals (ED attendances and elective admissions, readmissions among them), inpatient discharges, deaths,
    /// diversions and transfers out, in that order.
    public let flows: [Flow]
    /// Per truth: patients in the ED not yet decided at the census, how many of them the forecast expects to
    /// admit (Σ of `PreparedHospital.admissionProbability(ofUndecided:)`), and how many the truth was going to.
    public let undecided: (patients: Double, expected: Double, admitted: Double)

    /// Checks `scenario` with censuses at `local`: truth k is seed `seed + k` (replication 0), its forecast seed
    /// `seed + 10_000 + k`. `workDirectory` holds the census files meanwhile.
    public static func check(_ scenario: Scenario, file: String, at local: LocalDateTime, truths: Int, replications: Int,
                             days: Int, seed: UInt64, threads: Int, workDirectory: String,
                             hiding hidden: Set<CensusFact> = []) throws(WorkflowError)
        -> ForecastCoverage
    {
        precondition(truths >= 1 && replications >= 2 && days >= 1, "a check needs truths, replications and days")
        var series: [Series] = []
        var censusPatients = 0, discharges = 0
        var undecided = (patients: 0.0, expected: 0.0, admitted: 0.0)
        let probes = EDProbes()
        let counted: [(name: String, column: (DailyFlow) -> Int?)] = [
            ("arrivals", { $0.arrived }), ("inpatient discharges", { $0.inpatientDischarges }), ("deaths", { $0.died }),
            ("diverted", { $0.diverted }), ("transferred out of ED", { $0.transferredOut }),
        ]
        var flows = counted.map { Flow(name: $0.name) }
        // The series in beds and the units each sums: the groups, then each unit.
        let described = scenario.configuration.units.map { (name: $0.name, criticalCare: $0.kind.isCriticalCare) }
        let bedSeries = ([BedForecast.generalAndAcute, BedForecast.criticalCare] + described.map(\.name)).map {
            ($0, Self.units(named: $0, in: described))
        }
        var inBeds = bedSeries.map {
            BedSeries(name: $0.0, covered80: [Double](repeating: 0, count: days), covered95: [Double](repeating: 0, count: days),
                      squaredError: [Double](repeating: 0, count: days), variance: [Double](repeating: 0, count: days))
        }
        // The truth measures every day (no warm-up: it changes what is measured, not what happens), through the
        // census's day and the days forecast after it.
        let censusDay = Int(((local.localMinutesSinceEpoch - scenario.configuration.start.localMinutesSinceEpoch) / 1440)
            .rounded(.up))
        guard censusDay >= 1, censusDay + days + 1 <= scenario.run.horizonDays else {
            throw WorkflowError(.input, "\(file): a census at \(local) and \(days) days after it must lie within the scenario's "
                + "\(scenario.run.horizonDays) days from \(scenario.configuration.start)")
        }
        for k in 0..<truths {
            let plan = RunSettings(horizonDays: censusDay + days + 1, warmUpDays: 0, replications: 1, seed: seed + UInt64(k))
            let prepared = try PreparedScenario(scenario, file: file, plan: plan)
            let (taken, truth) = try Simulate.censusAndRun(prepared, at: local)
            let census = hiding(hidden, in: taken)
            censusPatients += census.inpatients.count
            undecided.admitted += Double(census.undecidedToBeAdmitted) / Double(truths)
            discharges += census.recentDischarges.count
            let path = (workDirectory as NSString).appendingPathComponent("census-\(k).csv")
            do {
                let output = try AtomicFile(path: path)
                CensusFile.write(census, for: scenario.configuration, to: CSVWriter(handle: output.handle))
                try output.commit()
            } catch {
                throw WorkflowError(.input, "\(path): \(error)")
            }
            var request = ForecastRequest(days: days, censusPath: path, replications: replications,
                                          seed: seed + 10_000 + UInt64(k))
            request.imputesReadiness = hidden.contains(.readiness)
            request.censusTime = census.epochMinute
            request.edProbes = probes
            let forecastPlan = try ForecastPlanning.prepare(scenario, file: file, request: request)
            if let started = forecastPlan.census {
                let admitting = forecastPlan.prepared.hospital.expectedAdmissions(ofUndecidedIn: started,
                                                                                  atEpochMinute: census.epochMinute)
                undecided.patients += Double(admitting.patients) / Double(truths)
                undecided.expected += admitting.expected / Double(truths)
            }
            let run = try Simulate.run(forecastPlan.prepared, threads: threads, census: forecastPlan.census)
            let forecast = Answers.forecast(run)
            if series.isEmpty {
                series = forecast.series.map {
                    Series(name: $0.name, within80: [Int](repeating: 0, count: days), within90: [Int](repeating: 0, count: days),
                           meanError: [Double](repeating: 0, count: days), standardError: [Double](repeating: 0, count: days))
                }
            }
            let dates = truth.flows.map(\.date)
            // Flows counted from the census's midnight to the last day forecast, in the truth and in each forecast.
            func change(_ kpis: HospitalKPIs, from first: Int, _ column: (DailyFlow) -> Int?) -> Double {
                let last = min(first + days, kpis.flows.count - 1)
                return Double((column(kpis.flows[last]) ?? 0) - (column(kpis.flows[first]) ?? 0))
            }
            let runs = run.result.replications
            for (index, flow) in counted.enumerated() {
                if let start = dates.firstIndex(of: forecast.series[0].days[0].date) {
                    flows[index].truth += change(truth, from: start, flow.column) / Double(truths)
                }
                flows[index].forecast += runs.reduce(0) { $0 + change($1, from: 0, flow.column) } / Double(runs.count * truths)
            }
            for (index, (_, units)) in bedSeries.enumerated() {
                for day in 1...days {
                    guard day < forecast.series[0].days.count, let at = dates.firstIndex(of: forecast.series[0].days[day].date) else {
                        preconditionFailure("the truth runs through every day forecast")
                    }
                    let actual = Double(units.reduce(0) { $0 + truth.units[$1].midnightCensus[at] })
                    let values = runs.map { run in Double(units.reduce(0) { $0 + run.units[$1].midnightCensus[day] }) }
                    let ensemble = PredictiveDistribution.ensemble(values)
                    inBeds[index].covered80[day - 1] += ensemble.coverage(actual, level: 0.8)
                    inBeds[index].covered95[day - 1] += ensemble.coverage(actual, level: 0.95)
                    inBeds[index].squaredError[day - 1] += (actual - ensemble.median) * (actual - ensemble.median)
                    let mean = values.reduce(0, +) / Double(values.count)
                    inBeds[index].variance[day - 1] += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
                }
            }
            for (index, band) in forecast.series.enumerated() {
                let units = Self.units(of: band, in: truth)
                for day in 0...days {
                    guard day < band.days.count, let at = dates.firstIndex(of: band.days[day].date) else {
                        preconditionFailure("the truth runs through every day forecast")
                    }
                    let group = band.name == BedForecast.generalAndAcute || band.name == BedForecast.criticalCare
                    let actual = Double(units.reduce(0) {
                        $0 + truth.units[$1].midnightDemand[at] - (group ? truth.units[$1].midnightDemandInGroup[at] : 0)
                    })
                    let forecastDay = band.days[day]
                    guard day > 0 else {
                        series[index].startError += (actual - forecastDay.mean) / Double(truths)
                        series[index].startStandardError += (actual - forecastDay.mean) * (actual - forecastDay.mean)
                        continue
                    }
                    if actual >= forecastDay.p10 && actual <= forecastDay.p90 { series[index].within80[day - 1] += 1 }
                    if actual >= forecastDay.p5 && actual <= forecastDay.p95 { series[index].within90[day - 1] += 1 }
                    series[index].meanError[day - 1] += (actual - forecastDay.mean) / Double(truths)
                    series[index].standardError[day - 1] += (actual - forecastDay.mean) * (actual - forecastDay.mean)
                }
            }
        }
        // The sums of squared errors become the standard errors of their means.
        func standardError(sumOfSquares: Double, mean: Double) -> Double {
            let n = Double(truths)
            let variance = truths > 1 ? max(0, sumOfSquares / n - mean * mean) * n / (n - 1) : 0
            return (variance / n).squareRoot()
        }
        for index in series.indices {
            for day in 0..<days {
                series[index].standardError[day] = standardError(sumOfSquares: series[index].standardError[day],
                                                                 mean: series[index].meanError[day])
            }
            series[index].startStandardError = standardError(sumOfSquares: series[index].startStandardError,
                                                             mean: series[index].startError)
        }
        return ForecastCoverage(inBeds: inBeds, truths: truths, replications: replications, days: days, series: series,
                                meanCensusPatients: Double(censusPatients) / Double(truths),
                                meanRecentDischarges: Double(discharges) / Double(truths), flows: flows,
                                undecided: undecided)
    }

    /// What a simulated hospital's census knows and a live census from the feed does not: hidden from the census file
    /// (`check(hiding:)`), a forecast from it is one from as much as the feed tells, and the check says what the
    /// feed's missing facts cost the forecast.
    public enum CensusFact: String, Sendable, CaseIterable {
        /// Who is ready to leave and for where: hidden, the forecast imputes it (`imputesReadiness`).
        case readiness
        /// A patient who deteriorated in its stay.
        case deteriorated
        /// An undecided ED patient's triage category: hidden, "unknown".
        case triage
        /// The bed each admitted ED boarder waits for: hidden, the forecast infers it
        /// (`HospitalEngine.inferBoardersTargets`).
        case targets
    }

    /// `census` with `facts` forgotten: readiness and deterioration emptied, a known triage made unknown, a boarder's
    /// bed left for the forecast to infer. Everything else is kept.
    public static func hiding(_ facts: Set<CensusFact>, in census: TakenCensus) -> TakenCensus {
        guard !facts.isEmpty else { return census }
        let inpatients = census.inpatients.map { inpatient in
            let readiness = facts.contains(.readiness)
            return HospitalCensus.Inpatient(
                twin: inpatient.twin, location: inpatient.location, readyAt: readiness ? nil : inpatient.readyAt,
                readyFor: readiness ? nil : inpatient.readyFor, undecided: inpatient.undecided,
                undecidedTriage: facts.contains(.triage) ? nil : inpatient.undecidedTriage,
                deteriorated: facts.contains(.deteriorated) ? false : inpatient.deteriorated, news2At: inpatient.news2At,
                waitingFor: facts.contains(.targets) ? nil : inpatient.waitingFor)
        }
        return TakenCensus(epochMinute: census.epochMinute, inpatients: inpatients, recentDischarges: census.recentDischarges,
                           undecidedToBeAdmitted: census.undecidedToBeAdmitted)
    }

    /// The units a forecast series sums, in a run's KPIs.
    static func units(of series: BedForecast.Series, in kpis: HospitalKPIs) -> [Int] {
        units(named: series.name, in: kpis.units.map { (name: $0.name, criticalCare: $0.kind.isCriticalCare) })
    }

    /// The indices of the units a series named `name` sums: general and acute every unit but critical care's,
    /// critical care its own, a unit's series that unit.
    static func units(named name: String, in units: [(name: String, criticalCare: Bool)]) -> [Int] {
        switch name {
        case BedForecast.generalAndAcute: units.indices.filter { !units[$0].criticalCare }
        case BedForecast.criticalCare: units.indices.filter { units[$0].criticalCare }
        default: units.indices.filter { units[$0].name == name }
        }
    }
}
