import Finance
import Foundation
import HospitalModel

/// The rules a unit's name must keep. A unit's name is also how the roster and the census name where staff and
/// patients are (beside `emergency_department`, `ed` and `theatres`), how the cost report names its cost centres
/// (beside "Emergency department", "Theatres", "Hospital" and "Spells: …"), and a key of the KPIs: a unit named like
/// any of those would be taken for it, so those names are reserved.
///
/// Names are compared as a reader would: letters folded to one case and to their compatibility forms (NFKC: a
/// full-width "Ｗ" is "W"), underscores and hyphens as spaces, runs of spaces as one. "Ward 7" and "ward  7" are one
/// name; so are "Theatres" and "THEATRES".
public enum UnitNames {
    /// Reserved names (as `comparable` gives them) and what each already names.
    static let reserved: [String: String] = [
        // "emergency_department" and the cost centre "Emergency department" compare equal.
        comparable("emergency_department"): "the emergency department in rosters and census files, and its cost centre",
        comparable("ed"): "the emergency department in rosters and census files",
        comparable("theatres"): "the theatres in rosters, and their cost centre",
        comparable("discharged"): "the recent discharges in census files",
        comparable(CostCentre.hospitalName): "the hospital's cost centre",
    ]

    /// `name` as names are compared.
    public static func comparable(_ name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping.lowercased()
            .replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return folded.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// What is wrong with `name` as a unit's name, or nil when nothing is.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name != name.trimmingCharacters(in: .whitespaces) { return "must not start or end with a space, found '\(name)'" }
        if name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            return "must not hold a control character (a tab or a line break), found \(name.debugDescription)"
        }
        let key = comparable(name)
        if let meaning = reserved[key] { return "'\(name)' is reserved: it names \(meaning); choose another name" }
        if key.hasPrefix(comparable(CostCentre.spellsPrefix).trimmingCharacters(in: .whitespaces)) {
            return "'\(name)' is reserved: names starting 'Spells:' are the cost report's spell-income centres; choose another name"
        }
        return nil
    }
}

/// A place a roster line or a census row names: the emergency department, the theatres, a unit, or (in a census)
/// a recent discharge.
public enum NamedPlace: Sendable, Hashable {
    case emergencyDepartment
    case theatres
    /// Out of hospital after a recent discharge (census files only).
    case discharged
    /// A unit, by its index in the configuration's units.
    case unit(Int)

    /// The place `name` names among `units` (compared as `UnitNames.comparable`), or nil. For many names, a
    /// `Lookup` compares each unit's name once.
    public init?(_ name: String, units: [UnitConfiguration]) {
        guard let place = Lookup(units: units).place(name) else { return nil }
        self = place
    }

    /// The places of one configuration's units by comparable name, for reading many names (a census's rows).
    public struct Lookup: Sendable {
        /// Every place by its name as `UnitNames.comparable` gives it; a unit named like a reserved place never is
        /// (`UnitNames.problem` refuses it), and of two units alike the first is kept, as a search in order finds.
        private let places: [String: NamedPlace]
        /// The names as written in the configuration (and the reserved words), found without folding.
        private let exact: [String: NamedPlace]

        /// The places of a scenario with `units`, and the reserved ones.
        public init(units: [UnitConfiguration]) {
            var places: [String: NamedPlace] = [
                UnitNames.comparable("emergency_department"): .emergencyDepartment, "ed": .emergencyDepartment,
                "theatres": .theatres, "discharged": .discharged,
            ]
            var exact: [String: NamedPlace] = [
                "emergency_department": .emergencyDepartment, "ed": .emergencyDepartment, "theatres": .theatres,
                "discharged": .discharged,
            ]
            for (index, unit) in units.enumerated() {
                let key = UnitNames.comparable(unit.name)
                if places[key] == nil { places[key] = .unit(index) }
                if exact[unit.name] == nil { exact[unit.name] = places[key] }
            }
            self.places = places
            self.exact = exact
        }

        /// The place `name` names, or nil: a name spelt as configured is found at once, any other is folded first.
        public func place(_ name: String) -> NamedPlace? {
            exact[name] ?? places[UnitNames.comparable(name)]
        }
    }
}
