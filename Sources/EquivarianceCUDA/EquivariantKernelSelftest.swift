// SwiftMACE, MIT licence.
// The "equivariant kernels" group of `swiftmace selftest --device cuda`: the generated conv_tp and symmetric
// contraction kernels (forward, derivatives, their dual training kernels, the 16-bit feature variants, and the conv
// with its per-edge weights formed on tensor cores) against the float64 ReferenceExecutor on fresh random inputs,
// float32, float64 and 16-bit storage.

import Support
import CUDA
import Equivariance
import Foundation

/// GPU checks of the generated equivariant kernels.
public enum EquivariantKernelSelftest {
    /// The layer-2 conv of the default medium model (hidden 128x0e+128x1o, max_ell 3).
    public static func layer2Convolution(channels: Int) throws -> ChannelwiseTensorProductDescriptor {
        try ChannelwiseTensorProductDescriptor(
            irreps1: Irreps(parsing: "\(channels)x0e+\(channels)x1o"), irreps2: Irreps.sphericalHarmonics(lmax: 3),
            target: Irreps(parsing: "\(channels)x0e+\(channels)x1o+\(channels)x2e+\(channels)x3o"))
    }

    /// The layer-1 product of the medium model (Cx(0e+1o+2e+3o) → Cx0e+Cx1o, correlation 3).
    public static func layer1Contraction(channels: Int, elements: Int) throws -> SymmetricContractionDescriptor {
        try SymmetricContractionDescriptor(
            irrepsIn: Irreps(parsing: "\(channels)x0e+\(channels)x1o+\(channels)x2e+\(channels)x3o"),
            irrepsOut: Irreps(parsing: "\(channels)x0e+\(channels)x1o"), correlation: 3, elementCount: elements)
    }

    /// Runs the checks, reporting each as it finishes.
    @discardableResult
    public static func run(
        context: CUDAContext, seed: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000),
        report: @escaping (SelftestResult) -> Void
    ) -> [SelftestResult] {
        var run = SelftestRun(report: report)
        var generator = SeededGenerator(seed: seed)
        var conv: ConvolutionKernels?
        var contraction: SymmetricContractionKernels?
        var halfConvs: [HalfStorage: ConvolutionKernels] = [:]
        var halfContractions: [HalfStorage: SymmetricContractionKernels] = [:]
        var contractionDescriptor: SymmetricContractionDescriptor?
        var convDescriptor: ChannelwiseTensorProductDescriptor?
        let stream: CUDAStream
        do {
            stream = try CUDAStream(context: context)
        } catch {
            run.check("equivariant kernels: stream") { throw error }
            return run.results
        }
        run.check("equivariant kernels: generate and compile") {
            let cache = try KernelCache(context: context)
            let start = Date()
            let descriptor = try layer2Convolution(channels: 128)
            convDescriptor = descriptor
            conv = try ConvolutionKernels(context: context, cache: cache, descriptor: descriptor)
            let scDescriptor = try layer1Contraction(channels: 128, elements: 3)
            contractionDescriptor = scDescriptor
            contraction = try SymmetricContractionKernels(
                context: context, cache: cache, polynomial: scDescriptor.polynomial)
            for storage in HalfStorage.allCases {
                halfConvs[storage] = try ConvolutionKernels(
                    context: context, cache: cache, descriptor: descriptor, weightStorage: storage, halfFeatures: true)
                halfContractions[storage] = try SymmetricContractionKernels(
                    context: context, cache: cache, polynomial: scDescriptor.polynomial, featureStorage: storage)
            }
            let seconds = Date().timeIntervalSince(start)
            let plan = contraction?.source.plan
            return (true, "seed \(seed); conv_tp \(descriptor.polynomial.pathCount) paths, "
                + "\(descriptor.polynomial.coefficientCount) CG non-zeros; contraction \(plan?.monomials.count ?? 0) "
                + "monomials, \(plan?.slots.count ?? 0) slots; \(String(format: "%.1f", seconds)) s")
        }
        let buffers = ScalarBuffers(context: context, stream: stream)
        if let conv, let convDescriptor {
            let graphs = [
                ("water-like 192 atoms", SyntheticGraph(atomCount: 192, degree: 50, window: 96, seed: generator.next())),
                ("48 atoms, lonely receivers and senders",
                 SyntheticGraph(atomCount: 48, degree: 6, window: 12, lonelyEvery: 5, seed: generator.next())),
            ]
            for (label, graph) in graphs {
                let checker = ConvolutionCheck(kernels: conv, graph: graph, buffers: buffers)
                var reference: ConvolutionCheck.Reference?
                for scalar in KernelScalar.allCases {
                    run.check("conv_tp \(label) \(scalar)") {
                        if reference == nil { reference = try checker.reference(&generator) }
                        guard let reference else { return (false, "no reference") }
                        return try checker.compare(reference, scalar)
                    }
                }
                for storage in HalfStorage.allCases {
                    run.check("conv_tp 16-bit features \(label) \(storage)") {
                        if reference == nil { reference = try checker.reference(&generator) }
                        guard let reference, let kernels = halfConvs[storage] else { return (false, "no reference") }
                        return try HalfFeatureCheck(buffers: buffers, storage: storage)
                            .convolution(kernels, graph: graph, reference)
                    }
                }
                for storage in HalfStorage.allCases {
                    run.check("conv_tp with per-edge weights h · W on tensor cores \(label) \(storage)") {
                        try FusedWeightConvolutionCheck(
                            descriptor: convDescriptor, graph: graph, buffers: buffers, storage: storage
                        ).run(kernels: conv, generator: &generator)
                    }
                }
                let dualChecker = DualConvolutionCheck(kernels: conv, graph: graph, buffers: buffers)
                var dualReference: DualConvolutionCheck.Reference?
                for scalar in KernelScalar.allCases {
                    run.check("conv_tp dual \(label) \(scalar)") {
                        if dualReference == nil { dualReference = try dualChecker.reference(&generator) }
                        guard let dualReference else { return (false, "no reference") }
                        return try dualChecker.compare(dualReference, scalar)
                    }
                }
            }
        }
        if let contraction, let contractionDescriptor {
            let checker = ContractionCheck(
                kernels: contraction, descriptor: contractionDescriptor, nodes: 96, buffers: buffers)
            var reference: ContractionCheck.Reference?
            for scalar in KernelScalar.allCases {
                run.check("symmetric contraction \(scalar)") {
                    if reference == nil { reference = try checker.reference(&generator) }
                    guard let reference else { return (false, "no reference") }
                    return try checker.compare(reference, scalar)
                }
            }
            for storage in HalfStorage.allCases {
                run.check("symmetric contraction 16-bit features \(storage)") {
                    if reference == nil { reference = try checker.reference(&generator) }
                    guard let reference, let kernels = halfContractions[storage] else { return (false, "no reference") }
                    return try HalfFeatureCheck(buffers: buffers, storage: storage)
                        .contraction(kernels, descriptor: contractionDescriptor, nodes: checker.nodes, reference)
                }
            }
            // Fewer nodes: the float64 reference of the dual pass costs about 4x the primal one's per node.
            let dualChecker = DualContractionCheck(
                kernels: contraction, descriptor: contractionDescriptor, nodes: 32, buffers: buffers)
            var dualReference: DualContractionCheck.Reference?
            for scalar in KernelScalar.allCases {
                run.check("symmetric contraction dual (training) \(scalar)") {
                    if dualReference == nil { dualReference = try dualChecker.reference(&generator) }
                    guard let dualReference else { return (false, "no reference") }
                    return try dualChecker.compare(dualReference, scalar)
                }
            }
        }
        return run.results
    }
}
