import Foundation

/// The backtest's shadow hospital as the tests build it: the general hospital (at `general`) with 245 attendances a
/// day and a winter swing, every stay and theatre time 15% longer — busier than the general hospital, its ED full in
/// December and its afternoon theatre lists about one case each.
enum BusyHospital {
    /// Writes the scenario as `busy.yaml` in `folder` and returns its path.
    static func write(in folder: URL, extending general: String) throws -> String {
        let file = folder.appendingPathComponent("busy.yaml").path
        let pathways = ["emergency_medical", "emergency_surgical", "elective_surgical", "elective_orthopaedic", "stroke", "frail_elderly"]
        try """
            name: busy
            extends: \(general)
            stay_scale: {\(pathways.map { "\($0): 1.15" }.joined(separator: ", "))}
            emergency_department:
              attendances_per_day: 245
              monthly_profile: [1.12, 1.10, 1.04, 0.98, 0.95, 0.92, 0.90, 0.92, 0.96, 1.01, 1.06, 1.12]

            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
