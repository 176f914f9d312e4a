// SwiftMACE, MIT licence.
// Parity with mace-torch on every fixture of Tests/Fixtures/mace (all models × structures) in float64: energies,
// node energies, forces, virials, stress, and the node embedding and layer outputs of the first nodes.

import Atoms
import MACE
import Tensors
import Testing

@Suite struct MACEParityTests {
    /// Per model: the structures evaluated, and for each fixture the batch it is checked against and the first graph
    /// of that batch it corresponds to. The 54-atom and self-image TiAl cells are graphs 1 and 2 of `batch_tial`,
    /// so one evaluation (the slowest model in debug builds) checks all three TiAl fixtures.
    static let cases: [(model: String, fixtures: [(fixture: String, batch: String, firstGraph: Int)])] = [
        ("scalar_hco", [("ethanol", "ethanol", 0), ("batch_hco", "batch_hco", 0)]),
        ("default_hcno", [("ethanol", "ethanol", 0), ("3bpa", "3bpa", 0), ("batch_hco", "batch_hco", 0)]),
        ("l2_tial", [("batch_tial", "batch_tial", 0), ("tial54_triclinic", "batch_tial", 1),
                     ("tial2_self_images", "batch_tial", 2)]),
        ("plain_f32", [("ethanol", "ethanol", 0), ("3bpa", "3bpa", 0), ("batch_hco", "batch_hco", 0)]),
    ]

    @Test(arguments: cases)
    func matchesMACETorch(model name: String, fixtures: [(fixture: String, batch: String, firstGraph: Int)]) throws {
        let model = try MACEReference.model(name)
        var outputs: [String: [MACEOutput]] = [:]
        for (fixture, batch, firstGraph) in fixtures {
            let reference = try MACEReference(model: name, structure: fixture)
            if outputs[batch] == nil {
                outputs[batch] = try model.evaluate(try MACEReference(model: name, structure: batch).configurations,
                                                    computeStress: true)
            }
            let batchOutputs = try #require(outputs[batch])
            try #require(batchOutputs.count >= firstGraph + reference.energies.count)
            let errors = ParityErrors(Array(batchOutputs[firstGraph..<(firstGraph + reference.energies.count)]), reference)
            print("parity \(name)__\(fixture): \(errors)")
            #expect(errors.energy <= 1e-10, "\(name)__\(fixture)")
            #expect(errors.nodeEnergy <= 1e-9, "\(name)__\(fixture)")
            #expect(errors.forces <= 1e-9, "\(name)__\(fixture)")
            #expect(errors.virials <= 1e-9, "\(name)__\(fixture)")
            #expect(errors.stress <= 1e-9, "\(name)__\(fixture)")
            #expect(errors.stressPresenceMatches, "\(name)__\(fixture): stress only for periodic structures")
        }
    }

    @Test func nodeFeaturesMatchMACETorchIntermediates() throws {
        // The node embedding and every layer's product output of the first recorded nodes (diagnosis of a
        // failing parity test starts here).
        for name in ["default_hcno", "l2_tial"] {
            let model = try MACEReference.model(name)
            let fixture = name == "l2_tial" ? "tial2_self_images" : "ethanol"
            let reference = try MACEReference(model: name, structure: fixture)
            let layers = try model.nodeFeatures(reference.configurations)
            var worst = 0.0
            for (mine, theirs) in zip([layers.embedding] + layers.products, [reference.nodeEmbedding] + reference.products) {
                try #require(!theirs.isEmpty)
                let width = theirs[0].count
                for (node, row) in theirs.enumerated() {
                    for (column, value) in row.enumerated() {
                        worst = max(worst, abs(mine[node * width + column] - value) / (1 + abs(value)))
                    }
                }
            }
            #expect(layers.products.count == reference.products.count)
            #expect(worst <= 1e-12, "\(name)__\(fixture): intermediates differ by \(worst)")
        }
    }
}

/// Largest deviations of outputs from a mace-torch reference.
struct ParityErrors: CustomStringConvertible {
    var energy = 0.0, nodeEnergy = 0.0, forces = 0.0, virials = 0.0, stress = 0.0
    var stressPresenceMatches = true

    init(_ outputs: [MACEOutput], _ reference: MACEReference) {
        var atom = 0
        for (g, output) in outputs.enumerated() {
            energy = max(energy, abs(output.energy - reference.energies[g]) / abs(reference.energies[g]))
            for (i, force) in output.forces.enumerated() {
                nodeEnergy = max(nodeEnergy, abs(output.nodeEnergies[i] - reference.nodeEnergies[atom]))
                for c in 0..<3 { forces = max(forces, abs(force[c] - reference.forces[atom][c])) }
                atom += 1
            }
            if let v = output.virials {
                for r in 0..<3 { for c in 0..<3 { virials = max(virials, abs(v[r, c] - reference.virials[g][r][c])) } }
            } else {
                virials = .infinity
            }
            stressPresenceMatches = stressPresenceMatches && (output.stress == nil) == (reference.stress[g] == nil)
            if let s = output.stress, let expected = reference.stress[g] {
                for r in 0..<3 { for c in 0..<3 { stress = max(stress, abs(s[r, c] - expected[r][c])) } }
            }
        }
        if atom != reference.nodeEnergies.count { forces = .infinity }
    }

    var description: String {
        "energy rel \(energy), node energies \(nodeEnergy), forces \(forces), virials \(virials), stress \(stress)"
    }
}
