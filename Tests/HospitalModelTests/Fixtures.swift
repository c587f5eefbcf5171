import Foundation
import HospitalModel
import PatientTwin
import Simulation

/// Hospitals built in code for the model's tests.
enum Fixtures {
    static let london = TimeZone(identifier: "Europe/London")!
    static let monday = LocalDateTime(year: 2026, month: 1, day: 5)

    static func time(_ text: String) -> LocalTimeOfDay { LocalTimeOfDay(parsing: text)! }

    /// A small acute hospital: an ED of about 120 attendances a day, an assessment unit, four wards, ICU, HDU,
    /// two theatres, nurses on every unit.
    static func smallHospital() throws -> HospitalConfiguration {
        let daily = (0..<24).map { hour in [2.0, 1.6, 1.3, 1.1, 1.0, 1.2, 2.0, 3.5, 5.5, 6.5, 7.0, 7.0, 6.8, 6.5, 6.3, 6.2, 6.0,
                                            6.0, 5.8, 5.2, 4.6, 4.0, 3.3, 2.6][hour] }
        let ed = EmergencyDepartmentConfiguration(
            attendances: try HourOfWeekProfile(dailyRatesPerHour: daily), cubicles: 30, capacity: 60, boardingLimit: 20,
            triage: [TriageClass(category: .immediate, share: 0.01, admissionProbability: 0.8),
                     TriageClass(category: .veryUrgent, share: 0.14, admissionProbability: 0.6),
                     TriageClass(category: .urgent, share: 0.40, admissionProbability: 0.35),
                     TriageClass(category: .standard, share: 0.40, admissionProbability: 0.1),
                     TriageClass(category: .nonUrgent, share: 0.05, admissionProbability: 0.02)],
            assessmentMinutes: .lognormal(try LogNormal(mean: 35, standardDeviation: 20)),
            dischargedStayMinutes: .lognormal(try LogNormal(mean: 170, standardDeviation: 80)),
            admittedPathways: [.emergencyMedical: 0.62, .emergencySurgical: 0.2, .stroke: 0.04, .frailElderly: 0.14])
        let clean = DurationDistribution.fixed(60)
        let units = [
            UnitConfiguration(name: "AMU", kind: .assessmentUnit, beds: 30, turnaroundMinutes: clean),
            UnitConfiguration(name: "Medical A", kind: .ward, specialties: [.generalMedicine, .cardiology, .respiratory],
                              beds: 60, escalation: EscalationRule(beds: 4, openAtOccupancy: 0.95, closeBelowOccupancy: 0.85),
                              turnaroundMinutes: clean),
            UnitConfiguration(name: "Elderly care", kind: .ward, specialties: [.geriatrics, .other], beds: 50,
                              turnaroundMinutes: clean),
            UnitConfiguration(name: "Surgical", kind: .ward, specialties: [.generalSurgery, .urology, .gynaecology],
                              beds: 40, turnaroundMinutes: clean),
            UnitConfiguration(name: "Orthopaedic", kind: .ward, specialties: [.traumaOrthopaedics], beds: 24,
                              turnaroundMinutes: clean),
            UnitConfiguration(name: "Stroke", kind: .strokeUnit, beds: 12, turnaroundMinutes: clean),
            UnitConfiguration(name: "ICU", kind: .icu, beds: 8),
            UnitConfiguration(name: "HDU", kind: .hdu, beds: 8),
        ]
        let theatres = TheatreConfiguration(
            rooms: 2, emergencyRooms: 1, morning: (time("08:30"), time("12:30")), afternoon: (time("13:30"), time("17:30")),
            sessions: Weekday.allCases.filter { $0 < .saturday }.flatMap { day in
                [TheatreSession(room: 1, weekday: day, period: .am, specialty: .generalSurgery),
                 TheatreSession(room: 1, weekday: day, period: .pm, specialty: .generalSurgery),
                 TheatreSession(room: 2, weekday: day, period: .am, specialty: .traumaOrthopaedics),
                 TheatreSession(room: 2, weekday: day, period: .pm, specialty: .traumaOrthopaedics)]
            },
            recoveryBays: 6,
            demand: [ElectiveDemand(specialty: .generalSurgery, pathway: .electiveSurgical, referralsPerWeek: 18,
                                    initialWaitingList: 120),
                     ElectiveDemand(specialty: .traumaOrthopaedics, pathway: .electiveOrthopaedic, referralsPerWeek: 12,
                                    initialWaitingList: 150)])
        let shifts = [ShiftPattern(name: "day", start: time("07:30"), end: time("20:00")),
                      ShiftPattern(name: "night", start: time("19:30"), end: time("08:00"))]
        let all = Set(Weekday.allCases)
        var roster: [RosterLine] = []
        for (index, unit) in units.enumerated() {
            let perNurse: Double = switch unit.kind {
            case .icu: 1
            case .hdu: 2
            case .assessmentUnit, .strokeUnit: 4
            case .ward: 7
            }
            let day = Int((Double(unit.beds) / perNurse).rounded(.up))
            roster.append(RosterLine(place: .unit(index), group: .registeredNurse, shift: 0, weekdays: all, headcount: day))
            roster.append(RosterLine(place: .unit(index), group: .registeredNurse, shift: 1, weekdays: all,
                                     headcount: unit.kind == .ward ? Int((Double(unit.beds) / 9).rounded(.up)) : day))
        }
        roster.append(RosterLine(place: .emergencyDepartment, group: .doctor, shift: 0, weekdays: all, headcount: 6))
        roster.append(RosterLine(place: .emergencyDepartment, group: .doctor, shift: 1, weekdays: all, headcount: 3))
        roster.append(RosterLine(place: .theatres, group: .theatreTeam, shift: 0, weekdays: all.subtracting([.saturday, .sunday]),
                                 headcount: 2))
        let staffing = StaffingConfiguration(shifts: shifts, roster: roster,
                                             absence: [.registeredNurse: 0.05, .doctor: 0.03, .theatreTeam: 0.02],
                                             bankFill: 0.6, agencyFill: 0.5,
                                             ratios: NurseRatios(level0: ["day": 7, "night": 9], defaultLevel0: 8))
        return HospitalConfiguration(
            name: "small", timeZone: london, start: monday, twinModel: .builtIn, emergencyDepartment: ed, units: units,
            discharge: DischargePolicy(windows: [
                DischargeWindow(weekdays: all.subtracting([.saturday, .sunday]), from: time("09:00"), to: time("20:00")),
                DischargeWindow(weekdays: [.saturday, .sunday], from: time("10:00"), to: time("17:00"), share: 0.6)],
                careHomePlacementDays: .lognormal(try LogNormal(mean: 3, standardDeviation: 3))),
            deterioration: DeteriorationPolicy(ratePerDay: 0.02, wardArrivalNEWS2Mean: 1),
            theatres: theatres, staffing: staffing)
    }
}

extension Fixtures {
    /// A twin model in which every pathway goes from ED (a stay of about a second) to a ward whose stay is
    /// exponential with mean `wardMeanDays`, then home; no covariate has an effect and nobody is readmitted: the
    /// patient flow of a textbook loss system.
    static func exponentialWardModel(wardMeanDays: Double) -> TwinModel {
        func state(_ unit: CareState) -> StateModel {
            switch unit {
            case .ed:
                return StateModel(state: .ed, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 0.01)),
                                  transitions: .probabilities([(.ward, 1)]))
            case .ward:
                return StateModel(state: .ward, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: wardMeanDays * 1440)),
                                  transitions: .probabilities([(.dischargedHome, 1)]))
            default:
                return StateModel(state: unit, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 1)),
                                  transitions: .probabilities([(.ward, 1)]))
            }
        }
        return TwinModel(description: "exponential ward", pathways: Pathway.allCases.map { pathway in
            PathwayModel(pathway: pathway, states: CareState.units.map(state))
        }, readmission: ReadmissionModel(intercept: -40, lengthOfStay: 0, acuity: 0, comorbidity: 0, emergencyVisits: 0,
                                         delayShape: 1, delayScaleDays: 10))
    }

    /// An ED that admits every attendance at a constant rate, with no waits of its own.
    static func admittingEverybody(perDay: Double, boardingLimit: Int?) throws -> EmergencyDepartmentConfiguration {
        EmergencyDepartmentConfiguration(
            attendances: try HourOfWeekProfile(constantRatePerHour: perDay / 24), cubicles: 100_000, capacity: nil,
            boardingLimit: boardingLimit, triage: [TriageClass(category: .urgent, share: 1, admissionProbability: 1)],
            assessmentMinutes: .fixed(0), dischargedStayMinutes: .fixed(0),
            admittedPathways: [.emergencyMedical: 0.58, .emergencySurgical: 0.20, .stroke: 0.06, .frailElderly: 0.16])
    }
}
