// SwiftMACE, MIT licence.
// `swiftmace bench`: energy + forces timings of a model on a structure (optionally replicated n×n×n): per-block
// CUDA-event times, end-to-end latency, µs/atom/step, peak device memory, the step's FLOPs/bytes and floor.

import ArgumentParser
import Atoms
import CUDA
import Foundation
import MACE
import MACECUDA

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time energy + forces of a model on a structure: per-block GPU times, end-to-end median, "
            + "µs/atom/step, peak device memory, FLOPs and bytes of a step and the floor they give.")

    @Option(help: "Model file (.safetensors).")
    var model: String

    @Option(help: "Structure file (extxyz; the first configuration is used).")
    var system: String

    @Option(help: "Replicate the (periodic) structure n×n×n.")
    var replicate: Int = 1

    @Option(help: "cuda or cpu (cpu prints end-to-end figures only).")
    var device: String = "cuda"

    @Option(help: ArgumentHelp("Precision policy: float64, float32 (default), tf32, bf16-linear, fp16-linear or bf16 "
        + "(cpu: float64 or float32)."))
    var precision: String?

    @Option(help: "float32 or float64 (the policy of that name; --precision supersedes it).")
    var dtype: String?

    @Option(name: .customLong("edge-chunk"), help: ArgumentHelp("Edges per chunk of the radial MLP and the conv "
        + "(less memory; the backward recomputes the MLP per chunk); default: all edges at once."))
    var edgeChunk: Int?

    @Flag(name: .customLong("unfactored-first-layer"), help: ArgumentHelp("Run the first layer's conv on per-edge "
        + "weights like the others instead of per receiver and element (for comparisons)."))
    var unfactoredFirstLayer = false

    @Flag(name: .customLong("unfused-conv-weights"), help: ArgumentHelp("Under bf16-linear / fp16-linear, run the "
        + "last radial layer's GEMM and the conv on its stored output instead of forming the conv's per-edge weights "
        + "on tensor cores inside it (for comparisons)."))
    var unfusedConvWeights = false

    @Option(help: "Timed repeats (median reported).")
    var repeats: Int = 10

    @Option(help: "Untimed warm-up evaluations.")
    var warmup: Int = 3

    @Option(help: "Also write the figures as JSON to this file.")
    var json: String?

    /// The device's ceilings for the floor (measured on the H100, BENCHMARKS.md): bytes/s and FLOP/s per dtype.
    static let bandwidth = 2.99e12
    static let flopRate = ["float32": 51.6e12, "float64": 64.7e12]

    /// The policy of `--precision` / `--dtype` (float32 when neither is given).
    func policy() throws -> PrecisionPolicy {
        try PrecisionOption.resolve(precision: precision, dtype: dtype, device: device, fallback: .float32)
    }

    func validate() throws {
        guard ["cpu", "cuda"].contains(device) else { throw ValidationError("--device must be 'cpu' or 'cuda'; got '\(device)'") }
        _ = try policy()
        guard (1...64).contains(replicate) else { throw ValidationError("--replicate must be in 1...64; got '\(replicate)'") }
        guard repeats >= 1, warmup >= 0 else { throw ValidationError("--repeats must be ≥ 1 and --warmup ≥ 0") }
    }

    func run() throws {
        let policy = try policy()
        let dtype = policy.dtype.rawValue
        let context = device == "cuda" ? try CUDAContext.shared() : nil
        let mace = try MACEModel(contentsOf: URL(fileURLWithPath: model), dtype: policy.dtype)
        guard let first = try ExtXYZReader.read(contentsOf: URL(fileURLWithPath: system)).first else {
            throw CommandError("\(system): no configurations")
        }
        let structure = try Self.replicated(first, replicate, file: system)
        let graph = try AtomicGraph(
            configurations: [structure], atomicNumbers: mace.config.atomicNumbers, cutoff: mace.config.rMax)
        let (atoms, edges) = (graph.numNodes, graph.numEdges)
        var report: [String: Any] = [
            "model": model, "system": system, "replicate": replicate, "device": device, "dtype": dtype, "precision": policy.rawValue,
            "atoms": atoms,
            "edges": edges, "repeats": repeats, "warmup": warmup,
        ]
        print("\(system) ×\(replicate)³: \(atoms) atoms, \(edges) edges (\(String(format: "%.1f", Double(edges) / Double(max(atoms, 1)))) per atom); \(device) \(policy.rawValue)")
        let median: Double
        if let context {
            report["gpu"] = context.device.name
            let gpu = try CUDAMACEModel(model: mace, context: context, precision: policy, edgeChunk: edgeChunk)
            gpu.factorsFirstLayer = !unfactoredFirstLayer
            report["edge_chunk"] = edgeChunk ?? NSNull()
            report["factored_first_layer"] = gpu.factorsFirstLayer && gpu.factorsFirstLayerApplies
            gpu.convWeightFusion = unfusedConvWeights ? .never : .onLargeGraphs
            report["fused_conv_weights"] = gpu.fusesConvWeightsApplies
                && !gpu.fusedConvLayers(nodes: graph.numNodes).isEmpty
            let timings = try gpu.benchmark(graph, warmup: warmup, repeats: repeats)
            let cost = gpu.stepCost(nodes: atoms, edges: edges)
            median = timings.endToEnd.median
            print("block | median ms")
            for (name, ms) in timings.blocks { print("\(name) | \(String(format: "%.3f", ms))") }
            let backward = timings.blocks.filter { $0.name.hasPrefix("force backward") }.reduce(0) { $0 + $1.milliseconds }
            print("force backward (total) | \(String(format: "%.3f", backward))")
            let blockSum = timings.blocks.reduce(0) { $0 + $1.milliseconds }
            print("sum of blocks | \(String(format: "%.3f", blockSum))")
            let replay = timings.graphReplay.map { String(format: "%.3f ms", $0) } ?? "failed (\(timings.graphError ?? ""))"
            print("CUDA graph replay of the pass: \(replay)")
            print("end to end, host stages (median ms): "
                + timings.endToEndStages.map { "\($0.name) \(String(format: "%.3f", $0.milliseconds))" }.joined(separator: ", "))
            report["end_to_end_stages_ms"] = Dictionary(
                uniqueKeysWithValues: timings.endToEndStages.map { ($0.name, $0.milliseconds) })
            print(String(format: "end to end without the graph (kernel by kernel): %.3f ms", timings.endToEndDirect))
            report["end_to_end_direct_ms"] = timings.endToEndDirect
            let floor = cost.floorMilliseconds(flopRate: Self.flopRate[dtype] ?? 51.6e12, bandwidth: Self.bandwidth)
            print(String(format: "step: %.2f GFLOP, %.2f GB moved; floor %.3f ms (%.1f TFLOP/s, %.2f TB/s)",
                         cost.flops / 1e9, cost.bytes / 1e9, floor, (Self.flopRate[dtype] ?? 0) / 1e12, Self.bandwidth / 1e12))
            print(String(format: "peak device memory %.1f MiB (weights + workspace %.1f MiB)",
                         Double(timings.peakBytes) / 1048576, Double(timings.workspaceBytes) / 1048576))
            if let step = timings.trainingStep {
                print(String(format: "training step (energy + forces, then the loss's parameter gradient): median %.3f ms, "
                    + "peak device memory %.1f MiB", step, Double(timings.trainingPeakBytes ?? 0) / 1048576))
            } else {
                print("training step: not run (\(timings.trainingStepError ?? ""))")
            }
            for (name, ms) in timings.trainingBlocks { print("\(name) | \(String(format: "%.3f", ms))") }
            report["training_blocks_ms"] = Dictionary(uniqueKeysWithValues: timings.trainingBlocks.map { ($0.name, $0.milliseconds) })
            report["training_step_ms"] = timings.trainingStep ?? NSNull()
            report["training_peak_device_bytes"] = timings.trainingPeakBytes ?? NSNull()
            report["blocks_ms"] = Dictionary(uniqueKeysWithValues: timings.blocks.map { ($0.name, $0.milliseconds) })
            report["graph_replay_ms"] = timings.graphReplay ?? NSNull()
            report["peak_device_bytes"] = timings.peakBytes
            report["gflop"] = cost.flops / 1e9
            report["gbytes"] = cost.bytes / 1e9
            report["floor_ms"] = floor
            report["end_to_end_min_ms"] = timings.endToEnd.min
            report["end_to_end_max_ms"] = timings.endToEnd.max
        } else {
            for _ in 0..<warmup { _ = try mace.evaluate(graph) }
            var wall: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try mace.evaluate(graph)
                wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            median = wall.sorted()[wall.count / 2]
        }
        let perAtom = median * 1e3 / Double(max(atoms, 1))
        print(String(format: "energy + forces: median %.3f ms, %.3f µs/atom/step", median, perAtom))
        report["end_to_end_median_ms"] = median
        report["us_per_atom_step"] = perAtom
        if let json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }

    /// `configuration` repeated n×n×n along its cell vectors.
    static func replicated(_ configuration: Configuration, _ n: Int, file: String) throws -> Configuration {
        guard n > 1 else { return configuration }
        guard configuration.pbc.all, configuration.hasCell else {
            throw CommandError("\(file): --replicate needs a structure periodic in all directions with a cell")
        }
        var numbers: [Int] = [], positions: [SIMD3<Double>] = []
        let cell = configuration.cell
        for i in 0..<n {
            for j in 0..<n {
                for k in 0..<n {
                    let offset = SIMD3(Double(i), Double(j), Double(k)) * cell
                    numbers += configuration.atomicNumbers
                    positions += configuration.positions.map { $0 + offset }
                }
            }
        }
        return Configuration(
            atomicNumbers: numbers, positions: positions, cell: Double(n) * cell, pbc: configuration.pbc)
    }
}
