// SwiftMACE, MIT licence.
// ProgressLine: the one-line epoch summary printed during training (validation loss, energy-per-atom and force
// MAE/RMSE in meV, learning rate, epoch time, estimated time left).

import Foundation

public enum ProgressLine {
    /// e.g. `Epoch 12/2048: loss=0.01234568, MAE_E_per_atom=   1.23 meV, RMSE_E_per_atom=   2.35 meV,
    /// MAE_F=  12.35 meV / A, RMSE_F=  23.46 meV / A, lr=1.000e-02, time=3.2 s, ETA 1h 48m`.
    /// - Parameters:
    ///   - epoch: the epoch just finished (0-based as mace counts) and `maxEpochs` the total.
    ///   - epochSeconds: wall time of this epoch; the ETA assumes the remaining epochs take as long.
    public static func format(
        epoch: Int, maxEpochs: Int, metrics: EvaluationMetrics, learningRate: Double, epochSeconds: Double
    ) -> String {
        func milli(_ value: Double?) -> String { value.map { String(format: "%7.2f", $0 * 1000) } ?? "   None" }
        let remaining = Double(max(0, maxEpochs - epoch - 1)) * epochSeconds
        return "Epoch \(epoch)/\(maxEpochs): loss=\(String(format: "%.8f", metrics.loss)), "
            + "MAE_E_per_atom=\(milli(metrics.maeEPerAtom)) meV, RMSE_E_per_atom=\(milli(metrics.rmseEPerAtom)) meV, "
            + "MAE_F=\(milli(metrics.maeF)) meV / A, RMSE_F=\(milli(metrics.rmseF)) meV / A, "
            + "lr=\(String(format: "%.3e", learningRate)), time=\(String(format: "%.1f", epochSeconds)) s, "
            + "ETA \(duration(remaining))"
    }

    /// Seconds as `42 s`, `3m 05s` or `1h 48m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return String(format: "%dm %02ds", total / 60, total % 60) }
        return String(format: "%dh %02dm", total / 3600, (total % 3600) / 60)
    }
}
