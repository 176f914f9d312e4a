// SwiftMACE, MIT licence.
// DeviceLinear and DeviceSkip: e3nn's Linear and mace's element skip TP on ir_mul features as cuBLAS GEMMs, one
// strided-batched GEMM per instruction (batch = the irrep's components), path weights folded into the weights.

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

/// An e3nn Linear `[rows, irrepsIn.dim] → [rows, irrepsOut.dim]` (ir_mul), `y = x · (pathWeight · W)` per path.
struct DeviceLinear {
    let inputWidth: Int
    let outputWidth: Int
    let paths: [LinearPath]
    let weights: [DeviceBuffer]
    /// Whether every output (input) segment is written by some path; otherwise it is zero-filled first.
    let coversOutput: Bool
    let coversInput: Bool

    /// - Parameter scale: an extra factor folded into the weights (1/avg_num_neighbors for the interaction linear).
    init(_ layer: LinearLayer, scale: Double = 1, runner: GEMMRunner) throws {
        let d = layer.descriptor
        let inOffsets = d.irrepsIn.entryOffsets, outOffsets = d.irrepsOut.entryOffsets
        var paths: [LinearPath] = [], weights: [DeviceBuffer] = []
        var start = 0
        for ins in d.instructions {
            let mulIn = d.irrepsIn.entries[ins.input].mul, mulOut = d.irrepsOut.entries[ins.output].mul
            let block = layer.weight[start..<(start + mulIn * mulOut)].map { $0 * ins.pathWeight * scale }
            start += mulIn * mulOut
            paths.append(
                LinearPath(
                    inputOffset: inOffsets[ins.input], outputOffset: outOffsets[ins.output], mulIn: mulIn,
                    mulOut: mulOut, components: d.irrepsIn.entries[ins.input].irrep.dimension))
            weights.append(try runner.upload(block))
        }
        inputWidth = d.irrepsIn.dim
        outputWidth = d.irrepsOut.dim
        self.paths = paths
        self.weights = weights
        coversOutput = Set(d.instructions.map(\.output)).count == d.irrepsOut.entries.count
        coversInput = Set(d.instructions.map(\.input)).count == d.irrepsIn.entries.count
    }

    /// `y (+)= x · W` over `rows` rows.
    func forward(_ x: DeviceBuffer, _ y: DeviceBuffer, rows: Int, accumulate: Bool, _ run: ModelRun) throws {
        if !accumulate && !coversOutput { try run.fill(y, count: rows * outputWidth, value: 0) }
        var written = Set<Int>()
        let (xv, yv) = (FeatureView(x, width: inputWidth), FeatureView(y, width: outputWidth))
        let size = run.gemm.elementSize
        for (path, weight) in zip(paths, weights) {
            let beta: Double = accumulate || !coversOutput || written.contains(path.outputOffset) ? 1 : 0
            written.insert(path.outputOffset)
            try run.gemm.gemm(
                m: rows, n: path.mulOut, k: path.mulIn,
                a: xv.segment(offset: path.inputOffset, mul: path.mulIn, elementSize: size),
                b: GEMMOperand(address: weight.address, leadingDimension: path.mulOut),
                c: yv.segment(offset: path.outputOffset, mul: path.mulOut, elementSize: size), beta: beta,
                batchCount: path.components)
        }
    }

    /// `dx (+)= dy · Wᵀ` over `rows` rows.
    func backward(_ dy: DeviceBuffer, _ dx: DeviceBuffer, rows: Int, accumulate: Bool, _ run: ModelRun) throws {
        if !accumulate && !coversInput { try run.fill(dx, count: rows * inputWidth, value: 0) }
        var written = Set<Int>()
        let (dyv, dxv) = (FeatureView(dy, width: outputWidth), FeatureView(dx, width: inputWidth))
        let size = run.gemm.elementSize
        for (path, weight) in zip(paths, weights) {
            let beta: Double = accumulate || !coversInput || written.contains(path.inputOffset) ? 1 : 0
            written.insert(path.inputOffset)
            try run.gemm.gemm(
                m: rows, n: path.mulIn, k: path.mulOut,
                a: dyv.segment(offset: path.outputOffset, mul: path.mulOut, elementSize: size),
                b: GEMMOperand(address: weight.address, leadingDimension: path.mulOut), transposeB: true,
                c: dxv.segment(offset: path.inputOffset, mul: path.mulIn, elementSize: size), beta: beta,
                batchCount: path.components)
        }
    }

    /// Multiply-adds of one row (forward; the backward is the same).
    var flopsPerRow: Int { paths.reduce(0) { $0 + 2 * $1.mulIn * $1.mulOut * $1.components } }
}

/// mace's skip_tp on element-sorted rows: `z[element rows] (+)= x · (α · W[:, element, :])` per instruction.
struct DeviceSkip {
    let inputWidth: Int
    let outputWidth: Int
    let paths: [LinearPath]
    /// Per path: `[mulIn, n_el · mulOut]` scaled by the path's coefficient α.
    let weights: [DeviceBuffer]
    let elementCount: Int
    let coversOutput: Bool
    let coversInput: Bool

    /// - Throws: `ModelError.unsupported` when a path's coefficients are not `α · identity` (never for mace's).
    init(_ layer: SkipLayer, runner: GEMMRunner) throws {
        let d = layer.descriptor
        let inOffsets = d.irrepsIn.entryOffsets, outOffsets = d.irrepsOut.entryOffsets
        var paths: [LinearPath] = [], weights: [DeviceBuffer] = []
        var start = 0
        let scales = try Self.pathScales(d)
        for (n, ins) in d.instructions.enumerated() {
            let mulIn = d.irrepsIn.entries[ins.input1].mul, mulOut = d.irrepsOut.entries[ins.output].mul
            let components = d.irrepsIn.entries[ins.input1].irrep.dimension
            let alpha = scales[n]
            let count = mulIn * d.elementCount * mulOut
            let block = layer.weight[start..<(start + count)].map { $0 * alpha }
            start += count
            paths.append(
                LinearPath(
                    inputOffset: inOffsets[ins.input1], outputOffset: outOffsets[ins.output], mulIn: mulIn,
                    mulOut: mulOut, components: components))
            weights.append(try runner.upload(block))
        }
        inputWidth = d.irrepsIn.dim
        outputWidth = d.irrepsOut.dim
        self.paths = paths
        self.weights = weights
        elementCount = d.elementCount
        coversOutput = Set(d.instructions.map(\.output)).count == d.irrepsOut.entries.count
        coversInput = Set(d.instructions.map(\.input1)).count == d.irrepsIn.entries.count
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

    private func weight(_ p: Int, element: Int, elementSize: Int) -> GEMMOperand {
        GEMMOperand(
            address: weights[p].address &+ UInt64(element * paths[p].mulOut * elementSize),
            leadingDimension: elementCount * paths[p].mulOut)
    }

    func forward(
        _ x: DeviceBuffer, _ z: DeviceBuffer, ranges: [Range<Int>], accumulate: Bool, _ run: ModelRun
    ) throws {
        let rows = ranges.last?.upperBound ?? 0
        if !accumulate && !coversOutput { try run.fill(z, count: rows * outputWidth, value: 0) }
        var written = Set<Int>()
        let (xv, zv) = (FeatureView(x, width: inputWidth), FeatureView(z, width: outputWidth))
        let size = run.gemm.elementSize
        for (p, path) in paths.enumerated() {
            let beta: Double = accumulate || !coversOutput || written.contains(path.outputOffset) ? 1 : 0
            written.insert(path.outputOffset)
            for (element, range) in ranges.enumerated() where !range.isEmpty {
                try run.gemm.gemm(
                    m: range.count, n: path.mulOut, k: path.mulIn,
                    a: xv.segment(offset: path.inputOffset, mul: path.mulIn, row: range.lowerBound, elementSize: size),
                    b: weight(p, element: element, elementSize: size),
                    c: zv.segment(offset: path.outputOffset, mul: path.mulOut, row: range.lowerBound, elementSize: size),
                    beta: beta, batchCount: path.components)
            }
        }
    }

    func backward(
        _ dz: DeviceBuffer, _ dx: DeviceBuffer, ranges: [Range<Int>], accumulate: Bool, _ run: ModelRun
    ) throws {
        let rows = ranges.last?.upperBound ?? 0
        if !accumulate && !coversInput { try run.fill(dx, count: rows * inputWidth, value: 0) }
        var written = Set<Int>()
        let (dzv, dxv) = (FeatureView(dz, width: outputWidth), FeatureView(dx, width: inputWidth))
        let size = run.gemm.elementSize
        for (p, path) in paths.enumerated() {
            let beta: Double = accumulate || !coversInput || written.contains(path.inputOffset) ? 1 : 0
            written.insert(path.inputOffset)
            for (element, range) in ranges.enumerated() where !range.isEmpty {
                try run.gemm.gemm(
                    m: range.count, n: path.mulIn, k: path.mulOut,
                    a: dzv.segment(offset: path.outputOffset, mul: path.mulOut, row: range.lowerBound, elementSize: size),
                    b: weight(p, element: element, elementSize: size), transposeB: true,
                    c: dxv.segment(offset: path.inputOffset, mul: path.mulIn, row: range.lowerBound, elementSize: size),
                    beta: beta, batchCount: path.components)
            }
        }
    }

    var flopsPerRow: Int { paths.reduce(0) { $0 + 2 * $1.mulIn * $1.mulOut * $1.components } }
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
