// SwiftMACE, MIT licence.
// Atomic reference energies E0 (MACE.md §11.3, mace `scripts_utils.get_atomic_energies`): least squares over the
// training set (`compute_average_E0s`, np.linalg.lstsq), single-atom IsolatedAtom configurations, or given values.

import Atoms
import Foundation

public enum E0s {
    /// The configuration type mace takes isolated-atom energies from.
    public static let isolatedAtomType = "IsolatedAtom"

    /// E0 in eV for each atomic number in `zs`, as the `E0s` option asks.
    /// - Parameters:
    ///   - option: nil takes them from single-atom `IsolatedAtom` configurations of `configurations`.
    ///   - source: names the training file in errors.
    /// - Throws: `TrainingError` when an element has no value, or the JSON file cannot be read.
    public static func resolve(
        _ option: E0sOption?, zs: [Int], configurations: [Configuration], source: String
    ) throws -> [Int: Double] {
        switch option {
        case .average:
            return try average(zs: zs, configurations: configurations.filter { $0.configType != isolatedAtomType })
        case .values(let values):
            return try complete(values, zs: zs, from: "E0s")
        case .file(let path):
            return try complete(try readJSON(path), zs: zs, from: path)
        case nil:
            return try complete(isolatedAtoms(configurations), zs: zs, from: "\(source) (IsolatedAtom configurations)")
        }
    }

    /// mace's `compute_average_E0s`: E0 minimising ‖A·E0 − E‖ with A[b, z] the count of element z in
    /// configuration b; the minimum-norm solution when A is rank deficient, as `np.linalg.lstsq(rcond=None)`.
    /// - Throws: `TrainingError.invalidData` when a configuration has no energy, or there are none.
    public static func average(zs: [Int], configurations: [Configuration]) throws -> [Int: Double] {
        guard !configurations.isEmpty else { throw TrainingError.invalidData("E0s average: no training configurations") }
        let columns = Dictionary(uniqueKeysWithValues: zs.enumerated().map { ($0.element, $0.offset) })
        var rows: [[Double]] = []
        var energies: [Double] = []
        for (index, configuration) in configurations.enumerated() {
            guard let energy = configuration.energy else {
                throw TrainingError.invalidData("E0s average: configuration \(index) has no energy")
            }
            var row = [Double](repeating: 0, count: zs.count)
            for z in configuration.atomicNumbers {
                if let column = columns[z] { row[column] += 1 }
            }
            rows.append(row)
            energies.append(energy)
        }
        let solution = LeastSquares.minimumNorm(rows: rows, rhs: energies)
        return Dictionary(uniqueKeysWithValues: zip(zs, solution))
    }

    /// Energies of single-atom configurations of type `IsolatedAtom`, by atomic number.
    public static func isolatedAtoms(_ configurations: [Configuration]) -> [Int: Double] {
        var result: [Int: Double] = [:]
        for configuration in configurations where configuration.configType == isolatedAtomType
            && configuration.numAtoms == 1 {
            if let energy = configuration.energy { result[configuration.atomicNumbers[0]] = energy }
        }
        return result
    }

    private static func complete(_ values: [Int: Double], zs: [Int], from source: String) throws -> [Int: Double] {
        for z in zs where values[z] == nil {
            let symbol = Element.symbol(of: z) ?? "?"
            throw TrainingError.invalidData("\(source): no E0 for element \(z) (\(symbol))")
        }
        return values.filter { zs.contains($0.key) }
    }

    private static func readJSON(_ path: String) throws -> [Int: Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.invalidFile(path: path, reason: "cannot read E0s file")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrainingError.invalidFile(path: path, reason: "expected a JSON object mapping atomic numbers to energies")
        }
        var result: [Int: Double] = [:]
        for (key, value) in object {
            guard let z = Int(key), let energy = (value as? NSNumber)?.doubleValue, energy.isFinite else {
                throw TrainingError.invalidFile(path: path, reason: "key '\(key)': expected an atomic number and a number")
            }
            result[z] = energy
        }
        return result
    }
}
