import CSVFiles
import Foundation

/// A model file that cannot be used: which file, where in it, and what is wrong — every problem found.
public struct TwinModelFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// Each problem, with its path in the file.
    public let problems: [String]

    /// "model.json: pathways.ward.states…: …", one line per problem.
    public var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
}

/// Reads and writes twin models as JSON:
///
///     {
///       "format": "hospital-twin/patient-twin-model", "version": 1,
///       "description": "…", "covariates": ["age10", "charlson", "frailty", "news2"],
///       "pathways": { "emergency_medical": { "ed": {
///           "sojourn": { "family": "lognormal", "mu": 5.48, "sigma": 0.5,
///                        "time_effects": { "age10": 0.0, "charlson": 0.0, "frailty": 0.0, "news2": 0.0 } },
///           "transitions": [ { "to": "assessment_unit", "intercept": 0.0, "effects": { … } }, … ] }, … }, … },
///       "readmission": { "intercept": -3.89, "per_point": { "L": 0.19, "A": 0.19, "C": 0.19, "E": 0.19 },
///                        "delay_days": { "family": "weibull", "shape": 0.9, "scale": 12.0, "truncated_at": 30 } }
///     }
///
/// Times are minutes; gamma and Weibull have "shape" and "scale", lognormal "mu" and "sigma" (of log minutes).
/// The first transition of a state is the reference category (its intercept and effects are 0).
public enum TwinModelFile {
    /// The model as pretty-printed JSON with sorted keys (stable diffs). Throws when the model has problems
    /// (a non-finite number cannot be written as JSON).
    public static func encode(_ model: TwinModel) throws(TwinModelFileError) -> Data {
        let problems = model.problems
        guard problems.isEmpty else { throw TwinModelFileError(file: "<model>", problems: problems) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(FileDTO(model)) } catch {
            throw TwinModelFileError(file: "<model>", problems: ["cannot encode: \(error)"])
        }
    }

    /// Writes the model to `path`, completely or not at all.
    public static func write(_ model: TwinModel, to path: String) throws {
        let file = try AtomicFile(path: path)
        file.handle.write(try encode(model))
        try file.commit()
    }

    /// Reads a model file and checks it; throws with every problem found.
    public static func read(path: String) throws(TwinModelFileError) -> TwinModel {
        let data: Data
        do { data = try InputFile.read(path, .twinModel) } catch {
            throw TwinModelFileError(file: path, problems: [error.message])
        }
        return try decode(data, file: path)
    }

    /// Decodes and checks a model.
    public static func decode(_ data: Data, file: String = "<model>") throws(TwinModelFileError) -> TwinModel {
        let dto: FileDTO
        do {
            dto = try JSONDecoder().decode(FileDTO.self, from: data)
        } catch let error as DecodingError {
            throw TwinModelFileError(file: file, problems: [describe(error)])
        } catch {
            throw TwinModelFileError(file: file, problems: ["not valid JSON: \(error.localizedDescription)"])
        }
        var problems: [String] = []
        for (key, present) in [("format", dto.formatValue != nil), ("version", dto.versionValue != nil),
                               ("pathways", dto.pathwaysValue != nil), ("readmission", dto.readmissionValue != nil),
                               ("readmission.per_point", dto.readmissionValue == nil || dto.readmissionValue?.perPointValue != nil),
                               ("readmission.delay_days", dto.readmissionValue == nil || dto.readmissionValue?.delayDaysValue != nil),
                               ("readmission.intercept", dto.readmissionValue == nil || dto.readmissionValue?.interceptValue != nil)]
            where !present
        {
            problems.append("\(key): missing")
        }
        guard problems.isEmpty else { throw TwinModelFileError(file: file, problems: problems) }
        if dto.format != TwinModel.formatName {
            problems.append("format: expected \"\(TwinModel.formatName)\", found \"\(dto.format)\"")
        }
        if dto.version != TwinModel.formatVersion {
            problems.append("version: this program reads version \(TwinModel.formatVersion), the file is version "
                + "\(dto.version)" + (dto.version > TwinModel.formatVersion ? " (written by a newer hospital-twin)" : ""))
        }
        if let covariates = dto.covariates, covariates != Covariate.allCases.map(\.rawValue) {
            problems.append("covariates: expected \(Covariate.allCases.map(\.rawValue)), found \(covariates)")
        }
        var pathways: [PathwayModel] = []
        for (pathwayName, states) in dto.pathways.sorted(by: { $0.key < $1.key }) {
            guard let pathway = Pathway(rawValue: pathwayName) else {
                problems.append("pathways.\(pathwayName): unknown pathway; expected one of "
                    + Pathway.allCases.map(\.rawValue).joined(separator: ", "))
                continue
            }
            var models: [StateModel] = []
            for (stateName, stateDTO) in states.sorted(by: { $0.key < $1.key }) {
                let path = "pathways.\(pathwayName).\(stateName)"
                guard let state = CareState(rawValue: stateName), !state.isDischarge else {
                    problems.append("\(path): unknown unit; expected one of "
                        + CareState.units.map(\.rawValue).joined(separator: ", "))
                    continue
                }
                guard let sojourn = stateDTO.sojourn.model(path: "\(path).sojourn", problems: &problems) else { continue }
                var destinations: [TransitionModel.Destination] = []
                for (index, transition) in stateDTO.transitions.enumerated() {
                    guard let destination = CareState(rawValue: transition.to) else {
                        problems.append("\(path).transitions[\(index)].to: unknown state \"\(transition.to)\"; "
                            + "expected one of " + CareState.allCases.map(\.rawValue).joined(separator: ", "))
                        continue
                    }
                    destinations.append(TransitionModel.Destination(
                        destination, intercept: transition.intercept,
                        effects: effects(transition.effects, path: "\(path).transitions[\(index)].effects",
                                         problems: &problems)))
                }
                models.append(StateModel(state: state, sojourn: sojourn,
                                         transitions: TransitionModel(destinations: destinations)))
            }
            pathways.append(PathwayModel(pathway: pathway, states: CareState.units.compactMap { unit in
                models.first { $0.state == unit }
            }))
        }
        let r = dto.readmission
        if r.delayDays.family != SojournFamily.weibull.rawValue {
            problems.append("readmission.delay_days.family: expected \"weibull\", found \"\(r.delayDays.family)\"")
        }
        if let truncation = r.delayDays.truncatedAt, truncation != 30 {
            problems.append("readmission.delay_days.truncated_at: expected 30, found \(truncation)")
        }
        for key in ["L", "A", "C", "E"] where r.perPoint[key] == nil {
            problems.append("readmission.per_point.\(key): missing")
        }
        pathways.sort { $0.pathway.ordinal < $1.pathway.ordinal }
        let model = TwinModel(
            description: dto.description ?? "", pathways: pathways,
            readmission: ReadmissionModel(intercept: r.intercept, lengthOfStay: r.perPoint["L"] ?? 0,
                                          acuity: r.perPoint["A"] ?? 0, comorbidity: r.perPoint["C"] ?? 0,
                                          emergencyVisits: r.perPoint["E"] ?? 0, delayShape: r.delayDays.shape ?? 0,
                                          delayScaleDays: r.delayDays.scale ?? 0))
        if problems.isEmpty { problems = model.problems }
        if !problems.isEmpty { throw TwinModelFileError(file: file, problems: problems) }
        return model
    }

    static func effects(_ values: [String: Double]?, path: String, problems: inout [String]) -> CovariateEffects {
        let values = values ?? [:]
        for key in values.keys.sorted() where Covariate(rawValue: key) == nil {
            problems.append("\(path).\(key): unknown covariate; expected one of "
                + Covariate.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var effects = CovariateEffects.none
        for covariate in Covariate.allCases { effects[covariate] = values[covariate.rawValue] ?? 0 }
        return effects
    }

    static func dictionary(_ effects: CovariateEffects) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: Covariate.allCases.map { ($0.rawValue, effects[$0]) })
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(top level)" : text)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let prefix = path(context)
            return "\(prefix == "(top level)" ? "" : prefix + ".")\(key.stringValue): missing"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(describe(type)), found null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: "a number"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }
}

// MARK: - The file's shape

private struct FileDTO: Codable {
    var formatValue: String?
    var versionValue: Int?
    var description: String?
    var covariates: [String]?
    var pathwaysValue: [String: [String: StateDTO]]?
    var readmissionValue: ReadmissionDTO?

    var format: String { formatValue ?? "" }
    var version: Int { versionValue ?? 0 }
    var pathways: [String: [String: StateDTO]] { pathwaysValue ?? [:] }
    var readmission: ReadmissionDTO { readmissionValue! }

    enum CodingKeys: String, CodingKey {
        case formatValue = "format"
        case versionValue = "version"
        case description, covariates
        case pathwaysValue = "pathways"
        case readmissionValue = "readmission"
    }

    init(_ model: TwinModel) {
        formatValue = TwinModel.formatName
        versionValue = TwinModel.formatVersion
        description = model.description
        covariates = Covariate.allCases.map(\.rawValue)
        var pathways: [String: [String: StateDTO]] = [:]
        for pathway in model.pathways {
            var states: [String: StateDTO] = [:]
            for state in pathway.states { states[state.state.rawValue] = StateDTO(state) }
            pathways[pathway.pathway.rawValue] = states
        }
        pathwaysValue = pathways
        let r = model.readmission
        readmissionValue = ReadmissionDTO(interceptValue: r.intercept,
                                          perPointValue: ["L": r.lengthOfStay, "A": r.acuity, "C": r.comorbidity,
                                                          "E": r.emergencyVisits],
                                          delayDaysValue: DelayDTO(family: "weibull", shape: r.delayShape,
                                                                   scale: r.delayScaleDays, truncatedAt: 30))
    }
}

private struct StateDTO: Codable {
    var sojourn: SojournDTO
    var transitions: [TransitionDTO]

    init(_ state: StateModel) {
        sojourn = SojournDTO(state.sojourn)
        transitions = state.transitions.destinations.map { destination in
            TransitionDTO(to: destination.state.rawValue, intercept: destination.intercept,
                          effects: TwinModelFile.dictionary(destination.effects))
        }
    }
}

private struct SojournDTO: Codable {
    var family: String
    var mu: Double?
    var sigma: Double?
    var shape: Double?
    var scale: Double?
    var timeEffects: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case family, mu, sigma, shape, scale
        case timeEffects = "time_effects"
    }

    init(_ model: SojournModel) {
        family = model.family.rawValue
        switch model.distribution {
        case .lognormal(let mu, let sigma):
            self.mu = mu
            self.sigma = sigma
        case .gamma(let shape, let scale), .weibull(let shape, let scale):
            self.shape = shape
            self.scale = scale
        }
        timeEffects = TwinModelFile.dictionary(model.timeEffects)
    }

    func model(path: String, problems: inout [String]) -> SojournModel? {
        guard let family = SojournFamily(rawValue: family) else {
            problems.append("\(path).family: expected one of lognormal, gamma, weibull; found \"\(family)\"")
            return nil
        }
        func require(_ value: Double?, _ name: String) -> Double? {
            if value == nil { problems.append("\(path).\(name): missing") }
            return value
        }
        let distribution: SojournDistribution
        switch family {
        case .lognormal:
            guard let mu = require(mu, "mu"), let sigma = require(sigma, "sigma") else { return nil }
            distribution = .lognormal(mu: mu, sigma: sigma)
        case .gamma:
            guard let shape = require(shape, "shape"), let scale = require(scale, "scale") else { return nil }
            distribution = .gamma(shape: shape, scaleMinutes: scale)
        case .weibull:
            guard let shape = require(shape, "shape"), let scale = require(scale, "scale") else { return nil }
            distribution = .weibull(shape: shape, scaleMinutes: scale)
        }
        return SojournModel(distribution,
                            timeEffects: TwinModelFile.effects(timeEffects, path: "\(path).time_effects", problems: &problems))
    }
}

private struct TransitionDTO: Codable {
    var to: String
    var intercept: Double
    var effects: [String: Double]?
}

private struct ReadmissionDTO: Codable {
    var interceptValue: Double?
    var perPointValue: [String: Double]?
    var delayDaysValue: DelayDTO?

    var intercept: Double { interceptValue ?? 0 }
    var perPoint: [String: Double] { perPointValue ?? [:] }
    var delayDays: DelayDTO { delayDaysValue ?? DelayDTO(family: "weibull", shape: nil, scale: nil, truncatedAt: nil) }

    enum CodingKeys: String, CodingKey {
        case interceptValue = "intercept"
        case perPointValue = "per_point"
        case delayDaysValue = "delay_days"
    }
}

private struct DelayDTO: Codable {
    var family: String
    var shape: Double?
    var scale: Double?
    var truncatedAt: Double?

    enum CodingKeys: String, CodingKey {
        case family, shape, scale
        case truncatedAt = "truncated_at"
    }
}
