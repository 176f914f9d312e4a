// SwiftMACE, MIT licence.
// Parity plot as SVG: predicted against reference values (e.g. force components) with the y = x line and the MAE
// in the title.

import Foundation

public enum ParityPlot {
    /// An SVG scatter of `predicted` against `reference` (same length; extra values are ignored), square ranges,
    /// dashed y = x line, title "<quantity>: MAE = <mae × 1000> <milliUnit>".
    /// - Parameters:
    ///   - quantity: e.g. "Forces"; `unit` e.g. "eV/Å" for the axes and `milliUnit` "meV/Å" for the MAE.
    public static func svg(
        reference: [Double], predicted: [Double], quantity: String, unit: String, milliUnit: String
    ) -> String {
        let pairs = zip(reference, predicted).filter { $0.0.isFinite && $0.1.isFinite }
        let values = pairs.flatMap { [$0.0, $0.1] }
        let low = values.min() ?? 0, high = values.max() ?? 1
        let pad = (high - low) * 0.05
        var canvas = SVGCanvas(xRange: (low - pad)...(high + pad), yRange: (low - pad)...(high + pad))
        let mae = pairs.isEmpty ? 0 : pairs.reduce(0) { $0 + abs($1.0 - $1.1) } / Double(pairs.count)
        let ticks = SVGCanvas.ticks(canvas.xRange).map { ($0, String(format: "%g", $0)) }
        canvas.axes(xTicks: ticks, yTicks: ticks, xLabel: "reference \(quantity.lowercased()) / \(unit)",
                    yLabel: "predicted \(quantity.lowercased()) / \(unit)",
                    title: "\(quantity): MAE = \(String(format: "%.2f", mae * 1000)) \(milliUnit)")
        canvas.polyline([(canvas.xRange.lowerBound, canvas.xRange.lowerBound), (canvas.xRange.upperBound, canvas.xRange.upperBound)],
                        colour: "gray", dashed: true)
        canvas.points(pairs.map { ($0.0, $0.1) }, colour: "#1f77b4")
        return canvas.document
    }
}
