import Foundation
import HospitalModel
import PatientTwin

/// What one hour of a staff group costs: a basic rate and the Agenda for Change enhancements for unsocial hours.
public struct StaffRate: Sendable, Hashable, Codable {
    /// Cost of one rostered hour at plain time, currency units: pay with employer's on-costs (National Insurance,
    /// pension, apprenticeship levy) and the headroom that covers leave, over the hours rostered. > 0.
    public var hourly: Double
    /// Added share of `hourly` for an hour in `PayPeriod.unsocial` (weekday nights and Saturdays): 0.30 is "time
    /// plus 30%". ≥ 0.
    public var unsocialEnhancement: Double
    /// Added share of `hourly` for an hour in `PayPeriod.sunday`. ≥ 0.
    public var sundayEnhancement: Double

    /// A rate from its parts.
    public init(hourly: Double, unsocialEnhancement: Double, sundayEnhancement: Double) {
        self.hourly = hourly
        self.unsocialEnhancement = unsocialEnhancement
        self.sundayEnhancement = sundayEnhancement
    }

    /// The cost of one hour worked in `period`.
    public func cost(in period: PayPeriod) -> Double {
        switch period {
        case .standard: hourly
        case .unsocial: hourly * (1 + unsocialEnhancement)
        case .sunday: hourly * (1 + sundayEnhancement)
        }
    }
}

/// The prices of a hospital's activity: what each staff hour, bed-day and theatre minute costs, what is fixed,
/// what each spell earns and what is withheld. Every amount is in `currency` units; `CostLedger` applies it to a
/// replication's KPIs. `reference` holds the figures for an English acute trust in 2025/26 (Docs/COSTS.md gives
/// the source or reasoning of each).
/// ISO 4217: the active currency codes (the list of 2025, national and regional currencies; funds, metals and test
/// codes left out), for checking a cost model's currency.
public enum CurrencyCodes {
    /// Every active code.
    public static let active: Set<String> = Set([
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV",
        "BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE",
        "CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD",
        "HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD",
        "KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV",
        "MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB",
        "RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT",
        "TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF",
        "XCD XCG XDR XOF XPF YER ZAR ZMW ZWG ZWL",
    ].flatMap { $0.split(separator: " ").map(String.init) })
}

/// What the hospital pays and earns, as a scenario's `costs` states it (Docs/COSTS.md): staff rates and premiums,
/// bed-day, theatre and fixed costs, spell income and readmission penalties.
public struct CostModel: Sendable, Hashable, Codable {
    /// ISO 4217 code of the amounts ("GBP").
    public var currency: String
    /// Rates by staff group; a group without one is priced at 0 and named by `CostModel.problems`.
    public var staff: [StaffGroup: StaffRate]
    /// Added share of the rate for an hour worked by bank staff (0: the same as a rostered hour). ≥ -1.
    public var bankPremium: Double
    /// Added share of the rate for an hour worked by agency staff, commission included. ≥ -1.
    public var agencyPremium: Double
    /// Non-staff cost of an occupied bed-day (drugs, clinical supplies, catering, cleaning, linen), by unit kind.
    public var bedDay: [UnitKind: Double]
    /// Non-staff cost of an operating minute (consumables, sterile services, implants on average).
    public var theatreMinute: Double
    /// Fixed cost of a physical bed for a month (estates, equipment, capital charges), by unit kind.
    public var bedMonth: [UnitKind: Double]
    /// Hospital overheads a month that no unit carries (management, IT, finance, estates not per bed).
    public var overheadMonth: Double
    /// Income of a spell ended, by pathway (the national price of its typical activity).
    public var spellIncome: [Pathway: Double]
    /// Income of an ED attendance seen (not diverted).
    public var edAttendanceIncome: Double
    /// Income of an occupied critical-care bed-day (paid beside the spell), by unit kind (ICU, HDU).
    public var criticalCareBedDayIncome: [UnitKind: Double]
    /// Income an on-the-day cancellation loses for now (the operation is rebooked and earns when done): reported,
    /// not subtracted again from the net, since spell income counts only operations done.
    public var cancelledOperationIncome: Double
    /// Income withheld for each emergency readmission within 30 days of a discharge.
    public var readmissionPenalty: Double

    /// A cost model from its parts (a scenario's `costs`, as the scenario reader makes it).
    public init(currency: String, staff: [StaffGroup: StaffRate], bankPremium: Double, agencyPremium: Double,
                bedDay: [UnitKind: Double], theatreMinute: Double, bedMonth: [UnitKind: Double], overheadMonth: Double,
                spellIncome: [Pathway: Double], edAttendanceIncome: Double, criticalCareBedDayIncome: [UnitKind: Double],
                cancelledOperationIncome: Double, readmissionPenalty: Double)
    {
        self.currency = currency
        self.staff = staff
        self.bankPremium = bankPremium
        self.agencyPremium = agencyPremium
        self.bedDay = bedDay
        self.theatreMinute = theatreMinute
        self.bedMonth = bedMonth
        self.overheadMonth = overheadMonth
        self.spellIncome = spellIncome
        self.edAttendanceIncome = edAttendanceIncome
        self.criticalCareBedDayIncome = criticalCareBedDayIncome
        self.cancelledOperationIncome = cancelledOperationIncome
        self.readmissionPenalty = readmissionPenalty
    }

    /// The figures of an English acute trust in 2025/26: Agenda for Change pay with on-costs and leave headroom,
    /// its unsocial-hours enhancements by band, the agency price cap, estimated non-staff and fixed costs, national
    /// prices of spells and attendances. Docs/COSTS.md works each one out.
    public static let reference = CostModel(
        currency: "GBP",
        staff: [
            // Band 5 mid-point £34,400 × 1.277 on-costs / 1,955 paid hours × 1.22 headroom; bands 4–9: +30%, +60%.
            .registeredNurse: StaffRate(hourly: 27.45, unsocialEnhancement: 0.30, sundayEnhancement: 0.60),
            // Band 3 mid-point £25,770 × 1.270 / 1,955 × 1.22; band 3: +37%, +73%.
            .healthcareAssistant: StaffRate(hourly: 20.40, unsocialEnhancement: 0.37, sundayEnhancement: 0.73),
            // Resident doctors and consultants, 4:1; resident doctors' night enhancement 37%.
            .doctor: StaffRate(hourly: 50.40, unsocialEnhancement: 0.37, sundayEnhancement: 0.37),
            // Two consultants, four band 5–6 practitioners, a band 3 assistant, per team-hour.
            .theatreTeam: StaffRate(hourly: 322.00, unsocialEnhancement: 0.30, sundayEnhancement: 0.60),
        ],
        bankPremium: 0,
        agencyPremium: 0.55,
        bedDay: [.assessmentUnit: 130, .ward: 110, .strokeUnit: 120, .icu: 520, .hdu: 300],
        theatreMinute: 8,
        bedMonth: [.assessmentUnit: 1_250, .ward: 1_150, .strokeUnit: 1_250, .icu: 3_500, .hdu: 3_000],
        overheadMonth: 2_000_000,
        spellIncome: [.emergencyMedical: 2_750, .emergencySurgical: 3_900, .electiveSurgical: 4_300,
                      .electiveOrthopaedic: 7_100, .stroke: 6_600, .frailElderly: 3_600],
        edAttendanceIncome: 255,
        criticalCareBedDayIncome: [.icu: 1_850, .hdu: 1_050],
        cancelledOperationIncome: 5_200,
        readmissionPenalty: 2_900)

    /// What makes the model unusable, one sentence each (empty when it is sound): a staff group without a rate,
    /// negative prices, a premium below -100%.
    public var problems: [String] {
        var problems: [String] = []
        for group in StaffGroup.allCases where staff[group] == nil { problems.append("no hourly rate for \(group.rawValue)") }
        for (group, rate) in staff where rate.hourly < 0 || rate.unsocialEnhancement < 0 || rate.sundayEnhancement < 0 {
            problems.append("\(group.rawValue): rates and enhancements must be >= 0")
        }
        if bankPremium < -1 || agencyPremium < -1 { problems.append("premiums must be >= -1 (an hour cannot cost less than nothing)") }
        let amounts = Array(bedDay.values) + Array(bedMonth.values) + Array(spellIncome.values)
            + Array(criticalCareBedDayIncome.values)
            + [theatreMinute, overheadMonth, edAttendanceIncome, cancelledOperationIncome, readmissionPenalty]
        if amounts.contains(where: { $0 < 0 || !$0.isFinite }) { problems.append("amounts must be finite and >= 0") }
        return problems
    }
}

/// What an amount is: the rows of the cost report.
public enum CostCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Rostered hours of substantive staff, absent ones included (sick pay), with unsocial-hours enhancements.
    case substantiveStaff = "substantive_staff"
    /// Hours worked by bank staff covering absence.
    case bankStaff = "bank_staff"
    /// Hours worked by agency staff covering absence.
    case agencyStaff = "agency_staff"
    /// Non-staff cost of occupied bed-days.
    case bedDays = "bed_days"
    /// Non-staff cost of operating minutes.
    case theatreNonStaff = "theatre_non_staff"
    /// Fixed costs of beds, and hospital overheads.
    case fixed
    /// Income of spells ended.
    case spellIncome = "spell_income"
    /// Income of ED attendances.
    case edIncome = "ed_income"
    /// Income of critical-care bed-days.
    case criticalCareIncome = "critical_care_income"
    /// Income withheld for 30-day emergency readmissions.
    case readmissionPenalties = "readmission_penalties"
    /// Income on-the-day cancellations put off (a memo: not counted in the net).
    case cancellationsLostIncome = "cancellations_lost_income"

    /// How an amount of the category counts in the net position.
    public var kind: CostKind {
        switch self {
        case .substantiveStaff, .bankStaff, .agencyStaff, .bedDays, .theatreNonStaff, .fixed: .cost
        case .spellIncome, .edIncome, .criticalCareIncome: .income
        case .readmissionPenalties: .deduction
        case .cancellationsLostIncome: .memo
        }
    }

    /// For a reader.
    public var label: String {
        switch self {
        case .substantiveStaff: "Substantive staff"
        case .bankStaff: "Bank staff"
        case .agencyStaff: "Agency staff"
        case .bedDays: "Bed-days (non-staff)"
        case .theatreNonStaff: "Theatres (non-staff)"
        case .fixed: "Fixed costs"
        case .spellIncome: "Spell income"
        case .edIncome: "ED attendance income"
        case .criticalCareIncome: "Critical-care bed-day income"
        case .readmissionPenalties: "Readmission penalties"
        case .cancellationsLostIncome: "Income lost to cancellations (memo)"
        }
    }

    /// Position in `allCases`.
    public var ordinal: Int { Self.allCases.firstIndex(of: self)! }
}

/// How a category counts in the net position (income less costs less deductions).
public enum CostKind: String, Sendable, Hashable, Codable {
    case cost, income, deduction
    /// Reported beside the others, counted in no total.
    case memo
}

extension CostModel {
    /// The stored form: the maps as lists of entries in vocabulary order (a key strategy such as snake_case, which
    /// run archives use, would otherwise rewrite the maps' keys), checked on reading.
    struct Stored: Codable {
        struct Rate: Codable {
            var group: StaffGroup
            var hourly: Double
            var unsocialEnhancement: Double
            var sundayEnhancement: Double
        }

        struct KindAmount: Codable {
            var kind: UnitKind
            var amount: Double
        }

        struct PathwayAmount: Codable {
            var pathway: Pathway
            var amount: Double
        }

        var currency: String
        var staff: [Rate]
        var bankPremium: Double
        var agencyPremium: Double
        var bedDay: [KindAmount]
        var theatreMinute: Double
        var bedMonth: [KindAmount]
        var overheadMonth: Double
        var spellIncome: [PathwayAmount]
        var edAttendanceIncome: Double
        var criticalCareBedDayIncome: [KindAmount]
        var cancelledOperationIncome: Double
        var readmissionPenalty: Double
    }

    public init(from decoder: Decoder) throws {
        let s = try Stored(from: decoder)
        func kinds(_ list: [Stored.KindAmount]) -> [UnitKind: Double] {
            Dictionary(list.map { ($0.kind, $0.amount) }, uniquingKeysWith: { _, last in last })
        }
        self.init(currency: s.currency,
                  staff: Dictionary(s.staff.map { ($0.group, StaffRate(hourly: $0.hourly, unsocialEnhancement: $0.unsocialEnhancement,
                                                                        sundayEnhancement: $0.sundayEnhancement)) },
                                    uniquingKeysWith: { _, last in last }),
                  bankPremium: s.bankPremium, agencyPremium: s.agencyPremium, bedDay: kinds(s.bedDay),
                  theatreMinute: s.theatreMinute, bedMonth: kinds(s.bedMonth), overheadMonth: s.overheadMonth,
                  spellIncome: Dictionary(s.spellIncome.map { ($0.pathway, $0.amount) }, uniquingKeysWith: { _, last in last }),
                  edAttendanceIncome: s.edAttendanceIncome, criticalCareBedDayIncome: kinds(s.criticalCareBedDayIncome),
                  cancelledOperationIncome: s.cancelledOperationIncome, readmissionPenalty: s.readmissionPenalty)
        let problems = problems
        guard problems.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "an unusable cost model: " + problems.joined(separator: "; ")))
        }
    }

    public func encode(to encoder: Encoder) throws {
        func kinds(_ map: [UnitKind: Double]) -> [Stored.KindAmount] {
            UnitKind.allCases.compactMap { kind in map[kind].map { Stored.KindAmount(kind: kind, amount: $0) } }
        }
        try Stored(currency: currency,
                   staff: StaffGroup.allCases.compactMap { group in
                       staff[group].map { Stored.Rate(group: group, hourly: $0.hourly, unsocialEnhancement: $0.unsocialEnhancement,
                                                      sundayEnhancement: $0.sundayEnhancement) }
                   },
                   bankPremium: bankPremium, agencyPremium: agencyPremium, bedDay: kinds(bedDay), theatreMinute: theatreMinute,
                   bedMonth: kinds(bedMonth), overheadMonth: overheadMonth,
                   spellIncome: Pathway.allCases.compactMap { p in spellIncome[p].map { Stored.PathwayAmount(pathway: p, amount: $0) } },
                   edAttendanceIncome: edAttendanceIncome, criticalCareBedDayIncome: kinds(criticalCareBedDayIncome),
                   cancelledOperationIncome: cancelledOperationIncome, readmissionPenalty: readmissionPenalty).encode(to: encoder)
    }
}
