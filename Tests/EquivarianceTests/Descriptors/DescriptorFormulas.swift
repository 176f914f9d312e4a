// SwiftMACE, MIT licence.
// The explicit formulas of MACE.md Appendix A (linear, fctp_onehot, tp_instructions, conv_tp,
// symmetric_contraction), written as plain loops over one item, to check the descriptors against.

@testable import Equivariance

enum DescriptorFormulas {
    /// mul_ir blocks `[mul, 2l+1]` of one feature row.
    static func blocks(_ x: [Double], _ irreps: Irreps) -> [[[Double]]] {
        zip(irreps.entries, irreps.offsets).map { entry, start in
            (0..<entry.mul).map { u in
                Array(x[(start + u * entry.irrep.dimension)..<(start + (u + 1) * entry.irrep.dimension)])
            }
        }
    }

    static func flatten(_ blocks: [[[Double]]]) -> [Double] { blocks.flatMap { $0.flatMap { $0 } } }

    static func zeros(_ irreps: Irreps) -> [[[Double]]] {
        irreps.entries.map { Array(repeating: Array(repeating: 0.0, count: $0.irrep.dimension), count: $0.mul) }
    }

    /// Appendix A `linear`.
    static func linear(_ x: [Double], _ w: [Double], _ irin: Irreps, _ irout: Irreps) -> [Double] {
        let xs = blocks(x, irin)
        var ins: [(Int, Int)] = []
        for (a, ea) in irin.entries.enumerated() {
            for (b, eb) in irout.entries.enumerated() where ea.irrep == eb.irrep { ins.append((a, b)) }
        }
        var out = zeros(irout)
        var off = 0
        for (a, b) in ins {
            let (mi, mo) = (irin.entries[a].mul, irout.entries[b].mul)
            let fan = Double(ins.filter { $0.1 == b }.reduce(0) { $0 + irin.entries[$1.0].mul })
            for u in 0..<mi {
                for v in 0..<mo {
                    for m in 0..<irin.entries[a].irrep.dimension {
                        out[b][v][m] += w[off + u * mo + v] * xs[a][u][m] / fan.squareRoot()
                    }
                }
            }
            off += mi * mo
        }
        return flatten(out)
    }

    /// Appendix A `fctp_onehot` for one node of element `element`.
    static func fctpOneHot(_ x: [Double], element: Int, elementCount nel: Int, _ w: [Double], _ irin: Irreps,
                           _ irout: Irreps) -> [Double] {
        let xs = blocks(x, irin)
        var ins: [(Int, Int)] = []
        for (a, ea) in irin.entries.enumerated() {
            for (b, eb) in irout.entries.enumerated() where ea.irrep == eb.irrep { ins.append((a, b)) }
        }
        var out = zeros(irout)
        var off = 0
        for (a, b) in ins {
            let (mi, mo) = (irin.entries[a].mul, irout.entries[b].mul)
            let fan = Double(ins.filter { $0.1 == b }.reduce(0) { $0 + irin.entries[$1.0].mul * nel })
            for u in 0..<mi {
                for v in 0..<mo {
                    for m in 0..<irin.entries[a].irrep.dimension {
                        out[b][v][m] += w[off + (u * nel + element) * mo + v] * xs[a][u][m] / fan.squareRoot()
                    }
                }
            }
            off += mi * nel * mo
        }
        return flatten(out)
    }

    /// Appendix A `tp_instructions`: (irreps_mid, [(i, j, k)]).
    static func tpInstructions(_ irin1: Irreps, _ irsh: Irreps, _ target: Irreps) -> (Irreps, [[Int]]) {
        var slots: [MulIrrep] = []
        var ins: [[Int]] = []
        for (i, e1) in irin1.entries.enumerated() {
            for (j, e2) in irsh.entries.enumerated() {
                for l3 in abs(e1.irrep.l - e2.irrep.l)...(e1.irrep.l + e2.irrep.l) {
                    let ir = Irrep(l3, e1.irrep.parity * e2.irrep.parity)
                    if target.entries.contains(where: { $0.irrep == ir }) {
                        ins.append([i, j, slots.count])
                        slots.append(MulIrrep(e1.mul, ir))
                    }
                }
            }
        }
        let order = slots.indices.sorted {
            (slots[$0].irrep.l, slots[$0].irrep.parity.rawValue, $0) < (slots[$1].irrep.l, slots[$1].irrep.parity.rawValue, $1)
        }
        var new = [Int](repeating: 0, count: slots.count)
        for (n, old) in order.enumerated() { new[old] = n }
        return (Irreps(order.map { slots[$0] }), ins.map { [$0[0], $0[1], new[$0[2]]] }.sorted { $0[2] < $1[2] })
    }

    /// Appendix A `conv_tp` for one edge ('uvu', mul2 = 1).
    static func convTP(_ x1: [Double], _ y: [Double], _ r: [Double], _ irin1: Irreps, _ irsh: Irreps, _ mid: Irreps,
                       _ ins: [[Int]]) throws -> [Double] {
        let (x1s, ys) = (blocks(x1, irin1), blocks(y, irsh))
        var out: [[[Double]]] = []
        var off = 0
        for t in ins {
            let (i, j, k) = (t[0], t[1], t[2])
            let (m1, l1, l2, l3) = (irin1.entries[i].mul, irin1.entries[i].irrep.l, irsh.entries[j].irrep.l,
                                   mid.entries[k].irrep.l)
            let c = try Wigner3j.tensor(l1, l2, l3)
            var block = Array(repeating: Array(repeating: 0.0, count: 2 * l3 + 1), count: m1)
            for u in 0..<m1 {
                for a in 0..<(2 * l1 + 1) {
                    for b in 0..<(2 * l2 + 1) {
                        for q in 0..<(2 * l3 + 1) {
                            block[u][q] += r[off + u] * c[a, b, q] * Double(2 * l3 + 1).squareRoot() * x1s[i][u][a]
                                * ys[j][0][b]
                        }
                    }
                }
            }
            off += m1
            out.append(block)
        }
        return flatten(out)
    }

    /// Appendix A `symmetric_contraction` for one node: x `[C, d]` (channel-major), U `[2L+1]+[d]*ν+[K]`,
    /// W `[K, C]` (the node's element row); returns `[C, 2L+1]` flattened.
    static func symmetricContraction(_ x: [[Double]], _ u: [DenseArray], _ w: [[Double]]) -> [Double] {
        let channels = x.count
        let dimOut = u[0].shape[0]
        var out = [Double](repeating: 0, count: channels * dimOut)
        for (index, tensor) in u.enumerated() {
            let nu = index + 1
            let d = tensor.shape[1]
            let k = tensor.shape[nu + 1]
            for (flat, value) in tensor.values.enumerated() where value != 0 {
                var rest = flat / k
                var coupling: [Int] = []
                for _ in 0..<nu {
                    coupling.insert(rest % d, at: 0)
                    rest /= d
                }
                for c in 0..<channels {
                    let product = coupling.reduce(value * w[index][(flat % k) * channels + c]) { $0 * x[c][$1] }
                    out[c * dimOut + rest] += product
                }
            }
        }
        return out
    }
}
