// SwiftMACE, MIT licence.
// The `polynomials` benchmark: forward, backward and double backward of MACE's layer-2 conv_tp (gather + TP +
// receiver sum) and symmetric contractions, CPUExecutor (Tensor op) against ReferenceExecutor.

import Support
import Equivariance
import Foundation
import Tensors

/// Usage: `swiftmace-benchmarks polynomials [--atoms 192] [--neighbours 50] [--repeats 10] [--reference-repeats 2]
/// [--dtype float64|float32] [--no-reference]`. A random graph with `neighbours` senders per receiver (edges sorted
/// by receiver) stands in for the water box; values are random (timing does not depend on them).
func runPolynomialBenchmark(_ arguments: ArraySlice<String>) throws {
    func option(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.endIndex else { return nil }
        return arguments[index + 1]
    }
    let atoms = option("--atoms").flatMap { Int($0) } ?? 192
    let neighbours = option("--neighbours").flatMap { Int($0) } ?? 50
    let repeats = option("--repeats").flatMap { Int($0) } ?? 10
    let referenceRepeats = arguments.contains("--no-reference") ? 0 : option("--reference-repeats").flatMap { Int($0) } ?? 2
    let dtype = option("--dtype") == "float32" ? DType.float32 : .float64
    var generator = SeededGenerator(seed: 7)
    var sender: [Int] = []
    var receiver: [Int] = []
    for node in 0..<atoms {
        for _ in 0..<neighbours {
            var other = Int(generator.next() % UInt64(atoms - 1))
            if other >= node { other += 1 }
            sender.append(other)
            receiver.append(node)
        }
    }
    let edges = sender.count
    print("polynomials: \(atoms) atoms, \(edges) edges, \(dtype), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("| block | pass | executor | median ms | min..max ms | GFLOP (naive) | GFLOP/s |")
    print("|---|---|---|---:|---:|---:|---:|")

    let c = 128
    let hidden = try Irreps(parsing: "\(c)x0e+\(c)x1o")
    let target = try Irreps(parsing: "\(c)x0e+\(c)x1o+\(c)x2e+\(c)x3o")
    let conv = try ChannelwiseTensorProductDescriptor(irreps1: hidden, irreps2: .sphericalHarmonics(lmax: 3),
                                                      target: target)
    try measure(
        "conv_tp", conv.polynomial, batch: edges,
        indexing: OperandIndexing(inputs: [.batched, .indexed(sender, rows: atoms), .batched],
                                  outputs: [.indexed(receiver, rows: atoms)]),
        dtype: dtype, repeats: repeats, referenceRepeats: referenceRepeats, &generator)

    let elements = (0..<atoms).map { $0 % 3 == 0 ? 1 : 0 }
    for output in ["\(c)x0e", "\(c)x0e+\(c)x1o"] {
        let sc = try SymmetricContractionDescriptor(irrepsIn: target, irrepsOut: try Irreps(parsing: output),
                                                    correlation: 3, elementCount: 2)
        var indexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { indexing.inputs[n] = .indexed(elements, rows: 2) }
        try measure("symmetric_contraction -> \(output)", sc.polynomial, batch: atoms, indexing: indexing,
                    dtype: dtype, repeats: repeats, referenceRepeats: referenceRepeats, &generator)
    }
}

/// Times forward (the op), backward (gradients of ⟨g, out⟩ with respect to every input) and double backward
/// (gradients of ⟨v, gradients⟩ with respect to every input, through the recorded backward).
private func measure(
    _ label: String, _ polynomial: EquivariantPolynomial, batch: Int, indexing: OperandIndexing, dtype: DType,
    repeats: Int, referenceRepeats: Int, _ generator: inout SeededGenerator
) throws {
    let all = Array(polynomial.inputs.indices)
    let backward = try polynomial.backward(withRespectTo: all)
    let backwardIndexing = indexing.backward(withRespectTo: all)
    let second = try backward.backward(withRespectTo: Array(backward.inputs.indices))
    let secondIndexing = backwardIndexing.backward(withRespectTo: Array(backward.inputs.indices))
    let flops = [polynomial.flopCount(batch: batch), backward.flopCount(batch: batch), second.flopCount(batch: batch)]

    func random(_ operands: [PolynomialOperand], _ rules: [BatchIndexing]) -> [[Double]] {
        zip(operands, rules).map { operand, rule in
            (0..<(operand.size * rule.rowCount(batchSize: batch))).map { _ in Double.random(in: -1..<1, using: &generator) }
        }
    }
    let x = random(polynomial.inputs, indexing.inputs)
    let g = random(polynomial.outputs, indexing.outputs)
    let v = random(backward.outputs, backwardIndexing.outputs)
    func tensors(_ buffers: [[Double]], _ operands: [PolynomialOperand]) throws -> [Tensor] {
        try zip(buffers, operands).map { try Tensor($0, shape: [$0.count / $1.size, $1.size], dtype: dtype) }
    }
    let (xt, gt, vt) = (try tensors(x, polynomial.inputs), try tensors(g, polynomial.outputs),
                        try tensors(v, backward.outputs))
    let cpu = CPUExecutor()
    let passes = ["forward", "backward", "double backward"]
    let cpuTimes: [[Double]] = try [
        time(repeats) { _ = try cpu.evaluate(polynomial, batchSize: batch, inputs: xt, indexing: indexing) },
        time(repeats) {
            let variables = xt.map { $0.requiringGrad() }
            let out = try cpu.evaluate(polynomial, batchSize: batch, inputs: variables, indexing: indexing)
            return try grad(of: out, withRespectTo: variables, seeds: gt)
        },
        doubleBackwardTimes(repeats, cpu, polynomial, batch, indexing, xt, gt, vt),
    ]
    for (pass, (times, count)) in zip(passes, zip(cpuTimes, flops)) { report(label, pass, "cpu", times, count) }
    guard referenceRepeats > 0 else { return }
    let reference = ReferenceExecutor()
    let tail = second.inputs.count - x.count - g.count
    let k = random(Array(second.inputs.suffix(tail)), Array(secondIndexing.inputs.suffix(tail)))
    let referenceTimes: [[Double]] = try [
        time(referenceRepeats) { _ = try reference.evaluate(polynomial, batchSize: batch, inputs: x, indexing: indexing) },
        time(referenceRepeats) {
            _ = try reference.evaluate(backward, batchSize: batch, inputs: x + g, indexing: backwardIndexing)
        },
        time(referenceRepeats) {
            _ = try reference.evaluate(second, batchSize: batch, inputs: x + g + k, indexing: secondIndexing)
        },
    ]
    for (pass, (times, count)) in zip(passes, zip(referenceTimes, flops)) {
        report(label, pass, "reference", times, count)
    }
}

/// The double backward alone: the first gradients are recorded (`createGraph`) outside the timed region.
private func doubleBackwardTimes(
    _ repeats: Int, _ cpu: CPUExecutor, _ polynomial: EquivariantPolynomial, _ batch: Int,
    _ indexing: OperandIndexing, _ x: [Tensor], _ g: [Tensor], _ v: [Tensor]
) throws -> [Double] {
    var times: [Double] = []
    for run in 0...repeats {
        let variables = x.map { $0.requiringGrad() }
        let out = try cpu.evaluate(polynomial, batchSize: batch, inputs: variables, indexing: indexing)
        let gradients = try grad(of: out, withRespectTo: variables, seeds: g, createGraph: true)
        let projection = zip(gradients, v).map { ($0 * $1).sum() }.reduce(Tensor(scalar: 0, dtype: x[0].dtype), +)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try grad(of: projection, withRespectTo: variables)
        if run > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
    }
    return times
}

/// Milliseconds of `body` per repeat, after one warm-up call.
private func time<R>(_ repeats: Int, _ body: () throws -> R) rethrows -> [Double] {
    withExtendedLifetime(try body()) {}
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        withExtendedLifetime(result) {}
    }
    return times
}

private func report(_ label: String, _ pass: String, _ executor: String, _ times: [Double], _ flops: Int) {
    let sorted = times.sorted()
    guard let median = sorted.isEmpty ? nil : sorted[sorted.count / 2], let low = sorted.first, let high = sorted.last
    else { return }
    let gflop = Double(flops) * 1e-9
    print(String(format: "| %@ | %@ | %@ | %.2f | %.2f..%.2f | %.3f | %.2f |", label, pass, executor, median, low, high,
                 gflop, gflop / (median * 1e-3)))
}
