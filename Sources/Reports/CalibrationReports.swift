import CSVFiles
import Foundation
import PatientTwin
import RunRecords
import HospitalModel

/// Renders a calibration: what was fitted and the evidence (the tests of each arrival term, observed against fitted
/// by hour of the week, Kaplan–Meier against each fitted stay, the discharge windows), and the census check of the
/// scenario written; a terminal table, JSON and an HTML page.
public enum CalibrationReports {
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static func n(_ value: Double?, _ digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func p(_ value: Double) -> String { value < 1e-4 ? "< 0.0001" : String(format: "%.4f", value) }

    static func heading(_ o: CalibrationOutcome) -> String {
        let c = o.calibration
        return "Calibration of \(o.baseName) on the event log, \(c.from) to \(c.to) (\(c.days) days): \(c.events) events, "
            + "\(c.spells) spells began in the window. Wrote \(o.scenarioFile) (extends \(o.baseFile)) and \(o.modelFile)."
    }

    static func testLine(_ name: String, _ test: Calibration.Test?, written: String, notWritten: String) -> [String] {
        guard let test else { return [name, "–", "–", "–", notWritten] }
        return [name, n(test.statistic), String(test.degreesOfFreedom), p(test.pValue), test.chosen ? written : notWritten]
    }

    /// The terminal report.
    public static func table(_ o: CalibrationOutcome) -> String {
        let c = o.calibration, a = c.arrivals, m = c.admissions, d = c.discharges
        var out = [heading(o), ""]
        out.append("Arrivals: \(a.total) attendances; \(n(a.perDay)) a day written (the fitted level at the window's end, an average month); "
            + "dispersion of daily counts \(n(a.dispersion, 2)) (tests divide by it)"
            + (a.fullHours > 0 ? "; the ED at capacity for \(n(a.fullHours)) hours, left out of the exposure (arrivals then are diverted)." : "."))
        var tests = [["term", "statistic", "df", "p", "written"]]
        tests.append(testLine("168 hours of the week over 24 hours × 7 days", a.hourOfWeekTest,
                              written: "168-hour profile", notWritten: "hour × weekday"))
        tests.append(testLine("yearly term (12 months)", a.monthlyTest, written: "monthly_profile",
                              notWritten: a.monthlyTest == nil ? "not fitted (under a year)" : "flat"))
        tests.append(testLine("trend", a.trendTest, written: "level at the window's end",
                              notWritten: a.trendTest == nil ? "not fitted (a year or two: not separable from the season)" : "none"))
        out.append(TextTable.render(tests))
        if let trend = a.trendPerYear {
            out.append("Trend: ×\(n(trend.ratio, 3)) a year (95% interval \(n(trend.low, 3))–\(n(trend.high, 3))).")
        }
        if let months = a.fittedMonthly {
            out.append("Fitted month factors (Jan–Dec): " + months.map { n($0, 3) }.joined(separator: " ")
                + (a.monthlyTest?.chosen == true ? "" : " — not significant at p < \(Calibration.significance), not written"))
        }
        out.append("")
        out.append("Admissions: \(m.attendances) attendances, \(m.admittedFromED) admitted (\(n(100 * m.observedAdmittedShare))%; the base gives "
            + "\(n(100 * m.baseAdmittedShare))%): every triage category's admission probability × \(n(m.triageScale, 3)); "
            + "\(m.direct) direct emergency admissions.")
        var mix = [["pathway", "admissions (emergency: readmissions left out)", "per week", "base referrals / week"]]
        let weeks = Double(c.days) / 7
        for pathway in Pathway.allCases {
            let count = pathway.isEmergency ? Double(m.emergencyPathways[pathway] ?? 0) : (m.electivePerWeek[pathway] ?? 0) * weeks
            guard count > 0 || m.baseReferralsPerWeek[pathway] != nil else { continue }
            mix.append([pathway.rawValue, String(Int(count.rounded())), n(count / weeks),
                        m.baseReferralsPerWeek[pathway].map { n($0) } ?? ""])
        }
        out.append(TextTable.render(mix))
        out.append("Elective lists stay the base's: compare its referrals with the elective admissions above.")
        out.append("")
        out.append("Stays (Kaplan–Meier against the fitted model's survival; stays open at the window's end censored):")
        var stays = [["pathway", "unit type", "stays", "censored", "family", "median days", "mean days", "largest |KM − fit|"]]
        for curve in c.stays {
            let gap = curve.points.map { abs($0.observed - $0.fitted) }.max() ?? 0
            stays.append([curve.pathway.rawValue, curve.state.rawValue, String(curve.stays), String(curve.censored), curve.family,
                          n(curve.medianDays, 2), n(curve.meanDays, 2), n(gap, 3)])
        }
        out.append(TextTable.render(stays))
        if !c.theatreTimes.isEmpty {
            out.append("Theatre and recovery (one code in the feed: the base model's two times scaled to the observed median; "
                + "the mean holds the waits in recovery for a bed):")
            var times = [["pathway", "operations", "observed median min", "95% interval", "base median min", "factor written",
                          "observed mean min", "± 95%", "base mean min"]]
            for t in c.theatreTimes {
                times.append([t.pathway.rawValue, String(t.operations), n(t.observedMedianMinutes),
                              "\(n(t.medianInterval.lowerBound))–\(n(t.medianInterval.upperBound))", n(t.baseMedianMinutes), n(t.factor, 3),
                              n(t.observedMeanMinutes), n(1.96 * t.standardErrorMinutes), n(t.baseMeanMinutes)])
            }
            out.append(TextTable.render(times))
        }
        if !o.bedWaits.isEmpty {
            out.append("Waits the model adds in a bed, and its own patients' clinical stays (a run of the fitted model over the "
                + "window): each fitted bed stay is multiplied by its clinical share of the time the fit still holds (the waits "
                + "but those for a window, which the fit read out), and by the fitted mean over the feed's patients over the "
                + "run's mean clinical stay, where \(BedStayKPIs.minimumStaysForCorrection) stays or more were run:")
            out.append(TextTable.render(bedWaitRows(o)))
        }
        let r = c.fit.report
        out.append("Readmissions: \(r.readmissions) of \(r.readmissionDischarges) discharges with 30 days' follow-up "
            + "(\(r.readmissionDischarges > 0 ? n(100 * Double(r.readmissions) / Double(r.readmissionDischarges)) : "–")%)"
            + (r.hosmerLemeshow.map { ", Hosmer–Lemeshow p = \(p($0.pValue))" } ?? "") + ".")
        out.append("")
        out.append("Discharges alive: \(n(d.weekdayPerDay)) a weekday, \(n(d.weekendPerDay)) a weekend day; \(d.deaths) deaths, "
            + "\(d.otherHospital) to another hospital (discharges in the twin model). Windows written: "
            + d.windows.map { "\($0.days) \(String(format: "%02d:00", $0.from))–\($0.to >= 24 ? "23:59" : String(format: "%02d:00", $0.to))"
                + ($0.share < 1 ? " share \(n($0.share, 2))" : "") }.joined(separator: "; ") + ".")
        out.append("")
        out.append("Census check: the written scenario over the window (\(o.check.replications) replications after "
            + "\(o.check.warmUpDays) days of warm-up, seed \(o.check.seed)); stay scale \(n(o.stayScale, 3)) "
            + "(observed over simulated mean: " + o.ratios.map { n($0, 3) }.joined(separator: " then ")
            + (o.bedWaits.isEmpty ? "" : "; the first before the waits were taken out") + ")"
            + (o.criticalCareRatios.isEmpty ? "" : "; critical care's stays × \(n(o.criticalCare, 3)) (its observed over simulated mean: "
                + o.criticalCareRatios.map { n($0, 3) }.joined(separator: " then ") + ")") + "."
            + (o.stayScaleSpread > 0 ? " The window's mean general and acute census varies by \(n(100 * o.stayScaleSpread, 2))% between "
                + "the replications: each replication of the scenario written draws its stays' factor with that spread "
                + "(stay_scale_spread \(n(o.stayScaleSpread, 4)))." : ""))
        var check = [["group", "observed mean", "simulated mean", "days in the 90% band"]]
        for group in o.check.groups {
            let means = group.means
            check.append([group.group, n(means.observed), n(means.simulated), n(100 * group.inBand, 0) + "%"])
        }
        out.append(TextTable.render(check))
        if !o.check.units.isEmpty {
            out.append("By unit (the totals can match while units err in opposite directions):")
            var units = [["unit", "group", "observed mean", "simulated mean", "simulated − observed"]]
            for unit in o.check.units {
                units.append([unit.unit, unit.group, n(unit.observedMean), n(unit.simulatedMean), unit.differenceText])
            }
            out.append(TextTable.render(units))
        }
        if !c.notes.isEmpty {
            out.append("")
            out.append("Not learnt, or not written:")
            out += c.notes.map { "  - " + $0 }
        }
        return out.joined(separator: "\n")
    }

    /// The bed waits' table: pathway, unit type, stays, mean clinical and waiting days, the waiting days' part for a
    /// discharge window, the clinical share, the fitted mean over the feed's patients (empty: no curve), the factor
    /// written (1: too few stays to scale).
    static func bedWaitRows(_ o: CalibrationOutcome) -> [[String]] {
        let factors = o.stayFactors
        return [["pathway", "unit type", "stays run", "clinical days", "waiting days", "of which for a window", "clinical share",
                 "fitted mean days", "factor written"]]
            + o.bedWaits.map { w in
                [w.pathway.rawValue, w.state.rawValue, String(w.stays), n(w.meanClinicalDays, 2), n(w.meanWaitingDays, 3),
                 n(w.meanWindowWaitingDays, 3), n(w.clinicalShare, 3), o.fittedMeanDays(w).map { n($0, 2) } ?? "",
                 n(factors[w.pathway]?[w.state] ?? 1, 3)]
            }
    }

    /// Every observed-against-fitted pair, one per row: `section, series, point, x, observed, fitted` — arrivals per
    /// hour of the week, each stay's Kaplan–Meier against the fit (x in days), each operated pathway's mean time in
    /// theatre and recovery (fitted = the base's times the factor written), each group's census (fitted = the
    /// simulated mean).
    public static func writeCSV(_ o: CalibrationOutcome, to writer: CSVWriter) {
        let c = o.calibration
        writer.write(["section", "series", "point", "x", "observed", "fitted"])
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "" } ?? "" }
        for h in 0..<168 {
            writer.write(["arrivals", "per_hour", String(h + 1), "\(weekdays[h / 24]) \(String(format: "%02d:00", h % 24))",
                          number(c.arrivals.observedHourOfWeek[h]), number(c.arrivals.fittedHourOfWeek[h])])
        }
        for curve in c.stays {
            for (i, point) in curve.points.enumerated() {
                writer.write(["stay", "\(curve.pathway.rawValue)/\(curve.state.rawValue)", String(i + 1), number(point.days),
                              number(point.observed), number(point.fitted)])
            }
        }
        for t in c.theatreTimes {
            writer.write(["theatre_time", t.pathway.rawValue, "1", "median minutes", number(t.observedMedianMinutes),
                          number(t.baseMedianMinutes * t.factor)])
        }
        for group in o.check.groups {
            for (i, day) in group.days.enumerated() {
                writer.write(["census", group.group, String(i + 1), day.date, number(day.observed), number(day.mean)])
            }
        }
        for unit in o.check.units {
            writer.write(["census_unit", unit.unit, "1", "mean patients", number(unit.observedMean), number(unit.simulatedMean)])
        }
        writer.flush()
    }

    struct Document: Encodable {
        struct Test: Encodable { let statistic: Double, degreesOfFreedom: Int, pValue: Double, chosen: Bool }
        struct Arrivals: Encodable {
            let total: Int, perDay: Double, dispersion: Double, edFullHours: Double
            let observedHourOfWeek: [Double], fittedHourOfWeek: [Double], hourOfWeekChosen: Bool, hourOfWeekTest: Test
            let monthly: [Double], fittedMonthly: [Double]?, monthlyTest: Test?
            let trendPerYear: [Double]?, trendTest: Test?
        }
        struct Admissions: Encodable {
            let attendances: Int, admittedFromED: Int, direct: Int, triageScale: Double
            let baseAdmittedShare: Double, observedAdmittedShare: Double
            let emergencyPathways: [String: Int], electivePerWeek: [String: Double], baseReferralsPerWeek: [String: Double]
        }
        struct Stay: Encodable {
            let pathway: String, state: String, stays: Int, censored: Int, family: String, medianDays: Double, meanDays: Double
            let days: [Double], kaplanMeier: [Double], fitted: [Double]
        }
        struct TheatreTime: Encodable {
            let pathway: String, operations: Int, observedMedianMinutes: Double, medianInterval: [Double]
            let observedMeanMinutes: Double, standardErrorMinutes: Double, baseMedianMinutes: Double, baseMeanMinutes: Double
            let factor: Double
        }
        struct Window: Encodable { let days: String, from: Int, to: Int, share: Double }
        struct Group: Encodable { let group: String, observedMean: Double?, simulatedMean: Double, inBand: Double? }
        struct Unit: Encodable { let unit: String, group: String, observedMean: Double, simulatedMean: Double }
        struct BedWait: Encodable {
            let pathway: String, state: String, stays: Int, meanClinicalDays: Double, meanWaitingDays: Double
            let meanWindowWaitingDays: Double, clinicalShare: Double, fittedMeanDays: Double?, factor: Double
        }
        let schemaVersion = 1
        let base: String, baseFile: String, scenarioFile: String, modelFile: String
        let from: String, to: String, days: Int, events: Int, spells: Int
        let arrivals: Arrivals, admissions: Admissions, stays: [Stay], theatreTimes: [TheatreTime]
        let dischargesByHourOfWeek: [Int], windows: [Window]
        let readmissionDischarges: Int, readmissions: Int
        let bedWaits: [BedWait]
        let stayScale: Double, stayScaleSpread: Double, censusRatios: [Double], criticalCareScale: Double, criticalCareRatios: [Double], census: [Group], censusUnits: [Unit], notes: [String]
    }

    /// The documented JSON (Docs/CALIBRATION.md).
    public static func json(_ o: CalibrationOutcome) throws -> Data {
        let c = o.calibration, a = c.arrivals, m = c.admissions
        let factors = o.stayFactors
        func test(_ t: Calibration.Test?) -> Document.Test? {
            t.map { Document.Test(statistic: $0.statistic, degreesOfFreedom: $0.degreesOfFreedom, pValue: $0.pValue, chosen: $0.chosen) }
        }
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let document = Document(
            base: o.baseName, baseFile: o.baseFile, scenarioFile: o.scenarioFile, modelFile: o.modelFile, from: c.from, to: c.to,
            days: c.days, events: c.events, spells: c.spells,
            arrivals: .init(total: a.total, perDay: a.perDay, dispersion: a.dispersion, edFullHours: a.fullHours, observedHourOfWeek: a.observedHourOfWeek,
                            fittedHourOfWeek: a.fittedHourOfWeek, hourOfWeekChosen: a.hourOfWeekChosen,
                            hourOfWeekTest: test(a.hourOfWeekTest)!, monthly: a.monthly, fittedMonthly: a.fittedMonthly,
                            monthlyTest: test(a.monthlyTest), trendPerYear: a.trendPerYear.map { [$0.ratio, $0.low, $0.high] },
                            trendTest: test(a.trendTest)),
            admissions: .init(attendances: m.attendances, admittedFromED: m.admittedFromED, direct: m.direct, triageScale: m.triageScale,
                              baseAdmittedShare: m.baseAdmittedShare, observedAdmittedShare: m.observedAdmittedShare,
                              emergencyPathways: Dictionary(uniqueKeysWithValues: m.emergencyPathways.map { ($0.key.rawValue, $0.value) }),
                              electivePerWeek: Dictionary(uniqueKeysWithValues: m.electivePerWeek.map { ($0.key.rawValue, $0.value) }),
                              baseReferralsPerWeek: Dictionary(uniqueKeysWithValues: m.baseReferralsPerWeek.map { ($0.key.rawValue, $0.value) })),
            stays: c.stays.map { .init(pathway: $0.pathway.rawValue, state: $0.state.rawValue, stays: $0.stays, censored: $0.censored,
                                       family: $0.family, medianDays: $0.medianDays, meanDays: $0.meanDays, days: $0.points.map(\.days),
                                       kaplanMeier: $0.points.map(\.observed), fitted: $0.points.map(\.fitted)) },
            theatreTimes: c.theatreTimes.map { .init(pathway: $0.pathway.rawValue, operations: $0.operations,
                                                     observedMedianMinutes: $0.observedMedianMinutes,
                                                     medianInterval: [$0.medianInterval.lowerBound, $0.medianInterval.upperBound],
                                                     observedMeanMinutes: $0.observedMeanMinutes,
                                                     standardErrorMinutes: $0.standardErrorMinutes, baseMedianMinutes: $0.baseMedianMinutes,
                                                     baseMeanMinutes: $0.baseMeanMinutes, factor: $0.factor) },
            dischargesByHourOfWeek: c.discharges.hourOfWeek,
            windows: c.discharges.windows.map { .init(days: $0.days, from: $0.from, to: $0.to, share: $0.share) },
            readmissionDischarges: c.fit.report.readmissionDischarges, readmissions: c.fit.report.readmissions,
            bedWaits: o.bedWaits.map { w in
                .init(pathway: w.pathway.rawValue, state: w.state.rawValue, stays: w.stays, meanClinicalDays: w.meanClinicalDays,
                      meanWaitingDays: w.meanWaitingDays, meanWindowWaitingDays: w.meanWindowWaitingDays,
                      clinicalShare: w.clinicalShare, fittedMeanDays: o.fittedMeanDays(w), factor: factors[w.pathway]?[w.state] ?? 1)
            },
            stayScale: o.stayScale, stayScaleSpread: o.stayScaleSpread, censusRatios: o.ratios, criticalCareScale: o.criticalCare, criticalCareRatios: o.criticalCareRatios,
            census: o.check.groups.map { .init(group: $0.group, observedMean: finite($0.means.observed), simulatedMean: $0.means.simulated,
                                               inBand: finite($0.inBand)) },
            censusUnits: o.check.units.map { .init(unit: $0.unit, group: $0.group, observedMean: $0.observedMean,
                                                   simulatedMean: $0.simulatedMean) },
            notes: c.notes)
        return try ResultJSON.encoder().encode(document)
    }
}

extension HTMLReports {
    /// The calibration page: observed against fitted arrivals by hour of the week, the month factors, Kaplan–Meier
    /// against each fitted stay, discharges by hour, and the census check; every chart with its table.
    public static func calibration(_ o: CalibrationOutcome) -> HTMLDocument {
        let c = o.calibration, a = c.arrivals
        var sections: [String] = []
        let hourLabels = (0..<168).map { "\(CalibrationReports.weekdays[$0 / 24]) \(String(format: "%02d", $0 % 24))" }
        let arrivalSeries: [(name: String, values: [Double?], key: (Int) -> String)] = [
            ("observed per hour", a.observedHourOfWeek.map { $0 }, { "arrivals|observed|\($0)" }),
            ("fitted per hour (" + (a.hourOfWeekChosen ? "168 hours" : "hour × weekday") + ")", a.fittedHourOfWeek.map { $0 }, { "arrivals|fitted|\($0)" }),
        ]
        var arrivalRows: [[HTML.Cell]] = []
        for h in 0..<168 {
            arrivalRows.append([.text(hourLabels[h]),
                                .number(HTML.format(a.observedHourOfWeek[h]), key: "arrivals|observed|\(h + 1)", value: a.observedHourOfWeek[h]),
                                .number(HTML.format(a.fittedHourOfWeek[h]), key: "arrivals|fitted|\(h + 1)", value: a.fittedHourOfWeek[h])])
        }
        var tests: [[HTML.Cell]] = []
        for (name, test) in [("168 hours over hour × weekday", a.hourOfWeekTest as Calibration.Test?), ("yearly term", a.monthlyTest),
                             ("trend", a.trendTest)] {
            tests.append([.text(name), .number(test.map { CalibrationReports.n($0.statistic) } ?? "–"),
                          .number(test.map { String($0.degreesOfFreedom) } ?? "–"), .number(test.map { CalibrationReports.p($0.pValue) } ?? "–"),
                          .text(test.map { $0.chosen ? "written" : "not written" } ?? "not fitted")])
        }
        sections.append("<section><h2>Arrivals by hour of the week</h2><p>\(a.total) attendances; \(HTML.escape(CalibrationReports.n(a.perDay))) "
            + "a day written. Mean arrivals per hour in each hour of the week, observed and fitted (an average month at the window's end).</p>"
            + horizonChart(id: "arrivals", label: "arrivals by hour of the week", horizons: 168, series: arrivalSeries, references: [],
                           labels: hourLabels)
            + HTML.table(["term", "statistic", "df", "p", ""], tests, caption: "Quasi-Poisson tests (dispersion \(CalibrationReports.n(a.dispersion, 2)))")
            + (a.fittedMonthly.map { months in
                HTML.table(["month"] + ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
                           [[.text("fitted factor")] + months.map { .number(CalibrationReports.n($0, 3)) },
                            [.text("written")] + a.monthly.map { .number(CalibrationReports.n($0, 3)) }])
            } ?? "")
            + HTML.table(["hour", "observed", "fitted"], arrivalRows, caption: "Arrivals per hour") + "</section>")

        var stayParts = "<section><h2>Stays: Kaplan–Meier against the fit</h2><p>Survival (share still in the unit) against days, "
            + "observed with stays open at the window's end censored, and the fitted model's survival averaged over the same patients.</p>"
        for (index, curve) in c.stays.enumerated() {
            let id = "\(curve.pathway.rawValue)|\(curve.state.rawValue)"
            let labels = curve.points.map { CalibrationReports.n($0.days, 2) }
            stayParts += "<h3>\(HTML.escape("\(curve.pathway.rawValue), \(curve.state.rawValue): \(curve.stays) stays, \(curve.censored) censored, \(curve.family), median \(CalibrationReports.n(curve.medianDays, 2)) days"))</h3>"
            stayParts += horizonChart(id: "stay-\(index)", label: id, horizons: curve.points.count,
                                      series: [("Kaplan–Meier", curve.points.map { $0.observed }, { "stay|\(id)|km|\($0)" }),
                                               ("fitted", curve.points.map { $0.fitted }, { "stay|\(id)|fit|\($0)" })],
                                      references: [], range: (0, 1), labels: labels)
            stayParts += HTML.table(["days", "Kaplan–Meier", "fitted"], curve.points.enumerated().map { i, point in
                [.text(labels[i]), .number(CalibrationReports.n(point.observed, 3), key: "stay|\(id)|km|\(i + 1)", value: point.observed),
                 .number(CalibrationReports.n(point.fitted, 3), key: "stay|\(id)|fit|\(i + 1)", value: point.fitted)]
            })
        }
        sections.append(stayParts + "</section>")
        if !c.theatreTimes.isEmpty {
            sections.append("<section><h2>Theatre and recovery</h2><p>The feed has one code for both, so their sum is "
                + "observed: the base model's theatre and recovery times are scaled by one factor per pathway to its median "
                + "(a wait in recovery for a ward bed lengthens some stays by hours, which moves the mean far more).</p>"
                + HTML.table(["pathway", "operations", "observed median minutes", "base median minutes", "factor written",
                              "observed mean minutes", "base mean minutes"],
                             c.theatreTimes.map { t in
                                 [.text(t.pathway.rawValue), .number(String(t.operations)), .number(CalibrationReports.n(t.observedMedianMinutes)),
                                  .number(CalibrationReports.n(t.baseMedianMinutes)), .number(CalibrationReports.n(t.factor, 3)),
                                  .number(CalibrationReports.n(t.observedMeanMinutes)), .number(CalibrationReports.n(t.baseMeanMinutes))]
                             }) + "</section>")
        }

        if !o.bedWaits.isEmpty {
            let rows = CalibrationReports.bedWaitRows(o)
            sections.append("<section><h2>Waits the model adds in a bed</h2><p>The feed's time in a bed holds the hospital's "
                + "waits (for a discharge window, a care-home place, a bed in the next unit); a run of the fitted model adds its "
                + "own on top. A discharge at the minute a window opened was read as ready some time before (interval-censored), "
                + "so the fit holds no wait for a window; each fitted bed stay is multiplied by the clinical share of the rest of "
                + "the run's time in the bed, and by the fitted mean over the feed's patients over the run's mean clinical stay "
                + "(the model's patients vary in covariates the feed does not carry, which the fit held at their means), where "
                + "\(BedStayKPIs.minimumStaysForCorrection) stays or more were run.</p>"
                + HTML.table(rows[0], rows.dropFirst().map { row in [.text(row[0]), .text(row[1])] + row.dropFirst(2).map { .number($0) } })
                + "</section>")
        }

        let d = c.discharges
        let byHour = (0..<24).map { h in Double((0..<7).reduce(0) { $0 + d.hourOfWeek[$1 * 24 + h] }) }
        sections.append("<section><h2>Discharges by hour</h2><p>Discharges alive by local hour; windows written: "
            + HTML.escape(d.windows.map { "\($0.days) \($0.from):00–\($0.to >= 24 ? "23:59" : "\($0.to):00")" + ($0.share < 1 ? ", share \(CalibrationReports.n($0.share, 2))" : "") }
                .joined(separator: "; ")) + ".</p>"
            + histogram(id: "discharges", label: "discharges by hour", values: byHour, key: { "discharges|\($0)" })
            + HTML.table(["hour", "discharges"], byHour.enumerated().map { h, v in
                [.text(String(format: "%02d:00", h)), .number(String(Int(v)), key: "discharges|\(h)", value: v)]
            }) + "</section>")

        var census = "<section><h2>Census check</h2><p>The written scenario over the window (\(o.check.replications) replications "
            + "after \(o.check.warmUpDays) days of warm-up): simulated mean and 90% band against the observed midnight census. "
            + "Stay scale \(CalibrationReports.n(o.stayScale, 3))"
            + (o.stayScaleSpread > 0 ? ", drawn per replication with spread \(CalibrationReports.n(o.stayScaleSpread, 4)) (the "
                + "replications' spread of the window's mean census)" : "")
            + (o.criticalCareRatios.isEmpty ? "" : "; critical care's stays × \(CalibrationReports.n(o.criticalCare, 3)) (its observed "
                + "over simulated mean: " + o.criticalCareRatios.map { CalibrationReports.n($0, 3) }.joined(separator: " then ") + ")")
            + ".</p>"
        for (g, group) in o.check.groups.enumerated() {
            let labels = group.days.map { String($0.date.dropFirst(5)) }
            census += "<h3>\(HTML.escape(group.group))</h3>"
            census += horizonChart(id: "census-\(g)", label: group.group, horizons: group.days.count,
                                   series: [("simulated mean", group.days.map { $0.mean }, { "census|\(group.group)|mean|\($0)" }),
                                            ("observed", group.days.map { $0.observed }, { "census|\(group.group)|observed|\($0)" }),
                                            ("simulated P5", group.days.map { $0.p05 }, { "census|\(group.group)|p05|\($0)" }),
                                            ("simulated P95", group.days.map { $0.p95 }, { "census|\(group.group)|p95|\($0)" })],
                                   references: [], labels: labels)
            census += HTML.table(["date", "observed", "simulated mean", "P5", "P95"], group.days.enumerated().map { i, day in
                [.text(day.date),
                 day.observed.map { .number(CalibrationReports.n($0, 0), key: "census|\(group.group)|observed|\(i + 1)", value: $0) } ?? .number("–"),
                 .number(CalibrationReports.n(day.mean), key: "census|\(group.group)|mean|\(i + 1)", value: day.mean),
                 .number(CalibrationReports.n(day.p05), key: "census|\(group.group)|p05|\(i + 1)", value: day.p05),
                 .number(CalibrationReports.n(day.p95), key: "census|\(group.group)|p95|\(i + 1)", value: day.p95)]
            })
        }
        if !o.check.units.isEmpty {
            census += "<h3>By unit</h3><p>Mean midnight census over the observed days: the totals can match while units err "
                + "in opposite directions, and a forecast from the real census then drifts as each unit moves to the model's level.</p>"
                + HTML.table(["unit", "group", "observed mean", "simulated mean", "simulated − observed"], o.check.units.map { unit in
                    [.text(unit.unit), .text(unit.group), .number(CalibrationReports.n(unit.observedMean)),
                     .number(CalibrationReports.n(unit.simulatedMean)),
                     .number(unit.differenceText)]
                })
        }
        sections.append(census + "</section>")
        if !c.notes.isEmpty {
            sections.append("<section><h2>Not learnt, or not written</h2><ul>" + c.notes.map { "<li>\(HTML.escape($0))</li>" }.joined()
                + "</ul></section>")
        }
        return HTML.page(title: "Calibration of \(o.baseName)", subtitle: [CalibrationReports.heading(o)], sections: sections)
    }
}

extension ReportDocument {
    /// A calibration; its CSV is every observed-against-fitted pair, long.
    public static func calibration(_ outcome: CalibrationOutcome) -> ReportDocument {
        ReportDocument(table: { CalibrationReports.table(outcome) }, json: { try CalibrationReports.json(outcome) },
                       csv: { CalibrationReports.writeCSV(outcome, to: $0) }, html: { HTMLReports.calibration(outcome) })
    }
}

extension CensusCheck.Unit {
    /// Simulated less observed mean, signed, as the table and the page show it.
    var differenceText: String {
        (simulatedMean >= observedMean ? "+" : "") + CalibrationReports.n(simulatedMean - observedMean)
    }
}
