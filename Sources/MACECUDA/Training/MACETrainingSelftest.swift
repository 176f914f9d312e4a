// SwiftMACE, MIT licence.
// The "MACE training" group of `swiftmace selftest --device cuda`: the GPU's parameter gradient of an energy + force
// loss against the CPU model's (autodiff through the double backward, float64), per fixture model and policy.

import Atoms
import CUDA
import Foundation
import MACE
import Support
import Tensors

/// GPU training-gradient checks against the CPU model, on the fixtures of ``MACEModelSelftest``.
public enum MACETrainingSelftest {
    /// Model file stem and structure file: residual and plain first layers, linear and non-linear readouts, several
    /// elements, molecules and periodic cells.
    public static let cases: [(model: String, structure: String)] = [
        ("scalar_hco", "batch_hco.xyz"), ("default_hcno", "3bpa.xyz"), ("l2_tial", "batch_tial.xyz"),
        ("plain_f32", "3bpa.xyz"), ("default_hcno", "water_192.xyz"),
    ]

    /// Bounds on the gradient's relative error ‖g − g_cpu‖/‖g_cpu‖ over all parameters: float64 near rounding,
    /// float32 issue 5's float32 bound.
    public static let bounds: [(policy: PrecisionPolicy, bound: Double)] = [(.float64, 1e-10), (.float32, 1e-5)]

    /// Runs every case (models and structures read from `folder` as ``MACEModelSelftest`` does).
    @discardableResult
    public static func run(context: CUDAContext, folder: URL, report: (SelftestResult) -> Void) -> [SelftestResult] {
        var results: [SelftestResult] = []
        for (name, structure) in cases {
            let label = "MACE training gradient \(name) on \(structure)"
            do {
                let file = folder.appendingPathComponent(name + ".safetensors")
                let configurations = try ExtXYZReader.read(contentsOf: MACEModelSelftest.locate(structure, in: folder))
                let cpu = try MACEModel(contentsOf: file, dtype: .float64)
                let graph = try AtomicGraph(
                    configurations: configurations, atomicNumbers: cpu.config.atomicNumbers, cutoff: cpu.config.rMax)
                var generator = SeededGenerator(seed: 2026)
                let c = generator.doubles(graph.numGraphs, in: 0.5...1.5)
                let v = (0..<graph.numNodes).map { _ in SIMD3(generator.doubles(3, in: -1...1)) }
                let reference = try cpuGradient(cpu, graph, c, v)
                for (policy, bound) in bounds {
                    let gpu = try CUDAMACEModel(
                        model: try MACEModel(contentsOf: file, dtype: policy.dtype), context: context, precision: policy)
                    // The first layer factored (where the model allows) and on per-edge weights.
                    for factoring in gpu.factoredConv == nil ? [false] : [true, false] {
                        gpu.factorsFirstLayer = factoring
                        _ = try gpu.evaluate(graph)
                        let gradient = try gpu.parameterGradients(graph, energyCotangents: c, forceCotangents: v)
                        let (relative, worst) = errors(gradient, reference, names: cpu.parameterNames)
                        let repeated = try repeatsExactly(gpu, graph, c, v, gradient)
                        let outcome = SelftestResult(
                            name: "\(label) \(policy.rawValue)\(factoring ? ", factored first conv" : "")",
                            passed: relative <= bound && repeated.passed,
                            detail: "\(graph.numNodes) atoms, \(reference.count) parameter tensors: gradient rel error "
                                + "\(MACEModelSelftest.text(relative)) ≤ \(MACEModelSelftest.text(bound)); worst tensor \(worst); "
                                + repeated.detail)
                        results.append(outcome)
                        report(outcome)
                    }
                }
            } catch {
                let outcome = SelftestResult(name: label, passed: false, detail: "\(error)")
                results.append(outcome)
                report(outcome)
            }
        }
        return results
    }

    /// A gradient consumes its evaluation's edge values: a second one without evaluating must be refused, and one
    /// after evaluating again (a CUDA-graph replay) must equal the first bit for bit.
    static func repeatsExactly(
        _ gpu: CUDAMACEModel, _ graph: AtomicGraph, _ c: [Double], _ v: [SIMD3<Double>], _ first: [[Double]]
    ) throws -> (passed: Bool, detail: String) {
        if (try? gpu.parameterGradients(graph, energyCotangents: c, forceCotangents: v)) != nil {
            return (false, "a second gradient without evaluating was not refused")
        }
        _ = try gpu.evaluate(graph)
        let again = try gpu.parameterGradients(graph, energyCotangents: c, forceCotangents: v)
        return again == first
            ? (true, "repeat after re-evaluating identical, repeat without refused")
            : (false, "repeat after re-evaluating differs")
    }

    /// ∂/∂W of `Σ c_g E_g + Σ v_i · F_i` on the CPU (forces with createGraph, then autodiff again), flat per parameter.
    static func cpuGradient(_ model: MACEModel, _ graph: AtomicGraph, _ c: [Double], _ v: [SIMD3<Double>]) throws
        -> [[Double]]
    {
        let (tracked, leaves) = model.trackingParameters()
        return try withGradient {
            let predictions = try tracked.predict(graph, computeForces: true, createGraph: true)
            guard let forces = predictions.forces else { return [] }
            return try MACEModel.functionalGradient(
                energies: predictions.energies, forces: forces, leaves: leaves, energyCotangents: c, forceCotangents: v)
        }
    }

    /// The relative error over all parameters, and the parameter tensor with the largest relative error.
    static func errors(_ gradient: [[Double]], _ reference: [[Double]], names: [String]) -> (Double, String) {
        guard gradient.count == reference.count, zip(gradient, reference).allSatisfy({ $0.count == $1.count }) else {
            return (.nan, "shapes differ: \(gradient.map(\.count)) vs \(reference.map(\.count))")
        }
        var difference = 0.0, norm = 0.0
        var worst = (0.0, "")
        for (index, (g, r)) in zip(gradient, reference).enumerated() {
            let d = zip(g, r).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let n = r.reduce(0) { $0 + $1 * $1 }
            difference += d
            norm += n
            let relative = (d / max(n, .leastNormalMagnitude)).squareRoot()
            if relative > worst.0 || relative.isNaN { worst = (relative, names[index]) }
        }
        return ((difference / max(norm, .leastNormalMagnitude)).squareRoot(),
                "\(worst.1) \(MACEModelSelftest.text(worst.0))")
    }
}
