import Finance
import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Testing

/// A price list with round numbers, so every expected amount below is worked out by hand.
let prices = CostModel(
    currency: "GBP",
    staff: [.registeredNurse: StaffRate(hourly: 30, unsocialEnhancement: 0.3, sundayEnhancement: 0.6),
            .healthcareAssistant: StaffRate(hourly: 20, unsocialEnhancement: 0.37, sundayEnhancement: 0.73),
            .doctor: StaffRate(hourly: 50, unsocialEnhancement: 0.37, sundayEnhancement: 0.37),
            .theatreTeam: StaffRate(hourly: 300, unsocialEnhancement: 0.3, sundayEnhancement: 0.6)],
    bankPremium: 0.1, agencyPremium: 0.5,
    bedDay: [.ward: 100, .icu: 500], theatreMinute: 10, bedMonth: [.ward: 1_200, .icu: 3_000], overheadMonth: 60_000,
    spellIncome: [.emergencyMedical: 2_000, .electiveSurgical: 4_000], edAttendanceIncome: 200,
    criticalCareBedDayIncome: [.icu: 1_500], cancelledOperationIncome: 5_000, readmissionPenalty: 2_500)

/// Three measured days across a month's end: 29 and 30 April, 1 May 2026 (the window ends at midnight on 2 May,
/// whose census counts for no day); a ward of 20 beds and an ICU of 4.
func kpis(scale: Double = 1) -> HospitalKPIs {
    var k = HospitalKPIs()
    k.flows = DailyFlowTable(["2026-04-29", "2026-04-30", "2026-05-01", "2026-05-02"].map { var f = DailyFlow(); f.date = $0; return f })
    var ward = UnitKPIs()
    ward.name = "Ward A"
    ward.kind = .ward
    ward.beds = 20
    ward.midnightCensus = [10, 12, Int(14 * scale), 99]
    var icu = UnitKPIs()
    icu.name = "ICU"
    icu.kind = .icu
    icu.beds = 4
    icu.midnightCensus = [2, 3, 4, 99]
    k.units = [ward, icu]
    var april = MonthKPIs(month: "2026-04")
    april.days = 2
    april.operatingMinutes = 100
    april.cancellations = 1
    april.readmissions = 2
    april.edAttendances = Int(30 * scale)
    april.spells = [PathwayCount(pathway: .emergencyMedical, count: 3), PathwayCount(pathway: .electiveSurgical, count: 1)]
    var may = MonthKPIs(month: "2026-05")
    may.days = 1
    may.spells = [PathwayCount(pathway: .emergencyMedical, count: 1)]
    k.months = [april, may]
    func staff(_ month: String, _ place: StaffPlaceName, _ group: StaffGroup, _ period: PayPeriod, rostered: Double,
               bank: Double = 0, agency: Double = 0) -> StaffMonthKPIs
    {
        var row = StaffMonthKPIs(month: month, place: place, group: group, period: period)
        (row.rosteredHours, row.bankHours, row.agencyHours) = (rostered, bank, agency)
        return row
    }
    k.staffMonths = [staff("2026-04", .unit("Ward A"), .registeredNurse, .standard, rostered: 10, bank: 1, agency: 2 * scale),
                     staff("2026-05", .unit("Ward A"), .registeredNurse, .sunday, rostered: 5),
                     staff("2026-04", .theatres, .theatreTeam, .unsocial, rostered: 4),
                     staff("2026-04", .emergencyDepartment, .doctor, .unsocial, rostered: 12, agency: 1)]
    return k
}

func amount(_ lines: [CostLine], _ centre: String, _ category: CostCategory, _ month: String) -> Double? {
    lines.first { $0.centre.name == centre && $0.category == category && $0.month == month }?.amount
}

@Suite("costs: pricing a replication")
struct CostLedgerTests {
    @Test("every line is its activity times its price, worked out by hand")
    func handWorked() throws {
        let lines = CostLedger.lines(of: kpis(), priced: prices)
        func check(_ centre: String, _ category: CostCategory, _ month: String, _ expected: Double) {
            let value = amount(lines, centre, category, month)
            #expect(value.map { abs($0 - expected) < 1e-9 } == true, "\(centre) \(category) \(month): \(String(describing: value)) ≠ \(expected)")
        }
        check("Ward A", .substantiveStaff, "2026-04", 10 * 30)
        check("Ward A", .bankStaff, "2026-04", 1 * 30 * 1.1)
        check("Ward A", .agencyStaff, "2026-04", 2 * 30 * 1.5)
        check("Ward A", .substantiveStaff, "2026-05", 5 * 30 * 1.6)  // Sunday: time plus 60%
        check("Theatres", .substantiveStaff, "2026-04", 4 * 300 * 1.3)
        check("Emergency department", .substantiveStaff, "2026-04", 12 * 50 * 1.37)
        check("Emergency department", .agencyStaff, "2026-04", 1 * 50 * 1.37 * 1.5)
        check("Ward A", .bedDays, "2026-04", (10 + 12) * 100)  // the midnights of 29 and 30 April
        check("Ward A", .bedDays, "2026-05", 14 * 100)
        check("ICU", .bedDays, "2026-04", 5 * 500)
        check("ICU", .criticalCareIncome, "2026-04", 5 * 1_500)
        check("Ward A", .fixed, "2026-04", 20 * 1_200 * 2 / 30)  // two of April's 30 days
        check("Ward A", .fixed, "2026-05", 20 * 1_200 * 1 / 31)
        check("Hospital", .fixed, "2026-04", 60_000 * 2 / 30)
        check("Theatres", .theatreNonStaff, "2026-04", 100 * 10)
        check("Theatres", .cancellationsLostIncome, "2026-04", 5_000)
        check("Emergency department", .edIncome, "2026-04", 30 * 200)
        check("Hospital", .readmissionPenalties, "2026-04", 2 * 2_500)
        check("Spells: emergency medical", .spellIncome, "2026-04", 3 * 2_000)
        check("Spells: elective surgical", .spellIncome, "2026-04", 4_000)
        check("Spells: emergency medical", .spellIncome, "2026-05", 2_000)
        #expect(amount(lines, "Ward A", .criticalCareIncome, "2026-04") == nil, "a ward earns no critical-care bed-days")
        #expect(Set(lines.map { "\($0.centre)|\($0.category)|\($0.month)" }).count == lines.count, "one line per key")
    }

    @Test("every replication has the same lines, in the same order, even where its activity is 0")
    func sameLines() {
        var quiet = kpis()
        quiet.staffMonths = []
        quiet.months[0].cancellations = 0
        let a = CostLedger.lines(of: kpis(), priced: prices), b = CostLedger.lines(of: quiet, priced: prices)
        #expect(a.map { "\($0.centre)|\($0.category)|\($0.month)" } == b.map { "\($0.centre)|\($0.category)|\($0.month)" })
    }

    @Test("days in a month follow the Gregorian calendar", arguments: [("2026-02", 28), ("2028-02", 29), ("2100-02", 28),
                                                                      ("2000-02", 29), ("2026-04", 30), ("2026-12", 31)])
    func daysInMonth(month: String, days: Int) {
        #expect(CostLedger.daysInMonth(month) == days)
    }

    @Test("the reference prices are complete and sound")
    func reference() {
        #expect(CostModel.reference.problems.isEmpty)
        var broken = CostModel.reference
        broken.staff[.doctor] = nil
        broken.theatreMinute = -1
        #expect(broken.problems.count == 2)
    }
}

@Suite("costs: the report")
struct CostReportTests {
    /// Three replications that differ in agency hours, ED attendances and one census.
    let replications = [1.0, 1.5, 0.5].map { CostLedger.lines(of: kpis(scale: $0), priced: prices) }

    @Test("totals are summaries of each replication's totals: the net's interval is that of the per-replication net")
    func totals() throws {
        let report = CostReport(scenario: "s", currency: "GBP", replications: replications, baseline: nil)
        let nets = replications.map { lines in
            lines.reduce(0.0) { total, line in
                switch line.category.kind {
                case .cost, .deduction: total - line.amount
                case .income: total + line.amount
                case .memo: total
                }
            }
        }
        let expected = ReplicationSummary(nets)
        let net = try #require(report.total("net"))
        #expect(abs(net.amount.mean - expected.mean) < 1e-6)
        #expect(abs(net.amount.halfWidth - expected.confidenceInterval().halfWidth) < 1e-6)
        let memo = try #require(report.rows(.category).first { $0.category == "cancellations_lost_income" && $0.month == "total" })
        #expect(memo.amount.mean == 5_000)
        // Months add up to the window.
        for name in CostReport.totalNames {
            let window = try #require(report.total(name)).amount.mean
            let months = report.months.compactMap { report.total(name, month: $0)?.amount.mean }.reduce(0, +)
            #expect(abs(window - months) < 1e-6, "\(name)")
        }
        #expect(report.months == ["2026-04", "2026-05"])
    }

    @Test("against itself every variance is 0 and none is detectable; against another run it is the paired mean difference")
    func variance() throws {
        let same = CostReport(scenario: "s", currency: "GBP", replications: replications, baseline: ("s", replications))
        #expect(same.rows.allSatisfy { $0.amount.difference == 0 && !$0.amount.differenceIsDetectable })
        let more = [1.0, 1.5, 0.5].map { CostLedger.lines(of: kpis(scale: $0 + 0.2), priced: prices) }
        let report = CostReport(scenario: "more", currency: "GBP", replications: more, baseline: ("s", replications))
        let agency = try #require(report.rows(.category).first { $0.category == "agency_staff" && $0.month == "total" })
        // 0.4 more agency hours on Ward A in every replication, at 30 × 1.5: the same difference each time.
        #expect(abs((agency.amount.difference ?? 0) - 0.4 * 45) < 1e-9)
        #expect(agency.amount.differenceHalfWidth == 0 && agency.amount.differenceIsDetectable)
    }
}

@Suite("comparisons")
struct ComparisonTests {
    @Test("replications to detect match the paired t-test sample sizes of Cohen's tables (α = 0.05 two-sided, power 0.8)",
          arguments: [(0.2, 199), (0.5, 34), (0.8, 15), (1.0, 10)])
    func sampleSizes(effect: Double, published: Int) throws {
        let n = try #require(OutputAnalysis.replicationsToDetect(difference: effect, differenceStandardDeviation: 1))
        // The central-t approximation to the noncentral t is known to be within one replication of the exact value.
        #expect(abs(n - published) <= 1, "d = \(effect): \(n), published \(published)")
    }

    func metric(_ key: String, _ direction: MetricDirection, _ value: Double) -> Metric {
        Metric(key: MetricKey(key), label: key, unit: "count", direction: direction, value: value)
    }

    @Test("the other measures are read at a 5% false discovery rate: pure noise in 200 measures lists none, a real shift is kept")
    func falseDiscoveryRate() {
        var stream = RandomStream(seed: 31)
        var base: [[Metric]] = [], alt: [[Metric]] = []
        for _ in 0..<10 {
            var b: [Metric] = [], a: [Metric] = []
            b.append(metric("real", .lowerIsBetter, 100 + stream.nextUniform()))
            a.append(metric("real", .lowerIsBetter, b[0].value - 5 + stream.nextUniform()))
            for index in 0..<200 {
                b.append(metric("noise.\(index)", .lowerIsBetter, 10 + stream.nextUniform()))
                a.append(metric("noise.\(index)", .lowerIsBetter, 10 + stream.nextUniform()))
            }
            base.append(b)
            alt.append(a)
        }
        let comparison = ScenarioComparison(baseline: "a", alternative: "b", baselineRuns: base, alternativeRuns: alt)
        let singleTests = comparison.otherMeasures.filter { $0.verdict == .better || $0.verdict == .worse }
        // At 95% each, about 10 of 200 null measures pass alone: at least 2 (P(X ≤ 1) = 0.0005 for a Poisson
        // mean of 10, the suite's α of 0.001). Benjamini–Hochberg keeps only the real shift (any false discovery
        // under the null has probability at most 5%; this seed is fixed).
        #expect(singleTests.count >= 2)
        #expect(comparison.otherDiscoveries.map(\.key) == ["real"])
        #expect(comparison.metrics.allSatisfy { $0.qValue != nil } && comparison.otherMeasures.count == 201)
    }

    @Test("verdicts follow the direction of better, and only when the interval excludes 0")
    func verdicts() throws {
        func jitter(_ k: Int) -> Double { k % 2 == 0 ? 0.5 : -0.5 }
        var base: [[Metric]] = [], alt: [[Metric]] = []
        for k in 0..<10 {
            let x = Double(k)
            base.append([metric("waits", .lowerIsBetter, 100 + x), metric("share", .higherIsBetter, 50 + x),
                         metric("volume", .neutral, 10 + x), metric("noise", .lowerIsBetter, 5), metric("same", .neutral, x)])
            alt.append([metric("waits", .lowerIsBetter, 90 + x + jitter(k)), metric("share", .higherIsBetter, 45 + x + jitter(k)),
                        metric("volume", .neutral, 12 + x + jitter(k)), metric("noise", .lowerIsBetter, 5 + 2 * jitter(k)),
                        metric("same", .neutral, x)])
        }
        let comparison = ScenarioComparison(baseline: "a", alternative: "b", baselineRuns: base, alternativeRuns: alt)
        let verdicts: [MetricKey: ComparisonVerdict] = Dictionary(uniqueKeysWithValues: comparison.metrics.map { ($0.key, $0.verdict) })
        #expect(verdicts == ["waits": .better, "share": .worse, "volume": .changed, "noise": .noDetectableDifference,
                             "same": .identical])
        let waits = try #require(comparison.metrics.first { $0.key == "waits" })
        #expect(abs(waits.difference + 10) < 1e-9)
        #expect(waits.detectableDifference == 0.05 * 104.5)
    }
}
