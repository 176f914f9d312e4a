// SwiftMACE, MIT licence.
// Tests of DeePMDReader on a folder of two systems: 3 frames of the DeePMD-kit water example (192 atoms, in
// two sets) checked against numpy (Tests/Fixtures/atoms/numpy/deepmd/expected.json), and a tiny hand-made
// non-periodic system with virials.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct DeePMDReaderTests {
    struct Expected: Decodable {
        var coord: [[Double]]
        var box: [[Double]]
        var energy: [Double]
        var force: [[Double]]
        var types: [Int]
        var type_map: [String]
    }

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Fixtures.data("atoms/numpy/deepmd/expected.json"))
    }

    private func vectors(_ flat: [Double]) -> [SIMD3<Double>] {
        stride(from: 0, to: flat.count, by: 3).map { SIMD3(flat[$0], flat[$0 + 1], flat[$0 + 2]) }
    }

    @Test func readsWaterFramesFromSetsInOrder() throws {
        let configurations = try DeePMDReader.read(contentsOf: Fixtures.url("atoms/numpy/deepmd/water/data_0"))
        let expected = try expected()
        #expect(expected.type_map == ["O", "H"])
        #expect(configurations.count == 3)
        for (frame, configuration) in configurations.enumerated() {
            #expect(configuration.numAtoms == 192)
            #expect(configuration.atomicNumbers == expected.types.map { $0 == 0 ? 8 : 1 })
            #expect(configuration.positions == vectors(expected.coord[frame]))
            #expect(configuration.forces == vectors(expected.force[frame]))
            #expect(configuration.energy == expected.energy[frame])
            #expect(configuration.cell == Matrix3(rowMajor: expected.box[frame]))
            #expect(configuration.pbc == .all)
            #expect(configuration.virials == nil)
        }
        #expect(configurations[0].atomicNumbers.filter { $0 == 8 }.count == 64)
        #expect(abs(configurations[0].cell[0, 0] - 12.4447) < 1e-4)
    }

    @Test func readsEverySystemBelowAParentFolder() throws {
        let configurations = try DeePMDReader.read(contentsOf: Fixtures.url("atoms/numpy/deepmd/water"))
        #expect(configurations.map(\.numAtoms) == [192, 192, 192, 2])
        let tiny = try #require(configurations.last)
        #expect(tiny.atomicNumbers == [1, 8])
        #expect(tiny.positions == [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0)])
        #expect(tiny.pbc == .none)
        #expect(tiny.cell == .zero)
        #expect(tiny.energy == -1.5)
        #expect(tiny.forces == nil)
        #expect(tiny.virials == Matrix3(rowMajor: [0, 1, 2, 3, 4, 5, 6, 7, 8]))
    }

    @Test func explicitEnergyKeyNamesTheFile() throws {
        let folder = Fixtures.url("atoms/numpy/deepmd/water/data_0")
        let error = #expect(throws: AtomsError.self) {
            try DeePMDReader.read(contentsOf: folder, keys: PropertyKeys(energy: "energy_dft"))
        }
        #expect(
            error?.description
                == "\(folder.appendingPathComponent("set.000").relativePath): missing 'energy_dft.npy'; expected an array of 1 values per frame"
        )
        let plain = try DeePMDReader.read(contentsOf: folder, keys: PropertyKeys(energy: "energy", forces: "force"))
        #expect(plain == (try DeePMDReader.read(contentsOf: folder)))
    }

    @Test func unknownElementInTypeMapIsNamedWithItsLine() throws {
        let folder = Fixtures.url("atoms/numpy/deepmd/unknown_element")
        let error = #expect(throws: AtomsError.self) { try DeePMDReader.read(contentsOf: folder) }
        #expect(
            error?.description == "\(folder.appendingPathComponent("type_map.raw").relativePath):2: unknown element 'Xx'")
    }

    @Test func folderWithoutSystemsIsReported() throws {
        let folder = Fixtures.url("atoms/numpy/rmd17")
        let error = #expect(throws: AtomsError.self) { try DeePMDReader.read(contentsOf: folder) }
        #expect(
            error?.description
                == "\(folder.relativePath): missing 'type.raw'; expected a DeePMD system folder (type.raw, type_map.raw, set.*/) or a folder of such systems"
        )
    }
}
