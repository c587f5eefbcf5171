import Foundation
import PatientTwin
import Simulation

extension HospitalCensus {
    /// What a census that cannot say who is ready to leave (the live census: ADT carries no "no criteria to reside")
    /// implies for one patient in a bed, in the twin's own terms: the patient is in bed either because its stay in
    /// the unit has not ended, or because it ended and the patient is waiting — for a discharge window, or for a
    /// care-home place and then a window — as the scenario's discharge rules make patients wait.
    public struct Readiness: Sendable, Hashable, Codable {
        /// P(the stay has not ended | in bed now): S(e) / Z.
        public let notReady: Double
        /// The other outcomes, each a time the stay ended (epoch minutes), where the patient is waiting to go, and
        /// the cumulative probability through it (the last is 1 − `notReady`, up to rounding).
        public let ready: [Outcome]

        /// One way of being ready.
        public struct Outcome: Sendable, Hashable, Codable {
            /// When its stay ended, epoch minutes (the middle of its bin).
            public let readyAt: Double
            /// Where it is waiting to go: home or a care home.
            public let readyFor: CareState
            /// P(ready as this outcome or one before it in the list): increasing, up to 1 − `notReady`.
            public let cumulative: Double
        }

        /// The outcome of a uniform `u` in [0, 1): nil (not ready) below `notReady`, else the ready outcome whose
        /// cumulative probability first exceeds u − notReady.
        public func outcome(_ u: Double) -> (readyAt: Double, readyFor: CareState)? {
            guard u >= notReady, !ready.isEmpty else { return nil }
            let x = u - notReady
            var low = 0, high = ready.count - 1
            while low < high {
                let middle = (low + high) / 2
                if ready[middle].cumulative > x { high = middle } else { low = middle + 1 }
            }
            return (ready[low].readyAt, ready[low].readyFor)
        }
    }
}

extension PreparedHospital {
    /// Bins of the time since a stay ended, minutes: half an hour over the last three days (discharge windows are
    /// hours), six hours before (care-home placements take days).
    static let readinessStepMinutes = 30.0
    static let fineReadinessMinutes = 3 * 1440.0
    static let coarseReadinessStepMinutes = 360.0
    /// The longest a patient is taken to have been waiting, days.
    static let readinessHorizonDays = 28.0

    /// `census` with each patient in a unit's bed who is not said to be ready given its `Readiness` at `epochMinute`
    /// (the forecast's start): the posterior, under the twin model and the discharge rules, of "its stay has not
    /// ended" against "its stay ended at t and it is still waiting to go home or to a care home" for each bin of t
    /// over the last four weeks (half an hour over the last three days, six hours before). With e the time in the
    /// unit and S, f its stay's survival and density (the twin's covariates and the scenario's stay scale), p_h and
    /// p_c the chances of going home and to a care home from the unit, the weights are S(e) and
    /// f(e − v)·Δ·[p_h·W_h(v) + p_c·W_c(v)] for a stay that ended v ago, where W_h(v) is the chance that every
    /// discharge window since then declined the patient (the product of 1 − share over the windows open in the time
    /// since; 0 once a window with share 1 was open) and W_c(v) = P(placement > v) + P(placement ≤ v)·W_h(v) (the
    /// windows after a placement found in the time since counted as from the stay's end, which undercounts them a
    /// little). Deaths and moves to other units are taken not to wait.
    public func imputingReadiness(_ census: HospitalCensus, atEpochMinute now: Double) -> HospitalCensus {
        let step = Self.readinessStepMinutes
        let horizon = Self.readinessHorizonDays * 1440
        // Every window opening in the four weeks before `now`, in epoch minutes, as (open, close, log(1 − share)).
        let nowMinute = clock.minute(atEpochMinute: now)
        let weekly = HospitalEngine.weeklyOpenings(configuration.discharge.windows)
        var openings: [(open: Double, close: Double, logDecline: Double)] = []
        if !weekly.isEmpty {
            let weekStart = HospitalEngine.weekStart(ofLocalMinute: clock.localMinutesSinceEpoch(atMinute: nowMinute))
            for week in -5...0 {
                for opening in weekly {
                    let open = clock.epochMinute(atMinute: clock.minute(atLocalMinutesSinceEpoch: weekStart + Double(week) * 10_080 + opening.open))
                    let close = clock.epochMinute(atMinute: clock.minute(atLocalMinutesSinceEpoch: weekStart + Double(week) * 10_080 + opening.close))
                    guard open < now, close > now - horizon - step else { continue }
                    openings.append((open, min(close, now), opening.share >= 1 ? -.infinity : log(1 - opening.share)))
                }
            }
        }
        // W_h for a stay that ended at `readyAt`: the windows open (for some time) between it and now.
        func homeWait(_ readyAt: Double) -> Double {
            guard !weekly.isEmpty else { return 0 }  // no windows: everyone leaves when ready
            var logWait = 0.0
            for opening in openings where max(opening.open, readyAt) < opening.close {
                logWait += opening.logDecline
                if logWait == -.infinity { return 0 }
            }
            return exp(logWait)
        }
        let placement = configuration.discharge.careHomePlacementDays
        let inpatients = census.inpatients.map { inpatient -> HospitalCensus.Inpatient in
            guard case .unit = inpatient.location, inpatient.readyAt == nil, !inpatient.undecided else { return inpatient }
            let twin = inpatient.twin
            let x = twin.covariates
            let destinations = predictor.transitionProbabilities(pathway: twin.pathway, state: twin.state, covariates: x)
            let home = destinations.first { $0.0 == .dischargedHome }?.1 ?? 0
            let careHome = destinations.first { $0.0 == .dischargedCareHome }?.1 ?? 0
            guard home + careHome > 0 else { return inpatient }
            let elapsed = max(0, now - twin.stateSince)
            func survival(_ minutes: Double) -> Double {
                minutes <= 0 ? 1 : predictor.sojournSurvival(pathway: twin.pathway, state: twin.state, covariates: x, minutes: minutes)
            }
            let notEnded = survival(elapsed)
            var ready: [HospitalCensus.Readiness.Outcome] = []
            var total = notEnded
            var v = 0.0  // the time since the stay ended at the bin's later edge
            var upper = notEnded  // S at the bin's later edge
            var declinedBefore = true  // false once a window took everyone: every earlier end was taken too
            while v < min(elapsed, horizon) {
                let width = v < Self.fineReadinessMinutes ? step : Self.coarseReadinessStepMinutes
                let lower = survival(elapsed - v - width)
                let mass = max(0, lower - upper)
                upper = lower
                let readyAt = now - v - width / 2
                v += width
                let waitHome = declinedBefore ? homeWait(readyAt) : 0
                declinedBefore = waitHome > 0
                if !declinedBefore && (careHome == 0 || placement == nil) { break }
                let waitCare = placement.map { let s = $0.survival((now - readyAt) / 1440); return s + (1 - s) * waitHome } ?? waitHome
                if home > 0, mass * home * waitHome > 0 {
                    total += mass * home * waitHome
                    ready.append(.init(readyAt: readyAt, readyFor: .dischargedHome, cumulative: total - notEnded))
                }
                if careHome > 0, mass * careHome * waitCare > 0 {
                    total += mass * careHome * waitCare
                    ready.append(.init(readyAt: readyAt, readyFor: .dischargedCareHome, cumulative: total - notEnded))
                }
            }
            guard total > 0, !ready.isEmpty else { return inpatient }
            var imputed = inpatient
            imputed.readiness = HospitalCensus.Readiness(notReady: notEnded / total,
                                                         ready: ready.map { .init(readyAt: $0.readyAt, readyFor: $0.readyFor, cumulative: $0.cumulative / total) })
            return imputed
        }
        return HospitalCensus(inpatients: inpatients, recentDischarges: census.recentDischarges)
    }
}
