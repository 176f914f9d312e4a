// SwiftMACE, MIT licence.
// The `mace` benchmark: one energy+forces evaluation (neighbour list, forward, backward) of a fixture model on a
// fixture structure from Tests/Fixtures/mace.

import Atoms
import Foundation
import MACE
import Tensors

/// Runs the benchmark. Options: `--model default_hcno`, `--structure ethanol`, `--repeats 10`, `--float32`,
/// `--stress`.
func runMACEBenchmark(_ arguments: ArraySlice<String>) throws {
    func option(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.endIndex else { return nil }
        return arguments[index + 1]
    }
    let modelName = option("--model") ?? "default_hcno", structure = option("--structure") ?? "ethanol"
    let repeats = option("--repeats").flatMap { Int($0) } ?? 10
    let dtype: DType = arguments.contains("--float32") ? .float32 : .float64
    let stress = arguments.contains("--stress")
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/mace")
    let model = try MACEModel(contentsOf: fixtures.appendingPathComponent("\(modelName).safetensors"), dtype: dtype)
    let configurations = try ExtXYZReader.read(contentsOf: fixtures.appendingPathComponent("\(structure).xyz"))
    _ = try model.evaluate(configurations, computeStress: stress)  // warm-up
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try model.evaluate(configurations, computeStress: stress)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    let atoms = configurations.reduce(0) { $0 + $1.numAtoms }
    print("MACE \(modelName) on \(structure) (\(atoms) atoms), \(dtype), energy+forces\(stress ? "+stress" : ""), "
        + "\(ProcessInfo.processInfo.activeProcessorCount) cores: median \(format(times[times.count / 2], 2)) ms, "
        + "min \(format(times[0], 2)) ms, max \(format(times[times.count - 1], 2)) ms, \(repeats) repeats")
}
