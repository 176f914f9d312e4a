// SwiftMACE, MIT licence.
// The "MACE model" group of `swiftmace selftest --device cuda`: the committed mace-torch fixture models evaluated on
// the GPU (float64 and float32) against the CPU model in float64, on molecules and periodic cells.

import Atoms
import CUDA
import Foundation
import MACE
import Tensors

/// GPU model checks against the CPU model, reading `Tests/Fixtures/mace`-style files from a folder.
public enum MACEModelSelftest {
    /// Model file stem and structure files (a molecule batch and a periodic one per model where the fixtures have it).
    public static let cases: [(model: String, structures: [String])] = [
        ("scalar_hco", ["ethanol.xyz", "batch_hco.xyz"]),
        ("default_hcno", ["3bpa.xyz", "water_192.xyz"]),
        ("l2_tial", ["batch_tial.xyz"]),
        ("plain_f32", ["3bpa.xyz"]),
        ("scalar_hco", [isolatedAtoms]),
    ]

    /// A structure made here, not read: three atoms 20 Å apart (a graph with no edges at all).
    static let isolatedAtoms = "three isolated atoms"

    /// Bounds: GPU float64 vs CPU float64 (energy relative, forces max |ΔF| eV/Å, virials relative); GPU float32
    /// vs CPU float64 (energy relative, forces relative RMSE, virials relative), also with the 3xTF32 radial MLP.
    /// The plain TF32 mode is not checked here: it measured force errors of 1.9e-4 to 1.6e-3 on these models
    /// (BENCHMARKS.md), above float32's bound and, on 3BPA, above the issue's TF32 bound of 1e-3.
    public static let float64Energy = 1e-12, float64Forces = 1e-10, float64Virials = 1e-10
    public static let float32Energy = 1e-6, float32Forces = 1e-5, float32Virials = 1e-5

    /// The variants each case runs in: model dtype, the radial MLP's arithmetic, edge chunks (of 40 edges, so the
    /// fixtures' graphs split into many).
    static let precisions: [(dtype: DType, radial: RadialMLPPrecision, chunk: Int?)] = [
        (.float64, .float32, nil), (.float32, .float32, nil), (.float32, .split3xTF32, nil), (.float64, .float32, 40),
        (.float32, .float32, 40), (.float32, .split3xTF32, 40),
    ]

    /// Runs every case, reading models and structures from `folder` (a missing file is a failed check).
    @discardableResult
    public static func run(context: CUDAContext, folder: URL, report: @escaping (SelftestResult) -> Void)
        -> [SelftestResult]
    {
        var results: [SelftestResult] = []
        for (name, structures) in cases {
            for structure in structures {
                let label = "MACE model \(name) on \(structure)"
                do {
                    let file = folder.appendingPathComponent(name + ".safetensors")
                    let configurations = structure == isolatedAtoms
                        ? [Configuration(atomicNumbers: [1, 6, 8], positions: [.zero, SIMD3(20, 0, 0), SIMD3(0, 20, 0)])]
                        : try ExtXYZReader.read(contentsOf: locate(structure, in: folder))
                    let cpu = try MACEModel(contentsOf: file, dtype: .float64)
                    let reference = try cpu.evaluate(configurations, computeStress: true)
                    for (dtype, radial, chunk) in precisions {
                        let gpu = try CUDAMACEModel(
                            model: try MACEModel(contentsOf: file, dtype: dtype), context: context, radialPrecision: radial,
                            edgeChunk: chunk)
                        let first = try gpu.evaluate(configurations, computeStress: true)
                        let second = try gpu.evaluate(configurations, computeStress: true)
                        let result = compare(
                            first, second, reference, dtype: dtype, atoms: configurations.map(\.numAtoms))
                        let name = "\(label) \(dtype)\(radial == .float32 ? "" : " + \(radial.rawValue) radial MLP")"
                            + (chunk.map { ", edge chunks of \($0)" } ?? "")
                        let outcome = SelftestResult(name: name, passed: result.passed, detail: result.detail)
                        results.append(outcome)
                        report(outcome)
                    }
                } catch {
                    let outcome = SelftestResult(name: label, passed: false, detail: "\(error)")
                    results.append(outcome)
                    report(outcome)
                }
            }
        }
        return results
    }

    /// `folder/name`, or `folder/../atoms/name` (the repository keeps water_192.xyz in Tests/Fixtures/atoms).
    static func locate(_ name: String, in folder: URL) -> URL {
        let direct = folder.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: direct.path) { return direct }
        return folder.deletingLastPathComponent().appendingPathComponent("atoms").appendingPathComponent(name)
    }

    static func compare(
        _ output: [MACEOutput], _ repeated: [MACEOutput], _ reference: [MACEOutput], dtype: DType, atoms: [Int]
    ) -> (passed: Bool, detail: String) {
        guard output.count == reference.count else { return (false, "\(output.count) outputs; expected \(reference.count)") }
        var energy = 0.0, maxForce = 0.0, difference = 0.0, norm = 0.0, virialDifference = 0.0, virialNorm = 0.0
        var stressPresence = true
        for (mine, theirs) in zip(output, reference) {
            energy = max(energy, abs(mine.energy - theirs.energy) / max(abs(theirs.energy), .leastNormalMagnitude))
            for (f, g) in zip(mine.forces, theirs.forces) {
                let d = f - g
                maxForce = max(maxForce, abs(d.x), abs(d.y), abs(d.z))
                difference += (d * d).sum()
                norm += (g * g).sum()
            }
            if mine.forces.count != theirs.forces.count || mine.energy.isNaN { energy = .nan }
            let (v, w) = (mine.virials?.rowMajor ?? [.nan], theirs.virials?.rowMajor ?? [])
            for (a, b) in zip(v, w) {
                virialDifference += (a - b) * (a - b)
                virialNorm += b * b
            }
            if v.count != w.count { virialDifference = .nan }
            stressPresence = stressPresence && (mine.stress == nil) == (theirs.stress == nil)
        }
        let rmse = (difference / max(norm, .leastNormalMagnitude)).squareRoot()
        let virials = (virialDifference / max(virialNorm, .leastNormalMagnitude)).squareRoot()
        let identical = zip(output, repeated).allSatisfy { a, b in
            a.energy.bitPattern == b.energy.bitPattern
                && zip(a.forces, b.forces).allSatisfy {
                    $0.x.bitPattern == $1.x.bitPattern && $0.y.bitPattern == $1.y.bitPattern
                        && $0.z.bitPattern == $1.z.bitPattern
                }
        }
        let text = { (x: Double) in x.isNaN ? "nan" : String(format: "%.2e", x) }
        let passed: Bool
        var detail: String
        if dtype == .float64 {
            passed = energy <= float64Energy && maxForce <= float64Forces && virials <= float64Virials
            detail = "\(atoms) atoms: energy rel \(text(energy)) ≤ \(text(float64Energy)), forces max |ΔF| "
                + "\(text(maxForce)) eV/Å ≤ \(text(float64Forces)) (rel RMSE \(text(rmse))), virials rel "
                + "\(text(virials)) ≤ \(text(float64Virials))"
        } else {
            let (e, f, v) = (float32Energy, float32Forces, float32Virials)
            passed = energy <= e && rmse <= f && virials <= v
            detail = "\(atoms) atoms: energy rel \(text(energy)) ≤ \(text(e)), forces rel RMSE \(text(rmse)) ≤ "
                + "\(text(f)) (max |ΔF| \(text(maxForce)) eV/Å), virials rel \(text(virials)) ≤ \(text(v))"
        }
        detail += "; stress \(stressPresence ? "only" : "NOT only") for periodic graphs; two runs (direct, CUDA graph) "
            + "bitwise \(identical ? "identical" : "DIFFERENT")"
        return (passed && identical && stressPresence, detail)
    }
}
