// SwiftMACE, MIT licence.
// Tests of UMatrix: MACE.md §7.3 shapes and checksums, and equality with the U buffers of the exported mace-torch
// fixture models (e3nn construction, use_reduced_cg=False).

import Testing

@testable import Equivariance

@Suite struct UMatrixTests {
    static let coupling = Irreps.sphericalHarmonics(lmax: 3)

    @Test func scalarOutputMatchesChecksums() throws {
        let u = try (1...3).map { try UMatrix.generate(couplingIrreps: Self.coupling, output: Irrep(0, .even), correlation: $0) }
        #expect(u.map(\.shape) == [[1, 16, 1], [1, 16, 16, 4], [1, 16, 16, 16, 23]])
        #expect(abs(u[1].values.reduce(0, +) - 7.613870096133257) < 1e-12)
        #expect(abs(u[2].values.reduce(0, +) - 42.411241386530975) < 1e-12)
        #expect(abs(u[2].values.reduce(0) { $0 + $1 * $1 } - 23) < 1e-12)
    }

    @Test func vectorOutputMatchesChecksums() throws {
        let u = try (1...3).map { try UMatrix.generate(couplingIrreps: Self.coupling, output: Irrep(1, .odd), correlation: $0) }
        #expect(u.map { $0.shape.last } == [1, 6, 51])
        #expect(u[2].shape == [3, 16, 16, 16, 51])
        #expect(abs(u[1].values.reduce(0, +) - 20.381563365439817) < 1e-12)
        #expect(abs(u[2].values.reduce(0, +) - 155.866984957828663) < 1e-11)
        #expect(abs(u[2].values.reduce(0) { $0 + $1 * $1 } - 153) < 1e-11)
        let k = try UMatrix.generate(couplingIrreps: Self.coupling, output: Irrep(2, .even), correlation: 3).shape.last
        #expect(k == 65)
    }

    @Test(arguments: ["scalar_hco", "default_hcno", "l2_tial"])
    func equalsMaceTorchBuffers(model: String) throws {
        let fixture = try MACEModelFixture(model)
        let layers = (fixture.config["products"] as? [Any])?.count ?? 0
        #expect(layers > 0)
        for layer in 0..<layers {
            let irrepsIn = try Irreps(parsing: fixture.products(layer)["irreps_in"] as? String ?? "")
            let coupling = Irreps(irrepsIn.entries.map { MulIrrep(1, $0.irrep) })
            let (u, _, outputs) = try fixture.contractions(layer)
            for (o, output) in outputs.enumerated() {
                for (index, stored) in u[o].enumerated() {
                    let generated = try UMatrix.generate(
                        couplingIrreps: coupling, output: try Irrep(parsing: output), correlation: index + 1)
                    #expect(generated.values.count == stored.values.count, "\(model) layer \(layer) \(output)")
                    let difference = PolynomialChecks.maxDifference(generated.values, stored.values)
                    #expect(difference < 1e-13, "\(model) layer \(layer) \(output) ν=\(index + 1): \(difference)")
                }
            }
        }
    }

    @Test func rejectsCorrelationZero() {
        #expect(throws: EquivarianceError.unsupported("U matrix correlation must be at least 1; got 0")) {
            try UMatrix.generate(couplingIrreps: Self.coupling, output: Irrep(0, .even), correlation: 0)
        }
    }
}
