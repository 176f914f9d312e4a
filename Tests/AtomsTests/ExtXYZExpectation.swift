// SwiftMACE, MIT licence.
// Loads the <name>.ase.json fixtures (what ASE reads, made by tools/fixtures/make_extxyz_fixtures.py) as
// expected Configurations, and views `_JSON` info values the way ASE types them, for comparison.

import Foundation
import Testing

import TestSupport

@testable import Atoms

/// The extxyz fixtures that have an ASE reference, under Tests/Fixtures/atoms/extxyz/.
let extxyzFixtureNames = ["3bpa_train_300K_head", "tial_head", "ethanol_isolated_atoms", "quirks", "crlf"]

/// What ASE read from one fixture: the keys to read it with and the frames as Configurations.
struct ExtXYZExpectation {
    var keys: PropertyKeys
    var configurations: [Configuration]

    init(name: String) throws {
        let data = try Fixtures.data("atoms/extxyz/\(name).ase.json")
        let root = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let keyNames = try #require(root["keys"] as? [String: String])
        keys = PropertyKeys(
            energy: keyNames["energy"] ?? PropertyKeys.defaultEnergy,
            forces: keyNames["forces"] ?? PropertyKeys.defaultForces,
            stress: keyNames["stress"] ?? PropertyKeys.defaultStress,
            virials: keyNames["virials"] ?? PropertyKeys.defaultVirials)
        let frames = try #require(root["frames"] as? [[String: Any]])
        configurations = try frames.map(Self.configuration)
    }

    private static func configuration(_ frame: [String: Any]) throws -> Configuration {
        let numbers = try #require(frame["numbers"] as? [Int])
        let positions = try vectors(frame["positions"])
        let pbc = try #require(frame["pbc"] as? [Bool])
        var configuration = Configuration(
            atomicNumbers: numbers, positions: positions, cell: try matrix(frame["cell"]),
            pbc: PBC(pbc[0], pbc[1], pbc[2]))
        if let energy = frame["energy"] as? String { configuration.energy = try real(energy) }
        if frame["forces"] is [Any] { configuration.forces = try vectors(frame["forces"]) }
        if frame["stress"] is [Any] { configuration.stress = try matrix(frame["stress"]) }
        if frame["virials"] is [Any] { configuration.virials = try matrix(frame["virials"]) }
        configuration.configType = try #require(frame["config_type"] as? String)
        let weights = try #require(frame["weights"] as? [String: String])
        configuration.weight = try real(weights["config_weight"])
        configuration.energyWeight = try real(weights["config_energy_weight"])
        configuration.forcesWeight = try real(weights["config_forces_weight"])
        configuration.stressWeight = try real(weights["config_stress_weight"])
        configuration.virialsWeight = try real(weights["config_virials_weight"])
        for entry in try #require(frame["info"] as? [[String: Any]]) {
            let key = try #require(entry["key"] as? String)
            configuration.info[key] = try infoValue(kind: entry["kind"] as? String, value: entry["value"])
        }
        for entry in try #require(frame["arrays"] as? [[String: Any]]) {
            let name = try #require(entry["name"] as? String)
            let width = try #require(entry["width"] as? Int)
            let values: PerAtomColumn.Values =
                switch entry["kind"] as? String {
                case "reals": .reals(try reals(entry["values"]))
                case "ints": .ints(try #require(entry["values"] as? [Int]))
                case "bools": .bools(try #require(entry["values"] as? [Bool]))
                default: .strings(try #require(entry["values"] as? [String]))
                }
            configuration.arrays[name] = PerAtomColumn(width: width, values: values)
        }
        return configuration
    }

    private static func infoValue(kind: String?, value: Any?) throws -> InfoValue {
        switch kind {
        case "bool": .bool(try #require(value as? Bool))
        case "int": .int(try #require(value as? Int))
        case "double": .double(try real(value as? String))
        case "string": .string(try #require(value as? String))
        case "bools": .bools(try #require(value as? [Bool]))
        case "ints": .ints(try #require(value as? [Int]))
        case "doubles": .doubles(try reals(value))
        default: throw ExpectationError.unsupported(kind ?? "nil")
        }
    }

    private static func real(_ text: String?) throws -> Double { try #require(text.flatMap { Double($0) }) }

    private static func reals(_ value: Any?) throws -> [Double] {
        try #require(value as? [String]).map { try real($0) }
    }

    private static func vectors(_ value: Any?) throws -> [SIMD3<Double>] {
        try #require(value as? [[String]]).map { row in
            SIMD3(try real(row[0]), try real(row[1]), try real(row[2]))
        }
    }

    private static func matrix(_ value: Any?) throws -> Matrix3 {
        let rows = try vectors(value)
        try #require(rows.count == 3)
        return Matrix3(rows: rows[0], rows[1], rows[2])
    }

    enum ExpectationError: Error { case unsupported(String) }
}

/// The configuration with each `_JSON [numbers]` info value shown as ASE types it (a list of integers or
/// reals), so it can be compared with the ASE reference.
func aseView(of configuration: Configuration) -> Configuration {
    var result = configuration
    for (key, value) in configuration.info {
        guard case .json(let text) = value else { continue }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { continue }
        let tokens = trimmed.dropFirst().dropLast().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if tokens.allSatisfy({ Int($0) != nil }) {
            result.info[key] = .ints(tokens.compactMap { Int($0) })
        } else if tokens.allSatisfy({ Double($0) != nil }) {
            result.info[key] = .doubles(tokens.compactMap { Double($0) })
        }
    }
    return result
}
