// SwiftMACE, MIT licence.
// Physical properties of the model, independent of the fixtures' reference numbers: O(3), translation and
// permutation symmetry, periodic images, forces and stress as derivatives of the energy, float32 accuracy.

import Support
import Atoms
import Equivariance
import MACE
import Tensors
import TestSupport
import Testing

@Suite struct MACEPropertyTests {
    /// A profile records every stage of an energy+forces evaluation (and leaves the results unchanged); without one
    /// nothing is recorded.
    @Test func profileRecordsEveryStage() throws {
        let model = try MACEReference.model("default_hcno")
        let molecule = try MACEReference(model: "default_hcno", structure: "ethanol").configurations
        let plain = try model.evaluate(molecule)
        let profile = MACEProfile()
        let profiled = try profile.collecting { try model.evaluate(molecule) }
        #expect(profiled[0].energy == plain[0].energy && profiled[0].forces == plain[0].forces)
        let names = profile.stages.map(\.name)
        for stage in ["neighbour list", "radial basis", "spherical harmonics", "linears", "radial MLP", "conv forward",
                      "symmetric contraction", "readouts", "backward"] {
            #expect(names.contains(stage), "\(stage) in \(names)")
        }
        #expect(profile.stages.allSatisfy { $0.seconds >= 0 })
        profile.reset()
        _ = try model.evaluate(molecule)
        #expect(profile.stages.isEmpty)
    }

    @Test func energyInvariantAndForcesEquivariantUnderO3TranslationPermutation() throws {
        let model = try MACEReference.model("default_hcno")
        let molecule = try MACEReference(model: "default_hcno", structure: "ethanol").configurations[0]
        var generator = SeededGenerator(seed: 7)
        let element = OrthogonalMatrix.randomElement(using: &generator)
        let translation = SIMD3<Double>(1.3, -0.4, 2.2)
        let permutation = Array(0..<molecule.numAtoms).shuffled(using: &generator)
        var moved = molecule
        moved.atomicNumbers = permutation.map { molecule.atomicNumbers[$0] }
        moved.positions = permutation.map { element.applied(to: molecule.positions[$0]) + translation }
        let outputs = try model.evaluate([molecule, moved])
        #expect(abs(outputs[1].energy - outputs[0].energy) <= 1e-12 * abs(outputs[0].energy), "seed 7, \(element)")
        for (i, source) in permutation.enumerated() {
            let expected = element.applied(to: outputs[0].forces[source])
            #expect(norm(outputs[1].forces[i] - expected) <= 1e-10, "atom \(i): seed 7, \(element)")
            #expect(abs(outputs[1].nodeEnergies[i] - outputs[0].nodeEnergies[source]) <= 1e-10)
        }
        let total = outputs[0].forces.reduce(SIMD3<Double>.zero, +)
        #expect(norm(total) <= 1e-10, "forces sum to zero")
    }

    @Test func periodicCellRotatedAndAtomsMovedByLatticeVectors() throws {
        let model = try MACEReference.model("l2_tial")
        let crystal = try MACEReference(model: "l2_tial", structure: "tial2_self_images").configurations[0]
        var generator = SeededGenerator(seed: 11)
        let rotation = OrthogonalMatrix.randomRotation(using: &generator)
        var moved = crystal
        moved.cell = Matrix3(rows: rotation.applied(to: crystal.cell[0]), rotation.applied(to: crystal.cell[1]),
                             rotation.applied(to: crystal.cell[2]))
        moved.positions = crystal.positions.map { rotation.applied(to: $0) }
        moved.positions[0] += moved.cell[0] - 2 * moved.cell[2]
        moved.positions[1] -= moved.cell[1]
        let outputs = try model.evaluate([crystal, moved], computeStress: true)
        #expect(abs(outputs[1].energy - outputs[0].energy) <= 1e-12 * abs(outputs[0].energy))
        for i in 0..<2 {
            #expect(norm(outputs[1].forces[i] - rotation.applied(to: outputs[0].forces[i])) <= 1e-10, "atom \(i)")
        }
        let stress = try #require(outputs[0].stress), rotatedStress = try #require(outputs[1].stress)
        let expected = rotation.matrix3 * stress * rotation.matrix3.transposed
        for r in 0..<3 {
            for c in 0..<3 {
                #expect(abs(rotatedStress[r, c] - expected[r, c]) <= 1e-12, "stress[\(r), \(c)], seed 11")
                #expect(abs(stress[r, c] - stress[c, r]) <= 1e-14, "stress is symmetric")
            }
        }
    }

    @Test func forcesAndStressMatchCentralDifferencesOfTheEnergy() throws {
        let model = try MACEReference.model("scalar_hco")
        let molecule = try MACEReference(model: "scalar_hco", structure: "ethanol").configurations[0]
        let forces = try model.evaluate([molecule])[0].forces
        let h = 1e-5
        for (atom, axis) in [(0, 0), (2, 1), (5, 2)] {
            var plus = molecule, minus = molecule
            plus.positions[atom][axis] += h
            minus.positions[atom][axis] -= h
            let energies = try model.evaluate([plus, minus]).map(\.energy)
            let difference = -(energies[0] - energies[1]) / (2 * h)
            #expect(abs(difference - forces[atom][axis]) <= 1e-6, "atom \(atom) axis \(axis)")
        }
        // Stress: E of the cell and atoms strained by (1 + ε) with ε symmetric, ε_xz = ε_zx = s.
        let tial = try MACEReference.model("l2_tial")
        let crystal = try MACEReference(model: "l2_tial", structure: "tial2_self_images").configurations[0]
        let stress = try #require(try tial.evaluate([crystal], computeStress: true)[0].stress)
        let s = 1e-6
        let strained = [s, -s].map { value -> Configuration in
            let deformation = Matrix3(rows: SIMD3(1, 0, value), SIMD3(0, 1, 0), SIMD3(value, 0, 1))
            var copy = crystal
            copy.cell = crystal.cell * deformation
            copy.positions = crystal.positions.map { $0 * deformation }
            return copy
        }
        let energies = try tial.evaluate(strained).map(\.energy)
        let derivative = (energies[0] - energies[1]) / (2 * s) / crystal.volume  // = σ_xz + σ_zx
        #expect(abs(derivative - 2 * stress[0, 2]) <= 1e-7)
    }

    @Test(arguments: ["plain_f32", "default_hcno"])
    func float32ForcesAgreeWithFloat64(model name: String) throws {
        let structures = try MACEReference(model: name, structure: "batch_hco").configurations
        let reference = try MACEReference.model(name).evaluate(structures)
        let single = try MACEReference.model(name, dtype: .float32).evaluate(structures)
        var squaredError = 0.0, squaredNorm = 0.0
        for (a, b) in zip(single, reference) {
            #expect(abs(a.energy - b.energy) <= 1e-6 * abs(b.energy))
            for (fa, fb) in zip(a.forces, b.forces) {
                squaredError += ((fa - fb) * (fa - fb)).sum()
                squaredNorm += (fb * fb).sum()
            }
        }
        let relativeRMSE = (squaredError / squaredNorm).squareRoot()
        print("float32 \(name): force relative RMSE \(relativeRMSE)")
        #expect(relativeRMSE <= 1e-5)
    }
}
