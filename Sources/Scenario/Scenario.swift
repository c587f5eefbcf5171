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

    /// The scenario's name.
    public var name: String { configuration.name }

    /// Reads, merges, validates and builds the scenario at `path`; throws every problem found, located.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let document = try ScenarioLoader.load(path: path)
        var problems: [ScenarioProblem] = []
        ScenarioValidator.validate(document, as: ScenarioSchema.document, path: "", problems: &problems)
        // The builder runs even when the schema found problems, so that a file's cross-references and meaning are
        // checked in the same pass and every problem is reported at once; a value the schema refused reads as a
        // placeholder there, and the configuration built from it is never used.
        var builder = ScenarioBuilder(document: document, path: path, tolerant: !problems.isEmpty)
        let built = builder.build()
        let schemaPaths = problems.map(\.path)
        problems += builder.problems.filter { problem in
            !schemaPaths.contains { $0 == problem.path || problem.path.hasPrefix($0 + ".") || problem.path.hasPrefix($0 + "[") }
        }
        // The model's own meaning checks, stated once in HospitalConfiguration.problems, reported at the line and
        // column of the setting's path, together with everything the builder found.
        // A setting the builder already found at fault (or one inside it) is not reported again in other words.
        if let (configuration, _, _) = built {
            let found = problems.map(\.path)
            problems += configuration.problems.filter { problem in
                !found.contains { $0 == problem.path || $0.hasPrefix(problem.path + ".") || $0.hasPrefix(problem.path + "[")
                    || problem.path.hasPrefix($0 + ".") || problem.path.hasPrefix($0 + "[") }
            }.map { problem in
                ScenarioProblem(location: document.node(atPath: problem.path).location, path: problem.path,
                                message: problem.message)
            }
        }
        guard problems.isEmpty, let (configuration, run, costs) = built else {
            throw ScenarioError(problems: Array(problems.sorted().prefix(ScenarioError.problemLimit)))
        }
        return Scenario(path: path, document: document, configuration: configuration, run: run, costs: costs)
    }

    /// The same scenario with its first day moved to `start` (a forecast from a census starts on the census's
    /// day): the document records the new start, so a stored run says when it began.
    public func starting(at start: LocalDateTime) -> Scenario {
        var configuration = configuration
        configuration.start = LocalDateTime(year: start.year, month: start.month, day: start.day)
        let location = document.location
        var document = document
        document.set("start", to: .scalar(start.dateDescription, location, quoted: false))
        return Scenario(path: path, document: document, configuration: configuration, run: run, costs: costs)
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
        if let model = document["twin_model"], let name = model.text, name != "built-in" {
            files.append(Self.resolve(name, besides: model.location.file))
        }
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

/// Builds a `HospitalConfiguration` from a valid document, reading absent keys from the schema's defaults, and
/// checks what the schema cannot: names that must refer to something (a roster's unit and shift, a session's
/// room), and the twin-model file.
struct ScenarioBuilder {
    let document: ScenarioNode
    let path: String
    /// True when the schema already found problems: a value it refused reads as a placeholder instead of trapping.
    let tolerant: Bool
    var problems: [ScenarioProblem] = []

    init(document: ScenarioNode, path: String, tolerant: Bool = false) {
        self.document = document
        self.path = path
        self.tolerant = tolerant
    }

    mutating func fail(_ node: ScenarioNode?, _ path: String, _ message: String) {
        problems.append(ScenarioProblem(location: node?.location ?? document.location, path: path, message: message))
    }

    // MARK: Reading values

    /// The node of `key` in `node` (an object of type `type`) as the file gives it, or nil. The builder reads
    /// keys only through this and `value`, which refuse a key the schema does not define for `type`: the schema is
    /// the one statement of the format's vocabulary, and a builder reading a key it lacks fails every test that
    /// builds a scenario.
    func given(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> ScenarioNode? {
        precondition(type.field(key) != nil, "the scenario schema defines no key '\(key)' here (\(type.summary))")
        return node?[key]
    }

    /// The node of `key` in `node` (an object of type `type`), or the schema's default for it, parsed.
    func value(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> ScenarioNode? {
        if let given = given(node, key, type) { return given }
        guard let text = type.field(key)?.defaultValue else { return nil }
        return Self.defaultNode(text, key: key)
    }

    static func defaultNode(_ text: String, key: String) -> ScenarioNode? {
        let file = "<default of \(key)>"
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return .scalar(text, SourceLocation(file: file, line: 1, column: 1), quoted: false)
            }
            var ignored: [ScenarioProblem] = []
            return ScenarioNode(node, file: file, problems: &ignored)
        } catch {
            preconditionFailure("the schema's default of \(key) is YAML: \(error)")
        }
    }

    /// The value of `key`, given or the schema's default: for keys that are required (present once the document
    /// is valid) or have a default in the schema, the one place defaults live. A key with neither is a programmer
    /// error in the schema, caught by any test that builds a scenario without it.
    func present<T: BuilderPlaceholder>(_ value: T?, _ key: String, _ type: SchemaType) -> T {
        guard let value else {
            if tolerant { return T.placeholder }
            preconditionFailure("the scenario schema must require '\(key)' or give it a default (\(type))")
        }
        return value
    }

    func intValue(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Int { present(int(node, key, type), key, type) }

    func numberValue(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Double {
        present(number(node, key, type), key, type)
    }

    func textValue(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> String { present(text(node, key, type), key, type) }

    func boolValue(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Bool { present(bool(node, key, type), key, type) }

    func timeValue(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> LocalTimeOfDay {
        present(time(node, key, type), key, type)
    }

    func int(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Int? {
        value(node, key, type)?.text.flatMap(ScenarioValues.integer)
    }

    func number(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Double? {
        value(node, key, type)?.text.flatMap(ScenarioValues.number)
    }

    func text(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> String? {
        value(node, key, type)?.text
    }

    func bool(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Bool? {
        value(node, key, type)?.text.flatMap(ScenarioValues.boolean)
    }

    func time(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> LocalTimeOfDay? {
        value(node, key, type)?.text.flatMap(LocalTimeParse.time).flatMap { LocalTimeOfDay(hour: $0.hour, minute: $0.minute) }
    }

    func days(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> Set<Weekday>? {
        guard let value = value(node, key, type), case .success(let days) = ScenarioValues.weekdays(value) else { return nil }
        return days
    }

    func distribution(_ node: ScenarioNode?, _ key: String, _ type: SchemaType, scale: Double = 1) -> DurationDistribution? {
        guard let value = value(node, key, type), case .success(let d) = ScenarioValues.distribution(value, scale: scale) else {
            return nil
        }
        return d
    }

    func numbers(_ node: ScenarioNode?, _ key: String, _ type: SchemaType) -> [Double] {
        (value(node, key, type)?.items ?? []).compactMap { $0.text.flatMap(ScenarioValues.number) }
    }

    // MARK: Building

    mutating func build() -> (HospitalConfiguration, RunSettings, CostModel)? {
        let schema = ScenarioSchema.document
        let name = textValue(document, "name", schema)
        let zoneName = textValue(document, "time_zone", schema)
        guard let zone = TimeZone(identifier: zoneName) else {
            fail(value(document, "time_zone", schema), "time_zone",
                 "unknown time zone '\(zoneName)': expected an IANA name such as Europe/London")
            return nil
        }
        let startText = textValue(document, "start", schema)
        let date = LocalTimeParse.date(startText)!
        let start = LocalDateTime(year: date.year, month: date.month, day: date.day)
        guard let twinModel = loadTwinModel() else { return nil }
        let runNode = value(document, "run", schema)
        let runType = schema.field("run")!.type
        let run = RunSettings(horizonDays: intValue(runNode, "horizon_days", runType),
                              warmUpDays: intValue(runNode, "warmup_days", runType),
                              replications: intValue(runNode, "replications", runType),
                              seed: UInt64(intValue(runNode, "seed", runType)))
        if run.warmUpDays >= run.horizonDays {
            fail(given(runNode, "warmup_days", runType), "run.warmup_days", "must be less than horizon_days (\(run.horizonDays))")
        }
        let units = buildUnits()
        guard let ed = buildEmergencyDepartment() else { return nil }
        let outlyingNode = value(document, "outlying", schema)
        let outlyingType = schema.field("outlying")!.type
        let outlying = OutlyingPolicy(allowed: boolValue(outlyingNode, "allowed", outlyingType),
                                      stayMultiplier: numberValue(outlyingNode, "stay_multiplier", outlyingType))
        let discharge = buildDischarge()
        let deterioration = buildDeterioration()
        let theatres = buildTheatres()
        let staffing = buildStaffing(units: units)
        let costs = buildCosts()
        var configuration = HospitalConfiguration(
            name: name, timeZone: zone, start: start, twinModel: twinModel, emergencyDepartment: ed, units: units,
            outlying: outlying, discharge: discharge, deterioration: deterioration, theatres: theatres, staffing: staffing)
        configuration.publicHolidays = Set((value(document, "public_holidays", schema)?.items ?? []).compactMap { item in
            item.text.flatMap(LocalTimeParse.date).map {
                Int(LocalDateTime(year: $0.year, month: $0.month, day: $0.day).localMinutesSinceEpoch / 1440)
            }
        })
        return (configuration, run, costs)
    }

    /// The cost model: the reference figures, overridden by what the file names.
    mutating func buildCosts() -> CostModel {
        var model = CostModel.reference
        let type = ScenarioSchema.costs
        guard let node = given(document, "costs", ScenarioSchema.document) else { return model }
        model.currency = text(node, "currency", type) ?? model.currency
        if !CurrencyCodes.active.contains(model.currency) {
            let hint = CurrencyCodes.active.contains(model.currency.uppercased()) ? "; did you mean '\(model.currency.uppercased())'?" : ""
            fail(given(node, "currency", type), "costs.currency", "must be an ISO 4217 currency code such as GBP, EUR or USD, found "
                + "'\(model.currency)'\(hint)")
        }
        if case .mapping(let pairs, _)? = given(node, "staff", type) {
            for pair in pairs {
                guard let group = StaffGroup(rawValue: pair.key), let hourly = number(pair.value, "hourly", ScenarioSchema.staffRate)
                else { continue }
                model.staff[group] = StaffRate(hourly: hourly,
                                               unsocialEnhancement: numberValue(pair.value, "unsocial", ScenarioSchema.staffRate),
                                               sundayEnhancement: numberValue(pair.value, "sunday", ScenarioSchema.staffRate))
            }
        }
        model.bankPremium = number(node, "bank_premium", type) ?? model.bankPremium
        model.agencyPremium = number(node, "agency_premium", type) ?? model.agencyPremium
        overlay(&model.bedDay, given(node, "bed_day", type))
        model.theatreMinute = number(node, "theatre_minute", type) ?? model.theatreMinute
        overlay(&model.bedMonth, given(node, "bed_month", type))
        model.overheadMonth = number(node, "overhead_month", type) ?? model.overheadMonth
        if let income = given(node, "income", type) {
            let incomeType = ScenarioSchema.income
            overlay(&model.spellIncome, given(income, "spells", incomeType))
            overlay(&model.criticalCareBedDayIncome, given(income, "critical_care_bed_day", incomeType))
            model.edAttendanceIncome = number(income, "ed_attendance", incomeType) ?? model.edAttendanceIncome
            model.cancelledOperationIncome = number(income, "cancelled_operation", incomeType) ?? model.cancelledOperationIncome
            model.readmissionPenalty = number(income, "readmission_penalty", incomeType) ?? model.readmissionPenalty
        }
        return model
    }

    /// Sets the amounts a mapping names (keys already checked against the vocabulary by the validator).
    func overlay<Key: RawRepresentable & Hashable>(_ amounts: inout [Key: Double], _ node: ScenarioNode?) where Key.RawValue == String {
        guard case .mapping(let pairs, _)? = node else { return }
        for pair in pairs {
            if let key = Key(rawValue: pair.key), let value = pair.value.text.flatMap(ScenarioValues.number) { amounts[key] = value }
        }
    }

    mutating func loadTwinModel() -> TwinModel? {
        let node = value(document, "twin_model", ScenarioSchema.document)
        let name = textValue(document, "twin_model", ScenarioSchema.document)
        if name == "built-in" { return .builtIn }
        let resolved = Scenario.resolve(name, besides: node?.location.file ?? path)
        do { return try TwinModelFile.read(path: resolved) } catch {
            fail(node, "twin_model", "cannot use \(name): " + error.problems.prefix(3).joined(separator: "; "))
            return nil
        }
    }

    mutating func buildEmergencyDepartment() -> EmergencyDepartmentConfiguration? {
        let type = ScenarioSchema.emergencyDepartment
        let node = given(document, "emergency_department", ScenarioSchema.document)
        let perDay = numberValue(node, "attendances_per_day", type)
        let hourly = numbers(node, "hourly_profile", type)
        let weekly = numbers(node, "weekday_profile", type)
        let hourTotal = hourly.reduce(0, +), weekTotal = weekly.reduce(0, +)
        if hourTotal <= 0 { fail(value(node, "hourly_profile", type), "emergency_department.hourly_profile", "needs an hour with a rate > 0") }
        if weekTotal <= 0 { fail(value(node, "weekday_profile", type), "emergency_department.weekday_profile", "needs a day with a rate > 0") }
        guard hourTotal > 0, weekTotal > 0, hourly.count == 24, weekly.count == 7 else { return nil }
        // Rate in hour h of day d: perDay × (weekday share × 7) × (hour share).
        var rates: [Double] = []
        for day in 0..<7 {
            for hour in 0..<24 { rates.append(perDay * weekly[day] / weekTotal * 7 * hourly[hour] / hourTotal) }
        }
        let profile: HourOfWeekProfile
        do { profile = try HourOfWeekProfile(ratesPerHour: rates) } catch {
            fail(node, "emergency_department", error.description)
            return nil
        }
        let triage = (given(node, "triage", type)?.items ?? []).compactMap { item -> TriageClass? in
            guard let category = int(item, "category", ScenarioSchema.triageClass).flatMap(TriageCategory.init),
                  let share = number(item, "share", ScenarioSchema.triageClass),
                  let admit = number(item, "admit", ScenarioSchema.triageClass)
            else { return nil }
            return TriageClass(category: category, share: share, admissionProbability: admit)
        }
        var seen: [TriageCategory: Bool] = [:]
        for (index, item) in triage.enumerated() {
            if seen[item.category] != nil {
                fail(given(node, "triage", type)?.items?[index], "emergency_department.triage[\(index)].category",
                     "category \(item.category.rawValue) appears twice")
            }
            seen[item.category] = true
        }
        var pathways: [Pathway: Double] = [:]
        if case .mapping(let pairs, _)? = given(node, "admitted_pathways", type) {
            for pair in pairs {
                if let pathway = Pathway(rawValue: pair.key), let share = pair.value.text.flatMap(ScenarioValues.number) {
                    pathways[pathway] = share
                }
            }
        }
        let cubicles = intValue(node, "cubicles", type)
        let capacity = int(node, "capacity", type)
        guard let assessment = distribution(node, "assessment_minutes", type),
              let discharged = distribution(node, "discharged_stay_minutes", type)
        else { return nil }
        return EmergencyDepartmentConfiguration(
            attendances: profile, cubicles: cubicles, capacity: capacity,
            boardingLimit: int(node, "boarding_limit", type), triage: triage, assessmentMinutes: assessment,
            dischargedStayMinutes: discharged, admittedPathways: pathways,
            targetMinutes: numberValue(node, "target_minutes", type))
    }

    mutating func buildUnits() -> [UnitConfiguration] {
        let type = ScenarioSchema.unit
        var units: [UnitConfiguration] = []
        var names: [String: Int] = [:]
        for (index, item) in (given(document, "units", ScenarioSchema.document)?.items ?? []).enumerated() {
            let name = textValue(item, "name", type)
            if let problem = UnitNames.problem(with: name) {
                fail(given(item, "name", type), "units[\(index)].name", problem)
            } else if let first = names[UnitNames.comparable(name)] {
                fail(given(item, "name", type), "units[\(index)].name",
                     "'\(name)' is already the name of units[\(first)] (names are compared ignoring case, spaces, '_' and '-'); "
                     + "names must be unique")
            }
            names[UnitNames.comparable(name)] = index
            let kind = UnitKind(rawValue: textValue(item, "type", type)) ?? .ward
            let specialties = Set((given(item, "specialties", type)?.items ?? []).compactMap { $0.text.flatMap(Specialty.init) })
            var escalation: EscalationRule?
            if let node = given(item, "escalation", type) {
                let rule = ScenarioSchema.escalation
                let openAt = numberValue(node, "open_at", rule)
                let closeBelow = numberValue(node, "close_below", rule)
                if closeBelow > openAt {
                    fail(given(node, "close_below", rule) ?? node, "units[\(index)].escalation.close_below",
                         "must not exceed open_at (\(ScenarioValues.plain(openAt))), found \(ScenarioValues.plain(closeBelow))")
                }
                escalation = EscalationRule(beds: intValue(node, "beds", rule), openAtOccupancy: openAt,
                                            closeBelowOccupancy: closeBelow)
            }
            units.append(UnitConfiguration(name: name, kind: kind, specialties: specialties, beds: intValue(item, "beds", type),
                                           escalation: escalation,
                                           turnaroundMinutes: distribution(item, "turnaround_minutes", type),
                                           electiveOnly: boolValue(item, "elective_only", type)))
        }
        return units
    }

    mutating func buildDischarge() -> DischargePolicy {
        let type = ScenarioSchema.document.field("discharge")!.type
        let node = value(document, "discharge", ScenarioSchema.document)
        let windows = (value(node, "windows", type)?.items ?? []).compactMap { item -> DischargeWindow? in
            let window = ScenarioSchema.window
            guard let days = days(item, "days", window), let from = time(item, "from", window),
                  let to = time(item, "to", window)
            else { return nil }
            return DischargeWindow(weekdays: days, from: from, to: to, share: numberValue(item, "share", window))
        }
        return DischargePolicy(windows: windows, careHomePlacementDays: distribution(node, "care_home_placement_days", type))
    }

    mutating func buildDeterioration() -> DeteriorationPolicy {
        let type = ScenarioSchema.document.field("deterioration")!.type
        let node = value(document, "deterioration", ScenarioSchema.document)
        let range = numbers(node, "news2", type).map { Int($0) }
        precondition(range.count == 2, "deterioration.news2 is a list of two, given or by the schema's default")
        var low = range[0], high = range[1]
        if low > high {
            fail(node?["news2"], "deterioration.news2", "the lowest must not exceed the highest, found [\(low), \(high)]")
            (low, high) = (high, low)
        }
        return DeteriorationPolicy(ratePerDay: numberValue(node, "per_day", type), news2Range: low...high,
                                   escalationNEWS2: intValue(node, "escalation_news2", type),
                                   responseMinutes: numberValue(node, "response_minutes", type),
                                   wardArrivalNEWS2Mean: number(node, "ward_arrival_news2_mean", type))
    }

    mutating func buildTheatres() -> TheatreConfiguration? {
        guard let node = given(document, "theatres", ScenarioSchema.document) else { return nil }
        let type = ScenarioSchema.theatres
        let rooms = intValue(node, "rooms", type)
        func window(_ key: String) -> (start: LocalTimeOfDay, end: LocalTimeOfDay) {
            let period = value(node, key, type)
            let start = timeValue(period, "from", ScenarioSchema.period)
            let end = timeValue(period, "to", ScenarioSchema.period)
            if end <= start { fail(period, "theatres.\(key)", "must end after it starts, found \(start) to \(end)") }
            return (start, end)
        }
        let morning = window("morning"), afternoon = window("afternoon")
        let demand = (value(node, "elective_demand", type)?.items ?? []).enumerated().compactMap { index, item -> ElectiveDemand? in
            let schema = ScenarioSchema.demand
            guard let specialty = text(item, "specialty", schema).flatMap(Specialty.init),
                  let pathway = text(item, "pathway", schema).flatMap(Pathway.init)
            else { return nil }
            return ElectiveDemand(specialty: specialty, pathway: pathway,
                                  referralsPerWeek: numberValue(item, "referrals_per_week", schema),
                                  initialWaitingList: intValue(item, "waiting_list", schema))
        }
        var sessions: [TheatreSession] = []
        for (index, item) in (value(node, "sessions", type)?.items ?? []).enumerated() {
            let schema = ScenarioSchema.session
            guard let room = int(item, "room", schema), let days = days(item, "days", schema),
                  let period = text(item, "period", schema).flatMap(SessionPeriod.init),
                  let specialty = text(item, "specialty", schema).flatMap(Specialty.init)
            else { continue }
            if room > rooms {
                fail(given(item, "room", schema), "theatres.sessions[\(index)].room", "must be a room from 1 to \(rooms), found \(room)")
            }
            if !demand.contains(where: { $0.specialty == specialty }) {
                fail(given(item, "specialty", schema), "theatres.sessions[\(index)].specialty",
                     "\(specialty.rawValue) has no elective_demand entry to fill its lists")
            }
            for day in days.sorted() { sessions.append(TheatreSession(room: room, weekday: day, period: period, specialty: specialty)) }
        }
        var booked: [String: Int] = [:]
        for (index, session) in sessions.enumerated() {
            let key = "\(session.room)|\(session.weekday.rawValue)|\(session.period.rawValue)"
            if booked[key] != nil {
                fail(given(node, "sessions", type), "theatres.sessions", "room \(session.room) has two \(session.period.rawValue) "
                    + "sessions on \(session.weekday)")
            }
            booked[key] = index
        }
        return TheatreConfiguration(
            rooms: rooms, emergencyRooms: intValue(node, "emergency_rooms", type), morning: morning, afternoon: afternoon,
            sessions: sessions, turnaroundMinutes: numberValue(node, "turnaround_minutes", type),
            allowedOverrunMinutes: numberValue(node, "allowed_overrun_minutes", type),
            recoveryBays: int(node, "recovery_bays", type), bedMeeting: boolValue(node, "bed_meeting", type),
            demand: demand)
    }

    mutating func buildStaffing(units: [UnitConfiguration]) -> StaffingConfiguration {
        let type = ScenarioSchema.staff
        let node = value(document, "staff", ScenarioSchema.document)
        var shifts: [ShiftPattern] = []
        for (index, item) in (value(node, "shifts", type)?.items ?? []).enumerated() {
            let schema = ScenarioSchema.shift
            guard let name = text(item, "name", schema), let from = time(item, "from", schema), let to = time(item, "to", schema)
            else { continue }
            if shifts.contains(where: { $0.name == name }) {
                fail(given(item, "name", schema), "staff.shifts[\(index)].name", "'\(name)' is already a shift's name")
            }
            shifts.append(ShiftPattern(name: name, start: from, end: to))
        }
        var roster: [RosterLine] = []
        for (index, item) in (value(node, "rosters", type)?.items ?? []).enumerated() {
            let schema = ScenarioSchema.roster
            let path = "staff.rosters[\(index)]"
            let unitName = textValue(item, "unit", schema)
            let place: StaffPlace
            switch NamedPlace(unitName, units: units) {
            case .emergencyDepartment: place = .emergencyDepartment
            case .theatres: place = .theatres
            case .unit(let unit): place = .unit(unit)
            case .discharged, nil:
                let hint = Suggestion.nearest(to: unitName, in: units.map(\.name) + ["emergency_department", "theatres"])
                    .map { "; did you mean '\($0)'?" } ?? ""
                fail(given(item, "unit", schema), "\(path).unit", "no unit named '\(unitName)'\(hint)")
                continue
            }
            let shiftName = textValue(item, "shift", schema)
            guard let shift = shifts.firstIndex(where: { $0.name == shiftName }) else {
                let hint = Suggestion.nearest(to: shiftName, in: shifts.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                fail(given(item, "shift", schema), "\(path).shift", "no shift named '\(shiftName)' in staff.shifts\(hint)")
                continue
            }
            guard let group = text(item, "group", schema).flatMap(StaffGroup.init) else { continue }
            switch (place, group) {
            case (.theatres, .registeredNurse), (.theatres, .healthcareAssistant), (.theatres, .doctor):
                break  // theatre staff other than teams are counted for hours only
            case (.unit, .theatreTeam), (.emergencyDepartment, .theatreTeam):
                fail(given(item, "group", schema), "\(path).group", "theatre teams work in theatres, not in \(unitName)")
            default:
                break
            }
            roster.append(RosterLine(place: place, group: group, shift: shift,
                                     weekdays: days(item, "days", schema) ?? Set(Weekday.allCases),
                                     headcount: intValue(item, "headcount", schema)))
        }
        var absence: [StaffGroup: Double] = [:]
        if case .mapping(let pairs, _)? = value(node, "absence", type) {
            for pair in pairs {
                if let group = StaffGroup(rawValue: pair.key), let rate = pair.value.text.flatMap(ScenarioValues.number) {
                    absence[group] = rate
                }
            }
        }
        let ratiosNode = value(node, "ratios", type)
        let ratiosType = ScenarioSchema.ratios
        var ward: [String: Double] = [:]
        if case .mapping(let pairs, _)? = value(ratiosNode, "ward", ratiosType) {
            for pair in pairs {
                guard shifts.contains(where: { $0.name == pair.key }) else {
                    fail(pair.value, "staff.ratios.ward.\(pair.key)", "no shift named '\(pair.key)' in staff.shifts")
                    continue
                }
                ward[pair.key] = pair.value.text.flatMap(ScenarioValues.number)
            }
        }
        let ratios = NurseRatios(level0: ward, defaultLevel0: numberValue(ratiosNode, "ward_default", ratiosType),
                                 level1: numberValue(ratiosNode, "level_1", ratiosType),
                                 level2: numberValue(ratiosNode, "level_2", ratiosType),
                                 level3: numberValue(ratiosNode, "level_3", ratiosType))
        return StaffingConfiguration(shifts: shifts, roster: roster, absence: absence,
                                     bankFill: numberValue(node, "bank_fill", type),
                                     agencyFill: numberValue(node, "agency_fill", type), ratios: ratios)
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
extension LocalTimeOfDay: BuilderPlaceholder { static var placeholder: LocalTimeOfDay { LocalTimeOfDay(hour: 0)! } }
