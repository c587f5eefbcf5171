import Foundation
import PatientTwin
import Simulation

/// The bed board: every inpatient unit's beds and nurses now, the patients waiting for a bed, the candidate units
/// of each kind of patient, and each unit's occupancy monitor. It answers where a patient fits (`hasRoom`,
/// `nextWaiting`, `staffedBeds`) and keeps a unit's escalation beds opening and closing; moving patients is the
/// engine's (`HospitalEngine+Beds`). Docs/HOSPITAL-MODEL.md, "Beds".
struct BedBoard {
    /// By unit index.
    var units: [UnitState]
    /// Each unit's configuration, by unit index.
    let configurations: [UnitConfiguration]
    /// Each unit's occupancy over time, by unit index.
    var monitors: [OccupancyMonitor]
    /// Home and outlying units for each (elective, state, specialty) (`candidateKey`).
    var candidateTable: [(home: [Int], outlying: [Int])] = []
    /// Patients waiting for a bed anywhere, in the order they began to wait (scanned by priority when a bed frees).
    var waiting: [WaitingPatient] = []
    /// Patients holding a claim on a due discharge, in the order they claimed.
    var claimants: [Int32] = []
    /// Scratch for `claimBed`: discharges due on each unit.
    var dischargesDue: [Int]
    /// Patients per nurse by level of care.
    let ratios: NurseRatios
    /// Whether ward patients may outlie on wards that are not their specialty's.
    let outlyingAllowed: Bool
    /// By unit, then candidate key: whether the unit is a home of such patients, may host them as outliers (when
    /// outlying is allowed), or neither — `candidateTable` read once at the start instead of at every scan.
    var unitEligibility: [[Eligibility]] = []
    /// When the full-capacity protocol was declared, while it is in force.
    var fullCapacitySince: Double?
    /// Minutes it was in force in the measured window, as far as stood down.
    var fullCapacityMinutes = 0.0
    /// The places each general ward opens under it.
    var extraPlaces = 0

    /// What a unit is to a kind of patient.
    enum Eligibility: UInt8 {
        case none, home, outlying
    }

    init(configuration: HospitalConfiguration) {
        let defaultRatio = configuration.staffing.ratios.defaultLevel0
        units = configuration.units.map { UnitState($0, level0Ratio: defaultRatio) }
        configurations = configuration.units
        monitors = configuration.units.map { _ in OccupancyMonitor() }
        dischargesDue = [Int](repeating: 0, count: configuration.units.count)
        ratios = configuration.staffing.ratios
        outlyingAllowed = configuration.outlying.allowed
        for line in configuration.staffing.roster where line.group == .registeredNurse {
            if case .unit(let unit) = line.place { units[unit].nurses = 0 }
        }
        candidateTable = makeCandidateTable()
        unitEligibility = configuration.units.indices.map { unit in
            candidateTable.map { candidates in
                candidates.home.contains(unit) ? .home
                    : outlyingAllowed && candidates.outlying.contains(unit) ? .outlying : .none
            }
        }
    }

    /// The index in `candidateTable` of the candidate units of a patient in `state` of `specialty`, on an elective
    /// pathway or not.
    static func candidateKey(elective: Bool, state: CareState, specialty: Specialty) -> Int {
        ((elective ? 1 : 0) * CareState.allCases.count + state.ordinal) * Specialty.allCases.count + specialty.index
    }

    /// The units a patient in `state` of `specialty` calls home, and the ones it may outlie to, by index. A state
    /// without units of its own kind falls back: an assessment unit to the wards, a stroke unit to the wards that
    /// take stroke medicine (or all wards); HDU patients take ICU beds when HDU is full or absent. Ring-fenced elective units take elective patients only, who
    /// prefer them to any other home unit.
    func candidates(for state: CareState, specialty: Specialty, elective: Bool) -> (home: [Int], outlying: [Int]) {
        func usable(_ index: Int) -> Bool { elective || !configurations[index].electiveOnly }
        func units(of kind: UnitKind, serving: Bool) -> [Int] {
            configurations.indices.filter { configurations[$0].kind == kind && usable($0)
                && (!serving || configurations[$0].serves(specialty)) }
        }
        func wards() -> (home: [Int], outlying: [Int]) {
            let home = units(of: .ward, serving: true)
            let all = units(of: .ward, serving: false).filter { !configurations[$0].electiveOnly }
            if home.isEmpty { return (all, []) }
            let fenced = home.filter { configurations[$0].electiveOnly }
            return (fenced + home.filter { !fenced.contains($0) }, all.filter { !home.contains($0) })
        }
        switch state {
        case .assessmentUnit:
            let home = units(of: .assessmentUnit, serving: true)
            return home.isEmpty ? wards() : (home, [])
        case .ward:
            return wards()
        case .strokeUnit:
            let home = units(of: .strokeUnit, serving: false)
            let (wardHome, wardOther) = wards()
            if !home.isEmpty { return (home, wardHome + wardOther) }
            let stroke = configurations.indices.filter { configurations[$0].kind == .ward && usable($0)
                && configurations[$0].specialties.contains(.strokeMedicine) }
            return stroke.isEmpty ? (wardHome + wardOther, []) : (stroke, [])
        case .icu:
            return (units(of: .icu, serving: false), [])
        case .hdu:
            // ICU beds can look after level-2 patients too: HDU first, then ICU (never the other way).
            return (units(of: .hdu, serving: false) + units(of: .icu, serving: false), [])
        default:
            return ([], [])
        }
    }

    /// The candidate units of a twin (see `candidateKey`).
    func candidateCache(for state: CareState, of twin: PatientTwin) -> (home: [Int], outlying: [Int]) {
        candidateTable[Self.candidateKey(elective: !twin.pathway.isEmergency, state: state,
                                         specialty: twin.attributes.specialty)]
    }

    /// Every candidate list, in `candidateKey`'s order.
    func makeCandidateTable() -> [(home: [Int], outlying: [Int])] {
        [false, true].flatMap { elective in
            CareState.allCases.flatMap { state in
                Specialty.allCases.map { candidates(for: state, specialty: $0, elective: elective) }
            }
        }
    }

    /// True when `unit` has a bed it can staff for a patient needing `level`: an open bed neither occupied nor
    /// being cleaned — counting the escalation beds its rule would open now — and nurses enough for its patients
    /// and this one at their levels' ratios.
    func hasRoom(_ level: LevelOfCare, in unit: Int) -> Bool {
        var open = units[unit].openBeds
        if units[unit].extraPlacesOpen {
            // Under the full-capacity protocol a ward fills its places without waiting for nurses; stood down, its
            // extra places take nobody until they close.
            if fullCapacitySince != nil { return open - units[unit].busy > 0 }
            open -= extraPlaces
        }
        if !units[unit].escalationOpen, units[unit].escalationBeds > 0, open > 0,
           Double(units[unit].busy) >= units[unit].openAt * Double(open)
        {
            open += units[unit].escalationBeds
        }
        return open - units[unit].busy > 0 && nursesSuffice(unit, adding: level)
    }

    /// True when the unit's nurses on shift cover its patients plus one at `level` (always, for a unit the
    /// roster does not staff).
    func nursesSuffice(_ unit: Int, adding level: LevelOfCare?) -> Bool {
        guard units[unit].nurses.isFinite else { return true }
        return requiredNurses(unit, adding: level) <= units[unit].nurses + 1e-9
    }

    /// Nurses the unit's patients need now at their levels' ratios (plus one patient at `level`).
    func requiredNurses(_ unit: Int, adding level: LevelOfCare? = nil) -> Double {
        var counts = units[unit].byLevel
        if let level { counts[level] += 1 }
        return Double(counts.level0) / units[unit].level0Ratio + Double(counts.level1) / ratios.level1
            + Double(counts.level2) / ratios.level2 + Double(counts.level3) / ratios.level3
    }

    /// Staffed beds now: the open beds the nurses on shift can look after at the unit's usual level's ratio.
    func staffedBeds(_ unit: Int) -> Double {
        guard units[unit].nurses.isFinite else { return Double(units[unit].openBeds) }
        let ratio: Double = switch units[unit].kind.baseLevel {
        case .level0: units[unit].level0Ratio
        case .level1: ratios.level1
        case .level2: ratios.level2
        case .level3: ratios.level3
        }
        return min(Double(units[unit].openBeds), (units[unit].nurses * ratio).rounded(.down))
    }

    /// Opens the unit's escalation beds when its rule says so at `now`.
    mutating func openEscalationIfNeeded(_ unit: Int, now: Double) {
        guard units[unit].escalationBeds > 0, !units[unit].escalationOpen, units[unit].openBeds > 0,
              Double(units[unit].busy) >= units[unit].openAt * Double(units[unit].openBeds)
        else { return }
        units[unit].escalationOpen = true
        units[unit].openBeds += units[unit].escalationBeds
        units[unit].escalationOpenedAt = now
    }

    /// Closes the unit's escalation beds when its rule allows at `now`, counting the minutes they were open in the
    /// measured window (from `warmUpMinutes`).
    mutating func closeEscalationIfPossible(_ unit: Int, now: Double, warmUpMinutes: Double) {
        guard units[unit].escalationOpen else { return }
        // The beds open without the escalation beds: the base beds, plus any extra places of the full-capacity protocol.
        let open = units[unit].openBeds - units[unit].escalationBeds
        guard units[unit].busy <= open, Double(units[unit].busy) < units[unit].closeBelow * Double(units[unit].baseBeds) else { return }
        units[unit].escalationOpen = false
        units[unit].openBeds = open
        units[unit].escalationMinutes += now - max(units[unit].escalationOpenedAt, warmUpMinutes)
    }

    /// Declares the full-capacity protocol at `now`: each general ward opens `extra` places.
    mutating func declareFullCapacity(extra: Int, now: Double) {
        fullCapacitySince = now
        extraPlaces = extra
        for unit in units.indices where units[unit].kind == .ward && !units[unit].electiveOnly && !units[unit].extraPlacesOpen {
            units[unit].extraPlacesOpen = true
            units[unit].openBeds += extra
        }
    }

    /// Stands the protocol down at `now` (its minutes in the measured window counted from `warmUpMinutes`); each
    /// ward's extra places close once it has that many empty (`closeExtraPlacesIfPossible`).
    mutating func standDownFullCapacity(now: Double, warmUpMinutes: Double) {
        guard let since = fullCapacitySince else { return }
        fullCapacityMinutes += max(0, now - max(since, warmUpMinutes))
        fullCapacitySince = nil
    }

    /// Closes a ward's extra places when the protocol is stood down and they are empty.
    mutating func closeExtraPlacesIfPossible(_ unit: Int, extra: Int) {
        guard fullCapacitySince == nil, units[unit].extraPlacesOpen, units[unit].busy <= units[unit].openBeds - extra else { return }
        units[unit].extraPlacesOpen = false
        units[unit].openBeds -= extra
    }

    /// The waiting patient `unit` should take now, if any: the highest priority, then the longest waiting (the
    /// first to have asked among equals), among those it is home to or may host as outliers and has a staffed bed
    /// for. Whether the unit has room depends only on the patient's level of care, so it is asked once per level;
    /// a unit with room for none answers at once.
    func nextWaiting(for unit: Int) -> (patient: Int32, state: CareState, outlier: Bool)? {
        guard !waiting.isEmpty else { return nil }
        let room = (hasRoom(.level0, in: unit), hasRoom(.level1, in: unit), hasRoom(.level2, in: unit),
                    hasRoom(.level3, in: unit))
        guard room.0 || room.1 || room.2 || room.3 else { return nil }
        let eligibility = unitEligibility[unit]
        var best = -1
        var bestIsOutlier = false
        for index in waiting.indices {
            let entry = waiting[index]
            if best >= 0, (waiting[best].priority, waiting[best].since) <= (entry.priority, entry.since) { continue }
            let eligible = eligibility[entry.candidates]
            guard eligible != .none else { continue }
            let hasRoom = switch entry.level {
            case .level0: room.0
            case .level1: room.1
            case .level2: room.2
            case .level3: room.3
            }
            guard hasRoom else { continue }
            best = index
            bestIsOutlier = eligible == .outlying
        }
        guard best >= 0 else { return nil }
        return (waiting[best].patient, waiting[best].state, bestIsOutlier)
    }

    /// Records the unit's state in its monitor at `now`.
    mutating func updateMonitor(_ unit: Int, at now: Double) {
        let staffed = staffedBeds(unit)
        monitors[unit].update(occupied: units[unit].occupied, busy: units[unit].busy, open: units[unit].openBeds,
                              staffed: staffed, at: now)
    }
}

/// Patients on a unit by level of care.
struct LevelCounts {
    var level0 = 0, level1 = 0, level2 = 0, level3 = 0

    subscript(level: LevelOfCare) -> Int {
        get {
            switch level {
            case .level0: level0
            case .level1: level1
            case .level2: level2
            case .level3: level3
            }
        }
        set {
            switch level {
            case .level0: level0 = newValue
            case .level1: level1 = newValue
            case .level2: level2 = newValue
            case .level3: level3 = newValue
            }
        }
    }

    var total: Int { level0 + level1 + level2 + level3 }
}

/// An inpatient unit's beds and nurses now: small and flat, read at every move (its configuration, monitor and
/// census live in arrays of their own).
struct UnitState {
    let kind: UnitKind
    let baseBeds: Int
    let escalationBeds: Int
    let openAt: Double
    let closeBelow: Double
    let electiveOnly: Bool
    var openBeds: Int
    var escalationOpen = false
    /// Under the full-capacity protocol: the ward's extra places are among its open beds.
    var extraPlacesOpen = false
    var occupied = 0
    var cleaning = 0
    var byLevel = LevelCounts()
    /// Registered nurses on shift; .infinity when the roster has none for this unit.
    var nurses = Double.infinity
    /// The shift on duty (an index into the shifts), or -1.
    var shiftIndex = -1
    /// Level-0 patients per nurse on the shift on duty.
    var level0Ratio: Double
    var belowSafeRatio = false
    var safetySince = 0.0
    var admissions = 0
    var outliersHosted = 0
    var waitingBedMinutes = 0.0
    var escalationMinutes = 0.0
    var escalationOpenedAt = 0.0
    /// Post-operative patients counting on a discharge due on this unit for their bed (see `claimBed`).
    var claims = 0

    init(_ configuration: UnitConfiguration, level0Ratio: Double) {
        kind = configuration.kind
        baseBeds = configuration.beds
        escalationBeds = configuration.escalation?.beds ?? 0
        openAt = configuration.escalation?.openAtOccupancy ?? 2
        closeBelow = configuration.escalation?.closeBelowOccupancy ?? 0
        electiveOnly = configuration.electiveOnly
        openBeds = configuration.beds
        self.level0Ratio = level0Ratio
    }

    var busy: Int { occupied + cleaning }
    var freeBeds: Int { openBeds - busy }
}

/// A patient waiting for a bed, with what the scan for a free bed needs, so that it never reads the patient.
struct WaitingPatient {
    let patient: Int32
    let state: CareState
    let priority: Int
    let since: Double
    /// Its candidate units' index in `candidateTable`.
    let candidates: Int
    let level: LevelOfCare
}
