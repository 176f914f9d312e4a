// SwiftMACE, MIT licence.
// The final error table of mace (`tools/tables_utils.create_error_table`), rendered as prettytable prints it:
// centred cells, one space of padding, rows ordered train, valid, then the rest by name.

import Foundation

public enum ErrorTable {
    /// The table of `kind` for named metrics (data set or config type names).
    /// Values are printed as mace does: energies and forces ×1000 with one decimal (`%8.1f`), relative errors `%8.2f`.
    public static func render(_ kind: ErrorTableKind, rows: [(name: String, metrics: EvaluationMetrics)]) -> String {
        let fields = header(kind)
        let ordered = rows.sorted { order($0.name) < order($1.name) }
        let cells = ordered.map { [$0.name] + values(kind, $0.metrics) }
        let widths = fields.indices.map { column in ([fields[column]] + cells.map { $0[column] }).map(\.count).max() ?? 0 }
        let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) + "+" }.joined()
        func line(_ row: [String]) -> String {
            "|" + row.enumerated().map { " " + centred($0.element, width: widths[$0.offset]) + " |" }.joined()
        }
        return ([rule, line(fields), rule] + cells.map(line) + [rule]).joined(separator: "\n")
    }

    static func header(_ kind: ErrorTableKind) -> [String] {
        switch kind {
        case .totalRMSE: ["config_type", "RMSE E / meV", "RMSE F / meV / A", "relative F RMSE %"]
        case .perAtomRMSE: ["config_type", "RMSE E / meV / atom", "RMSE F / meV / A", "relative F RMSE %"]
        case .totalMAE: ["config_type", "MAE E / meV", "MAE F / meV / A", "relative F MAE %"]
        case .perAtomMAE: ["config_type", "MAE E / meV / atom", "MAE F / meV / A", "relative F MAE %"]
        case .perAtomRMSEStressVirials:
            ["config_type", "RMSE E / meV / atom", "RMSE F / meV / A", "relative F RMSE %", "RMSE Stress (Virials) / meV / A (A^3)"]
        case .perAtomMAEStressVirials:
            ["config_type", "MAE E / meV / atom", "MAE F / meV / A", "relative F MAE %", "MAE Stress (Virials) / meV / A (A^3)"]
        }
    }

    static func values(_ kind: ErrorTableKind, _ m: EvaluationMetrics) -> [String] {
        func milli(_ value: Double?) -> String { format(value.map { $0 * 1000 }, "%8.1f") }
        switch kind {
        case .totalRMSE: return [milli(m.rmseE), milli(m.rmseF), format(m.relRmseF, "%8.2f")]
        case .perAtomRMSE: return [milli(m.rmseEPerAtom), milli(m.rmseF), format(m.relRmseF, "%8.2f")]
        case .totalMAE: return [milli(m.maeE), milli(m.maeF), format(m.relMaeF, "%8.2f")]
        case .perAtomMAE: return [milli(m.maeEPerAtom), milli(m.maeF), format(m.relMaeF, "%8.2f")]
        case .perAtomRMSEStressVirials:
            return [milli(m.rmseEPerAtom), milli(m.rmseF), format(m.relRmseF, "%8.2f"), milli(m.rmseStress ?? m.rmseVirials)]
        case .perAtomMAEStressVirials:
            return [milli(m.maeEPerAtom), milli(m.maeF), format(m.relMaeF, "%8.2f"), milli(m.maeStress ?? m.maeVirials)]
        }
    }

    /// mace's `custom_key`: train first, valid second, then by name.
    private static func order(_ name: String) -> (Int, String) {
        (name == "train" ? 0 : name == "valid" ? 1 : 2, name)
    }

    private static func format(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? "None"
    }

    /// prettytable's centring: odd leftover space goes right for odd-length text, left for even-length text.
    static func centred(_ text: String, width: Int) -> String {
        let excess = width - text.count
        var left = excess / 2, right = excess / 2
        if excess % 2 == 1 {
            if text.count % 2 == 1 { right += 1 } else { left += 1 }
        }
        return String(repeating: " ", count: left) + text + String(repeating: " ", count: right)
    }
}
