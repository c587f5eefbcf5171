import Finance
import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Yams

/// The defaults a scenario gives `hospital-twin run`.
public struct RunSettings: Sendable, Hashable {
    /// Days simulated.
    public var horizonDays: Int
    /// Days before measuring.
    public var warmUpDays: Int
    /// Replications.
    public var replications: Int
    /// The master seed.
    public var seed: UInt64

    /// Run settings.
    public init(horizonDays: Int, warmUpDays: Int, replications: Int, seed: UInt64) {
        self.horizonDays = horizonDays
        self.warmUpDays = warmUpDays
        self.replications = replications
        self.seed = seed
    }
}

/// A scenario read from its file (and the files it extends), checked whole and built into the model's
/// configuration.
///
///     let scenario = try Scenario.load(path: "scenarios/general-hospital.yaml")
///     scenario.configuration   // a HospitalConfiguration
public struct Scenario: Sendable {
    /// The file it was read from.
    public let path: String
    /// The merged document (the variant over its bases), with every node's location.
    public let document: ScenarioNode
    /// The model's configuration.
    public let configuration: HospitalConfiguration
    /// The run defaults.
    public let run: RunSettings
    /// The prices of the cost report (`CostModel.reference` where the file names none).
    public let costs: CostModel
    /// The feed's point-of-care codes and the place each means (`locations:`): a unit, the emergency department, or
    /// the theatres (with recovery).
    public let locations: [String: NamedPlace]

    /// The scenario's name.
    public var name: String { configuration.name }

    /// Reads, merges, checks and builds the scenario at `path`; throws every problem found, located.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        try build(document: try ScenarioLoader.load(path: path), path: path)
    }

    /// Checks and builds a merged document (from `ScenarioLoader`) read from `path`; throws every problem found,
    /// located. Twin model files are read relative to the file each key was written in.
    public static func build(document: ScenarioNode, path: String) throws(ScenarioError) -> Scenario {
        // One pass: the builder reads the document through the decoder, which checks each value against the schema
        // where it is read; the model's own meaning checks (HospitalConfiguration.problems, stated once) then run
        // on what was built, reported at the line and column of the setting's path. A setting already found at
        // fault (or one inside it, or around it) is not reported again in other words.
        var builder = ScenarioBuilder(document: document, path: path)
        let built = builder.build()
        var problems = builder.decoder.finish()
        if let (configuration, _, _, _) = built {
            let found = problems.map(\.path)
            problems += configuration.problems.filter { problem in
                !found.contains { $0 == problem.path || $0.hasPrefix(problem.path + ".") || $0.hasPrefix(problem.path + "[")
                    || problem.path.hasPrefix($0 + ".") || problem.path.hasPrefix($0 + "[") }
            }.map { problem in
                ScenarioProblem(location: document.node(atPath: problem.path).location, path: problem.path,
                                message: problem.message)
            }
        }
        guard problems.isEmpty, let (configuration, run, costs, locations) = built else {
            throw ScenarioError(problems: Array(problems.sorted().prefix(ScenarioError.problemLimit)))
        }
        return Scenario(path: path, document: document, configuration: configuration, run: run, costs: costs,
                        locations: locations)
    }

    /// Rebuilds a stored scenario from its canonical JSON (`canonicalJSON`: the merged document, so nothing is
    /// extended again); `label` names it in messages. A document that names a twin model file reads the model from
    /// `twinModelFile` instead (where the caller put the stored model's text), so no file of the machine that stored
    /// it is needed.
    public static func rebuild(canonicalJSON: Data, label: String, twinModelFile: String?) throws(ScenarioError) -> Scenario {
        var document = try ScenarioLoader.parse(data: canonicalJSON, file: label)
        if let twinModelFile, let model = document["twin_model"], model.text != "built-in" {
            document.set("twin_model", to: .scalar(twinModelFile, model.location, quoted: true))
        }
        return try build(document: document, path: label)
    }

    /// The twin model file the scenario names (its path as resolved), nil for the built-in model.
    public var twinModelFile: String? {
        guard let model = document["twin_model"], let name = model.text, name != "built-in" else { return nil }
        return Self.resolve(name, besides: model.location.file)
    }

    /// The same scenario with its start moved to `start`, to the minute (a forecast from a census starts at the
    /// census's time): the document records the new start, so a stored run, and a shard worker, begin at it.
    public func starting(at start: LocalDateTime) -> Scenario {
        var configuration = configuration
        configuration.start = LocalDateTime(year: start.year, month: start.month, day: start.day, hour: start.hour,
                                            minute: start.minute)
        let location = document.location
        var document = document
        let midnight = start.hour == 0 && start.minute == 0
        document.set("start", to: .scalar(midnight ? start.dateDescription : start.description, location, quoted: false))
        return Scenario(path: path, document: document, configuration: configuration, run: run, costs: costs,
                        locations: locations)
    }

    /// A path a scenario file names (a base, a twin model), relative to the file that names it unless absolute.
    static func resolve(_ name: String, besides file: String) -> String {
        name.hasPrefix("/") ? name : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Every file the scenario was read from: its own, the scenarios it extends, and its twin model file. A command
    /// must not write its output over any of them.
    public var sourceFiles: [String] {
        var files: [String] = []
        func walk(_ node: ScenarioNode) {
            let file = node.location.file
            if !file.hasPrefix("<"), !files.contains(file) { files.append(file) }
            switch node {
            case .mapping(let pairs, _): pairs.forEach { walk($0.value) }
            case .sequence(let items, _): items.forEach(walk)
            case .scalar: break
            }
        }
        walk(document)
        if let model = twinModelFile { files.append(model) }
        return files
    }

    /// The merged document as canonical JSON (sorted keys, no whitespace): what identifies a scenario's content,
    /// whatever its file's layout, comments or order of keys.
    public var canonicalJSON: Data {
        do {
            return try JSONSerialization.data(withJSONObject: document.plainValue, options: [.sortedKeys, .fragmentsAllowed])
        } catch {
            preconditionFailure("a scenario's plain value holds only JSON types: \(error)")
        }
    }
}

/// Builds a `HospitalConfiguration` from the document in one pass through `ScenarioDecoder`, and checks what the
/// schema cannot: names that must refer to something (a roster's unit and shift, a session's room), and the
/// twin-model file. Every value of an item is read before any is used, so that each wrong value is reported.
struct ScenarioBuilder {
    let document: ScenarioNode
    let path: String
    var decoder = ScenarioDecoder()

    init(document: ScenarioNode, path: String) {
        self.document = document
        self.path = path
    }

    typealias Mapping = ScenarioDecoder.Mapping

    mutating func fail(_ node: ScenarioNode?, _ path: String, _ message: String) {
        decoder.fail(node?.location ?? document.location, path, message)
    }

    // MARK: Building

    mutating func build() -> (HospitalConfiguration, RunSettings, CostModel, [String: NamedPlace])? {
        guard let root = decoder.open(document, as: ScenarioSchema.document) else { return nil }
        let name = decoder.textValue(root, "name")
        _ = decoder.text(root, "description")
        _ = decoder.text(root, "extends")  // followed by the loader, which refuses a base it cannot read
        let zoneName = decoder.text(root, "time_zone")
        let zone = zoneName.flatMap(TimeZone.init(identifier:))
        if let zoneName, zone == nil {
            fail(root.given("time_zone"), "time_zone", "unknown time zone '\(zoneName)': expected an IANA name such as Europe/London")
        }
        let start = decoder.dateTime(decoder.value(root, "start"))
        let holidays = decoder.items(root, "public_holidays").compactMap { decoder.date($0) }
        let twinModel = loadTwinModel(root)
        let runNode = decoder.objectOrDefaults(root, "run")
        let horizon = decoder.int(runNode, "horizon_days"), warmUp = decoder.int(runNode, "warmup_days")
        if let horizon, let warmUp, warmUp >= horizon {
            fail(runNode.given("warmup_days"), "run.warmup_days", "must be less than horizon_days (\(horizon))")
        }
        let run = RunSettings(horizonDays: decoder.present(horizon, runNode, "horizon_days"),
                              warmUpDays: decoder.present(warmUp, runNode, "warmup_days"),
                              replications: decoder.intValue(runNode, "replications"),
                              seed: UInt64(decoder.intValue(runNode, "seed")))
        let ed = buildEmergencyDepartment(root)
        let units = buildUnits(root)
        let outlyingNode = decoder.objectOrDefaults(root, "outlying")
        let outlying = OutlyingPolicy(allowed: decoder.boolValue(outlyingNode, "allowed"),
                                      stayMultiplier: decoder.numberValue(outlyingNode, "stay_multiplier"))
        var fullCapacity: FullCapacityProtocol?
        if let fcp = decoder.object(root, "full_capacity_protocol") {
            fullCapacity = FullCapacityProtocol(declareAtBoarders: decoder.intValue(fcp, "declare_at_boarders"),
                                                standDownAtBoarders: decoder.intValue(fcp, "stand_down_at_boarders"),
                                                extraPatientsPerWard: decoder.intValue(fcp, "extra_patients_per_ward"))
        }
        let discharge = buildDischarge(root)
        let deterioration = buildDeterioration(root)
        let theatres = buildTheatres(root)
        let staffing = buildStaffing(root, units: units)
        let costs = buildCosts(root)
        let locations = buildLocations(root, units: units)
        var stayScale: [Pathway: Double] = [:]
        for entry in decoder.entries(root, "stay_scale") {
            if let factor = decoder.number(entry.value), let pathway = Pathway(rawValue: entry.key) { stayScale[pathway] = factor }
        }
        guard let zone, let start, let twinModel, let ed else { return nil }
        var configuration = HospitalConfiguration(
            name: name, timeZone: zone, start: start, twinModel: twinModel, emergencyDepartment: ed, units: units,
            outlying: outlying, discharge: discharge, deterioration: deterioration, theatres: theatres, staffing: staffing)
        configuration.publicHolidays = Set(holidays.map { Int($0.localMinutesSinceEpoch / 1440) })
        configuration.fullCapacityProtocol = fullCapacity
        configuration.stayScale = stayScale
        configuration.stayScaleSpread = decoder.number(root, "stay_scale_spread") ?? 0
        return (configuration, run, costs, locations)
    }

    /// `locations:`: each code to a unit of this scenario or the emergency department.
    mutating func buildLocations(_ root: Mapping, units: [UnitConfiguration]) -> [String: NamedPlace] {
        var places: [String: NamedPlace] = [:]
        let lookup = NamedPlace.Lookup(units: units)
        for entry in decoder.entries(root, "locations") {
            guard let name = decoder.text(entry.value) else { continue }
            switch lookup.place(name) {
            case .unit(let unit): places[entry.key] = .unit(unit)
            case .emergencyDepartment: places[entry.key] = .emergencyDepartment
            case .theatres: places[entry.key] = .theatres
            case .discharged, nil:
                let hint = Suggestion.nearest(to: name, in: units.map(\.name) + ["emergency_department", "theatres"])
                    .map { "; did you mean '\($0)'?" } ?? ""
                fail(entry.value.node, entry.value.path,
                     "no unit named '\(name)'\(hint) (a location maps to a unit of this scenario, emergency_department or theatres)")
            }
        }
        return places
    }

    /// The cost model: the reference figures, overridden by what the file names.
    mutating func buildCosts(_ root: Mapping) -> CostModel {
        var model = CostModel.reference
        guard root.given("costs") != nil, let node = decoder.object(root, "costs") else { return model }
        if let currency = decoder.text(node, "currency") {
            model.currency = currency
            if !CurrencyCodes.active.contains(currency) {
                let hint = CurrencyCodes.active.contains(currency.uppercased()) ? "; did you mean '\(currency.uppercased())'?" : ""
                fail(node.given("currency"), "costs.currency", "must be an ISO 4217 currency code such as GBP, EUR or USD, found "
                    + "'\(currency)'\(hint)")
            }
        }
        if node.given("staff") != nil {
            for entry in decoder.entries(node, "staff") {
                guard let rate = decoder.open(entry.value) else { continue }
                let hourly = decoder.number(rate, "hourly")
                let unsocial = decoder.numberValue(rate, "unsocial"), sunday = decoder.numberValue(rate, "sunday")
                guard let group = StaffGroup(rawValue: entry.key), let hourly else { continue }
                model.staff[group] = StaffRate(hourly: hourly, unsocialEnhancement: unsocial, sundayEnhancement: sunday)
            }
        }
        if node.given("bank_premium") != nil { model.bankPremium = decoder.number(node, "bank_premium") ?? model.bankPremium }
        if node.given("agency_premium") != nil { model.agencyPremium = decoder.number(node, "agency_premium") ?? model.agencyPremium }
        overlay(&model.bedDay, node, "bed_day")
        if node.given("theatre_minute") != nil { model.theatreMinute = decoder.number(node, "theatre_minute") ?? model.theatreMinute }
        overlay(&model.bedMonth, node, "bed_month")
        if node.given("overhead_month") != nil { model.overheadMonth = decoder.number(node, "overhead_month") ?? model.overheadMonth }
        if node.given("income") != nil, let income = decoder.object(node, "income") {
            overlay(&model.spellIncome, income, "spells")
            overlay(&model.criticalCareBedDayIncome, income, "critical_care_bed_day")
            if income.given("ed_attendance") != nil {
                model.edAttendanceIncome = decoder.number(income, "ed_attendance") ?? model.edAttendanceIncome
            }
            if income.given("cancelled_operation") != nil {
                model.cancelledOperationIncome = decoder.number(income, "cancelled_operation") ?? model.cancelledOperationIncome
            }
            if income.given("readmission_penalty") != nil {
                model.readmissionPenalty = decoder.number(income, "readmission_penalty") ?? model.readmissionPenalty
            }
        }
        return model
    }

    /// Sets the amounts the file's mapping under `key` names; the rest keep the reference's.
    mutating func overlay<Key: RawRepresentable & Hashable>(_ amounts: inout [Key: Double], _ node: Mapping, _ key: String)
        where Key.RawValue == String
    {
        guard node.given(key) != nil else { return }
        for entry in decoder.entries(node, key) {
            if let amount = decoder.number(entry.value), let key = Key(rawValue: entry.key) { amounts[key] = amount }
        }
    }

    mutating func loadTwinModel(_ root: Mapping) -> TwinModel? {
        guard let name = decoder.text(root, "twin_model") else { return nil }
        if name == "built-in" { return .builtIn }
        let node = root.given("twin_model")
        let resolved = Scenario.resolve(name, besides: node?.location.file ?? path)
        do { return try TwinModelFile.read(path: resolved) } catch {
            fail(node, "twin_model", "cannot use \(name): " + error.problems.prefix(3).joined(separator: "; "))
            return nil
        }
    }

    mutating func buildEmergencyDepartment(_ root: Mapping) -> EmergencyDepartmentConfiguration? {
        guard let node = decoder.object(root, "emergency_department") else { return nil }
        let perDay = decoder.number(node, "attendances_per_day")
        let hourly = decoder.numbers(node, "hourly_profile")
        let weekly = decoder.numbers(node, "weekday_profile")
        let monthly = decoder.numbers(node, "monthly_profile")
        let hourOfWeek = decoder.numbers(node, "hour_of_week_profile")
        if let hourOfWeek, hourOfWeek.reduce(0, +) <= 0 {
            fail(node.given("hour_of_week_profile"), "emergency_department.hour_of_week_profile",
                 "needs an hour with a rate > 0")
        }
        if let monthly, monthly.reduce(0, +) <= 0 {
            fail(node.given("monthly_profile"), "emergency_department.monthly_profile", "needs a month with a rate > 0")
        }
        if let hourly, hourly.reduce(0, +) <= 0 {
            fail(node.given("hourly_profile"), "emergency_department.hourly_profile", "needs an hour with a rate > 0")
        }
        if let weekly, weekly.reduce(0, +) <= 0 {
            fail(node.given("weekday_profile"), "emergency_department.weekday_profile", "needs a day with a rate > 0")
        }
        var triage: [TriageClass] = []
        var seen: Set<TriageCategory> = []
        for item in decoder.items(node, "triage") {
            guard let fields = decoder.open(item) else { continue }
            let category = decoder.int(fields, "category").flatMap(TriageCategory.init)
            let share = decoder.number(fields, "share"), admit = decoder.number(fields, "admit")
            guard let category, let share, let admit else { continue }
            if !seen.insert(category).inserted {
                fail(fields.given("category"), item.path + ".category", "category \(category.rawValue) appears twice")
            }
            triage.append(TriageClass(category: category, share: share, admissionProbability: admit))
        }
        var pathways: [Pathway: Double] = [:]
        for entry in decoder.entries(node, "admitted_pathways") {
            if let share = decoder.number(entry.value), let pathway = Pathway(rawValue: entry.key) { pathways[pathway] = share }
        }
        let cubicles = decoder.intValue(node, "cubicles")
        let capacity = decoder.int(node, "capacity")
        let boardingLimit = decoder.int(node, "boarding_limit")
        let target = decoder.numberValue(node, "target_minutes")
        let assessment = decoder.distribution(node, "assessment_minutes")
        let discharged = decoder.distribution(node, "discharged_stay_minutes")
        var sameDayCare: SameDayEmergencyCare?
        if let sdec = decoder.object(node, "same_day_emergency_care") {
            let places = decoder.intValue(sdec, "places"), share = decoder.numberValue(sdec, "share")
            let opens = decoder.timeValue(sdec, "opens"), closes = decoder.timeValue(sdec, "closes")
            let triage = decoder.items(sdec, "triage").compactMap { decoder.int($0).flatMap(TriageCategory.init) }
            if let stay = decoder.distribution(sdec, "stay_minutes") {
                sameDayCare = SameDayEmergencyCare(places: places, opens: opens, closes: closes, triage: Set(triage),
                                                   share: share, stayMinutes: stay)
            }
        }
        guard let perDay, let hourly, let weekly, let assessment, let discharged else { return nil }
        let hourTotal = hourly.reduce(0, +), weekTotal = weekly.reduce(0, +)
        guard hourTotal > 0, weekTotal > 0 else { return nil }
        // Rate in hour h of day d: perDay × (weekday share × 7) × (hour share); or perDay × 7 × (hour-of-week share).
        var rates: [Double] = []
        if let hourOfWeek {
            let total = hourOfWeek.reduce(0, +)
            guard total > 0 else { return nil }
            rates = hourOfWeek.map { perDay * 7 * $0 / total }
        } else {
            for day in 0..<7 {
                for hour in 0..<24 { rates.append(perDay * weekly[day] / weekTotal * 7 * hourly[hour] / hourTotal) }
            }
        }
        let profile: HourOfWeekProfile
        do { profile = try HourOfWeekProfile(ratesPerHour: rates) } catch {
            fail(root.given("emergency_department"), "emergency_department", error.description)
            return nil
        }
        var configuration = EmergencyDepartmentConfiguration(
            attendances: profile, cubicles: cubicles, capacity: capacity, boardingLimit: boardingLimit, triage: triage,
            assessmentMinutes: assessment, dischargedStayMinutes: discharged, admittedPathways: pathways,
            targetMinutes: target)
        configuration.sameDayEmergencyCare = sameDayCare
        if let monthly, monthly.reduce(0, +) > 0 {
            do { configuration.monthlyProfile = try MonthOfYearProfile(relativeRates: monthly) } catch {
                fail(node.given("monthly_profile"), "emergency_department.monthly_profile", error.description)
            }
        }
        return configuration
    }

    mutating func buildUnits(_ root: Mapping) -> [UnitConfiguration] {
        var units: [UnitConfiguration] = []
        var names: [String: Int] = [:]
        for (index, item) in decoder.items(root, "units").enumerated() {
            guard let fields = decoder.open(item) else { continue }
            let name = decoder.text(fields, "name")
            if let name {
                if let problem = UnitNames.problem(with: name) {
                    fail(fields.given("name"), "\(item.path).name", problem)
                } else if let first = names[UnitNames.comparable(name)] {
                    fail(fields.given("name"), "\(item.path).name",
                         "'\(name)' is already the name of units[\(first)] (names are compared ignoring case, spaces, '_' and '-'); "
                         + "names must be unique")
                }
                names[UnitNames.comparable(name)] = index
            }
            let kind = decoder.choice(fields, "type", as: UnitKind.self)
            let specialties = decoder.items(fields, "specialties").compactMap { decoder.choice($0, as: Specialty.self) }
            var escalation: EscalationRule?
            if let rule = decoder.object(fields, "escalation") {
                let beds = decoder.intValue(rule, "beds")
                let openAt = decoder.numberValue(rule, "open_at")
                let closeBelow = decoder.numberValue(rule, "close_below")
                if closeBelow > openAt {
                    fail(rule.given("close_below") ?? rule.node, "\(item.path).escalation.close_below",
                         "must not exceed open_at (\(ScenarioValues.plain(openAt))), found \(ScenarioValues.plain(closeBelow))")
                }
                escalation = EscalationRule(beds: beds, openAtOccupancy: openAt, closeBelowOccupancy: closeBelow)
            }
            let beds = decoder.intValue(fields, "beds")
            let turnaround = decoder.distribution(fields, "turnaround_minutes")
            let electiveOnly = decoder.boolValue(fields, "elective_only")
            units.append(UnitConfiguration(name: decoder.present(name, fields, "name"), kind: decoder.present(kind, fields, "type"),
                                           specialties: Set(specialties),
                                           beds: beds, escalation: escalation, turnaroundMinutes: turnaround,
                                           electiveOnly: electiveOnly))
        }
        return units
    }

    mutating func buildDischarge(_ root: Mapping) -> DischargePolicy {
        let node = decoder.objectOrDefaults(root, "discharge")
        let windows = decoder.items(node, "windows").compactMap { item -> DischargeWindow? in
            guard let fields = decoder.open(item) else { return nil }
            let days = decoder.days(fields, "days"), from = decoder.time(fields, "from"), to = decoder.time(fields, "to")
            let share = decoder.numberValue(fields, "share")
            guard let days, let from, let to else { return nil }
            return DischargeWindow(weekdays: days, from: from, to: to, share: share)
        }
        return DischargePolicy(windows: windows, careHomePlacementDays: decoder.distribution(node, "care_home_placement_days"))
    }

    mutating func buildDeterioration(_ root: Mapping) -> DeteriorationPolicy {
        let node = decoder.objectOrDefaults(root, "deterioration")
        let range = decoder.numbers(node, "news2").map { $0.map { Int($0) } }
        var low = range?.first ?? 0, high = range?.last ?? 0
        if low > high {
            fail(node.given("news2"), "deterioration.news2", "the lowest must not exceed the highest, found [\(low), \(high)]")
            (low, high) = (high, low)
        }
        return DeteriorationPolicy(ratePerDay: decoder.numberValue(node, "per_day"), news2Range: low...high,
                                   escalationNEWS2: decoder.intValue(node, "escalation_news2"),
                                   responseMinutes: decoder.numberValue(node, "response_minutes"),
                                   wardArrivalNEWS2Mean: decoder.number(node, "ward_arrival_news2_mean"))
    }

    mutating func buildTheatres(_ root: Mapping) -> TheatreConfiguration? {
        guard let node = decoder.object(root, "theatres") else { return nil }
        let rooms = decoder.intValue(node, "rooms")
        func window(_ key: String) -> (start: LocalTimeOfDay, end: LocalTimeOfDay) {
            let period = decoder.objectOrDefaults(node, key)
            let start = decoder.time(period, "from"), end = decoder.time(period, "to")
            if let start, let end, end <= start {
                fail(period.node, "theatres.\(key)", "must end after it starts, found \(start) to \(end)")
            }
            return (decoder.present(start, period, "from"), decoder.present(end, period, "to"))
        }
        let morning = window("morning"), afternoon = window("afternoon")
        let demand = decoder.items(node, "elective_demand").compactMap { item -> ElectiveDemand? in
            guard let fields = decoder.open(item) else { return nil }
            let specialty = decoder.choice(fields, "specialty", as: Specialty.self)
            let pathway = decoder.choice(fields, "pathway", as: Pathway.self)
            let referrals = decoder.numberValue(fields, "referrals_per_week")
            let waiting = decoder.intValue(fields, "waiting_list")
            guard let specialty, let pathway else { return nil }
            return ElectiveDemand(specialty: specialty, pathway: pathway, referralsPerWeek: referrals, initialWaitingList: waiting)
        }
        var sessions: [TheatreSession] = []
        for item in decoder.items(node, "sessions") {
            guard let fields = decoder.open(item) else { continue }
            let room = decoder.int(fields, "room"), days = decoder.days(fields, "days")
            let period = decoder.choice(fields, "period", as: SessionPeriod.self)
            let specialty = decoder.choice(fields, "specialty", as: Specialty.self)
            guard let room, let days, let period, let specialty else { continue }
            if room > rooms {
                fail(fields.given("room"), "\(item.path).room", "must be a room from 1 to \(rooms), found \(room)")
            }
            if !demand.contains(where: { $0.specialty == specialty }) {
                fail(fields.given("specialty"), "\(item.path).specialty",
                     "\(specialty.rawValue) has no elective_demand entry to fill its lists")
            }
            for day in days.sorted() { sessions.append(TheatreSession(room: room, weekday: day, period: period, specialty: specialty)) }
        }
        var booked: Set<String> = []
        for session in sessions where !booked.insert("\(session.room)|\(session.weekday.rawValue)|\(session.period.rawValue)").inserted {
            fail(node.given("sessions"), "theatres.sessions", "room \(session.room) has two \(session.period.rawValue) "
                + "sessions on \(session.weekday)")
        }
        let onHolidays = decoder.boolValue(node, "public_holiday_sessions")
        let releaseHeldBeds = decoder.number(node, "release_held_beds_after_minutes")
        let removals = decoder.numberValue(node, "list_removals_per_year")
        var configuration = TheatreConfiguration(
            rooms: rooms, emergencyRooms: decoder.intValue(node, "emergency_rooms"), morning: morning, afternoon: afternoon,
            sessions: sessions, turnaroundMinutes: decoder.numberValue(node, "turnaround_minutes"),
            allowedOverrunMinutes: decoder.numberValue(node, "allowed_overrun_minutes"),
            recoveryBays: decoder.int(node, "recovery_bays"), bedMeeting: decoder.boolValue(node, "bed_meeting"),
            demand: demand)
        configuration.sessionsOnPublicHolidays = onHolidays
        configuration.releaseHeldBedsAfterMinutes = releaseHeldBeds
        configuration.listRemovalsPerYear = removals
        return configuration
    }

    mutating func buildStaffing(_ root: Mapping, units: [UnitConfiguration]) -> StaffingConfiguration {
        let node = decoder.objectOrDefaults(root, "staff")
        var shifts: [ShiftPattern] = []
        for item in decoder.items(node, "shifts") {
            guard let fields = decoder.open(item) else { continue }
            let name = decoder.text(fields, "name"), from = decoder.time(fields, "from"), to = decoder.time(fields, "to")
            guard let name, let from, let to else { continue }
            if shifts.contains(where: { $0.name == name }) {
                fail(fields.given("name"), "\(item.path).name", "'\(name)' is already a shift's name")
            }
            shifts.append(ShiftPattern(name: name, start: from, end: to))
        }
        var roster: [RosterLine] = []
        let places = NamedPlace.Lookup(units: units)
        for item in decoder.items(node, "rosters") {
            guard let fields = decoder.open(item) else { continue }
            let unitName = decoder.text(fields, "unit"), shiftName = decoder.text(fields, "shift")
            let group = decoder.choice(fields, "group", as: StaffGroup.self)
            let days = decoder.days(fields, "days"), headcount = decoder.int(fields, "headcount")
            guard let unitName, let shiftName else { continue }
            let place: StaffPlace
            switch places.place(unitName) {
            case .emergencyDepartment: place = .emergencyDepartment
            case .theatres: place = .theatres
            case .unit(let unit): place = .unit(unit)
            case .discharged, nil:
                let hint = Suggestion.nearest(to: unitName, in: units.map(\.name) + ["emergency_department", "theatres"])
                    .map { "; did you mean '\($0)'?" } ?? ""
                fail(fields.given("unit"), "\(item.path).unit", "no unit named '\(unitName)'\(hint)")
                continue
            }
            guard let shift = shifts.firstIndex(where: { $0.name == shiftName }) else {
                let hint = Suggestion.nearest(to: shiftName, in: shifts.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                fail(fields.given("shift"), "\(item.path).shift", "no shift named '\(shiftName)' in staff.shifts\(hint)")
                continue
            }
            guard let group, let days, let headcount else { continue }
            switch (place, group) {
            case (.unit, .theatreTeam), (.emergencyDepartment, .theatreTeam):
                fail(fields.given("group"), "\(item.path).group", "theatre teams work in theatres, not in \(unitName)")
            default:
                break  // theatre staff other than teams are counted for hours only
            }
            roster.append(RosterLine(place: place, group: group, shift: shift, weekdays: days, headcount: headcount))
        }
        var absence: [StaffGroup: Double] = [:]
        for entry in decoder.entries(node, "absence") {
            if let rate = decoder.number(entry.value), let group = StaffGroup(rawValue: entry.key) { absence[group] = rate }
        }
        let ratiosNode = decoder.objectOrDefaults(node, "ratios")
        var ward: [String: Double] = [:]
        for entry in decoder.entries(ratiosNode, "ward") {
            let ratio = decoder.number(entry.value)
            guard shifts.contains(where: { $0.name == entry.key }) else {
                fail(entry.value.node, entry.value.path, "no shift named '\(entry.key)' in staff.shifts")
                continue
            }
            ward[entry.key] = ratio
        }
        let ratios = NurseRatios(level0: ward, defaultLevel0: decoder.numberValue(ratiosNode, "ward_default"),
                                 level1: decoder.numberValue(ratiosNode, "level_1"),
                                 level2: decoder.numberValue(ratiosNode, "level_2"),
                                 level3: decoder.numberValue(ratiosNode, "level_3"))
        var vacancy: [StaffGroup: Double] = [:]
        for entry in decoder.entries(node, "vacancy") {
            if let rate = decoder.number(entry.value), let group = StaffGroup(rawValue: entry.key) { vacancy[group] = rate }
        }
        var staffing = StaffingConfiguration(shifts: shifts, roster: roster, absence: absence,
                                             bankFill: decoder.numberValue(node, "bank_fill"),
                                             agencyFill: decoder.numberValue(node, "agency_fill"), ratios: ratios)
        staffing.vacancy = vacancy
        staffing.vacancyBankFill = decoder.numberValue(node, "vacancy_bank_fill")
        staffing.vacancyAgencyFill = decoder.numberValue(node, "vacancy_agency_fill")
        return staffing
    }
}

/// A value the builder reads in place of one the schema refused, so that it can go on checking the rest of the
/// file; a configuration built with one is never used.
protocol BuilderPlaceholder {
    static var placeholder: Self { get }
}

extension Int: BuilderPlaceholder { static var placeholder: Int { 0 } }
extension Double: BuilderPlaceholder { static var placeholder: Double { 0 } }
extension String: BuilderPlaceholder { static var placeholder: String { "" } }
extension Bool: BuilderPlaceholder { static var placeholder: Bool { false } }
extension UnitKind: BuilderPlaceholder { static var placeholder: UnitKind { .ward } }
extension LocalTimeOfDay: BuilderPlaceholder { static var placeholder: LocalTimeOfDay { LocalTimeOfDay(hour: 0)! } }
