// SwiftMACE, MIT licence.
// The `mace` benchmark: one energy+forces evaluation (neighbour list, forward, backward) of a model on a structure,
// either fixtures from Tests/Fixtures/mace or any model file and extxyz file; optional per-stage profile and JSON.

import Atoms
import Foundation
import MACE
import Tensors

/// Runs the benchmark. Options: `--model default_hcno` / `--model-file PATH`, `--structure ethanol` /
/// `--structure-file PATH`, `--repeats 10`, `--warmup 1`, `--float32`, `--stress`, `--profile` (median-run
/// seconds per stage), `--json PATH` (energies, forces and times, for `Benchmarks/baselines/compare_cpu.py`).
func runMACEBenchmark(_ arguments: ArraySlice<String>) throws {
    func option(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.endIndex else { return nil }
        return arguments[index + 1]
    }
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/mace")
    let modelURL = option("--model-file").map { URL(fileURLWithPath: $0) }
        ?? fixtures.appendingPathComponent("\(option("--model") ?? "default_hcno").safetensors")
    let structureURL = option("--structure-file").map { URL(fileURLWithPath: $0) }
        ?? fixtures.appendingPathComponent("\(option("--structure") ?? "ethanol").xyz")
    let repeats = max(1, option("--repeats").flatMap { Int($0) } ?? 10)
    let warmup = max(0, option("--warmup").flatMap { Int($0) } ?? 1)
    let dtype: DType = arguments.contains("--float32") ? .float32 : .float64
    let stress = arguments.contains("--stress")
    let model = try MACEModel(contentsOf: modelURL, dtype: dtype)
    let configurations = try ExtXYZReader.read(contentsOf: structureURL)
    var outputs = try model.evaluate(configurations, computeStress: stress)
    for _ in 0..<warmup { outputs = try model.evaluate(configurations, computeStress: stress) }
    var times: [Double] = []
    var profiles: [[(name: String, seconds: Double)]] = []
    let profile = arguments.contains("--profile") ? MACEProfile() : nil
    for _ in 0..<repeats {
        profile?.reset()
        let start = DispatchTime.now().uptimeNanoseconds
        if let profile {
            outputs = try profile.collecting { try model.evaluate(configurations, computeStress: stress) }
        } else {
            outputs = try model.evaluate(configurations, computeStress: stress)
        }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        if let profile { profiles.append(profile.stages) }
    }
    let sorted = times.sorted()
    let median = sorted[sorted.count / 2]
    let atoms = configurations.reduce(0) { $0 + $1.numAtoms }
    print("MACE \(modelURL.lastPathComponent) on \(structureURL.lastPathComponent) (\(atoms) atoms), \(dtype), "
        + "energy+forces\(stress ? "+stress" : ""), \(ProcessInfo.processInfo.activeProcessorCount) cores: median "
        + "\(format(median, 2)) ms, min \(format(sorted[0], 2)) ms, max \(format(sorted[sorted.count - 1], 2)) ms, "
        + "\(repeats) repeats")
    if !profiles.isEmpty {
        // Per stage: the median over the repeats.
        let names = profiles[0].map(\.name)
        var accounted = 0.0
        print("stage                    median ms   share")
        for name in names {
            let values = profiles.map { run in run.first { $0.name == name }?.seconds ?? 0 }.sorted()
            let ms = values[values.count / 2] * 1e3
            accounted += ms
            print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + pad(format(ms, 2), 9) + "   "
                + pad(format(100 * ms / median, 1), 5) + " %")
        }
        print("other".padding(toLength: 24, withPad: " ", startingAt: 0) + " " + pad(format(median - accounted, 2), 9))
    }
    if let path = option("--json") {
        let document: [String: Any] = [
            "model": modelURL.path, "structure": structureURL.path, "dtype": "\(dtype)", "atoms": atoms,
            "median_ms": median, "min_ms": sorted[0], "max_ms": sorted[sorted.count - 1], "all_ms": times,
            "energies_eV": outputs.map(\.energy),
            "forces_eV_per_A": outputs.map { $0.forces.map { [$0.x, $0.y, $0.z] } },
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
