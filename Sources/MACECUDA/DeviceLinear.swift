// SwiftMACE, MIT licence.
// PathGEMMs, DeviceLinear and DeviceSkip: e3nn's Linear and mace's element skip TP on ir_mul features as cuBLAS
// GEMMs, one strided-batched GEMM per instruction and element (batch = the irrep's components), path weights
// folded into the weights.

import CUDA
import Equivariance
import MACE

/// One instruction of an equivariant linear map: input segment → output segment, `[mulIn, mulOut]` weights.
struct LinearPath {
    let inputOffset: Int
    let outputOffset: Int
    let mulIn: Int
    let mulOut: Int
    let components: Int
}

/// The GEMMs of an equivariant linear map on element-sorted ir_mul rows: per path one strided-batched GEMM per
/// element (batch = the irrep's components), with weights `[mulIn, elementCount · mulOut]` per path. An e3nn Linear
/// is the one-element case; mace's skip TP has one weight block per element.
struct PathGEMMs {
    let inputWidth: Int
    let outputWidth: Int
    let paths: [LinearPath]
    let weights: [DeviceBuffer]
    /// Per path, the factor folded into its weights (path weight, 1/avg_num_neighbors, skip α): device weight =
    /// model weight × factor, so a model weight's gradient is the device weight's × factor.
    let factors: [Double]
    let elementCount: Int
    /// Whether every output (input) segment is written by some path; otherwise it is zero-filled first.
    let coversOutput: Bool
    let coversInput: Bool

    /// `target (+)= source · W` (forward) or `target (+)= source · Wᵀ` (transposed: the input gradient), the rows
    /// of element e being `ranges[e]` (and `ranges[e + k·elementCount]`: stacked value and tangent blocks). Under a
    /// 16-bit policy the GEMMs take 16-bit operands (float32 accumulation): a source that holds 16-bit features
    /// (``ModelRun/halfFeatures``) directly, any other first rounded into `run.halfScratch`. A target that holds
    /// 16-bit features is written in 16 bits by cuBLAS when each of its segments is one path's whole result;
    /// otherwise the paths sum into `run.floatScratch` (float32) and the sum is rounded once.
    /// - Throws: `CUDAError.invalidArgument` when asked to accumulate into a 16-bit target.
    func apply(
        _ source: DeviceBuffer, _ target: DeviceBuffer, ranges: [Range<Int>], accumulate: Bool, transposed: Bool,
        _ run: ModelRun
    ) throws {
        let rows = ranges.last?.upperBound ?? 0
        let (sourceWidth, targetWidth) = transposed ? (outputWidth, inputWidth) : (inputWidth, outputWidth)
        let coversTarget = transposed ? coversInput : coversOutput
        let targetOffsets = paths.map { transposed ? $0.inputOffset : $0.outputOffset }
        var halfTarget = run.halfFeatures.contains(target.address)
        var written = target
        if halfTarget {
            guard !accumulate else {
                throw CUDAError.invalidArgument("a linear cannot accumulate into a 16-bit feature buffer")
            }
            if !coversTarget || Set(targetOffsets).count != targetOffsets.count {
                guard let scratch = run.floatScratch else {
                    throw CUDAError.invalidArgument("a linear with summed paths has no float32 scratch for its 16-bit output")
                }
                (written, halfTarget) = (scratch, false)
            }
        }
        if !accumulate && !coversTarget { try run.fill(written, count: rows * targetWidth, value: 0) }
        var writtenOffsets = Set<Int>()
        var from = FeatureView(source, width: sourceWidth)
        let to = FeatureView(written, width: targetWidth)
        let size = run.gemm.elementSize, weightSize = run.gemm.weightSize
        let targetSize = halfTarget ? 2 : size
        var sourceSize = size
        if run.halfFeatures.contains(source.address) {
            sourceSize = 2
        } else if let half = run.gemm.half, let scratch = run.halfScratch {
            try run.kernels.toHalf(source, out: scratch, count: rows * sourceWidth, half: half, stream: run.gemm.stream)
            from = FeatureView(scratch, width: sourceWidth)
            sourceSize = 2
        }
        for (p, path) in paths.enumerated() {
            let (fromOffset, fromMul) = transposed ? (path.outputOffset, path.mulOut) : (path.inputOffset, path.mulIn)
            let (toOffset, toMul) = transposed ? (path.inputOffset, path.mulIn) : (path.outputOffset, path.mulOut)
            let beta: Double = accumulate || !coversTarget || writtenOffsets.contains(toOffset) ? 1 : 0
            writtenOffsets.insert(toOffset)
            for (index, range) in ranges.enumerated() where !range.isEmpty {
                let element = index % elementCount
                let weight = GEMMOperand(
                    address: weights[p].address &+ UInt64(element * path.mulOut * weightSize),
                    leadingDimension: elementCount * path.mulOut)
                let a = from.segment(offset: fromOffset, mul: fromMul, row: range.lowerBound, elementSize: sourceSize)
                let c = to.segment(offset: toOffset, mul: toMul, row: range.lowerBound, elementSize: targetSize)
                if run.gemm.half != nil {
                    try run.gemm.halfGEMM(
                        m: range.count, n: toMul, k: fromMul, a: a, b: weight, transposeB: transposed, c: c, beta: beta,
                        batchCount: path.components, halfOutput: halfTarget)
                } else {
                    try run.gemm.gemm(
                        m: range.count, n: toMul, k: fromMul, a: a, b: weight, transposeB: transposed, c: c, beta: beta,
                        batchCount: path.components)
                }
            }
        }
        if written !== target, let half = run.gemm.half {
            try run.kernels.toHalf(written, out: target, count: rows * targetWidth, half: half, stream: run.gemm.stream)
        }
    }

    /// Whether the forward map writes each output segment by exactly one path, all of them (a 16-bit output can then
    /// come straight from cuBLAS).
    var writesEachOutputOnce: Bool { coversOutput && Set(paths.map(\.outputOffset)).count == paths.count }

    /// The device weight blocks of a model's flat weight (path blocks `[mulIn, elementCount, mulOut]` in order, each
    /// times its factor).
    static func blocks(_ weight: [Double], paths: [LinearPath], factors: [Double], elementCount: Int) -> [[Double]] {
        var start = 0
        return zip(paths, factors).map { path, factor in
            let count = path.mulIn * elementCount * path.mulOut
            defer { start += count }
            return weight[start..<(start + count)].map { $0 * factor }
        }
    }

    /// Replaces the device weights with a model's flat weight (same layout as at upload).
    func setWeights(_ weight: [Double], _ runner: GEMMRunner) throws {
        let blocks = Self.blocks(weight, paths: paths, factors: factors, elementCount: elementCount)
        for (buffer, block) in zip(weights, blocks) { try runner.overwriteWeights(buffer, with: block) }
    }

    /// Multiply-adds of one row (forward; the transposed map is the same).
    var flopsPerRow: Int { paths.reduce(0) { $0 + 2 * $1.mulIn * $1.mulOut * $1.components } }
}

/// An e3nn Linear `[rows, irrepsIn.dim] → [rows, irrepsOut.dim]` (ir_mul), `y = x · (pathWeight · W)` per path.
struct DeviceLinear {
    let gemms: PathGEMMs

    /// - Parameter scale: an extra factor folded into the weights (1/avg_num_neighbors for the interaction linear).
    init(_ layer: LinearLayer, scale: Double = 1, runner: GEMMRunner) throws {
        let d = layer.descriptor
        let inOffsets = d.irrepsIn.entryOffsets, outOffsets = d.irrepsOut.entryOffsets
        let paths = d.instructions.map { ins in
            LinearPath(
                inputOffset: inOffsets[ins.input], outputOffset: outOffsets[ins.output],
                mulIn: d.irrepsIn.entries[ins.input].mul, mulOut: d.irrepsOut.entries[ins.output].mul,
                components: d.irrepsIn.entries[ins.input].irrep.dimension)
        }
        let factors = d.instructions.map { $0.pathWeight * scale }
        let weights = try PathGEMMs.blocks(layer.weight, paths: paths, factors: factors, elementCount: 1)
            .map(runner.uploadWeights)
        gemms = PathGEMMs(
            inputWidth: d.irrepsIn.dim, outputWidth: d.irrepsOut.dim, paths: paths, weights: weights, factors: factors,
            elementCount: 1,
            coversOutput: Set(d.instructions.map(\.output)).count == d.irrepsOut.entries.count,
            coversInput: Set(d.instructions.map(\.input)).count == d.irrepsIn.entries.count)
    }

    var inputWidth: Int { gemms.inputWidth }
    var outputWidth: Int { gemms.outputWidth }

    /// `y (+)= x · W` over `rows` rows.
    func forward(_ x: DeviceBuffer, _ y: DeviceBuffer, rows: Int, accumulate: Bool, _ run: ModelRun) throws {
        try gemms.apply(x, y, ranges: [0..<rows], accumulate: accumulate, transposed: false, run)
    }

    /// `dx (+)= dy · Wᵀ` over `rows` rows.
    func backward(_ dy: DeviceBuffer, _ dx: DeviceBuffer, rows: Int, accumulate: Bool, _ run: ModelRun) throws {
        try gemms.apply(dy, dx, ranges: [0..<rows], accumulate: accumulate, transposed: true, run)
    }
}

/// mace's skip_tp on element-sorted rows: `z[element rows] (+)= x · (α · W[:, element, :])` per instruction.
struct DeviceSkip {
    /// Weights per path: `[mulIn, n_el · mulOut]` scaled by the path's coefficient α.
    let gemms: PathGEMMs

    /// - Throws: `ModelError.unsupported` when a path's coefficients are not `α · identity` (never for mace's).
    init(_ layer: SkipLayer, runner: GEMMRunner) throws {
        let d = layer.descriptor
        let inOffsets = d.irrepsIn.entryOffsets, outOffsets = d.irrepsOut.entryOffsets
        let paths = d.instructions.map { ins in
            LinearPath(
                inputOffset: inOffsets[ins.input1], outputOffset: outOffsets[ins.output],
                mulIn: d.irrepsIn.entries[ins.input1].mul, mulOut: d.irrepsOut.entries[ins.output].mul,
                components: d.irrepsIn.entries[ins.input1].irrep.dimension)
        }
        let factors = try Self.pathScales(d)
        let weights = try PathGEMMs.blocks(layer.weight, paths: paths, factors: factors, elementCount: d.elementCount)
            .map(runner.uploadWeights)
        gemms = PathGEMMs(
            inputWidth: d.irrepsIn.dim, outputWidth: d.irrepsOut.dim, paths: paths, weights: weights, factors: factors,
            elementCount: d.elementCount,
            coversOutput: Set(d.instructions.map(\.output)).count == d.irrepsOut.entries.count,
            coversInput: Set(d.instructions.map(\.input1)).count == d.irrepsIn.entries.count)
    }

    /// Each path's coefficient α: its coefficients must be `α · δ_ik` (to 1e-14 relative; e3nn's 3j values for
    /// l ⊗ 0 → l differ from each other by an ulp).
    /// - Throws: `ModelError.unsupported` naming the instruction otherwise.
    static func pathScales(_ d: ElementSkipTensorProductDescriptor) throws -> [Double] {
        try d.instructions.indices.map { n in
            let components = d.irrepsIn.entries[d.instructions[n].input1].irrep.dimension
            let coefficients = d.polynomial.terms.first?.paths[n].coefficients ?? []
            guard let alpha = coefficients.first?.value, coefficients.count == components,
                coefficients.allSatisfy({
                    $0.indices.count == 4 && $0.indices[1] == $0.indices[3] && abs($0.value - alpha) <= 1e-14 * abs(alpha)
                })
            else {
                throw ModelError.unsupported(
                    file: "skip_tp", key: "instructions[\(n)]", found: "coefficients that are not a multiple of identity")
            }
            return alpha
        }
    }

    /// `z (+)= x · (α · W[:, element, :])`, the rows of element e being `ranges[e]`.
    func forward(
        _ x: DeviceBuffer, _ z: DeviceBuffer, ranges: [Range<Int>], accumulate: Bool, _ run: ModelRun
    ) throws {
        try gemms.apply(x, z, ranges: ranges, accumulate: accumulate, transposed: false, run)
    }

    /// `dx (+)= dz · (α · W[:, element, :])ᵀ` per element's rows.
    func backward(
        _ dz: DeviceBuffer, _ dx: DeviceBuffer, ranges: [Range<Int>], accumulate: Bool, _ run: ModelRun
    ) throws {
        try gemms.apply(dz, dx, ranges: ranges, accumulate: accumulate, transposed: true, run)
    }
}

extension Irreps {
    /// The offset of each entry's segment in a feature row (the same in mul_ir and ir_mul).
    var entryOffsets: [Int] {
        var offsets: [Int] = [], start = 0
        for entry in entries {
            offsets.append(start)
            start += entry.mul * entry.irrep.dimension
        }
        return offsets
    }
}
