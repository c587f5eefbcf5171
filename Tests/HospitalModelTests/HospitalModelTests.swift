import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Testing
import TestSupport

@Suite("the hospital model: conservation and invariants")
struct ConservationTests {
    static let run: HospitalRunResult = {
        let hospital = try! PreparedHospital(try! Fixtures.smallHospital(), horizonDays: 150)
        return try! HospitalSimulation.run(hospital, horizonDays: 150, warmUpDays: 20, streams: RandomStreams(masterSeed: 3),
                                           audit: true)
    }()

    @Test("every midnight: arrived = discharged + died + in hospital + diverted + transferred out")
    func conservation() throws {
        let flows = Self.run.kpis.flows
        #expect(flows.count == 131)  // midnights from the end of the warm-up to the end of the run, both included
        for day in flows {
            #expect(day.arrived == day.discharged + day.died + day.inHospital + day.diverted + day.transferredOut, "\(day.date)")
        }
        // Arrivals over the 130 measured days at the fixture's ED rate, a Poisson count.
        let ed = try Fixtures.smallHospital().emergencyDepartment
        #expect(Double(flows.last!.arrived) > Tolerance.poissonFloor(expected: ed.meanAttendancesPerDay * 130),
                "\(flows.last!.arrived)")
        #expect(flows.last!.inHospital > 100)
        let audit = try #require(Self.run.audit)
        #expect(audit.midnights == 151)
        #expect(audit.conservationFailures == 0 && audit.placementMismatches == 0)
    }

    @Test("the stays in a bed by pathway and state hold every unit's waiting bed-days, and their waits are the delayed discharges' and blocked patients'")
    func bedStays() throws {
        let kpis = Self.run.kpis
        let stays = try #require(kpis.patients.bedStays)
        #expect(!stays.isEmpty)
        #expect(stays.allSatisfy { $0.stays > 0 && $0.meanClinicalDays > 0 && $0.meanWaitingDays >= 0 })
        #expect(stays.allSatisfy { ![.ed, .theatre, .recovery].contains($0.state) && !$0.state.isDischarge })
        #expect(stays.allSatisfy { $0.clinicalShare > 0 && $0.clinicalShare <= 1 })
        // The same wait, counted by unit and by pathway and state: the two totals are one sum in two orders.
        let byUnit = kpis.units.reduce(0) { $0 + $1.waitingBedDays }
        let byState = stays.reduce(0) { $0 + Double($1.stays) * $1.meanWaitingDays }
        #expect(byUnit > 0)
        #expect(abs(byUnit - byState) < 1e-9 * byUnit, "\(byUnit) \(byState)")
        // Discharge windows make some of the wait: ward stays wait at least as long as the hours the windows close.
        let ward = try #require(stays.first { $0.pathway == .emergencyMedical && $0.state == .ward })
        #expect(ward.meanWaitingDays > 0)
        // Of it, the windows' part: some, never more than the whole; the share the fit still holds leaves it out.
        #expect(ward.meanWindowWaitingDays > 0)
        #expect(stays.allSatisfy { $0.meanWindowWaitingDays >= 0 && $0.meanWindowWaitingDays <= $0.meanWaitingDays + 1e-12 })
        #expect(abs(ward.clinicalShare - ward.meanClinicalDays
            / (ward.meanClinicalDays + ward.meanWaitingDays - ward.meanWindowWaitingDays)) < 1e-12)
        // A value stored before the windows' part was measured reads back with none.
        let stored = #"{"pathway":"emergency_medical","state":"ward","stays":3,"meanClinicalDays":2.5,"meanWaitingDays":0.5}"#
        let decoded = try JSONDecoder().decode(BedStayKPIs.self, from: Data(stored.utf8))
        #expect(decoded.meanWindowWaitingDays == 0 && decoded.meanWaitingDays == 0.5 && decoded.stays == 3)
        let again = try JSONDecoder().decode(BedStayKPIs.self, from: JSONEncoder().encode(ward))
        #expect(again == ward)
        // Pooling replications weights each by its stays.
        let pooled = BedStayKPIs.pooled(stays + stays)
        #expect(pooled.count == stays.count)
        for (a, b) in zip(pooled, stays) {
            #expect(a.stays == 2 * b.stays && abs(a.meanWaitingDays - b.meanWaitingDays) < 1e-12 * max(1, b.meanWaitingDays))
        }
    }

    @Test("beds in use never exceed open beds, and no admission exceeds the unit's staffed beds")
    func beds() throws {
        let audit = try #require(Self.run.audit)
        // At least the ED's admissions over the whole 150 days (moves between units add to them), less those
        // turned away when ED or its boarding is full: a floor from the fixture's rate and triage.
        let ed = try Fixtures.smallHospital().emergencyDepartment
        let diverted = Double(Self.run.kpis.flows.last!.diverted + Self.run.kpis.flows.last!.transferredOut)
        #expect(Double(audit.admissions) > Tolerance.poissonFloor(expected: ed.meanAttendancesPerDay * 150 * ed.admittedShare)
            - diverted, "\(audit.admissions)")
        #expect(audit.occupancyBeyondOpenBeds == 0)
        #expect(audit.admissionsBeyondStaffedBeds == 0)
        for unit in Self.run.kpis.units {
            #expect(unit.p95Occupied <= Double(unit.beds + 4) && unit.meanOccupied <= unit.meanOpenBeds + 1e-9, "\(unit.name)")
            #expect(unit.midnightCensus.allSatisfy { $0 <= unit.beds + 4 }, "\(unit.name)")
        }
    }
}

@Suite("the hospital model against theory")
struct TheoryTests {
    /// One ward of c beds, Poisson arrivals at λ a day, exponential stays of mean 1/μ days, patients who find it
    /// full turned away (a boarding limit of 0) and nothing else: an M/M/c/c loss system, whose blocking
    /// probability is Erlang B(c, λ/μ).
    @Test("one ward with Poisson arrivals, exponential stays and nothing else reproduces Erlang B")
    func erlangB() throws {
        let beds = 30, perDay = 5.0, meanDays = 5.0
        let configuration = HospitalConfiguration(
            name: "erlang-b", timeZone: TimeZone(identifier: "UTC")!, start: Fixtures.monday,
            twinModel: Fixtures.exponentialWardModel(wardMeanDays: meanDays),
            emergencyDepartment: try Fixtures.admittingEverybody(perDay: perDay, boardingLimit: 0),
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: beds),
                    UnitConfiguration(name: "ICU", kind: .icu, beds: 1)])
        let hospital = try PreparedHospital(configuration, horizonDays: 2_100)
        let runs = try Replications(count: 20, masterSeed: 11).run { replication in
            try HospitalSimulation.run(hospital, horizonDays: 2_100, warmUpDays: 100, streams: replication.streams).kpis
        }
        let blocking = runs.map { k in
            Double(k.emergencyDepartment.transfersOut) / Double(k.emergencyDepartment.transfersOut + k.emergencyDepartment.admissions)
        }
        let interval = ReplicationSummary(blocking).confidenceInterval(level: Tolerance.confidence)
        let theory = QueueingTheory.erlangB(servers: beds, offeredLoad: perDay * meanDays)
        #expect(interval.contains(theory), "simulated \(interval), Erlang B \(theory)")
        // And Little's law on the ward: mean occupied = admitted rate × mean stay.
        let occupied = ReplicationSummary(runs.map { $0.units[0].meanOccupied }).confidenceInterval(level: Tolerance.confidence)
        #expect(occupied.contains(perDay * (1 - theory) * meanDays), "occupied \(occupied)")
    }

    /// With beds, cubicles, clinicians and theatres unlimited, every attendance admitted and nobody readmitted,
    /// the patients in hospital at midnight average λ·E[LOS] (Little's law), E[LOS] being the twins' own
    /// uncapacitated length of stay, estimated here from the twin model alone.
    @Test("with unlimited beds and staff the model reproduces the twins' own uncapacitated occupancy (Little's law)")
    func littlesLaw() throws {
        var model = TwinModel.builtIn
        model.readmission.intercept = -40
        let perDay = 30.0
        let unlimited = 100_000
        let ed = try Fixtures.admittingEverybody(perDay: perDay, boardingLimit: nil)
        let configuration = HospitalConfiguration(
            name: "unlimited", timeZone: TimeZone(identifier: "UTC")!, start: Fixtures.monday, twinModel: model,
            emergencyDepartment: ed,
            units: [UnitConfiguration(name: "AMU", kind: .assessmentUnit, beds: unlimited),
                    UnitConfiguration(name: "Wards", kind: .ward, beds: unlimited),
                    UnitConfiguration(name: "Stroke", kind: .strokeUnit, beds: unlimited),
                    UnitConfiguration(name: "ICU", kind: .icu, beds: unlimited),
                    UnitConfiguration(name: "HDU", kind: .hdu, beds: unlimited)])
        let hospital = try PreparedHospital(configuration, horizonDays: 700)
        let runs = try Replications(count: 12, masterSeed: 5).run { replication in
            try HospitalSimulation.run(hospital, horizonDays: 700, warmUpDays: 150, streams: replication.streams).kpis
        }
        let census = ReplicationSummary(runs.map { k in Double(k.flows.reduce(0) { $0 + $1.inHospital }) / Double(k.flows.count) })

        // E[LOS] from the twins alone: the same population and pathway mix, each twin followed without capacity.
        let predictor = try TrajectoryPredictor(model: model, timeZone: TimeZone(identifier: "UTC")!)
        let generator = try EpisodeGenerator(model: model)
        let pathways = Array(ed.admittedPathways.keys).sorted { $0.rawValue < $1.rawValue }
        let shares = try Categorical(weights: pathways.map { ed.admittedPathways[$0]! })
        let streams = RandomStreams(masterSeed: 77)
        var stream = streams.stream(for: "los")
        var stays = Tally()
        for index in 0..<40_000 {
            let pathway = pathways[shares.sample(using: &stream)]
            var twin = PatientTwin(id: PatientID(UInt64(index) + 1), attributes: generator.attributes(on: pathway, using: &stream),
                                   pathway: pathway, admittedAt: 0)
            try twin.apply(Observation(minute: 0, .news2(generator.admissionNEWS2(on: pathway, using: &stream))))
            let path = try predictor.predictTrajectory(for: twin, from: 0, streams: TwinStreams(streams.replication(index)))
            stays.record(path.dischargeMinute / 1440)
        }
        let expected = perDay * stays.mean
        let halfWidth = Tolerance.z * (census.standardError * census.standardError
            + perDay * perDay * stays.variance / Double(stays.count)).squareRoot()
        #expect(abs(census.mean - expected) <= halfWidth,
                "census \(census.mean) ± \(census.standardError), λ·E[LOS] = \(expected), band ±\(halfWidth)")
    }

    @Test("a roster with no night nurses admits nobody at night")
    func noNightNurses() throws {
        var configuration = try Fixtures.smallHospital()
        configuration.theatres = nil
        let ward = configuration.units.firstIndex { $0.name == "Medical A" }!
        configuration.staffing.roster.removeAll { line in
            line.place == .unit(ward) && line.group == .registeredNurse && configuration.staffing.shifts[line.shift].name == "night"
        }
        let hospital = try PreparedHospital(configuration, horizonDays: 60)
        let run = try HospitalSimulation.run(hospital, horizonDays: 60, warmUpDays: 5, streams: RandomStreams(masterSeed: 2),
                                             audit: true)
        let byHour = try #require(run.audit).admissionsByHour[ward]
        // Day nurses work 07:30–20:00: hours 20 to 06 inclusive see no admission; the day sees plenty.
        #expect(([20, 21, 22, 23] + Array(0...6)).allSatisfy { byHour[$0] == 0 }, "\(byHour)")
        #expect((8...19).reduce(0) { $0 + byHour[$1] } > 100)
        #expect(try #require(run.audit).admissionsBeyondStaffedBeds == 0)
    }
}

@Suite("the hospital model: theatres and beds")
struct TheatreBedTests {
    /// The small hospital with its orthopaedic ward cut to `beds`, run for 120 days.
    static func run(orthopaedicBeds beds: Int, bedMeeting: Bool) throws -> HospitalKPIs {
        var configuration = try Fixtures.smallHospital()
        let ward = configuration.units.firstIndex { $0.name == "Orthopaedic" }!
        configuration.units[ward].beds = beds
        configuration.theatres!.bedMeeting = bedMeeting
        let hospital = try PreparedHospital(configuration, horizonDays: 120)
        return try HospitalSimulation.run(hospital, horizonDays: 120, warmUpDays: 10, streams: RandomStreams(masterSeed: 4)).kpis
    }

    /// Without the meeting, a short ward cancels operations on the day.
    @Test("a bed meeting defers the patients it has no bed for: no operation is cancelled on the day for want of one")
    func bedMeeting() throws {
        let meeting = try Self.run(orthopaedicBeds: 10, bedMeeting: true).theatres
        let none = try Self.run(orthopaedicBeds: 10, bedMeeting: false).theatres
        // The plan read at referral is the patient's own draw, so a bed held or claimed is the bed it needs.
        #expect(meeting.cancellations.noWardBed == 0 && meeting.cancellations.noCriticalCareBed == 0)
        #expect(meeting.listsShortOfBeds > 20, "the short ward binds: \(meeting.listsShortOfBeds)")
        #expect(none.cancellations.noWardBed > 20, "\(none.cancellations)")
        #expect(none.listsShortOfBeds == 0)
    }
}

@Suite("the hospital model: determinism and common random numbers")
struct DeterminismTests {
    static let hospital = try! PreparedHospital(try! Fixtures.smallHospital(), horizonDays: 90)

    @Test("the same seed gives identical KPIs; the thread count does not change them; another seed does")
    func determinism() throws {
        let one = try HospitalExperiment.run(Self.hospital, replications: 4, seed: 9, horizonDays: 90, warmUpDays: 10, threads: 1)
        let two = try HospitalExperiment.run(Self.hospital, replications: 4, seed: 9, horizonDays: 90, warmUpDays: 10, threads: 2)
        #expect(one == two)
        let other = try HospitalExperiment.run(Self.hospital, replications: 4, seed: 10, horizonDays: 90, warmUpDays: 10,
                                               threads: 2)
        #expect(one.replications[0] != other.replications[0])
        #expect(one.replications[0] != one.replications[1])
    }

    @Test("a change to staffing changes the hospital, not the patients: the same attendances, triage and arrivals")
    func commonRandomNumbers() throws {
        var more = try Fixtures.smallHospital()
        for index in more.staffing.roster.indices where more.staffing.roster[index].group == .registeredNurse {
            more.staffing.roster[index].headcount += 2
        }
        let variant = try PreparedHospital(more, horizonDays: 90)
        let base = try HospitalSimulation.run(Self.hospital, horizonDays: 90, warmUpDays: 10, streams: RandomStreams(masterSeed: 4))
        let changed = try HospitalSimulation.run(variant, horizonDays: 90, warmUpDays: 10, streams: RandomStreams(masterSeed: 4))
        // Arrivals (taken in or diverted, for diversions follow the beds) that are not readmissions.
        func firstAttendances(_ k: HospitalKPIs) -> Int {
            k.emergencyDepartment.attendances + k.emergencyDepartment.diversions - k.emergencyDepartment.readmissionArrivals
        }
        #expect(firstAttendances(base.kpis) == firstAttendances(changed.kpis))
        #expect(base.kpis.safeStaffing.map(\.hoursBelowSafeRatio).reduce(0, +)
            > changed.kpis.safeStaffing.map(\.hoursBelowSafeRatio).reduce(0, +))
        let same = try HospitalSimulation.run(Self.hospital, horizonDays: 90, warmUpDays: 10, streams: RandomStreams(masterSeed: 4))
        #expect(same.kpis == base.kpis)
    }
}

@Suite("the hospital model: the stays' spread between replications")
struct StayScaleSpreadTests {
    /// log of the factor is N(0, spread²): over 4,000 replications its mean lies within z·spread/√n of 0 and its
    /// sample standard deviation within spread·(1 ± z/√(2(n − 1))) (α = 0.001); spread 0 is exactly 1, with no draw.
    @Test("one factor per replication, log-normal with the spread; exactly 1 without one")
    func factorDistribution() {
        let n = 4_000, spread = 0.1
        let logs = (0..<n).map { log(HospitalSimulation.stayFactor(spread: spread, streams: RandomStreams(masterSeed: 9).replication($0))) }
        let mean = logs.reduce(0, +) / Double(n)
        let sd = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        #expect(abs(mean) <= Tolerance.z * spread / Double(n).squareRoot(), "\(mean)")
        #expect(abs(sd / spread - 1) <= Tolerance.z / (2.0 * Double(n - 1)).squareRoot(), "\(sd)")
        #expect(HospitalSimulation.stayFactor(spread: 0, streams: RandomStreams(masterSeed: 9)) == 1)
        let streams = RandomStreams(masterSeed: 9).replication(3)
        #expect(HospitalSimulation.stayFactor(spread: spread, streams: streams) == HospitalSimulation.stayFactor(spread: spread, streams: streams))
    }

    /// Each replication's stays are its factor times what they would have been: with the same streams, a replication
    /// whose factor is above 1 has more bed-days than without the spread, one below fewer; and the runs are the same
    /// on one thread or two.
    @Test("a replication's factor lengthens or shortens its stays; the result does not depend on the threads")
    func factorScalesStays() throws {
        var spread = try Fixtures.smallHospital()
        spread.stayScaleSpread = 0.3
        let with = try PreparedHospital(spread, horizonDays: 60)
        let without = try PreparedHospital(try Fixtures.smallHospital(), horizonDays: 60)
        var checked = 0
        for replication in 0..<8 {
            let streams = RandomStreams(masterSeed: 21).replication(replication)
            let factor = HospitalSimulation.stayFactor(spread: 0.3, streams: streams)
            guard abs(log(factor)) > 0.1 else { continue }
            func bedDays(_ hospital: PreparedHospital) throws -> Double {
                try HospitalSimulation.run(hospital, horizonDays: 60, warmUpDays: 10, streams: streams).kpis.units.reduce(0) { $0 + $1.bedDays }
            }
            let ratio = try bedDays(with) / bedDays(without)
            #expect((ratio > 1) == (factor > 1), "replication \(replication): factor \(factor), bed-days × \(ratio)")
            checked += 1
        }
        #expect(checked >= 4)
        var tooWide = try Fixtures.smallHospital()
        tooWide.stayScaleSpread = 0.6
        #expect(tooWide.problems.map(\.path) == ["stay_scale_spread"])
        let one = try HospitalExperiment.run(with, replications: 3, seed: 9, horizonDays: 60, warmUpDays: 10, threads: 1)
        let two = try HospitalExperiment.run(with, replications: 3, seed: 9, horizonDays: 60, warmUpDays: 10, threads: 2)
        #expect(one == two)
    }
}

@Suite("the hospital model: configuration checks")
struct ConfigurationCheckTests {
    @Test("a hospital without critical care is refused only when its twin model sends patients there")
    func criticalCareOnlyWhenReached() throws {
        var configuration = try Fixtures.smallHospital()
        // Critical care gone, with its rosters; the other units' roster lines follow their new positions.
        let critical = Set(configuration.units.indices.filter { configuration.units[$0].kind.isCriticalCare })
        #expect(!critical.isEmpty)
        let kept = configuration.units.indices.filter { !critical.contains($0) }
        let position = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        configuration.staffing.roster = configuration.staffing.roster.compactMap { line in
            guard case .unit(let unit) = line.place else { return line }
            guard let moved = position[unit] else { return nil }
            var line = line
            line.place = .unit(moved)
            return line
        }
        configuration.units = kept.map { configuration.units[$0] }
        let refused = configuration.problems.map(\.description)
        #expect(refused.contains { $0.hasPrefix("units: needs at least one unit of type icu") }, "\(refused)")
        // The same hospital with a model whose pathways never move a patient to ICU or HDU (the model file still
        // describes a stay in every unit, as its format requires).
        var model = TwinModel.builtIn
        for p in model.pathways.indices {
            for s in model.pathways[p].states.indices {
                var kept = model.pathways[p].states[s].transitions.destinations
                kept.removeAll { $0.state == .icu || $0.state == .hdu }
                #expect(!kept.isEmpty)
                // The first kept is the new reference: utilities shifted by its own, so the rest keep their odds.
                let reference = kept[0]
                for d in kept.indices {
                    kept[d].intercept -= reference.intercept
                    kept[d].effects.age10 -= reference.effects.age10
                    kept[d].effects.charlson -= reference.effects.charlson
                    kept[d].effects.frailty -= reference.effects.frailty
                    kept[d].effects.news2 -= reference.effects.news2
                }
                model.pathways[p].states[s].transitions.destinations = kept
            }
        }
        #expect(!model.reachableStates.contains(.icu) && TwinModel.builtIn.reachableStates.contains(.icu))
        configuration.twinModel = model
        let accepted = configuration.problems.map(\.description)
        #expect(!accepted.contains { $0.contains("unit of type icu") }, "\(accepted)")
        // And it runs: nobody is sent to a unit it does not have.
        let run = try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 40), horizonDays: 40,
                                             warmUpDays: 10, streams: RandomStreams(masterSeed: 3))
        #expect(run.kpis.emergencyDepartment.admissions > 0 && run.kpis.units.allSatisfy { $0.kind != .icu })
    }
}

@Suite("the hospital model: demand at midnight")
struct MidnightDemandTests {
    @Test("a group's demand counts a patient waiting in one of its beds for another of its units once")
    func groupDemandCountsOnce() throws {
        var configuration = try Fixtures.smallHospital()
        for index in configuration.units.indices where configuration.units[index].kind == .ward {
            configuration.units[index].beds = max(1, configuration.units[index].beds * 3 / 4)  // busy: patients wait
        }
        let kpis = try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 120), horizonDays: 120,
                                              warmUpDays: 20, streams: RandomStreams(masterSeed: 12)).kpis
        let general = kpis.units.indices.filter { !kpis.units[$0].kind.isCriticalCare }
        var exercised = 0
        for day in kpis.flows.indices {
            let occupied = general.reduce(0) { $0 + kpis.units[$1].midnightCensus[day] }
            let counted = general.reduce(0) { $0 + kpis.units[$1].midnightDemand[day] }
            let inGroup = general.reduce(0) { $0 + kpis.units[$1].midnightDemandInGroup[day] }
            // Distinct patients: those in the group's beds, and those waiting for it from elsewhere.
            #expect(counted - inGroup >= occupied && counted - inGroup <= kpis.flows[day].inHospital, "day \(day)")
            exercised += inGroup
        }
        #expect(exercised > 0, "some midnight has a patient waiting in a general bed for another general unit")
        let forecast = BedForecast(scenario: "small", seed: 12, replications: [kpis, kpis])
        let group = try #require(forecast.series.first { $0.name == BedForecast.generalAndAcute })
        for (day, band) in group.days.enumerated() {
            let distinct = general.reduce(0) {
                $0 + kpis.units[$1].midnightDemand[day] - kpis.units[$1].midnightDemandInGroup[day]
            }
            #expect(band.mean == Double(distinct))
        }
    }
}

@Suite("the hospital model: months and pay periods")
struct MonthTests {
    static let clock = try! SimulationClock(start: "2026-01-05T00:00", timeZone: "Europe/London")

    func minute(_ text: String) -> Double {
        let parts = text.split(separator: " ")
        let date = parts[0].split(separator: "-").map { Int($0)! }
        let time = parts[1].split(separator: ":").map { Int($0)! }
        return Self.clock.minute(atLocal: LocalDateTime(year: date[0], month: date[1], day: date[2], hour: time[0], minute: time[1]))
    }

    @Test("a shift's minutes fall into Agenda for Change pay periods, cut at 06:00, 20:00 and midnight, and by month")
    func payPeriods() throws {
        // Friday 30 January 2026 19:30 to Saturday 31 January 08:00: half an hour standard, twelve unsocial.
        let friday = PayPeriod.split(from: minute("2026-01-30 19:30"), to: minute("2026-01-31 08:00"), clock: Self.clock)
        #expect(friday.map(\.period) == [.standard, .unsocial, .unsocial, .unsocial])
        #expect(friday.map(\.minutes) == [30, 240, 360, 120])
        // Saturday 31 January 19:30 to Sunday 1 February 08:00: unsocial to midnight, then Sunday, in February.
        let weekend = PayPeriod.split(from: minute("2026-01-31 19:30"), to: minute("2026-02-01 08:00"), clock: Self.clock)
        #expect(weekend.map(\.period) == [.unsocial, .unsocial, .sunday, .sunday] && weekend.map(\.minutes) == [30, 240, 360, 120])
        #expect(weekend.map { Self.clock.localDateTime(atMinute: $0.start).month } == [1, 1, 2, 2])
        // Monday 05:00 to 21:00: 1 h unsocial, 14 h standard, 1 h unsocial.
        let day = PayPeriod.split(from: minute("2026-02-02 05:00"), to: minute("2026-02-02 21:00"), clock: Self.clock)
        #expect(day.map(\.period) == [.unsocial, .standard, .unsocial] && day.map(\.minutes) == [60, 840, 60])
        // The night the clocks go forward (Sunday 29 March 2026, 01:00 → 02:00): a 19:30–08:00 shift from the
        // Saturday lasts 11.5 hours.
        let spring = PayPeriod.split(from: minute("2026-03-28 19:30"), to: minute("2026-03-29 08:00"), clock: Self.clock)
        #expect(spring.reduce(0) { $0 + $1.minutes } == 690 && spring.map(\.period) == [.unsocial, .unsocial, .sunday, .sunday])
        #expect(spring.map(\.minutes) == [30, 240, 300, 120])
        // Good Friday, 3 April 2026, a public holiday: paid as Sunday all day; the Thursday night before is unsocial
        // until midnight.
        let goodFriday = Int(LocalDateTime(year: 2026, month: 4, day: 3).localMinutesSinceEpoch / 1440)
        let holiday = PayPeriod.split(from: minute("2026-04-02 19:30"), to: minute("2026-04-03 20:00"), clock: Self.clock,
                                      publicHolidays: [goodFriday])
        #expect(holiday.map(\.period) == [.standard, .unsocial, .sunday, .sunday])
        #expect(holiday.map(\.minutes) == [30, 240, 360, 840])
    }

    @Test("the columnar tables read back equal to themselves, in one order, and refuse columns of the wrong length")
    func columnarTables() throws {
        let hospital = try PreparedHospital(try Fixtures.smallHospital(), horizonDays: 70)
        let kpis = try HospitalSimulation.run(hospital, horizonDays: 70, warmUpDays: 10, streams: RandomStreams(masterSeed: 8)).kpis
        let staff = try JSONDecoder().decode(StaffMonthTable.self, from: JSONEncoder().encode(kpis.staffMonths))
        let flows = try JSONDecoder().decode(DailyFlowTable.self, from: JSONEncoder().encode(kpis.flows))
        #expect(staff == kpis.staffMonths && Array(staff) == Array(kpis.staffMonths) && !staff.isEmpty)
        #expect(flows == kpis.flows && Array(flows) == Array(kpis.flows) && flows.count == 61)
        // The table a run builds from its staff-hour cells is the one its own rows make.
        #expect(StaffMonthTable(Array(kpis.staffMonths)) == kpis.staffMonths)
        // The same rows in another order, with an empty one, make the same table.
        var empty = StaffMonthKPIs(month: "2026-02", place: staff[0].place, group: staff[0].group, period: staff[0].period)
        empty.workedHours = 0
        #expect(StaffMonthTable(Array(staff).reversed() + [empty]) == staff)
        // A column one value short is refused, naming what is wrong.
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(kpis.flows)) as? [String: Any])
        object["died"] = Array(((object["died"] as? [Int]) ?? []).dropLast())
        let short = try JSONSerialization.data(withJSONObject: object)
        #expect {
            _ = try JSONDecoder().decode(DailyFlowTable.self, from: short)
        } throws: { "\($0)".contains("expected 61 values of died") }
        var table = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(kpis.staffMonths)) as? [String: Any])
        var lines = try #require(table["lines"] as? [[String: Any]])
        lines[0]["agencyHours"] = [1.0]
        table["lines"] = lines
        let ragged = try JSONSerialization.data(withJSONObject: table)
        #expect {
            _ = try JSONDecoder().decode(StaffMonthTable.self, from: ragged)
        } throws: { "\($0)".contains("months of each figure") }
    }

    @Test("the months add up to the window: operations, cancellations, spells, sessions, readmissions, staff hours, bed-days")
    func monthsAddUp() throws {
        let hospital = try PreparedHospital(try Fixtures.smallHospital(), horizonDays: 100)
        let kpis = try HospitalSimulation.run(hospital, horizonDays: 100, warmUpDays: 20, streams: RandomStreams(masterSeed: 6)).kpis
        #expect(kpis.months.map(\.month) == ["2026-01", "2026-02", "2026-03", "2026-04"])
        #expect(kpis.months.reduce(0) { $0 + $1.days } == 80, "the window's days; the last midnight ends it")
        #expect(kpis.flows.count == 81)
        #expect(kpis.months.reduce(0) { $0 + $1.electiveOperations } == kpis.theatres.electiveCases)
        #expect(kpis.months.reduce(0) { $0 + $1.cancellations } == kpis.theatres.cancellations.total)
        #expect(kpis.months.reduce(0) { $0 + $1.readmissions } == kpis.emergencyDepartment.readmissionArrivals)
        #expect(abs(kpis.months.reduce(0) { $0 + $1.sessionMinutes } - kpis.theatres.sessionMinutes) < 1e-6)
        #expect(abs(kpis.months.reduce(0) { $0 + $1.operatingMinutes } - kpis.theatres.operatingMinutes) < 1e-6)
        for (index, pathway) in kpis.patients.spells.enumerated() {
            #expect(kpis.months.reduce(0) { $0 + $1.spells[index].count } == pathway.spells, "\(pathway.pathway)")
        }
        let worked = kpis.staffMonths.reduce(0) { $0 + $1.workedHours }
        #expect(abs(worked - kpis.staff.reduce(0) { $0 + $1.workedHours }) < 1e-6)
        let agency = kpis.staffMonths.reduce(0) { $0 + $1.agencyHours }
        #expect(abs(agency - kpis.staff.reduce(0) { $0 + $1.agencyHours }) < 1e-6)
        for unit in kpis.units {
            let months = kpis.bedDaysByUnitMonth.filter { $0.unit == unit.name }
            #expect(months.reduce(0) { $0 + $1.bedDays } == Double(unit.midnightCensus.dropLast().reduce(0, +)), "\(unit.name)")
        }
    }
}

@Suite("the hospital model: ED attendances")
struct AttendanceTests {
    @Test("a patient diverted on arrival is not an attendance: the window's and the months' counts agree, diversions apart")
    func divertedAttendElsewhere() throws {
        var configuration = try Fixtures.smallHospital()
        configuration.emergencyDepartment.capacity = configuration.emergencyDepartment.cubicles  // full soon: diverts
        let kpis = try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 60), horizonDays: 60,
                                              warmUpDays: 5, streams: RandomStreams(masterSeed: 21)).kpis
        let ed = kpis.emergencyDepartment
        #expect(ed.diversions > 0)
        #expect(kpis.months.reduce(0) { $0 + $1.edAttendances } == ed.attendances)
        // Everyone taken in leaves or is still there at the end: departures never exceed attendances.
        #expect(ed.departures <= ed.attendances + (kpis.censusPatients ?? 0))
    }
}

@Suite("the hospital model: the 4-hour standard's departures")
struct FourHourDepartureTests {
    @Test("a patient transferred out is in the 4-hour standard but not a non-admitted departure")
    func transfersAreNotNonAdmitted() throws {
        var configuration = try Fixtures.smallHospital()
        // No bed ever free and no boarding: every admitted patient is transferred out at the decision to admit.
        for index in configuration.units.indices {
            configuration.units[index].beds = 0
            configuration.units[index].escalation = nil
        }
        configuration.emergencyDepartment.boardingLimit = 0
        // Every patient who goes home stays 5 hours: all of them breach.
        configuration.emergencyDepartment.dischargedStayMinutes = try .fixedValue(300)
        let kpis = try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 40), horizonDays: 40,
                                              warmUpDays: 0, streams: RandomStreams(masterSeed: 5)).kpis
        let ed = kpis.emergencyDepartment
        // Only patients who go to theatre first (emergency surgery needs no bed to start) are admitted.
        #expect(ed.transfersOut > 50 && ed.admissions * 10 < ed.transfersOut, "\(ed.admissions) admitted, \(ed.transfersOut) transferred")
        // The transferred leave at the decision, mostly within 4 hours; the 4-hour standard counts them.
        #expect(ed.withinFourHoursPercent > 5)
        // Those who went home all breached; only patients the twin sent home from ED after a decision to admit
        // (no bed needed after all) can be within 4 hours, and they are few.
        #expect(ed.nonAdmittedWithinFourHoursPercent < 1, "\(ed.nonAdmittedWithinFourHoursPercent)")
    }
}

@Suite("the hospital model: public holidays")
struct PublicHolidayTests {
    static func sessions(holidays: [LocalDateTime], onHolidays: Bool) throws -> TheatreKPIs {
        var configuration = try Fixtures.smallHospital()
        configuration.publicHolidays = Set(holidays.map { Int($0.localMinutesSinceEpoch / 1440) })
        configuration.theatres?.sessionsOnPublicHolidays = onHolidays
        return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 28), horizonDays: 28,
                                          warmUpDays: 0, streams: RandomStreams(masterSeed: 8)).kpis.theatres
    }

    @Test("no elective session on a public holiday unless the scenario runs them; a holiday on a Sunday changes nothing")
    func noListsOnHolidays() throws {
        let start = try Fixtures.smallHospital().start
        func day(_ offset: Int) -> LocalDateTime {
            LocalDateTime(localMinutesSinceEpoch: start.localMinutesSinceEpoch + Double(offset) * 1440)
        }
        let none = try Self.sessions(holidays: [], onHolidays: false)
        let weekday = (0..<7).first { Weekday(daysSinceEpoch: (start.localMinutesSinceEpoch / 1440).rounded(.down) + Double($0)) == .wednesday }!
        let sunday = (0..<7).first { Weekday(daysSinceEpoch: (start.localMinutesSinceEpoch / 1440).rounded(.down) + Double($0)) == .sunday }!
        // The fixture runs four sessions every weekday: two Wednesdays off are eight sessions fewer.
        let off = try Self.sessions(holidays: [day(weekday + 7), day(weekday + 14), day(sunday + 7)], onHolidays: false)
        #expect(none.sessionsPlanned - off.sessionsPlanned == 8, "\(none.sessionsPlanned) vs \(off.sessionsPlanned)")
        let run = try Self.sessions(holidays: [day(weekday + 7), day(weekday + 14)], onHolidays: true)
        #expect(run.sessionsPlanned == none.sessionsPlanned)
    }
}

@Suite("the hospital model: lengths of stay and stranded patients")
struct LengthOfStayTests {
    @Test("from an empty start nobody is stranded for 7 midnights, nor super-stranded for 21; then some are")
    func strandedFromEmpty() throws {
        let kpis = try HospitalSimulation.run(try PreparedHospital(try Fixtures.smallHospital(), horizonDays: 60), horizonDays: 60,
                                              warmUpDays: 0, streams: RandomStreams(masterSeed: 4)).kpis
        let stranded = try #require(kpis.flows.stranded), superStranded = try #require(kpis.flows.superStranded)
        #expect(stranded.count == kpis.flows.count)
        // Midnight k (k = 0 is the run's first) follows k + 1 days: a spell begun on day 0 is 7 days old at midnight 6.
        #expect(stranded.prefix(6).allSatisfy { $0 == 0 } && stranded[6...].contains { $0 > 0 }, "\(stranded.prefix(10))")
        #expect(superStranded.prefix(20).allSatisfy { $0 == 0 } && superStranded[20...].contains { $0 > 0 })
        #expect(zip(stranded, superStranded).allSatisfy { $0 >= $1 })
        #expect(zip(stranded, kpis.flows.inHospital).allSatisfy { $0 <= $1 })
        // A day's discharges from beds: between two midnights; over the window, every inpatient discharged alive.
        let discharges = try #require(kpis.flows.inpatientDischarges)
        #expect(zip(discharges, discharges.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(discharges.last! - discharges.first! == kpis.patients.dischargesAlive)
        let mean = Double(stranded.reduce(0, +)) / Double(stranded.count)
        #expect(abs((kpis.patients.meanStrandedAtMidnight ?? -1) - mean) < 1e-9)
        for stay in kpis.patients.spells {
            let median = try #require(stay.medianLengthOfStayDays), p90 = try #require(stay.p90LengthOfStayDays)
            let short = try #require(stay.zeroOrOneDayPercent)
            #expect(median <= p90 && median > 0 && (0...100).contains(short), "\(stay.pathway)")
            // Half the stays are at most the median: if it is under a day, at least half end within one midnight.
            if median < 1 { #expect(short >= 50, "\(stay.pathway)") }
            if median > 2 { #expect(short <= 50, "\(stay.pathway)") }
        }
    }

    @Test("with discharge windows on weekdays only, nobody leaves a bed alive on a Saturday or Sunday")
    func dischargesByWeekday() throws {
        var configuration = try Fixtures.smallHospital()
        configuration.discharge.windows = [DischargeWindow(weekdays: [.monday, .tuesday, .wednesday, .thursday, .friday],
                                                           from: LocalTimeOfDay(hour: 9)!, to: LocalTimeOfDay(hour: 17)!, share: 1)]
        let kpis = try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 50), horizonDays: 50,
                                              warmUpDays: 10, streams: RandomStreams(masterSeed: 9)).kpis
        let byDay = Dictionary(uniqueKeysWithValues: kpis.inpatientDischargesByWeekday.map { ($0.weekday, $0.mean) })
        #expect(byDay.count == 7)
        #expect(byDay["saturday"] == 0 && byDay["sunday"] == 0, "\(byDay)")
        #expect(["monday", "tuesday", "wednesday", "thursday", "friday"].allSatisfy { (byDay[$0] ?? 0) > 0 })
        // The means, weighted by how many of each weekday were measured, are the window's discharges, exactly.
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        var weighted = 0.0
        for date in kpis.flows.dates.dropLast() {
            let day = try #require(LocalDateTime(parsing: date)).localMinutesSinceEpoch / 1440
            weighted += byDay[names[Weekday(daysSinceEpoch: day).rawValue - 1]] ?? .nan
        }
        #expect(abs(weighted - Double(kpis.patients.dischargesAlive)) < 1e-6, "\(weighted) vs \(kpis.patients.dischargesAlive)")
    }

    @Test("a run stored before stays and stranded patients were measured still reads, with them as unknown")
    func olderRunsDecode() throws {
        let json = #"{"dates": ["2026-01-05"], "arrived": [3], "discharged": [1], "died": [0], "inHospital": [2], "diverted": [0], "transferredOut": [0]}"#
        let table = try JSONDecoder().decode(DailyFlowTable.self, from: Data(json.utf8))
        #expect(table.stranded == nil && table[0].stranded == nil && table[0].inHospital == 2)
        let stay = try JSONDecoder().decode(PathwayStayKPIs.self, from: Data(#"{"pathway": "stroke", "spells": 2, "meanLengthOfStayDays": 3, "bedDays": 6}"#.utf8))
        #expect(stay.medianLengthOfStayDays == nil && stay.spells == 2)
        let bad = #"{"dates": ["2026-01-05"], "arrived": [3], "discharged": [1], "died": [0], "inHospital": [2], "diverted": [0], "transferredOut": [0], "stranded": [1, 2]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DailyFlowTable.self, from: Data(bad.utf8)) }
    }
}

@Suite("the hospital model: the full-capacity protocol")
struct FullCapacityTests {
    static func run(_ fcp: FullCapacityProtocol?) throws -> HospitalRunResult {
        var configuration = try Fixtures.smallHospital()
        configuration.fullCapacityProtocol = fcp
        configuration.emergencyDepartment.attendances = try HourOfWeekProfile(
            ratesPerHour: configuration.emergencyDepartment.attendances.ratesPerHour.map { $0 * 1.3 })
        return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 90), horizonDays: 90, warmUpDays: 20,
                                          streams: RandomStreams(masterSeed: 17), audit: true)
    }

    @Test("declared, wards take one patient above their beds: ED waits shorten, no ward exceeds its beds plus its extra place")
    func extraPlaces() throws {
        let without = try Self.run(nil)
        let with = try Self.run(FullCapacityProtocol(declareAtBoarders: 4, standDownAtBoarders: 1, extraPatientsPerWard: 1))
        #expect(without.kpis.fullCapacityProtocolHours == nil)
        let hours = try #require(with.kpis.fullCapacityProtocolHours)
        #expect(hours > 0 && hours <= 70 * 24, "\(hours)")
        #expect(with.kpis.emergencyDepartment.boardingHours < without.kpis.emergencyDepartment.boardingHours,
                "\(with.kpis.emergencyDepartment.boardingHours) vs \(without.kpis.emergencyDepartment.boardingHours)")
        // Open beds include the extra places while they are open; the audit counts any patient beyond them.
        let audit = try #require(with.audit)
        #expect(audit.occupancyBeyondOpenBeds == 0 && audit.conservationFailures == 0)
        #expect(audit.admissionsBeyondStaffedBeds == 0, "wards fill beyond their nurses only under the protocol")
        let configuration = try Fixtures.smallHospital()
        for unit in with.kpis.units {
            let base = configuration.units.first { $0.name == unit.name }!
            let most = Double(base.beds + (base.escalation?.beds ?? 0) + (unit.kind == .ward ? 1 : 0))
            #expect(unit.meanOpenBeds <= most + 1e-9, "\(unit.name)")
            if unit.kind == .ward { #expect(unit.meanOpenBeds > Double(base.beds), "\(unit.name): its extra place was open at times") }
            else if base.escalation == nil { #expect(abs(unit.meanOpenBeds - Double(base.beds)) < 1e-9, "\(unit.name)") }
        }
    }
}

@Suite("the hospital model: same-day emergency care")
struct SameDayCareTests {
    static func run(_ sdec: SameDayEmergencyCare?, days: Int = 40) throws -> HospitalKPIs {
        var configuration = try Fixtures.smallHospital()
        configuration.emergencyDepartment.sameDayEmergencyCare = sdec
        return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: days), horizonDays: days,
                                          warmUpDays: 0, streams: RandomStreams(masterSeed: 14)).kpis
    }

    @Test("one place, 10-hour stays, open 08:00-20:00: one or two patients a day, never more; none without SDEC")
    func onePlace() throws {
        let sdec = SameDayEmergencyCare(places: 1, opens: LocalTimeOfDay(hour: 8)!, closes: LocalTimeOfDay(hour: 20)!,
                                        triage: Set(TriageCategory.allCases), share: 1, stayMinutes: try .fixedValue(600))
        let kpis = try Self.run(sdec)
        let count = try #require(kpis.emergencyDepartment.sameDayEmergencyCare)
        // Open 12 hours with one place and 10-hour stays: a patient taken at 08:00 leaves at 18:00, when a second
        // may come; a third would need the place before 20:00 again. And the busy ED sends someone home each morning.
        #expect(count >= 40 && count <= 80, "\(count) in 40 days")
        #expect(try Self.run(nil).emergencyDepartment.sameDayEmergencyCare == nil)
    }

    @Test("streaming patients ED would send home: the same patients attend, and the admitted share rises by exactly those streamed")
    func admissions() throws {
        let sdec = SameDayEmergencyCare(places: 30, opens: LocalTimeOfDay(hour: 0)!, closes: LocalTimeOfDay(hour: 23, minute: 59)!,
                                        triage: [.veryUrgent, .urgent], share: 0.5, stayMinutes: try .fixedValue(240))
        let with = try Self.run(sdec), without = try Self.run(nil)
        let streamed = try #require(with.emergencyDepartment.sameDayEmergencyCare)
        #expect(streamed > 0)
        // Common random numbers: the same patients arrive with the same triage and the same decision to admit.
        #expect(with.emergencyDepartment.attendances == without.emergencyDepartment.attendances)
        let metrics = Dictionary(with.metrics.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { a, _ in a })
        let bedShare = try #require(metrics["ed.admitted_percent"]), withSDEC = try #require(metrics["ed.admitted_including_sdec_percent"])
        #expect(abs(withSDEC - bedShare - 100 * Double(streamed) / Double(with.emergencyDepartment.attendances)) < 1e-9)
    }
}

@Suite("the hospital model: held beds given up under pressure")
struct HeldBedTests {
    static func theatres(releaseAfter minutes: Double?) throws -> TheatreKPIs {
        var configuration = try Fixtures.smallHospital()
        configuration.theatres?.releaseHeldBedsAfterMinutes = minutes
        // A busier ED than the fixture's, so that admitted patients wait for beds while lists run.
        configuration.emergencyDepartment.attendances = try HourOfWeekProfile(
            ratesPerHour: configuration.emergencyDepartment.attendances.ratesPerHour.map { $0 * 1.3 })
        return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 90), horizonDays: 90,
                                          warmUpDays: 20, streams: RandomStreams(masterSeed: 6)).kpis.theatres
    }

    @Test("with the bed meeting no operation is cancelled for want of a bed, unless long ED waits take held beds")
    func cancelledForEmergencies() throws {
        let kept = try Self.theatres(releaseAfter: nil)
        let released = try Self.theatres(releaseAfter: 240)
        #expect(kept.cancellations.noWardBed == 0 && kept.cancellations.noCriticalCareBed == 0)
        #expect(released.cancellations.noWardBed > 0, "\(released.cancellations)")
        // Every elective patient taken off a list goes back to it: the cases done fall by no more than those cancelled.
        #expect(released.electiveCases >= kept.electiveCases - released.cancellations.total)
    }
}

@Suite("the hospital model: removals from the waiting lists")
struct ListRemovalTests {
    @Test("patients leave the lists at the rate given, within the Poisson interval; none without a rate")
    func removals() throws {
        func run(_ rate: Double) throws -> HospitalKPIs {
            var configuration = try Fixtures.smallHospital()
            configuration.theatres?.listRemovalsPerYear = rate
            return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 60), horizonDays: 60,
                                              warmUpDays: 0, streams: RandomStreams(masterSeed: 31)).kpis
        }
        #expect(try run(0).theatres.removedFromLists == nil)
        let kpis = try run(2)
        let removed = try #require(kpis.theatres.removedFromLists)
        // Each day removes Poisson(list × 2 / 365); the list at each midnight is after that day's removals, so
        // add them back on average: expected ≈ Σ list × r / 365 × (1 + r / 365).
        let lists = try #require(kpis.flows.electiveWaitingList)
        let expected = lists.dropLast().reduce(0.0) { $0 + Double($1) * 2 / 365 } * (1 + 2.0 / 365)
        #expect(abs(Double(removed) - expected) < 4 * expected.squareRoot(), "\(removed) removed, \(expected) expected")
    }
}

@Suite("the hospital model: vacancies")
struct VacancyTests {
    static func staff(vacancy: Double, bankFill: Double) throws -> [StaffHoursKPIs] {
        var configuration = try Fixtures.smallHospital()
        configuration.staffing.absence = [:]
        configuration.staffing.vacancy = [.registeredNurse: vacancy]
        configuration.staffing.vacancyBankFill = bankFill
        configuration.staffing.vacancyAgencyFill = 0
        return try HospitalSimulation.run(try PreparedHospital(configuration, horizonDays: 60), horizonDays: 60,
                                          warmUpDays: 0, streams: RandomStreams(masterSeed: 12)).kpis.staff
    }

    @Test("a tenth of nurses' posts vacant: a tenth of their hours within the binomial interval, unpaid, and gaps unless filled")
    func vacantPosts() throws {
        let none = try Self.staff(vacancy: 0, bankFill: 0)
        let gaps = try Self.staff(vacancy: 0.1, bankFill: 0)
        let filled = try Self.staff(vacancy: 0.1, bankFill: 1)
        func nurses(_ rows: [StaffHoursKPIs], _ value: (StaffHoursKPIs) -> Double) -> Double {
            rows.filter { $0.group == .registeredNurse }.reduce(0) { $0 + value($1) }
        }
        let established = nurses(none, \.rosteredHours)
        #expect(nurses(none, { $0.vacantHours ?? -1 }) == 0)
        #expect(abs(nurses(gaps, \.rosteredHours) + nurses(gaps, { $0.vacantHours ?? 0 }) - established) < 1e-6)
        // Each post-shift is vacant with probability 0.1; the fixture's shifts are all 12.5 hours long.
        let trials = established / 12.5
        let share = nurses(gaps, { $0.vacantHours ?? 0 }) / established
        let tolerance = 4 * (0.1 * 0.9 / trials).squareRoot()
        #expect(abs(share - 0.1) < tolerance, "\(share) over \(trials) post-shifts, ±\(tolerance)")
        // Unfilled, the vacant hours are not worked; filled by bank, every one is worked by bank staff.
        #expect(abs(nurses(gaps, \.workedHours) - (established - nurses(gaps, { $0.vacantHours ?? 0 }))) < 1e-6)
        #expect(nurses(gaps, \.bankHours) == 0)
        #expect(abs(nurses(filled, \.workedHours) - established) < 1e-6)
        #expect(abs(nurses(filled, \.bankHours) - nurses(filled, { $0.vacantHours ?? 0 })) < 1e-6)
        // Other groups keep their posts.
        #expect(gaps.filter { $0.group != .registeredNurse }.allSatisfy { $0.vacantHours == 0 })
    }
}

@Suite("the hospital model: the forecast's staffed beds")
struct ForecastStaffedBedsTests {
    @Test("staffed beds are given as the replications had them: P10 ≤ mean ≤ P90, varying between replications")
    func staffedAsSeen() throws {
        let hospital = try PreparedHospital(try Fixtures.smallHospital(), horizonDays: 30)
        let runs = try (0..<6).map { seed in
            try HospitalSimulation.run(hospital, horizonDays: 30, warmUpDays: 0, streams: RandomStreams(masterSeed: UInt64(seed))).kpis
        }
        let forecast = BedForecast(scenario: "small", seed: 0, replications: runs)
        for series in forecast.series {
            for day in series.days {
                #expect(day.staffedBedsP10 <= day.staffedBeds + 1e-9 && day.staffedBeds <= day.staffedBedsP90 + 1e-9)
            }
        }
        #expect(forecast.series.contains { $0.days.contains { $0.staffedBedsP10 < $0.staffedBedsP90 } },
                "staffed beds vary between replications somewhere (absence, escalation)")
    }
}

@Suite("the hospital model: the warm-up report")
struct WarmUpReportTests {
    static func kpis(level: Double, slopePerDay: Double, days: Int, seed: UInt64) -> HospitalKPIs {
        var stream = RandomStream(seed: seed)
        var unit = UnitKPIs()
        unit.kind = .ward
        unit.midnightDemand = (0..<days).map { day in
            // A transient over the first 60 days, then the level with a trend and noise.
            let rise = min(1, Double(day) / 60)
            return Int((rise * level + slopePerDay * Double(day) + 6 * (stream.nextUniform() - 0.5)).rounded())
        }
        unit.midnightDemandInGroup = [Int](repeating: 0, count: days)
        var kpis = HospitalKPIs()
        kpis.units = [unit]
        kpis.flows = DailyFlowTable((0..<days).map { day in
            var flow = DailyFlow()
            flow.inHospital = unit.midnightDemand[day]
            return flow
        })
        return kpis
    }

    @Test("the transient is found and discarded; a material drift is warned of, a steady level is not")
    func transientAndDrift() {
        let steady = HospitalWarmUpReport(scenario: "steady", seed: 1, horizonDays: 400, scenarioWarmUpDays: 10,
                                          runs: (0..<8).map { Self.kpis(level: 200, slopePerDay: 0, days: 400, seed: $0) })
        let general = steady.series[0]
        #expect(steady.series.count == 2, "no critical-care units: no such series")
        #expect(general.analysis.suggestedWarmUpPeriods >= 30 && general.analysis.suggestedWarmUpPeriods <= 120,
                "\(general.analysis.suggestedWarmUpPeriods)")
        #expect(!general.driftsMaterially && steady.suggestedWarmUpDays > 10)
        // 0.05 a day on 200 is 9% a year: material.
        let drifting = HospitalWarmUpReport(scenario: "drifting", seed: 1, horizonDays: 400, scenarioWarmUpDays: 10,
                                            runs: (0..<8).map { Self.kpis(level: 200, slopePerDay: 0.05, days: 400, seed: 50 + $0) })
        #expect(drifting.series[0].driftsMaterially && drifting.series[0].yearlyDrift > 0.05)
    }
}
