// SwiftMACE, MIT licence.
// The `neighbours` benchmark: NeighbourList build time on periodic liquid water boxes made by replicating the
// 192-atom DeePMD water frame (Tests/Fixtures/atoms/water_192.xyz) n×n×n times.

import Atoms
import Foundation

/// Runs the benchmark. Options: `--repeats N` overrides the repeat count of every case; `--replicas 2,4,8` and
/// `--cutoffs 5,6` (Å) choose the cases.
func runNeighbourListBenchmark(_ arguments: ArraySlice<String>) throws {
    func option(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.endIndex else { return nil }
        return arguments[index + 1]
    }
    let repeatsOverride = option("--repeats").flatMap { Int($0) }
    let replicas = option("--replicas").map { $0.split(separator: ",").compactMap { Int($0) } } ?? [2, 4, 8]
    let cutoffs = option("--cutoffs").map { $0.split(separator: ",").compactMap { Double($0) } } ?? [5, 6]
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/atoms/water_192.xyz")
    let frame = try readWaterFrame(fixture)
    print(
        "neighbour list build, water replicated n×n×n from \(frame.positions.count) atoms, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("| atoms | cutoff Å | edges | edges/atom | median ms | min ms | max ms | repeats | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in replicas {
        let (positions, cell) = replicated(frame, n)
        for cutoff in cutoffs {
            let repeats = repeatsOverride ?? (positions.count > 50_000 ? 3 : 10)
            // Warm-up; each list is released before the next is built, so peak memory is one list's.
            let numEdges = try NeighbourList(positions: positions, cell: cell, pbc: .all, cutoff: cutoff).numEdges
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                let list = try NeighbourList(positions: positions, cell: cell, pbc: .all, cutoff: cutoff)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                precondition(list.numEdges == numEdges, "the neighbour list changed between repeats")
            }
            times.sort()
            let median =
                times.count % 2 == 1
                ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            let perAtom = Double(numEdges) / Double(positions.count)
            print(
                "| \(positions.count) | \(cutoff) | \(numEdges) | \(format(perAtom, 1)) | \(format(median, 1)) "
                    + "| \(format(times[0], 1)) | \(format(times[times.count - 1], 1)) | \(repeats) "
                    + "| \(peakResidentMiB().map { format($0, 0) } ?? "n/a") |")
        }
    }
    print("peak RSS is the process high-water mark so far (VmHWM), so it includes earlier cases")
}

/// One water frame: positions (Å) and cubic cell.
private struct WaterFrame {
    var positions: [SIMD3<Double>]
    var cell: Matrix3
}

/// A minimal extxyz reader for the fixture's own layout: count, `Lattice="..."` comment, `symbol x y z` lines.
private func readWaterFrame(_ url: URL) throws -> WaterFrame {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.count >= 2, let count = Int(lines[0].trimmingCharacters(in: .whitespaces)), lines.count >= count + 2,
        let latticeStart = lines[1].range(of: "Lattice=\"")
    else { throw AtomsError.malformed(.init(file: url.path, line: 1), found: "header", expected: "an extxyz header") }
    let latticeText = lines[1][latticeStart.upperBound...].prefix { $0 != "\"" }
    let lattice = latticeText.split(separator: " ").compactMap { Double($0) }
    guard lattice.count == 9 else {
        throw AtomsError.malformed(.init(file: url.path, line: 2), found: String(latticeText), expected: "9 numbers")
    }
    var positions: [SIMD3<Double>] = []
    for (offset, line) in lines[2..<(count + 2)].enumerated() {
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count == 3 else {
            throw AtomsError.malformed(
                .init(file: url.path, line: offset + 3), found: String(line), expected: "symbol x y z")
        }
        positions.append(SIMD3(fields[0], fields[1], fields[2]))
    }
    return WaterFrame(positions: positions, cell: Matrix3(rowMajor: lattice))
}

/// The frame repeated n times along each cell vector, and the n-times larger cell.
private func replicated(_ frame: WaterFrame, _ n: Int) -> ([SIMD3<Double>], Matrix3) {
    var positions: [SIMD3<Double>] = []
    positions.reserveCapacity(frame.positions.count * n * n * n)
    for x in 0..<n {
        for y in 0..<n {
            for z in 0..<n {
                let offset = SIMD3(Double(x), Double(y), Double(z)) * frame.cell
                positions.append(contentsOf: frame.positions.map { $0 + offset })
            }
        }
    }
    return (positions, Double(n) * frame.cell)
}

/// The process's peak resident set size (VmHWM in /proc/self/status) in MiB, where Linux provides it.
private func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kibibytes / 1024
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
