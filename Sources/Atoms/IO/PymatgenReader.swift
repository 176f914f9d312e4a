// SwiftMACE, MIT licence.
// PymatgenReader: JSON lists of `{structure: pymatgen Structure.as_dict(), outputs: {energy, forces,
// virial_stress}}` entries, as the mlearn datasets store them, read as configurations in eV, Å and eV/Å³.

import Foundation
import Support

/// Reads mlearn-style JSON datasets of pymatgen structures with VASP outputs.
public enum PymatgenReader {
    /// The top-level entry keys that are not copied to `info`.
    static let structuralKeys: Set<String> = ["structure", "outputs"]

    /// Reads every entry of a JSON list.
    ///
    /// Per entry: `structure.lattice.matrix` (rows are lattice vectors, Å), `structure.lattice.pbc` if present
    /// (else periodic in all directions), `structure.sites[]` with Cartesian `xyz` (Å; fractional `abc` when
    /// `xyz` is absent) and the element of `species[0].element` (or the site `label`). Labels come from
    /// `outputs`: with mace's default `keys`, `energy` (eV), `forces` (`[numAtoms][3]`, eV/Å) and
    /// `virial_stress` (kbar, VASP order xx yy zz xy yz zx, positive = compressive), each optional; an explicit
    /// key names the `outputs` member, which must exist (a stress key is read in the `virial_stress`
    /// convention). The stress becomes ASE's σ = −virial_stress × `Units.kilobar` (eV/Å³), symmetric 3×3.
    /// `config_type` is the entry's `group` (else `tag`); other top-level strings, numbers and booleans go to
    /// `info`, sorted by key.
    /// - Throws: `AtomsError` naming the file and JSON path (`training.json: key '[12].outputs.forces'`) of a
    ///   missing or malformed value, an unknown element or a disordered site.
    public static func read(contentsOf url: URL, keys: PropertyKeys = PropertyKeys()) throws -> [Configuration] {
        let location = InputLocation(file: url.relativePath)
        let root = try JSONNode.parse(try NPYParser.readBytes(of: url, at: location), file: url.relativePath)
        return try root.elements().map { try configuration(from: $0, keys: keys) }
    }

    private static func configuration(from entry: JSONNode, keys: PropertyKeys) throws -> Configuration {
        let structure = try entry.member("structure", "a pymatgen Structure dictionary")
        let lattice = try structure.member("lattice", "a lattice with a 3×3 'matrix' (Å)")
        let rows = try lattice.member("matrix", "the 3×3 lattice matrix (rows are lattice vectors, Å)")
            .elements(count: 3).map { try $0.vector3() }
        let cell = Matrix3(rows: rows[0], rows[1], rows[2])
        var pbc = PBC.all
        if let periodic = try lattice.optionalMember("pbc") {
            let flags = try periodic.elements(count: 3).map { try $0.bool() }
            pbc = PBC(flags[0], flags[1], flags[2])
        }

        var numbers: [Int] = []
        var positions: [SIMD3<Double>] = []
        for site in try structure.member("sites", "a list of sites").elements() {
            numbers.append(try atomicNumber(of: site))
            if let xyz = try site.optionalMember("xyz") {
                positions.append(try xyz.vector3())
            } else {
                let fractional = try site.member("abc", "Cartesian 'xyz' or fractional 'abc' coordinates").vector3()
                positions.append(fractional * cell)
            }
        }
        if let declared = try entry.optionalMember("num_atoms"), declared.value != .int(numbers.count) {
            throw AtomsError.shapeMismatch(
                declared.location, found: declared.kind, expected: "\(numbers.count), the number of sites")
        }

        var configuration = Configuration(atomicNumbers: numbers, positions: positions, cell: cell, pbc: pbc)
        let outputs = try entry.member("outputs", "the calculation outputs (energy, forces, virial_stress)")
        let defaultEnergy = keys.energy == PropertyKeys.defaultEnergy
        if let energy = try label(outputs, keys.energyCandidates, defaultEnergy, "energy (eV)") {
            configuration.energy = try energy.number()
        }
        let defaultForces = keys.forces == PropertyKeys.defaultForces
        if let forces = try label(outputs, keys.forcesCandidates, defaultForces, "forces (eV/Å)") {
            configuration.forces = try forces.elements(count: numbers.count).map { try $0.vector3() }
        }
        let defaultStress = keys.stress == PropertyKeys.defaultStress
        if let stress = try label(outputs, defaultStress ? ["virial_stress"] : [keys.stress], defaultStress,
                                  "the virial stress (kbar, xx yy zz xy yz zx)") {
            configuration.stress = try stressTensor(stress)
        }

        for (key, node) in try entry.sortedMembers() where !structuralKeys.contains(key) {
            if let value = node.scalarInfo { configuration.info[key] = value }
        }
        for key in ["group", "tag"] {
            if let type = try entry.optionalMember(key), case .string(let name) = type.value {
                configuration.configType = name
                break
            }
        }
        return configuration
    }

    /// The `outputs` member for a label: the first candidate present; an explicit key must be present.
    private static func label(
        _ outputs: JSONNode, _ candidates: [String], _ isDefault: Bool, _ what: String
    ) throws -> JSONNode? {
        for key in candidates {
            if let node = try outputs.optionalMember(key) { return node }
        }
        if isDefault { return nil }
        return try outputs.member(candidates[0], what)
    }

    private static func atomicNumber(of site: JSONNode) throws -> Int {
        let symbolNode: JSONNode
        if let species = try site.optionalMember("species") {
            let list = try species.elements()
            guard list.count == 1, let only = list.first else {
                throw AtomsError.unsupportedFormat(
                    species.location, reason: "a disordered site with \(list.count) species; expected exactly one")
            }
            if let occupancy = try only.optionalMember("occu"), try occupancy.number() != 1 {
                throw AtomsError.unsupportedFormat(
                    occupancy.location, reason: "partial occupancy \(try occupancy.number()); expected 1")
            }
            symbolNode = try only.member("element", "the element symbol")
        } else {
            symbolNode = try site.member("label", "the element of the site ('species' or 'label')")
        }
        let symbol = try symbolNode.string()
        guard let number = Element.atomicNumber(of: symbol) else {
            throw AtomsError.unknownElement(symbolNode.location, found: symbol)
        }
        return number
    }

    /// ASE stress from VASP's virial stress (kbar, xx yy zz xy yz zx, positive = compressive).
    private static func stressTensor(_ node: JSONNode) throws -> Matrix3 {
        let v = try node.elements(count: 6).map { try $0.number() * -Units.kilobar }
        return Matrix3(rows: SIMD3(v[0], v[3], v[5]), SIMD3(v[3], v[1], v[4]), SIMD3(v[5], v[4], v[2]))
    }
}
