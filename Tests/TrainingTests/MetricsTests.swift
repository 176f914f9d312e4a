// SwiftMACE, MIT licence.
// Metrics: accumulator against hand values, mace's error tables (prettytable fixture), results log, progress line,
// SVG plots.

import Atoms
import Foundation
import Tensors
import Testing
@testable import Training

@Suite struct MetricsTests {
    @Test func errorTablesMatchMacePrettyTable() throws {
        let json = try JSONFixture("error_tables.json")
        let rows: [(name: String, metrics: EvaluationMetrics)] = ["valid", "Default_test", "train"].map { name in
            let m = json["metrics"][name]
            var metrics = EvaluationMetrics(loss: 0)
            metrics.rmseE = m.double("rmse_e"); metrics.rmseEPerAtom = m.double("rmse_e_per_atom")
            metrics.maeE = m.double("mae_e"); metrics.maeEPerAtom = m.double("mae_e_per_atom")
            metrics.rmseF = m.double("rmse_f"); metrics.relRmseF = m.double("rel_rmse_f")
            metrics.maeF = m.double("mae_f"); metrics.relMaeF = m.double("rel_mae_f")
            metrics.rmseStress = m.double("rmse_stress"); metrics.maeStress = m.double("mae_stress")
            return (name, metrics)
        }
        for kind in ErrorTableKind.allCases {
            #expect(ErrorTable.render(kind, rows: rows) == json["tables"].object[kind.rawValue] as? String, "\(kind.rawValue)")
        }
    }

    @Test func accumulatorComputesMaceMetrics() throws {
        var a = Configuration(atomicNumbers: [1], positions: [.zero])
        a.energy = 1
        a.forces = [SIMD3(1, 0, 0)]
        var b = Configuration(atomicNumbers: [1, 1], positions: [.zero, .zero])
        b.energy = 2
        b.forces = [SIMD3(0, 2, 0), SIMD3(0, 0, 0)]
        b.configType = "bulk"
        let labels = try LabelBatch(configurations: [a, b])
        let predictions = Predictions(
            energies: try tensor([1.1, 1.6], [2]), forces: try tensor([1, 0, 0.3, 0, 2, 0, 0, 0, 0], [3, 3]))
        var all = MetricsAccumulator()
        all.add(labels: labels, predictions: predictions, loss: 0.5)
        let metrics = all.compute()
        expectClose([metrics.loss], [0.25])
        expectClose([try #require(metrics.maeE), try #require(metrics.rmseE)], [0.25, (0.17 / 2).squareRoot()])
        expectClose([try #require(metrics.maeEPerAtom)], [0.15])
        expectClose([try #require(metrics.maeF), try #require(metrics.rmseF)], [0.3 / 9, (0.09 / 9).squareRoot()])
        expectClose([try #require(metrics.relRmseF)], [(0.09 / 9).squareRoot() / ((5.0 / 9).squareRoot() + 1e-9) * 100])
        #expect(metrics.maeStress == nil)
        var bulk = MetricsAccumulator(configType: "bulk")
        bulk.add(labels: labels, predictions: predictions, loss: 0.5)
        expectClose([try #require(bulk.compute().maeE)], [0.4])
    }

    @Test func resultsLogAppendsJSONLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-log-\(UUID().uuidString)/run_train.txt").path
        let log = ResultsLog(path: path)
        var metrics = EvaluationMetrics(loss: 0.125)
        metrics.rmseF = 0.5
        try log.append(metrics.record(mode: "eval", epoch: 3).filter { ["mode", "epoch", "loss", "rmse_f", "mae_f"].contains($0.0) })
        try log.append([("mode", .text("opt\"x")), ("loss", .number(.nan))])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
            {"mode": "eval", "epoch": 3, "loss": 0.125, "mae_f": null, "rmse_f": 0.5}
            {"mode": "opt\\"x", "loss": null}

            """)
    }

    @Test func progressLineShowsErrorsRateAndETA() {
        var metrics = EvaluationMetrics(loss: 0.0123456789)
        metrics.maeEPerAtom = 0.00123
        metrics.rmseEPerAtom = 0.00234
        metrics.maeF = 0.01234
        metrics.rmseF = 0.02345
        #expect(ProgressLine.format(epoch: 12, maxEpochs: 2048, metrics: metrics, learningRate: 0.01, epochSeconds: 3.2)
            == "Epoch 12/2048: loss=0.01234568, MAE_E_per_atom=   1.23 meV, RMSE_E_per_atom=   2.34 meV, "
            + "MAE_F=  12.34 meV / A, RMSE_F=  23.45 meV / A, lr=1.000e-02, time=3.2 s, ETA 1h 48m")
        #expect(ProgressLine.duration(185) == "3m 05s")
    }

    @Test func plotsAreWellFormedSVG() throws {
        let curve = LearningCurvePlot.svg(
            train: (0..<50).map { ($0, 10 * exp(-Double($0) / 10) + 0.01) },
            valid: (0..<50).map { ($0, 12 * exp(-Double($0) / 12) + 0.02) })
        #expect(curve.hasPrefix("<svg") && curve.contains("1e-2") && curve.contains("Learning curve"))
        #expect(curve.components(separatedBy: "<polyline").count == 3)
        var generator = PCG64(seed: 4)
        let reference = (0..<200).map { _ in Double(generator.next() % 2000) / 500 - 2 }
        let predicted = reference.map { $0 + Double(generator.next() % 100) / 1000 - 0.05 }
        let parity = ParityPlot.svg(reference: reference, predicted: predicted, quantity: "Forces", unit: "eV/Å", milliUnit: "meV/Å")
        #expect(parity.components(separatedBy: "<circle").count == 201)
        let mae = zip(reference, predicted).reduce(0) { $0 + abs($1.0 - $1.1) } / 200
        #expect(parity.contains("Forces: MAE = \(String(format: "%.2f", mae * 1000)) meV/Å"))
        if let folder = ProcessInfo.processInfo.environment["SWIFTMACE_PLOT_DIR"] {
            try curve.write(toFile: folder + "/learning_curve.svg", atomically: true, encoding: .utf8)
            try parity.write(toFile: folder + "/parity.svg", atomically: true, encoding: .utf8)
        }
    }
}
