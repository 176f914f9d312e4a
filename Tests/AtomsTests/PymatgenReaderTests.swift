// SwiftMACE, MIT licence.
// Tests of PymatgenReader on three entries of mlearn Si training.json: cell, positions, energy, forces and the
// kbar virial stress → ASE stress conversion, against values computed by tools/fixtures/make_numpy_fixtures.py.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct PymatgenReaderTests {
    struct Expected: Decodable {
        var cell: [[Double]]
        var positions: [[Double]]
        var energy: Double
        var forces: [[Double]]
        var stress: [[Double]]
        var group: String
    }

    private let excerpt = Fixtures.url("atoms/numpy/pymatgen/Si_training_excerpt.json")

    private func vectors(_ rows: [[Double]]) -> [SIMD3<Double>] { rows.map { SIMD3($0[0], $0[1], $0[2]) } }

    @Test func readsStructuresAndOutputs() throws {
        let configurations = try PymatgenReader.read(contentsOf: excerpt)
        let expected = try JSONDecoder().decode(
            [Expected].self, from: Fixtures.data("atoms/numpy/pymatgen/expected.json"))
        #expect(configurations.count == 3)
        #expect(configurations.map(\.configType) == ["Vacancy", "Elastic", "Surface"])
        for (configuration, reference) in zip(configurations, expected) {
            #expect(configuration.configType == reference.group)
            #expect(configuration.cell == Matrix3(rowMajor: reference.cell.flatMap { $0 }))
            #expect(configuration.positions == vectors(reference.positions))
            #expect(configuration.atomicNumbers == Array(repeating: 14, count: reference.positions.count))
            #expect(configuration.energy == reference.energy)
            #expect(configuration.forces == vectors(reference.forces))
            #expect(configuration.pbc == .all)
            let stress = try #require(configuration.stress)
            let referenceStress = Matrix3(rowMajor: reference.stress.flatMap { $0 })
            for i in 0..<3 {
                for j in 0..<3 {
                    #expect(abs(stress[i, j] - referenceStress[i, j]) <= 1e-15 * max(1, abs(referenceStress[i, j])))
                    #expect(stress[i, j] == stress[j, i])
                }
            }
        }
        let first = try #require(configurations.first)
        #expect(first.info["num_atoms"] == .int(63))
        #expect(first.info["tag"] == .string("train"))
        #expect(first.info["structure"] == nil)
        // virial_stress xx = -6.58094686 kbar (compressive sign) → +6.58094686 × 0.1 / 160.21766208 eV/Å³.
        #expect(abs((first.stress?[0, 0] ?? 0) - 6.58094686 * 0.1 / 160.21766208) < 1e-18)
    }

    @Test func missingForcesIsNamedByItsJSONPath() throws {
        let url = Fixtures.url("atoms/numpy/pymatgen/missing_forces.json")
        let keys = PropertyKeys(forces: "forces")
        let error = #expect(throws: AtomsError.self) { try PymatgenReader.read(contentsOf: url, keys: keys) }
        #expect(error?.description == "\(url.relativePath): key '[1].outputs.forces': missing 'forces'; expected forces (eV/Å)")
        // With mace's default keys a missing label is simply absent.
        let configurations = try PymatgenReader.read(contentsOf: url)
        #expect(configurations[1].forces == nil && configurations[0].forces != nil)
    }

    @Test func malformedJSONIsReported() throws {
        let url = Fixtures.url("atoms/numpy/npz_expected.json")
        let error = #expect(throws: AtomsError.self) { try PymatgenReader.read(contentsOf: url) }
        #expect(error?.description == "\(url.relativePath): found 'an object'; expected a JSON array")
        let binary = Fixtures.url("atoms/numpy/f8.npy")
        let binaryError = #expect(throws: AtomsError.self) { try PymatgenReader.read(contentsOf: binary) }
        #expect(binaryError?.description == "\(binary.relativePath):1: found '?NUMPY??v?{'desc'; expected a JSON value")
    }
}
