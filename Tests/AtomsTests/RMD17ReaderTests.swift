// SwiftMACE, MIT licence.
// Tests of RMD17Reader on the first 5 frames of rMD17 ethanol (split 01), checked against numpy's values and
// the kcal/mol → eV conversion (Tests/Fixtures/atoms/numpy/rmd17/expected.json), plus sGDML names and errors.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct RMD17ReaderTests {
    struct Expected: Decodable {
        var atomic_numbers: [Int]
        var positions: [[[Double]]]
        var energy_eV: [Double]
        var forces_eV_per_A: [[[Double]]]
        var old_energy_eV: [Double]
    }

    private let excerpt = Fixtures.url("atoms/numpy/rmd17/rmd17_ethanol_train_01_head5.npz")

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Fixtures.data("atoms/numpy/rmd17/expected.json"))
    }

    private func vectors(_ rows: [[Double]]) -> [SIMD3<Double>] { rows.map { SIMD3($0[0], $0[1], $0[2]) } }

    @Test func readsFramesInEVAndAngstrom() throws {
        let configurations = try RMD17Reader.read(contentsOf: excerpt)
        let expected = try expected()
        #expect(configurations.count == 5)
        for (frame, configuration) in configurations.enumerated() {
            #expect(configuration.atomicNumbers == expected.atomic_numbers)
            #expect(configuration.atomicNumbers == [6, 6, 8, 1, 1, 1, 1, 1, 1])
            #expect(configuration.positions == vectors(expected.positions[frame]))
            #expect(configuration.energy == expected.energy_eV[frame])
            #expect(configuration.forces == vectors(expected.forces_eV_per_A[frame]))
            #expect(configuration.pbc == .none)
            #expect(configuration.cell == .zero)
        }
        // rMD17 ethanol's energy is about -97 000 kcal/mol, -4200 eV.
        #expect(abs((configurations[0].energy ?? 0) / Units.kcalPerMol + 97_000) < 1_000)
    }

    @Test func explicitEnergyKeySelectsTheMember() throws {
        let configurations = try RMD17Reader.read(contentsOf: excerpt, keys: PropertyKeys(energy: "old_energies"))
        #expect(configurations.map(\.energy) == (try expected()).old_energy_eV)
    }

    @Test func explicitKeyThatIsAbsentIsAnError() throws {
        let error = #expect(throws: AtomsError.self) {
            try RMD17Reader.read(contentsOf: excerpt, keys: PropertyKeys(forces: "REF_forces_dft"))
        }
        #expect(
            error?.description
                == "\(excerpt.relativePath): missing 'REF_forces_dft'; expected forces [frames, atoms, 3] in kcal/mol/Å under the chosen key; members: nuclear_charges, coords, energies, forces, old_indices, old_energies, old_forces"
        )
    }

    @Test func readsSGDMLNames() throws {
        let sgdml = try RMD17Reader.read(contentsOf: Fixtures.url("atoms/numpy/rmd17/sgdml_ethanol_head5.npz"))
        let rmd17 = try RMD17Reader.read(contentsOf: excerpt)
        #expect(sgdml == rmd17)
    }

    @Test func missingCoordsIsNamed() throws {
        let url = Fixtures.url("atoms/numpy/rmd17/missing_coords.npz")
        let error = #expect(throws: AtomsError.self) { try RMD17Reader.read(contentsOf: url) }
        #expect(
            error?.description
                == "\(url.relativePath): missing 'coords'; expected positions [frames, atoms, 3] in Å under 'coords' or 'R'; members: nuclear_charges, energies, forces, old_indices, old_energies, old_forces"
        )
    }

    @Test func mismatchedFrameCountsAreNamed() throws {
        let url = Fixtures.url("atoms/numpy/rmd17/frame_mismatch.npz")
        let error = #expect(throws: AtomsError.self) { try RMD17Reader.read(contentsOf: url) }
        #expect(
            error?.description
                == "\(url.relativePath): key 'energies': shape (4,); expected (5,): one energy per frame of 'coords'")
    }
}
