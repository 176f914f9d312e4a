// SwiftMACE, MIT licence.
// E0sOption: the `E0s` option (mace `scripts_utils.get_atomic_energies`): "average", a JSON file, or an explicit
// mapping from atomic number to energy. Absent (null) means: take them from IsolatedAtom configurations.

import Foundation

/// How the atomic reference energies E0 are obtained (MACE.md §11.3).
public enum E0sOption: OptionValue, Hashable {
    /// Least squares over the training set (`compute_average_E0s`).
    case average
    /// Energies in eV by atomic number, as `{1: -13.6, 8: -2041.9}`.
    case values([Int: Double])
    /// A JSON file holding such a mapping (keys are atomic numbers as strings).
    case file(String)

    public static var expectation: String {
        "'average', a .json file, or a mapping from atomic number to energy such as {1: -13.6, 8: -2041.9}"
    }

    public init?(option raw: RawOptionValue) {
        var mapping = raw
        if case .scalar(let text) = raw {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed == "average" { self = .average; return }
            if trimmed.hasSuffix(".json") { self = .file(trimmed); return }
            guard trimmed.hasPrefix("{"), let parsed = try? YAMLValue.parse(trimmed) else { return nil }
            mapping = parsed
        }
        guard case .mapping(let keys, let values) = mapping, !keys.isEmpty else { return nil }
        var energies: [Int: Double] = [:]
        for (key, value) in zip(keys, values) {
            guard let z = Int(key.trimmingCharacters(in: .whitespaces)), (1...118).contains(z),
                  let energy = Double(option: value) else { return nil }
            energies[z] = energy
        }
        self = .values(energies)
    }

    public var optionText: String {
        switch self {
        case .average: "average"
        case .file(let path): path
        case .values(let energies):
            "{" + energies.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
