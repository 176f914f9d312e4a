// SwiftMACE, MIT licence.
// Learning curve as SVG: training and validation loss against epoch, logarithmic loss axis.

import Foundation

public enum LearningCurvePlot {
    /// An SVG of the losses (train solid blue, validation dashed orange), y on a log₁₀ scale with decade ticks.
    /// Non-positive or non-finite losses are left out (they have no logarithm).
    public static func svg(train: [(epoch: Int, loss: Double)], valid: [(epoch: Int, loss: Double)]) -> String {
        let usable = { (points: [(epoch: Int, loss: Double)]) in
            points.filter { $0.loss > 0 && $0.loss.isFinite }.map { (Double($0.epoch), log10($0.loss)) }
        }
        let trainPoints = usable(train), validPoints = usable(valid)
        let all = trainPoints + validPoints
        let xs = all.map(\.0), ys = all.map(\.1)
        let xRange = (xs.min() ?? 0)...(xs.max() ?? 1)
        let yRange = ((ys.min() ?? 0).rounded(.down))...((ys.max() ?? 1).rounded(.up))
        var canvas = SVGCanvas(xRange: xRange, yRange: yRange)
        let decades = stride(from: canvas.yRange.lowerBound.rounded(.up), through: canvas.yRange.upperBound, by: 1)
            .map { ($0, "1e\(Int($0))") }
        let epochTicks = SVGCanvas.ticks(canvas.xRange).map { ($0, "\(Int($0.rounded()))") }
        canvas.axes(xTicks: epochTicks, yTicks: decades, xLabel: "epoch", yLabel: "loss", title: "Learning curve")
        canvas.polyline(trainPoints, colour: "#1f77b4")
        canvas.polyline(validPoints, colour: "#ff7f0e", dashed: true)
        let legendX = canvas.width - canvas.right - 150
        canvas.text("— train", x: legendX, y: canvas.top + 20, anchor: "start", size: 13)
        canvas.text("- - valid", x: legendX, y: canvas.top + 38, anchor: "start", size: 13)
        return canvas.document
    }
}
