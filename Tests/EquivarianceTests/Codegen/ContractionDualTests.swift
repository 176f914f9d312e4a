// SwiftMACE, MIT licence.
// The symmetric contraction's training (dual) kernels on the CPU: the generated entry points and parameters, the
// float64 oracle the GPU selftest compares them with (primal-and-tangent rewrite and its backward) against central
// finite differences, and the per-node weight-gradient algorithm of the generated kernel against that oracle.

import Equivariance
import Support
import Testing

@Suite struct ContractionDualTests {
    /// A tiny layer: 2x0e+2x1o → 2x0e+2x1o, correlation 3, two elements, three nodes.
    struct Case {
        let descriptor: SymmetricContractionDescriptor
        let elements = [1, 0, 1]
        let nodes = 3
        let inputs: [[Double]]  // weights…, x, ẋ (mul_ir)
        let cotangents: [[Double]]  // Ā, Ǡ
        let indexing: OperandIndexing

        init() throws {
            descriptor = try SymmetricContractionDescriptor(
                irrepsIn: Irreps(parsing: "2x0e+2x1o"), irrepsOut: Irreps(parsing: "2x0e+2x1o"), correlation: 3,
                elementCount: 2)
            let p = descriptor.polynomial
            var generator = SeededGenerator(seed: 11)
            let feature = descriptor.featureInput
            let sizes = p.inputs.enumerated().map { ($0.offset == feature ? 3 : 2) * $0.element.size }
            inputs = (sizes + [3 * p.inputs[feature].size]).map { generator.doubles($0) }
            cotangents = [generator.doubles(3 * p.outputs[0].size), generator.doubles(3 * p.outputs[0].size)]
            indexing = OperandIndexing(
                inputs: p.inputs.indices.map { $0 == feature ? .batched : .indexed([1, 0, 1], rows: 2) },
                outputs: [.batched])
        }

        var feature: Int { descriptor.featureInput }
        var weightInputs: [Int] { descriptor.polynomial.inputs.indices.filter { $0 != feature } }
        var dual: EquivariantPolynomial {
            get throws { try descriptor.polynomial.dual(withRespectTo: [feature]) }
        }
        var dualIndexing: OperandIndexing { indexing.dual(withRespectTo: [feature]) }
        /// The gradient inputs of the oracle: the weights, x and ẋ.
        var wrt: [Int] { weightInputs + [feature, descriptor.polynomial.inputs.count] }

        /// (B, Ḃ) of the rewrite.
        func forward(_ inputs: [[Double]]) throws -> [[Double]] {
            try ReferenceExecutor().evaluate(dual, batchSize: nodes, inputs: inputs, indexing: dualIndexing)
        }

        /// ⟨Ā, B⟩ + ⟨Ǡ, Ḃ⟩.
        func objective(_ inputs: [[Double]]) throws -> Double {
            let outputs = try forward(inputs)
            return zip(outputs, cotangents).reduce(0) { sum, pair in
                sum + zip(pair.0, pair.1).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }

        /// The oracle: the rewrite's backward with respect to ``wrt``.
        func gradients() throws -> [[Double]] {
            try ReferenceExecutor().evaluate(
                dual.backward(withRespectTo: wrt), batchSize: nodes, inputs: inputs + cotangents,
                indexing: dualIndexing.backward(withRespectTo: wrt))
        }
    }

    @Test func sourceHasTheDualEntryPoints() throws {
        let source = try SymmetricContractionKernelSource(polynomial: Case().descriptor.polynomial)
        let kernels = [
            (source.dualForward, ["elements", "coefficients", "x", "xTangent", "out", "outTangent"]),
            (source.dualBackward,
             ["elements", "coefficients", "x", "xTangent", "dout", "doutTangent", "dx", "dxTangent"]),
            (source.dualWeightGradient, ["x", "xTangent", "dout", "doutTangent", "gradient"]),
        ]
        for (kernel, names) in kernels {
            #expect(kernel.parameters.map { $0.split(separator: " ").last.map(String.init) ?? "" } == ["nodes"] + names)
            let threads = kernel.channelThreads * kernel.rowsPerBlock
            for scalar in KernelScalar.allCases {
                #expect(source.code.contains(
                    "extern \"C\" __global__ void __launch_bounds__(\(threads)) \(kernel.entryName(scalar))("))
            }
        }
        let columns = source.plan.weightColumns
        #expect(source.code.contains("\(columns.count) weight columns"))
        #expect(Set(columns).count == columns.count)
        let used = Set(source.plan.slots.flatMap { slot in
            slot.contributions.map { MonomialContraction.WeightColumn(input: $0.weightInput, column: $0.column) }
        })
        #expect(Set(columns) == used)
    }

    /// Ḃ against a central difference of B along ẋ, and every component of the oracle's gradients against a
    /// central difference of the objective, so the GPU selftest's reference cannot be wrong silently.
    @Test func oracleMatchesFiniteDifferences() throws {
        let test = try Case()
        let h = 1e-4
        let outputs = try test.forward(test.inputs)
        let p = test.descriptor.polynomial
        let base = Array(test.inputs[..<p.inputs.count])
        let tangent = test.inputs[p.inputs.count]
        func along(_ sign: Double) throws -> [Double] {
            var shifted = base
            shifted[test.feature] = zip(shifted[test.feature], tangent).map { $0 + sign * h * $1 }
            return try ReferenceExecutor().evaluate(
                p, batchSize: test.nodes, inputs: shifted, indexing: test.indexing)[0]
        }
        let primal = try ReferenceExecutor().evaluate(
            p, batchSize: test.nodes, inputs: base, indexing: test.indexing)[0]
        #expect(zip(outputs[0], primal).allSatisfy { abs($0 - $1) < 1e-14 })
        let difference = zip(try along(1), try along(-1)).map { ($0 - $1) / (2 * h) }
        #expect(zip(outputs[1], difference).allSatisfy { abs($0 - $1) < 1e-7 })
        #expect(outputs[1].contains { abs($0) > 1e-2 })

        let gradients = try test.gradients()
        for (g, input) in test.wrt.enumerated() {
            for i in test.inputs[input].indices {
                var plus = test.inputs
                var minus = test.inputs
                plus[input][i] += h
                minus[input][i] -= h
                let numeric = (try test.objective(plus) - test.objective(minus)) / (2 * h)
                #expect(abs(gradients[g][i] - numeric) < 1e-7, "input \(input) entry \(i)")
            }
        }
    }

    /// The generated weight-gradient algorithm on the host: per node, monomials and their tangents, per slot
    /// t = Ā·m + Ǡ·ṁ, per contribution `value · t` into its column; summed per element it equals the oracle.
    @Test func perNodeWeightGradientSumsToTheOracle() throws {
        let test = try Case()
        let p = test.descriptor.polynomial
        let plan = try MonomialContraction(p)
        let c = plan.channels
        let x = IrMulLayout.toIrMul(test.inputs[test.feature], operand: p.inputs[test.feature])
        let dx = IrMulLayout.toIrMul(test.inputs[p.inputs.count], operand: p.inputs[test.feature])
        let primal = IrMulLayout.toIrMul(test.cotangents[0], operand: p.outputs[0])
        let tangent = IrMulLayout.toIrMul(test.cotangents[1], operand: p.outputs[0])
        var weights = p.inputs.indices.map {
            $0 == test.feature ? [] : [Double](repeating: 0, count: 2 * p.inputs[$0].size)
        }
        for node in 0..<test.nodes {
            for u in 0..<c {
                func at(_ buffer: [Double], _ components: Int, _ i: Int) -> Double {
                    buffer[(node * components + i) * c + u]
                }
                for slot in plan.slots {
                    let factors = plan.monomials[slot.monomial]
                    let value = factors.reduce(1.0) { $0 * at(x, plan.inputComponents, $1) }
                    let derivative = factors.indices.reduce(0.0) { sum, k in
                        sum + factors.enumerated().reduce(1.0) {
                            $0 * at($1.offset == k ? dx : x, plan.inputComponents, $1.element)
                        }
                    }
                    let t = at(primal, plan.outputComponents, slot.output) * value
                        + at(tangent, plan.outputComponents, slot.output) * derivative
                    for entry in slot.contributions {
                        let size = p.inputs[entry.weightInput].size
                        weights[entry.weightInput][test.elements[node] * size + entry.column * c + u] +=
                            entry.value * t
                    }
                }
            }
        }
        let gradients = try test.gradients()
        for (g, input) in test.weightInputs.enumerated() {
            #expect(zip(weights[input], gradients[g]).allSatisfy { abs($0 - $1) < 1e-12 }, "weight input \(input)")
        }
    }
}
