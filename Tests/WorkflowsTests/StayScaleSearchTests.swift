import Foundation
import HospitalModel
import Testing
import Workflows

/// The stay-scale search of `calibrate` and `backtest --recalibrate`, apart from the simulation: where it stops.
@Suite("the stay-scale search")
struct StayScaleSearchTests {
    static func group(_ means: [Double]) -> CensusCheck.Group {
        CensusCheck.Group(group: "general_and_acute", days: [("2026-01-01", 400, means.reduce(0, +) / Double(means.count), 390, 410)],
                          replicationMeans: means)
    }

    @Test("the search stops within the check's standard error of its mean, kept within 0.1–1%")
    func tolerance() {
        // Means 400, 404, 396, 400: sample standard deviation √(32/3) = 3.266, over the mean 0.8165%, over √4 0.408%.
        let four = Calibrating.scaleTolerance(Self.group([400, 404, 396, 400]))
        #expect(abs(four - (32.0 / 3).squareRoot() / 400 / 2) < 1e-12)
        #expect(abs(four - 0.004082) < 1e-6)
        // The same four means four times over: standard deviation √(128/15) = 2.921, the error over √16.
        let sixteen = Calibrating.scaleTolerance(Self.group(Array(repeating: [400, 404, 396, 400], count: 4).flatMap { $0 }))
        #expect(abs(sixteen - (128.0 / 15).squareRoot() / 400 / 4) < 1e-12)
        // Bounds: identical replications (a deterministic model) stop at 0.1%; a wide spread or a single replication,
        // which has no spread to tell, at 1%.
        #expect(Calibrating.scaleTolerance(Self.group([400, 400, 400])) == 0.001)
        #expect(Calibrating.scaleTolerance(Self.group([300, 500])) == 0.01)
        #expect(Calibrating.scaleTolerance(Self.group([400])) == 0.01)
    }

    @Test("a smaller tolerance moves a scale the larger one leaves, and the search ends within it")
    func stopsWithinTolerance() throws {
        // A hospital whose simulated mean census answers the stay scale s as 420·s^0.6 (a full hospital answers a
        // shorter stay with less than proportionally fewer patients), against 400 observed: the root is
        // (400/420)^(1/0.6) = 0.92190.
        let root = pow(400.0 / 420, 1 / 0.6)
        #expect(abs(root - 0.92190) < 1e-5)
        // Start where the ratio is 0.995: within 1% it is kept after one check.
        let start = root * pow(1 / 0.995, 1 / 0.6)
        func ratio(_ s: Double) -> Double { 400 / (420 * pow(s, 0.6)) }
        #expect(abs(ratio(start) - 0.995) < 1e-12)
        let coarse = try Calibrating.searchScale(start: start) { (s: Double) throws(WorkflowError) in
            Calibrating.ScaleTrial(check: s, ratio: ratio(s), tolerance: 0.01)
        }
        #expect(coarse.scale == start && coarse.ratios.count == 1)
        // Within 0.2% it moves on, and ends within it in a few checks (the secant's first step is proportional,
        // then bracketed regula falsi).
        let fine = try Calibrating.searchScale(start: start) { (s: Double) throws(WorkflowError) in
            Calibrating.ScaleTrial(check: s, ratio: ratio(s), tolerance: 0.002)
        }
        #expect(fine.ratios.count > 1 && fine.ratios.count <= Calibrating.scaleRounds, "\(fine.ratios)")
        #expect(abs(ratio(fine.scale) - 1) <= 0.002 && abs(fine.ratios.last! - 1) <= 0.002, "\(fine.ratios)")
        #expect(fine.check == fine.scale)
        #expect(abs(fine.scale / root - 1) < 0.002 / 0.6 + 1e-12)
        // From far off (twice the root) too, within the rounds.
        let far = try Calibrating.searchScale(start: 2 * root) { (s: Double) throws(WorkflowError) in
            Calibrating.ScaleTrial(check: s, ratio: ratio(s), tolerance: 0.002)
        }
        #expect(abs(ratio(far.scale) - 1) <= 0.002, "\(far.ratios)")
    }

    @Test("a check with nothing to compare ends the search at the scale it checked")
    func nothingToCompare() throws {
        var checked: [Double] = []
        let found = try Calibrating.searchScale(start: 1.1) { (s: Double) throws(WorkflowError) in
            checked.append(s)
            return Calibrating.ScaleTrial(check: s, ratio: nil, tolerance: 0.01)
        }
        #expect(found.scale == 1.1 && found.ratios.isEmpty && checked == [1.1])
    }

    @Test("the best check is returned when no check comes within the tolerance")
    func bestOfRounds() throws {
        // A census that does not answer the scale at all: every check is 2% off; the start is kept, after every round.
        var checked = 0
        let found = try Calibrating.searchScale(start: 1) { (s: Double) throws(WorkflowError) in
            checked += 1
            return Calibrating.ScaleTrial(check: s, ratio: s == 1 ? 0.98 : 0.97, tolerance: 0.001)
        }
        #expect(checked == Calibrating.scaleRounds && found.scale == 1 && found.check == 1)
    }
}
