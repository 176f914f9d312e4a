// SwiftMACE, MIT licence.
// A model built from hyper-parameters against the one mace-torch built with the same options
// (Tests/Fixtures/training/ethanol12_initial.safetensors): same parameter names and shapes, same buffers (U matrices
// from UMatrix.generate, Bessel weights, E0s, scale/shift), and, given mace's weights, the same energies and forces.

import Support
import Atoms
import Equivariance
import Foundation
import MACE
import Testing
import TestSupport

@Suite struct MACEModelBuildingTests {
    /// The ethanol fixture's options (Tests/Fixtures/training/README.md "Model").
    static func ethanolArchitecture() throws -> MACEArchitecture {
        var architecture = MACEArchitecture(
            atomicNumbers: [1, 6, 8], hiddenIrreps: try Irreps(parsing: "8x0e+8x1o"), mlpIrreps: try Irreps(parsing: "16x0e"),
            atomicEnergies: [-13.568422383046626, -1025.2770951782686, -2035.5709809589698])
        architecture.rMax = 4
        architecture.maxEll = 2
        architecture.correlation = 2
        architecture.radialMLP = [16, 16]
        architecture.avgNumNeighbors = 7.944444444444445
        return architecture
    }

    @Test func builtModelHasMaceLayoutAndBuffers() throws {
        let reference = try MACEModel(contentsOf: Fixtures.url("training/ethanol12_initial.safetensors"))
        let referenceFile = try SafetensorsTestReader(contentsOf: Fixtures.url("training/ethanol12_initial.safetensors"))
        var architecture = try Self.ethanolArchitecture()
        let (scale, shift) = try (referenceFile.doubles("scale_shift.scale").values[0], referenceFile.doubles("scale_shift.shift").values[0])
        architecture.scale = scale
        architecture.shift = shift
        var generator = SeededGenerator(seed: 1)
        var model = try MACEModel(architecture: architecture, generator: &generator)
        #expect(model.parameterNames == reference.parameterNames)
        #expect(model.parameterValues.map(\.shape) == reference.parameterValues.map(\.shape))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("new.safetensors")
        try model.write(to: url)
        let written = try SafetensorsTestReader(contentsOf: url)
        let config = try #require(try JSONSerialization.jsonObject(with: Data((referenceFile.metadata["swiftmace_config"] ?? "").utf8)) as? [String: Any])
        let sparse = config["sparse_tensors"] as? [String: [String: Any]] ?? [:]
        for (name, entry) in sparse {
            let shape = (entry["shape"] as? [Int]) ?? []
            let expected = try referenceFile.denseFromSparse(name, shape: shape)
            let found = try written.denseFromSparse(name, shape: shape)
            #expect(zip(found, expected).allSatisfy { abs($0 - $1) <= 1e-14 } && found.count == expected.count, "\(name)")
        }
        for name in ["radial_embedding.bessel_fn.bessel_weights", "radial_embedding.bessel_fn.prefactor",
                     "atomic_energies_fn.atomic_energies", "scale_shift.scale", "scale_shift.shift"] {
            #expect(try written.doubles(name).values == referenceFile.doubles(name).values, "\(name)")
        }

        // With mace's weights the built model is the mace model: same energies and forces.
        model.parameterValues = reference.parameterValues
        let configurations = Array(try ExtXYZReader.read(contentsOf: Fixtures.url("training/ethanol12.xyz")).prefix(2))
        for (built, expected) in zip(try model.evaluate(configurations), try reference.evaluate(configurations)) {
            #expect(abs(built.energy - expected.energy) <= 1e-9 * abs(expected.energy))
            let difference = zip(built.forces, expected.forces).map { ($0 - $1).max() }.max() ?? 0
            #expect(abs(difference) <= 1e-10)
        }
    }

    @Test func initialWeightsFollowMaceDistributions() throws {
        var generator = SeededGenerator(seed: 7)
        let model = try MACEModel(architecture: try Self.ethanolArchitecture(), generator: &generator)
        for (name, value) in zip(model.parameterNames, model.parameterValues) {
            let values = value.toArray()
            let k = name.contains("symmetric_contractions") ? Double(value.shape[1]) : 1
            let meanSquare = values.map { $0 * $0 * k * k }.reduce(0, +) / Double(values.count)
            // N(0,1) (e3nn) or N(0,1)/K (symmetric contraction): second moment 1 within sampling noise.
            if values.count >= 100 { #expect(abs(meanSquare - 1) < 0.35, "\(name): \(meanSquare)") }
        }
    }

    @Test func impossibleArchitectureNamesTheKey() throws {
        var architecture = try Self.ethanolArchitecture()
        architecture.hiddenIrreps = try Irreps(parsing: "8x0e+4x1o")
        var generator = SeededGenerator(seed: 1)
        #expect(throws: ModelError.self) { try MACEModel(architecture: architecture, generator: &generator) }
        do {
            _ = try MACEModel(architecture: architecture, generator: &generator)
        } catch {
            #expect("\(error)" == "new model: config key 'architecture.hiddenIrreps': found 8x0e+4x1o; expected equal multiplicities including 0e")
        }
    }
}
