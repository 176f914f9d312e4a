// SwiftMACE, MIT licence.
// RMD17Reader: revised-MD17 `.npz` files (nuclear_charges, coords, energies, forces in kcal/mol and Å) and
// sGDML `.npz` files (z, R, E, F) as configurations in eV and Å. See shared/data/SOURCES.md for the traps.

import Foundation
import Support

/// Reads rMD17 and sGDML `.npz` datasets.
public enum RMD17Reader {
    /// Reads every frame of an rMD17 (or sGDML) `.npz` file.
    ///
    /// Members: atomic numbers `nuclear_charges` (or `z`) `[numAtoms]`, positions `coords` (or `R`)
    /// `[frames, numAtoms, 3]` in Å, energies `[frames]` (or `[frames, 1]`) and forces `[frames, numAtoms, 3]`
    /// in kcal/mol and kcal/mol/Å, converted to eV with `Units.kcalPerMol`. With the default `keys` the energy
    /// and force members are `energies`/`forces` (or sGDML's `E`/`F`) and either may be absent; an explicitly
    /// chosen key (`keys.energy = "old_energies"`) names the member, which must exist. An sGDML `e_unit` of
    /// `eV` is honoured. Configurations have no cell and no periodicity.
    /// - Throws: `AtomsError` naming the file and member for a missing member, a shape that disagrees with
    ///   the others, an unknown atomic number or a non-finite value.
    public static func read(contentsOf url: URL, keys: PropertyKeys = PropertyKeys()) throws -> [Configuration] {
        let file = try NPZReader.file(contentsOf: url)
        let location = InputLocation(file: file.path)

        let numbersKey = try requiredMember(file, ["nuclear_charges", "z"], "atomic numbers [atoms]")
        let positionsKey = try requiredMember(file, ["coords", "R"], "positions [frames, atoms, 3] in Å")
        let energyKey = try labelMember(file, chosen: keys.energy, isDefault: keys.energy == PropertyKeys.defaultEnergy,
                                        defaults: ["energies", "E"], what: "energies [frames] in kcal/mol")
        let forcesKey = try labelMember(file, chosen: keys.forces, isDefault: keys.forces == PropertyKeys.defaultForces,
                                        defaults: ["forces", "F"], what: "forces [frames, atoms, 3] in kcal/mol/Å")
        try checkLengthUnit(file)
        let energyUnit = try energyUnitInEV(file)

        let numbersArray = try file.array(numbersKey)
        let numbers = try numbersArray.integers(at: location.key(numbersKey))
        guard numbersArray.shape.count == 1 else {
            throw AtomsError.shapeMismatch(
                location.key(numbersKey), found: "shape \(numbersArray.shapeDescription)", expected: "(atoms,)")
        }
        for number in numbers where Element.symbol(of: number) == nil {
            throw AtomsError.unknownElement(location.key(numbersKey), found: "\(number)")
        }
        let atomCount = numbers.count

        let positionsArray = try file.array(positionsKey)
        guard positionsArray.shape.count == 3, positionsArray.shape[1] == atomCount, positionsArray.shape[2] == 3 else {
            throw AtomsError.shapeMismatch(
                location.key(positionsKey), found: "shape \(positionsArray.shapeDescription)",
                expected: "(frames, \(atomCount), 3) for the \(atomCount) atoms of '\(numbersKey)'")
        }
        let frameCount = positionsArray.shape[0]
        let positions = try positionsArray.finiteReals(at: location.key(positionsKey))

        var energies: [Double]?
        if let energyKey {
            let array = try file.array(energyKey)
            guard array.shape == [frameCount] || array.shape == [frameCount, 1] else {
                throw AtomsError.shapeMismatch(
                    location.key(energyKey), found: "shape \(array.shapeDescription)",
                    expected: "(\(frameCount),): one energy per frame of '\(positionsKey)'")
            }
            energies = try array.finiteReals(at: location.key(energyKey)).map { $0 * energyUnit }
        }
        var forces: [Double]?
        if let forcesKey {
            let array = try file.array(forcesKey)
            guard array.shape == [frameCount, atomCount, 3] else {
                throw AtomsError.shapeMismatch(
                    location.key(forcesKey), found: "shape \(array.shapeDescription)",
                    expected: "(\(frameCount), \(atomCount), 3) as '\(positionsKey)'")
            }
            forces = try array.finiteReals(at: location.key(forcesKey)).map { $0 * energyUnit }
        }

        return (0..<frameCount).map { frame in
            let start = frame * atomCount * 3
            var configuration = Configuration(
                atomicNumbers: numbers, positions: positions.vectors3(from: start, count: atomCount))
            configuration.energy = energies?[frame]
            configuration.forces = forces?.vectors3(from: start, count: atomCount)
            return configuration
        }
    }

    private static func requiredMember(_ file: NPZFile, _ names: [String], _ what: String) throws -> String {
        guard let name = names.first(where: file.contains) else {
            throw AtomsError.missingKey(
                InputLocation(file: file.path), key: names[0],
                expected: "\(what) under '\(names.joined(separator: "' or '"))'; "
                    + "members: \(file.keys.joined(separator: ", "))")
        }
        return name
    }

    /// The member holding a label: the chosen key, or with mace's default key the first of `defaults` present.
    private static func labelMember(
        _ file: NPZFile, chosen: String, isDefault: Bool, defaults: [String], what: String
    ) throws -> String? {
        if isDefault { return defaults.first(where: file.contains) }
        guard file.contains(chosen) else {
            throw AtomsError.missingKey(
                InputLocation(file: file.path), key: chosen,
                expected: "\(what) under the chosen key; members: \(file.keys.joined(separator: ", "))")
        }
        return chosen
    }

    /// eV per file energy unit: kcal/mol (rMD17, and sGDML's usual `e_unit`) or eV.
    private static func energyUnitInEV(_ file: NPZFile) throws -> Double {
        guard file.contains("e_unit") else { return Units.kcalPerMol }
        let location = InputLocation(file: file.path, key: "e_unit")
        switch try file.array("e_unit").singleString {
        case "kcal/mol": return Units.kcalPerMol
        case "eV": return 1
        case let other:
            throw AtomsError.unsupportedFormat(location, reason: "energy unit '\(other ?? "?")'; expected kcal/mol or eV")
        }
    }

    /// sGDML records the length unit; only Ångström is accepted.
    private static func checkLengthUnit(_ file: NPZFile) throws {
        guard file.contains("r_unit") else { return }
        let unit = try file.array("r_unit").singleString
        guard unit == "Ang" || unit == "Angstrom" else {
            throw AtomsError.unsupportedFormat(
                InputLocation(file: file.path, key: "r_unit"), reason: "length unit '\(unit ?? "?")'; expected Ang")
        }
    }
}
