// SwiftMACE, MIT licence.
// Moves labels out of extxyz info and columns into a Configuration: energy, forces, stress, virials (by
// PropertyKeys) and mace-torch's config_type and weights (mace/data/utils.py, `config_from_atoms`).

import Support

/// How extxyz names and lays out labels, shared by the reader and the writer.
enum ExtXYZLabels {
    /// mace-torch's per-configuration keys (`config_from_atoms`).
    static let configTypeKey = "config_type"
    static let weightKey = "config_weight"
    static let energyWeightKey = "config_energy_weight"
    static let forcesWeightKey = "config_forces_weight"
    static let stressWeightKey = "config_stress_weight"
    static let virialsWeightKey = "config_virials_weight"

    /// Keys that the reader consumes itself and that therefore never stay in `info`.
    static let structuralKeys: Set<String> = ["Lattice", "Properties", "pbc"]

    /// The mace/ASE weight keys with the Configuration field each one sets.
    static var weightFields: [(key: String, field: WritableKeyPath<Configuration, Double>)] {
        [
            (weightKey, \.weight), (energyWeightKey, \.energyWeight), (forcesWeightKey, \.forcesWeight),
            (stressWeightKey, \.stressWeight), (virialsWeightKey, \.virialsWeight),
        ]
    }

    /// Whether nine numbers under `key` are column-major. ASE reshapes `stress` and `virial` (its
    /// SPECIAL_3_3_KEYS, with `Lattice`) in Fortran order; mace-torch views any other 9-vector row-major.
    static func isColumnMajor(_ key: String) -> Bool { key == "stress" || key == "virial" }

    /// A 3×3 tensor from 9 numbers (row- or column-major by key) or 6 Voigt numbers xx yy zz yz xz xy.
    static func tensor(_ value: InfoValue, key: String, location: InputLocation) throws -> Matrix3 {
        guard let numbers = value.doublesValue else {
            throw AtomsError.malformed(
                location.key(key), found: ExtXYZValueText.text(of: value),
                expected: "6 (Voigt) or 9 (3×3) real numbers")
        }
        switch numbers.count {
        case 9:
            let matrix = Matrix3(rowMajor: numbers)
            return isColumnMajor(key) ? matrix.transposed : matrix
        case 6:
            let (xx, yy, zz, yz, xz, xy) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
            return Matrix3(rows: SIMD3(xx, xy, xz), SIMD3(xy, yy, yz), SIMD3(xz, yz, zz))
        default:
            throw AtomsError.shapeMismatch(
                location.key(key), found: "\(numbers.count) numbers",
                expected: "6 (Voigt) or 9 (3×3) real numbers")
        }
    }

    /// The nine numbers written for a tensor under `key`, in the order `tensor` reads them back.
    static func tensorNumbers(_ matrix: Matrix3, key: String) -> [Double] {
        isColumnMajor(key) ? matrix.transposed.rowMajor : matrix.rowMajor
    }

    /// Takes the labels out of `info` and `arrays` and stores them in `configuration`, leaving the rest.
    static func apply(
        to configuration: inout Configuration, info: inout OrderedFields<InfoValue>,
        arrays: inout OrderedFields<PerAtomColumn>, keys: PropertyKeys, location: InputLocation
    ) throws {
        if let key = keys.energyCandidates.first(where: { info[$0] != nil }),
            let value = info.removeValue(forKey: key)
        {
            configuration.energy = try real(value, key: key, location: location)
        }
        if let key = keys.forcesCandidates.first(where: { arrays[$0] != nil }),
            let column = arrays.removeValue(forKey: key)
        {
            configuration.forces = try vectors(column, key: key, location: location)
        }
        if let key = keys.stressCandidates.first(where: { info[$0] != nil }),
            let value = info.removeValue(forKey: key)
        {
            configuration.stress = try tensor(value, key: key, location: location)
        }
        if let key = keys.virialsCandidates.first(where: { info[$0] != nil }),
            let value = info.removeValue(forKey: key)
        {
            configuration.virials = try tensor(value, key: key, location: location)
        }
        if let value = info.removeValue(forKey: configTypeKey) {
            configuration.configType = try text(value, key: configTypeKey, location: location)
        }
        for (key, field) in weightFields {
            if let value = info.removeValue(forKey: key) {
                configuration[keyPath: field] = try real(value, key: key, location: location)
            }
        }
    }

    private static func real(_ value: InfoValue, key: String, location: InputLocation) throws -> Double {
        guard let number = value.doubleValue else {
            throw AtomsError.malformed(
                location.key(key), found: ExtXYZValueText.text(of: value), expected: "a real number")
        }
        return number
    }

    private static func vectors(
        _ column: PerAtomColumn, key: String, location: InputLocation
    ) throws -> [SIMD3<Double>] {
        guard case .reals(let values) = column.values, column.width == 3 else {
            throw AtomsError.shapeMismatch(
                location.key(key), found: "column '\(key)' is not R:3", expected: "\(key):R:3")
        }
        return stride(from: 0, to: values.count, by: 3).map { SIMD3(values[$0], values[$0 + 1], values[$0 + 2]) }
    }

    /// mace-torch uses config_type as given; a number or boolean is kept as the text it was written as.
    private static func text(_ value: InfoValue, key: String, location: InputLocation) throws -> String {
        switch value {
        case .string(let text): return text
        case .int, .double, .bool: return ExtXYZValueText.text(of: value)
        default:
            throw AtomsError.malformed(
                location.key(key), found: ExtXYZValueText.text(of: value), expected: "a single word or quoted text")
        }
    }
}
