// SwiftMACE, MIT licence.
// FactoredConvPlan's algebra on the CPU: the factored first conv (element moments, per-path products, terms), run
// in Swift exactly as the generated kernels index it, against the conv polynomial evaluated per edge in float64.

import Equivariance
import Support
import Testing

@testable import MACECUDA

@Suite struct FactoredConvPlanTests {
    /// mace's first conv (scalar sender features, SH up to l = 3) with 4 channels, 3 elements, hidden width 5.
    static func descriptor() throws -> ChannelwiseTensorProductDescriptor {
        try ChannelwiseTensorProductDescriptor(
            irreps1: Irreps(parsing: "4x0e"), irreps2: Irreps(parsing: "1x0e+1x1o+1x2e+1x3o"),
            target: Irreps(parsing: "4x0e+4x1o+4x2e+4x3o"))
    }

    /// A small graph with random values: edges (sender, receiver), node elements, the elements' x1 rows (ir_mul),
    /// per-edge h and Y, the last layer's weight `[hidden, weights]`.
    struct Case {
        let nodes = 6, hidden = 5, elements = 3
        let senders = [0, 2, 3, 1, 4, 5, 5, 0, 3, 2, 1, 4, 0]
        let receivers = [1, 1, 1, 0, 0, 2, 3, 3, 3, 4, 5, 5, 5]
        let nodeElements = [0, 2, 1, 2, 0, 1]
        func x1(_ plan: FactoredConvPlan) -> [[Double]] {
            var g = SeededGenerator(seed: 11)
            return (0..<elements).map { _ in g.doubles(plan.x1Width) }
        }
    }

    @Test func planOfTheFirstConv() throws {
        let d = try Self.descriptor()
        let plan = try #require(FactoredConvPlan(polynomial: d.polynomial, hidden: 5, elements: 3))
        #expect(plan.channels == 4 && plan.shCount == 16 && plan.midWidth == 64 && plan.weightColumns == 16)
        // One pair per Y component (each l has one path 0e ⊗ l → l), one block per path.
        #expect(plan.pairs.count == 16 && plan.blocks.map(\.pairs.count) == [1, 3, 5, 7])
        #expect(plan.terms.count == 16)
        #expect(FactoredConvPlan(polynomial: d.polynomial, hidden: 5, elements: FactoredConvPlan.maxElements + 1) == nil)
    }

    @Test func factoredForwardAndBackwardMatchThePolynomial() throws {
        let d = try Self.descriptor()
        let p = d.polynomial
        let c = Case()
        let plan = try #require(FactoredConvPlan(polynomial: p, hidden: c.hidden, elements: c.elements))
        var g = SeededGenerator(seed: 3)
        let e = c.senders.count
        let h = (0..<e).map { _ in g.doubles(c.hidden) }
        let y = (0..<e).map { _ in g.doubles(plan.shCount) }
        let w = (0..<c.hidden).map { _ in g.doubles(plan.weightColumns) }
        let dmid = (0..<c.nodes).map { _ in g.doubles(plan.midWidth) }  // ir_mul
        let x1 = c.x1(plan)
        let edgeWeights = h.map { hq in
            (0..<plan.weightColumns).map { col in (0..<c.hidden).reduce(0) { $0 + hq[$1] * w[$1][col] } }
        }

        // The reference: the polynomial per edge (mul_ir), x1 gathered from the sender's element row.
        let x1Operand = p.inputs[1], midOperand = p.outputs[0]
        let x1MulIr = x1.flatMap { IrMulLayout.fromIrMul($0, operand: x1Operand) }
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(c.senders.map { c.nodeElements[$0] }, rows: c.elements), .batched],
            outputs: [.indexed(c.receivers, rows: c.nodes)])
        let inputs = [edgeWeights.flatMap { $0 }, x1MulIr, y.flatMap { $0 }]
        let reference = try ReferenceExecutor().evaluate(p, batchSize: e, inputs: inputs, indexing: indexing)[0]
        let referenceMid = IrMulLayout.toIrMul(reference, operand: midOperand)
        let backward = try p.backward(withRespectTo: [0, 2])
        let dmidMulIr = dmid.flatMap { IrMulLayout.fromIrMul($0, operand: midOperand) }
        let grads = try ReferenceExecutor().evaluate(
            backward, batchSize: e, inputs: inputs + [dmidMulIr], indexing: indexing.backward(withRespectTo: [0, 2]))
        let referenceDh = (0..<e).flatMap { edge in
            (0..<c.hidden).map { q in
                (0..<plan.weightColumns).reduce(0) { $0 + grads[0][edge * plan.weightColumns + $1] * w[q][$1] }
            }
        }

        // The factored chain, indexed as the kernels index it.
        let (n, s) = (c.nodes, c.elements)
        func row(_ node: Int, _ el: Int, _ k: Int, _ width: Int) -> Int {
            plan.row(node: node, element: el, pair: k, nodes: n, width: width)
        }
        var z = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: n, width: c.hidden))
        for edge in 0..<e {
            let el = c.nodeElements[c.senders[edge]]
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<c.hidden { z[row(c.receivers[edge], el, k, c.hidden) + q] += h[edge][q] * y[edge][pair.sh] }
            }
        }
        var products = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: n, width: plan.channels))
        for node in 0..<n {
            for el in 0..<s {
                for (k, pair) in plan.pairs.enumerated() {
                    for u in 0..<plan.channels {
                        products[row(node, el, k, plan.channels) + u] = (0..<c.hidden).reduce(0) {
                            $0 + z[row(node, el, k, c.hidden) + $1] * w[$1][pair.path * plan.channels + u]
                        }
                    }
                }
            }
        }
        var mid = [Double](repeating: 0, count: n * plan.midWidth)
        for node in 0..<n {
            for t in plan.terms {
                for el in 0..<s {
                    for u in 0..<plan.channels {
                        mid[node * plan.midWidth + t.mid + u] +=
                            t.coefficient * x1[el][t.x1 + u] * products[row(node, el, t.pair, plan.channels) + u]
                    }
                }
            }
        }
        #expect(maxDifference(mid, referenceMid) <= 1e-12 * maxMagnitude(referenceMid))

        var v = [Double](repeating: 0, count: products.count)
        for node in 0..<n {
            for t in plan.terms {
                for el in 0..<s {
                    for u in 0..<plan.channels {
                        v[row(node, el, t.pair, plan.channels) + u] +=
                            t.coefficient * x1[el][t.x1 + u] * dmid[node][t.mid + u]
                    }
                }
            }
        }
        var dz = [Double](repeating: 0, count: z.count)
        for node in 0..<n {
            for el in 0..<s {
                for (k, pair) in plan.pairs.enumerated() {
                    for q in 0..<c.hidden {
                        dz[row(node, el, k, c.hidden) + q] = (0..<plan.channels).reduce(0) {
                            $0 + v[row(node, el, k, plan.channels) + $1] * w[q][pair.path * plan.channels + $1]
                        }
                    }
                }
            }
        }
        var dh = [Double](repeating: 0, count: e * c.hidden)
        var dy = [Double](repeating: 0, count: e * plan.shCount)
        for edge in 0..<e {
            let el = c.nodeElements[c.senders[edge]]
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<c.hidden {
                    let zq = dz[row(c.receivers[edge], el, k, c.hidden) + q]
                    dh[edge * c.hidden + q] += y[edge][pair.sh] * zq
                    dy[edge * plan.shCount + pair.sh] += h[edge][q] * zq
                }
            }
        }
        #expect(maxDifference(dh, referenceDh) <= 1e-12 * maxMagnitude(referenceDh))
        #expect(maxDifference(dy, grads[1]) <= 1e-12 * maxMagnitude(grads[1]))
    }
    /// The training pass's algebra (dual forward along Ḣ, Ẏ with no x1 tangent, then its reverse) as the training
    /// kernels index it, against the conv's dual polynomial and that polynomial's backward, per edge, in float64.
    @Test func factoredDualAndReverseMatchTheDualPolynomial() throws {
        let d = try Self.descriptor()
        let p = d.polynomial
        let c = Case()
        let plan = try #require(FactoredConvPlan(polynomial: p, hidden: c.hidden, elements: c.elements))
        var g = SeededGenerator(seed: 5)
        let (e, n, s, hid, cols) = (c.senders.count, c.nodes, c.elements, c.hidden, plan.weightColumns)
        let h = (0..<e).map { _ in g.doubles(hid) }, hDot = (0..<e).map { _ in g.doubles(hid) }
        let y = (0..<e).map { _ in g.doubles(plan.shCount) }, yDot = (0..<e).map { _ in g.doubles(plan.shCount) }
        let w = (0..<hid).map { _ in g.doubles(cols) }
        let mBar = (0..<n).map { _ in g.doubles(plan.midWidth) }, mDotBar = (0..<n).map { _ in g.doubles(plan.midWidth) }
        let x1 = c.x1(plan)
        func times(_ rows: [[Double]]) -> [Double] {
            rows.flatMap { r in (0..<cols).map { col in (0..<hid).reduce(0) { $0 + r[$1] * w[$1][col] } } }
        }

        // Reference: the dual polynomial per edge (tangents of the weights and Y; x1 has none), then its backward.
        let x1Operand = p.inputs[1], midOperand = p.outputs[0]
        let elementOf = c.senders.map { c.nodeElements[$0] }
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(elementOf, rows: s), .batched], outputs: [.indexed(c.receivers, rows: n)])
        let dual = try p.dual(withRespectTo: [0, 2])
        let dualIndexing = indexing.dual(withRespectTo: [0, 2])
        let inputs = [
            times(h), x1.flatMap { IrMulLayout.fromIrMul($0, operand: x1Operand) }, y.flatMap { $0 }, times(hDot),
            yDot.flatMap { $0 },
        ]
        let forward = try ReferenceExecutor().evaluate(dual, batchSize: e, inputs: inputs, indexing: dualIndexing)
        let cotangents = [mBar, mDotBar].map { $0.flatMap { IrMulLayout.fromIrMul($0, operand: midOperand) } }
        let reverse = try ReferenceExecutor().evaluate(
            try dual.backward(withRespectTo: [0, 1, 3]), batchSize: e, inputs: inputs + cotangents,
            indexing: dualIndexing.backward(withRespectTo: [0, 1, 3]))
        let (wBar, x1BarMulIr, wDotBar) = (reverse[0], reverse[1], reverse[2])
        // The last layer's weight gradient Σ_e h ⊗ w̄ + ḣ ⊗ ẇ̄, and the per-edge input adjoints w̄ · Wᵀ, ẇ̄ · Wᵀ.
        var referenceW = [Double](repeating: 0, count: hid * cols)
        var referenceHBar = [Double](repeating: 0, count: e * hid), referenceHDotBar = referenceHBar
        for edge in 0..<e {
            for q in 0..<hid {
                for col in 0..<cols {
                    let (a, b) = (wBar[edge * cols + col], wDotBar[edge * cols + col])
                    referenceW[q * cols + col] += h[edge][q] * a + hDot[edge][q] * b
                    referenceHBar[edge * hid + q] += a * w[q][col]
                    referenceHDotBar[edge * hid + q] += b * w[q][col]
                }
            }
        }

        // Factored, as the kernels index it.
        func row(_ node: Int, _ el: Int, _ k: Int, _ width: Int) -> Int {
            plan.row(node: node, element: el, pair: k, nodes: n, width: width)
        }
        let momentCount = plan.nodeBufferCount(nodes: n, width: hid)
        let productCount = plan.nodeBufferCount(nodes: n, width: plan.channels)
        var z = [Double](repeating: 0, count: momentCount), zDot = z
        for edge in 0..<e {
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<hid {
                    let o = row(c.receivers[edge], elementOf[edge], k, hid) + q
                    z[o] += h[edge][q] * y[edge][pair.sh]
                    zDot[o] += hDot[edge][q] * y[edge][pair.sh] + h[edge][q] * yDot[edge][pair.sh]
                }
            }
        }
        func products(_ m: [Double]) -> [Double] {
            var q = [Double](repeating: 0, count: productCount)
            for node in 0..<n {
                for el in 0..<s {
                    for (k, pair) in plan.pairs.enumerated() {
                        for u in 0..<plan.channels {
                            q[row(node, el, k, plan.channels) + u] = (0..<hid).reduce(0) {
                                $0 + m[row(node, el, k, hid) + $1] * w[$1][pair.path * plan.channels + u]
                            }
                        }
                    }
                }
            }
            return q
        }
        let (q, qDot) = (products(z), products(zDot))
        func combine(_ q: [Double]) -> [Double] {
            var mid = [Double](repeating: 0, count: n * plan.midWidth)
            for node in 0..<n {
                for t in plan.terms {
                    for el in 0..<s {
                        for u in 0..<plan.channels {
                            mid[node * plan.midWidth + t.mid + u] +=
                                t.coefficient * x1[el][t.x1 + u] * q[row(node, el, t.pair, plan.channels) + u]
                        }
                    }
                }
            }
            return mid
        }
        for (factored, reference) in [(combine(q), forward[0]), (combine(qDot), forward[1])] {
            let referenceIrMul = IrMulLayout.toIrMul(reference, operand: midOperand)
            #expect(maxDifference(factored, referenceIrMul) <= 1e-12 * maxMagnitude(referenceIrMul))
        }
        // Reverse: x̄1 per element, V, V̇, Z̄, Ż̄, the weight gradient per path, per-edge h̄ and ḣ̄.
        var x1Bar = [Double](repeating: 0, count: s * plan.x1Width)
        func adjoints(_ dmid: [[Double]]) -> [Double] {
            var v = [Double](repeating: 0, count: productCount)
            for node in 0..<n {
                for t in plan.terms {
                    for el in 0..<s {
                        for u in 0..<plan.channels {
                            v[row(node, el, t.pair, plan.channels) + u] +=
                                t.coefficient * x1[el][t.x1 + u] * dmid[node][t.mid + u]
                        }
                    }
                }
            }
            return v
        }
        for node in 0..<n {
            for t in plan.terms {
                for el in 0..<s {
                    for u in 0..<plan.channels {
                        let o = row(node, el, t.pair, plan.channels) + u
                        x1Bar[el * plan.x1Width + t.x1 + u] += t.coefficient
                            * (q[o] * mBar[node][t.mid + u] + qDot[o] * mDotBar[node][t.mid + u])
                    }
                }
            }
        }
        let (v, vDot) = (adjoints(mBar), adjoints(mDotBar))
        func momentAdjoints(_ v: [Double]) -> [Double] {
            var zBar = [Double](repeating: 0, count: momentCount)
            for node in 0..<n {
                for el in 0..<s {
                    for (k, pair) in plan.pairs.enumerated() {
                        for qi in 0..<hid {
                            zBar[row(node, el, k, hid) + qi] = (0..<plan.channels).reduce(0) {
                                $0 + v[row(node, el, k, plan.channels) + $1] * w[qi][pair.path * plan.channels + $1]
                            }
                        }
                    }
                }
            }
            return zBar
        }
        let (zBar, zDotBar) = (momentAdjoints(v), momentAdjoints(vDot))
        var weightGradient = [Double](repeating: 0, count: hid * cols)
        for node in 0..<n {
            for el in 0..<s {
                for (k, pair) in plan.pairs.enumerated() {
                    for qi in 0..<hid {
                        for u in 0..<plan.channels {
                            let (a, b) = (row(node, el, k, hid) + qi, row(node, el, k, plan.channels) + u)
                            weightGradient[qi * cols + pair.path * plan.channels + u] += z[a] * v[b] + zDot[a] * vDot[b]
                        }
                    }
                }
            }
        }
        var hBar = [Double](repeating: 0, count: e * hid), hDotBar = hBar
        for edge in 0..<e {
            for (k, pair) in plan.pairs.enumerated() {
                for qi in 0..<hid {
                    let o = row(c.receivers[edge], elementOf[edge], k, hid) + qi
                    hBar[edge * hid + qi] += y[edge][pair.sh] * zBar[o] + yDot[edge][pair.sh] * zDotBar[o]
                    hDotBar[edge * hid + qi] += y[edge][pair.sh] * zDotBar[o]
                }
            }
        }
        let referenceX1Bar = (0..<s).flatMap { el in
            IrMulLayout.toIrMul(Array(x1BarMulIr[(el * plan.x1Width)..<((el + 1) * plan.x1Width)]), operand: x1Operand)
        }
        for (factored, reference) in [
            (weightGradient, referenceW), (hBar, referenceHBar), (hDotBar, referenceHDotBar), (x1Bar, referenceX1Bar),
        ] {
            #expect(maxDifference(factored, reference) <= 1e-12 * maxMagnitude(reference))
        }
    }
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
}

private func maxMagnitude(_ a: [Double]) -> Double { a.map(abs).max() ?? 0 }
