// SwiftMACE, MIT licence.
// Pieces of the CUDA code generator that need no GPU: exact hexadecimal literals, the CSR builder, the ir_mul
// layout, the monomial form of the symmetric contraction against the reference executor, refusals, and the generated
// warp sum and loop renaming run through a small interpreter.

import Foundation
import Support
@testable import Equivariance
import Testing

@Suite struct CodegenBuildingBlockTests {
    @Test func hexadecimalLiteralsAreExact() {
        #expect(CUDALiteral.hex(0.75) == "0x1.8p-1")
        #expect(CUDALiteral.hex(-1) == "-0x1p+0")
        #expect(CUDALiteral.hex(0) == "0x0p+0")
        #expect(CUDALiteral.hex(1.0 / 3.0) == "0x1.5555555555555p-2")
        #expect(CUDALiteral.hex(2.0.squareRoot()) == "0x1.6a09e667f3bcdp+0")
        #expect(CUDALiteral.hex(Double.leastNonzeroMagnitude) == "0x0.0000000000001p-1022")
    }

    @Test func edgeCSRGroupsByRowStablyAndKeepsEmptyRows() throws {
        // Edges (sender → receiver): 0:2→1, 1:0→3, 2:1→1, 3:3→0, 4:0→1.
        let csr = try EdgeCSR(rows: [1, 3, 1, 0, 1], gather: [2, 0, 1, 3, 0], rowCount: 5, gatherCount: 4)
        #expect(csr.rowOffsets == [0, 1, 4, 4, 5, 5])
        #expect(csr.edgeIDs == [3, 0, 2, 4, 1])
        #expect(csr.gatherRows == [3, 2, 1, 0, 0])
        #expect(csr.edgeCount == 5)
    }

    @Test func edgeCSRRejectsEndpointsOutOfRange() {
        #expect(throws: EquivarianceError.shapeMismatch(
            "edge 1 joins row 4 and gathered row 0; expected rows in 0..<4 and gathered rows in 0..<2")) {
            try EdgeCSR(rows: [0, 4], gather: [1, 0], rowCount: 4, gatherCount: 2)
        }
        #expect(throws: EquivarianceError.shapeMismatch(
            "edge lists have 2 row endpoints and 1 gathered endpoints; expected equal")) {
            try EdgeCSR(rows: [0, 1], gather: [1], rowCount: 4, gatherCount: 2)
        }
    }

    @Test func irMulLayoutTransposesChannelSegments() throws {
        let operand = try Irreps(parsing: "2x0e+2x1o").operand(named: "x")
        let mulIr: [Double] = [1, 2, 10, 11, 12, 20, 21, 22]
        let irMul = IrMulLayout.toIrMul(mulIr, operand: operand)
        #expect(irMul == [1, 2, 10, 20, 11, 21, 12, 22])
        #expect(IrMulLayout.fromIrMul(irMul, operand: operand) == mulIr)
    }

    @Test func monomialFormEqualsTheReferenceContraction() throws {
        let descriptor = try SymmetricContractionDescriptor(
            irrepsIn: Irreps(parsing: "2x0e+2x1o"), irrepsOut: Irreps(parsing: "2x0e+2x1o"), correlation: 3,
            elementCount: 2)
        let p = descriptor.polynomial
        let plan = try MonomialContraction(p)
        var generator = SeededGenerator(seed: 7)
        let nodes = 3
        let elements = [1, 0, 1]
        let inputs = p.inputs.enumerated().map { n, operand in
            (0..<((n == descriptor.featureInput ? nodes : 2) * operand.size)).map { _ in
                Double.random(in: -1...1, using: &generator)
            }
        }
        let indexing = OperandIndexing(
            inputs: p.inputs.indices.map { $0 == descriptor.featureInput ? .batched : .indexed(elements, rows: 2) },
            outputs: [.batched])
        let reference = try ReferenceExecutor().evaluate(p, batchSize: nodes, inputs: inputs, indexing: indexing)[0]
        let table = try plan.coefficientTable(weights: inputs, elementCount: 2)
        let c = plan.channels
        let x = IrMulLayout.toIrMul(inputs[descriptor.featureInput], operand: p.inputs[descriptor.featureInput])
        var out = [Double](repeating: 0, count: nodes * plan.outputComponents * c)
        for node in 0..<nodes {
            for (s, slot) in plan.slots.enumerated() {
                for u in 0..<c {
                    let monomial = plan.monomials[slot.monomial].reduce(1.0) {
                        $0 * x[(node * plan.inputComponents + $1) * c + u]
                    }
                    out[(node * plan.outputComponents + slot.output) * c + u] +=
                        table[(elements[node] * plan.slots.count + s) * c + u] * monomial
                }
            }
        }
        let result = IrMulLayout.fromIrMul(out, operand: p.outputs[0])
        let error = zip(result, reference).map { abs($0 - $1) }.max() ?? .nan
        #expect(error < 1e-12)
        // Every prefix of a monomial is listed before it (the kernels build monomials as parent × x).
        for (m, monomial) in plan.monomials.enumerated() where monomial.count > 1 {
            #expect(plan.monomials[..<m].contains(Array(monomial.dropLast())))
        }
    }

    @Test func graphGeneratorRefusesAScatteredOutput() throws {
        let conv = try ChannelwiseTensorProductDescriptor(
            irreps1: Irreps(parsing: "4x0e"), irreps2: Irreps.sphericalHarmonics(lmax: 1), target: Irreps(parsing: "4x0e+4x1o"))
        #expect(throws: EquivarianceError.unsupported(
            "graph kernel 'bad' of 'channelwise_tensor_product': output 'mid' is gathered; a scatter would need "
                + "atomics, so write it as a row output over the CSR of that endpoint")) {
            try GraphKernelGenerator(
                conv.polynomial, name: "bad", inputRoles: [.edge, .row, .edge], outputRoles: [.gathered])
        }
        let linear = try LinearDescriptor(irrepsIn: Irreps(parsing: "4x0e"), irrepsOut: Irreps(parsing: "4x0e"))
        #expect(throws: EquivarianceError.unsupported(
            "graph kernel 'linear' of 'linear': term 0 has modes [\"uv\", \"u\", \"v\"]; expected one channel letter "
                + "shared by the operands that have one (uniform 1d)")) {
            try GraphKernelGenerator(linear.polynomial, name: "linear", inputRoles: [.edge, .row], outputRoles: [.row])
        }
    }

    @Test func graphGeneratorRefusesAnInPlacePairOfDifferentShapes() throws {
        let conv = try ChannelwiseTensorProductDescriptor(
            irreps1: Irreps(parsing: "4x0e"), irreps2: Irreps.sphericalHarmonics(lmax: 1), target: Irreps(parsing: "4x0e+4x1o"))
        // backward w.r.t. [weight, x2]: outputs dweight (per edge, like the weight) and dx2 (per edge, no channel).
        let backward = try conv.polynomial.backward(withRespectTo: [0, 2])
        let roles: [GraphOperandRole] = [.edge, .gathered, .edge, .row]
        #expect(throws: EquivarianceError.unsupported(
            "graph kernel 'bad' of '\(backward.name)': output 1 in place of input 0; expected a per-edge output and a "
                + "per-edge input of one size, both with a channel and stored alike")) {
            try GraphKernelGenerator(backward, name: "bad", inputRoles: roles, outputRoles: [.edge, .edge], inPlace: [1: 0])
        }
        // dweight over the weight is a valid pair: only those two pointers lose __restrict__.
        let code = try GraphKernelGenerator(
            backward, name: "ok", inputRoles: roles, outputRoles: [.edge, .edge], inPlace: [0: 0]
        ).generate().code
        #expect(code.contains("const T* in0,") && code.contains("T* out0,"))
        #expect(code.contains("const T* __restrict__ in1,") && code.contains("T* __restrict__ out1"))
    }

    /// Runs the lines of ``GraphKernelGenerator/warpTransposeSum(_:store:)`` for 32 lanes, lane l's value j being
    /// 100·l + j, and returns what is stored per index. Knows only the statement forms that function writes.
    private func simulateWarpSum(count: Int) -> [Int: Double] {
        let lines = GraphKernelGenerator.warpTransposeSum((0..<count).map { "x\($0)" }) { "out[\($0)]" }
        var lanes = [[String: Double]](repeating: [:], count: 32)
        var (upper, shift, mask) = ([Bool](repeating: false, count: 32), 0, 0)
        var stored: [Int: Double] = [:]
        func value(_ lane: Int, _ token: String) -> Double {
            token.hasPrefix("x") ? Double(100 * lane + Int(token.dropFirst())!) : lanes[lane][token]!
        }
        for line in lines {
            let t = line.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
            if t.first == "T" {  // T vj = xj;  or  T vj = T(0);
                for l in 0..<32 { lanes[l][t[1]] = t.count == 3 ? value(l, t[2]) : 0 }
            } else if t.starts(with: ["const", "bool"]) {  // const bool upper = (lane & O) != 0;
                for l in 0..<32 { upper[l] = l & Int(t[4])! != 0 }
            } else if t.starts(with: ["const", "int", "j"]) {  // const int j = (lane >> S) & M;
                (shift, mask) = (Int(t[4])!, Int(t[5])!)
            } else if line.contains("+= __shfl") {  // v0 += __shfl_xor_sync(m, v0, O);
                let sent = (0..<32).map { lanes[$0]["v0"]! }
                for l in 0..<32 { lanes[l]["v0"]! += sent[l ^ Int(t[4])!] }
            } else if line.contains("__shfl") {  // va = (upper ? vb : vc) + __shfl_xor_sync(m, upper ? vd : ve, O);
                let kept = (0..<32).map { value($0, upper[$0] ? t[2] : t[3]) }
                let sent = (0..<32).map { value($0, upper[$0] ? t[7] : t[8]) }
                for l in 0..<32 { lanes[l][t[0]] = kept[l] + sent[l ^ Int(t[9])!] }
            } else if t.first == "if" {  // if ((lane & K) == 0 && j < N) out[j (+ F)] = v0;
                let first = t.count == 10 ? Int(t[8])! : 0
                for l in 0..<32 where l & Int(t[2])! == 0 && (l >> shift) & mask < Int(t[5])! {
                    stored[((l >> shift) & mask) + first] = lanes[l]["v0"]!
                }
            }
        }
        return stored
    }

    @Test func transposedWarpSumAddsEveryLaneOnce() {
        for count in [1, 2, 5, 16, 32, 40] {
            let stored = simulateWarpSum(count: count)
            #expect(stored.count == count)
            for j in 0..<count { #expect(stored[j] == Double(100 * 496 + 32 * j), "n \(count), value \(j)") }
        }
        // 16 values: 8 + 4 + 2 + 1 + 1 shuffles.
        let lines = GraphKernelGenerator.warpTransposeSum((0..<16).map { "x\($0)" }) { "out[\($0)]" }
        #expect(lines.filter { $0.contains("__shfl_xor_sync") }.count == 16)
    }

    @Test func pairedLoopRenamesLocalsButNotLiterals() {
        let line = "const T a0_1 = q0[1 * C] * T(0x1.2ep-1) + e * row3[0];"
        #expect(
            GraphKernelGenerator.renamed(line, ["a0_1", "q0", "e", "p"], suffix: "_0")
                == "const T a0_1_0 = q0_0[1 * C] * T(0x1.2ep-1) + e_0 * row3[0];")
        let loop = GraphKernelGenerator.pairedLoop(
            index: "p", from: "begin", to: "end", loads: ["const T v = in[p];"], work: ["s += v;"], locals: ["v"])
        #expect(loop.contains("  const T v_0 = in[p_0];") && loop.contains("  const T v_1 = in[p_1];"))
        #expect(loop.firstIndex(of: "  const T v_1 = in[p_1];")! < loop.firstIndex(of: "    s += v_0;")!)
        #expect(loop.contains("  s += v;"))
    }
}
