// SwiftMACE, MIT licence.
// The model's layers on the device: weights uploaded once in the model's scalar type, generated conv and
// contraction kernels compiled once, and the widths every workspace buffer is sized from.

import CUDA
import Equivariance
import EquivarianceCUDA
import MACE

/// One radial-MLP layer on the device: `z = x · W` (scale folded in), then `x = activationScale · act(z)`.
struct DeviceRadialLayer {
    let inputs: Int
    let outputs: Int
    /// `[inputs, outputs]` in the GEMM weight type (``GEMMRunner/uploadWeights(_:)``): the model's times `scale`.
    let weight: DeviceBuffer
    let scale: Double
    let activation: String?
    /// 1 except after the last layer (the CPU model carries hidden layers' constants into the next weight).
    let activationScale: Double
    /// 3xTF32 last layer (precision float32): `[W_hi; W_lo; W_hi]`, `[3 · inputs, outputs]` float32, for the forward
    /// GEMM.
    let splitWeight: DeviceBuffer?
}

extension DeviceRadialLayer {
    /// `c = x · W` over `rows` rows by the runner's GEMM (float32 or float64 operands). With `splitInput`, `x` holds
    /// 3xTF32 rows `[x_hi | x_hi | x_lo]` of `3 · inputs` and the product runs against ``splitWeight`` on TF32 tensor
    /// cores (float32-class error); otherwise `x` is `[rows, inputs]`.
    func forward(rows: Int, x: UInt64, splitInput: Bool, c: UInt64, _ runner: GEMMRunner) throws {
        let output = GEMMOperand(address: c, leadingDimension: outputs)
        if splitInput, let split = splitWeight {
            try runner.gemm(
                m: rows, n: outputs, k: 3 * inputs, a: GEMMOperand(address: x, leadingDimension: 3 * inputs),
                b: GEMMOperand(address: split.address, leadingDimension: outputs), c: output, tf32: true)
        } else {
            try runner.gemm(
                m: rows, n: outputs, k: inputs, a: GEMMOperand(address: x, leadingDimension: inputs),
                b: GEMMOperand(address: weight.address, leadingDimension: outputs), c: output)
        }
    }
}

/// One interaction + product layer.
struct DeviceLayer {
    let residual: Bool
    let useSC: Bool
    let linearUp: DeviceLinear
    let radialMLP: [DeviceRadialLayer]
    let conv: ConvolutionKernels
    /// The interaction's linear with 1/avg_num_neighbors folded in.
    let linear: DeviceLinear
    let skip: DeviceSkip
    let contraction: SymmetricContractionKernels
    let contractionDescriptor: SymmetricContractionDescriptor
    /// The contraction's coefficient table `[n_el, slots, C]`.
    let coefficients: DeviceBuffer
    let productLinear: DeviceLinear
    /// Fused radial MLP (``RadialMLPShape``): the hidden layers' weights concatenated, in the scalar type.
    let hiddenWeights: DeviceBuffer?
    /// Fused radial MLP under float32: the last layer's weight `[h, weight_numel]` as `[W_hi; W_lo]` (TF32 parts)
    /// for the backward's 3xTF32 GEMM `dW · Wᵀ`.
    let lastWeightSplit: DeviceBuffer?
    /// Under `bf16-linear` / `fp16-linear` with the fused MLP: conv_tp with its per-edge weights formed in the kernel
    /// from the last radial layer's 16-bit input on tensor cores (``FusedWeightConvolutionKernels``), so the pass
    /// never writes or reads `[E, weight_numel]` weights; nil where the shapes do not fit (the conv then reads the
    /// last layer's GEMM output).
    let fusedConv: FusedWeightConvolutionKernels?

    var inputWidth: Int { linearUp.inputWidth }
    var upWidth: Int { linearUp.outputWidth }
    var midWidth: Int { linear.inputWidth }
    var messageWidth: Int { linear.outputWidth }
    var productWidth: Int { productLinear.inputWidth }
    var outputWidth: Int { productLinear.outputWidth }
    var weightCount: Int { radialMLP.last?.outputs ?? 0 }
}

/// A readout on the device: `e = first(h)`, or `e = second(scale · act(first(h)))`.
struct DeviceReadout {
    let featureLayer: Int
    let first: DeviceLinear
    let hidden: (activation: String, scale: Double, second: DeviceLinear)?
}

extension DeviceLayer {
    init(
        interaction: InteractionLayer, product: ProductLayer, elementCount: Int, index: Int, runner: GEMMRunner,
        cache: KernelCache, fusedMLP: Bool
    ) throws {
        let splitLastRadialLayer = runner.precision.splitsLastRadialLayer
        residual = interaction.residual
        useSC = product.useSC
        linearUp = try DeviceLinear(interaction.linearUp, runner: runner)
        radialMLP = try interaction.radialMLP.enumerated().map { k, layer in
            let last = k == interaction.radialMLP.count - 1
            if let activation = layer.activation, !["silu", "tanh"].contains(activation) {
                throw CUDAError.invalidArgument("interactions.\(index) radial MLP: activation '\(activation)' is not supported on the GPU")
            }
            guard last || layer.activation != nil else {
                throw CUDAError.invalidArgument("interactions.\(index) radial MLP: hidden layer \(k) has no activation")
            }
            // Only the last layer is split: the hidden GEMMs are bandwidth-bound, and tripling their operand made the
            // MLP slower (forward 14.7 → 16.6 ms, backward 18.4 → 22.0 ms at 24000 atoms, when tried on all layers).
            let scaled = layer.deviceWeight
            return DeviceRadialLayer(
                inputs: layer.inputs, outputs: layer.outputs, weight: try runner.uploadWeights(scaled), scale: layer.scale,
                activation: layer.activation, activationScale: last ? layer.activationScale : 1,
                splitWeight: splitLastRadialLayer && last && k > 0 ? try runner.upload(Self.split3(scaled)) : nil)
        }
        hiddenWeights = fusedMLP ? try runner.upload(Self.hiddenWeights(interaction)) : nil
        lastWeightSplit = try interaction.radialMLP.last.flatMap { last in
            guard fusedMLP, runner.precision == .float32, last.outputs % 4 == 0 else { return nil }
            return try runner.upload(Self.lastWeightSplit(last))
        }
        conv = try ConvolutionKernels(
            context: runner.context, cache: cache, descriptor: interaction.conv, weightStorage: runner.half,
            halfFeatures: runner.precision.storesFeaturesInHalf)
        fusedConv = try Self.fusedConv(interaction, fusedMLP: fusedMLP, runner: runner, cache: cache)
        linear = try DeviceLinear(interaction.linear, scale: 1 / interaction.avgNumNeighbors, runner: runner)
        skip = try DeviceSkip(interaction.skip, runner: runner)
        contractionDescriptor = product.contraction
        contraction = try SymmetricContractionKernels(
            context: runner.context, cache: cache, polynomial: product.contraction.polynomial,
            featureStorage: runner.precision.storesFeaturesInHalf ? runner.half : nil)
        coefficients = try runner.upload(
            try Self.coefficientTable(contraction.source.plan, product, elementCount: elementCount))
        productLinear = try DeviceLinear(product.linear, runner: runner)
        guard radialMLP.last?.outputs == interaction.conv.weightCount else {
            throw CUDAError.invalidArgument(
                "interactions.\(index): the radial MLP gives \(radialMLP.last?.outputs ?? 0) weights per edge; "
                    + "conv_tp needs \(interaction.conv.weightCount)")
        }
    }

    /// The conv with per-edge weights formed on tensor cores, where the policy keeps the last radial layer's input in
    /// 16 bits (`bf16-linear`, `fp16-linear`: not `bf16`, whose conv reads 16-bit features) and the fused MLP writes
    /// it; nil where the conv's or the MLP's shapes do not fit its kernels (`EquivarianceError.unsupported`).
    static func fusedConv(
        _ interaction: InteractionLayer, fusedMLP: Bool, runner: GEMMRunner, cache: KernelCache
    ) throws -> FusedWeightConvolutionKernels? {
        guard fusedMLP, let half = runner.half, !runner.precision.storesFeaturesInHalf,
            let last = interaction.radialMLP.last, last.activation == nil
        else { return nil }
        do {
            return try FusedWeightConvolutionKernels(
                context: runner.context, cache: cache, descriptor: interaction.conv, inputWidth: last.inputs,
                weights: last.deviceWeight, storage: half, stream: runner.stream)
        } catch EquivarianceError.unsupported {
            return nil
        }
    }

    /// The fused radial-MLP kernels' hidden weights: every layer but the last, scaled, concatenated.
    static func hiddenWeights(_ interaction: InteractionLayer) -> [Double] {
        interaction.radialMLP.dropLast().flatMap(\.deviceWeight)
    }

    /// The last radial layer's weight as `[W_hi; W_lo]` (TF32 parts) for the 3xTF32 backward GEMM.
    static func lastWeightSplit(_ last: RadialLayer) -> [Double] {
        Array(split3(last.deviceWeight).prefix(2 * last.weight.count))
    }

    /// The contraction's coefficient table `[n_el, slots, C]` from the product's weights.
    static func coefficientTable(_ plan: MonomialContraction, _ product: ProductLayer, elementCount: Int) throws
        -> [Double]
    {
        try plan.coefficientTable(weights: product.contractionWeights + [[]], elementCount: elementCount)
    }

    /// `[hi; lo; hi]` of a float32 matrix: hi keeps the top 10 mantissa bits (exact in TF32), lo = x − hi.
    static func split3(_ values: [Double]) -> [Double] {
        let single = values.map { Float($0) }
        let high = single.map { Float(bitPattern: $0.bitPattern & 0xFFFF_E000) }
        let low = zip(single, high).map { $0 - $1 }
        return (high + low + high).map(Double.init)
    }

    /// Conv weights per edge, the FLOPs of one radial-MLP pass per edge.
    var radialFlopsPerEdge: Int { radialMLP.reduce(0) { $0 + 2 * $1.inputs * $1.outputs } }
}

extension RadialLayer {
    /// The weight as the device holds it: `weight · scale`.
    var deviceWeight: [Double] { weight.map { $0 * scale } }
}

