// SwiftMACE, MIT licence.
// SVGCanvas: a tiny SVG writer for plots (frame, axes with ticks, polylines, points, text) with no dependencies.

import Foundation

/// A plot area mapping data coordinates to an SVG of fixed size.
struct SVGCanvas {
    let width = 640.0, height = 480.0
    let left = 80.0, right = 20.0, top = 40.0, bottom = 60.0
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    private(set) var elements: [String] = []

    init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.xRange = xRange.lowerBound < xRange.upperBound ? xRange : (xRange.lowerBound - 1)...(xRange.upperBound + 1)
        self.yRange = yRange.lowerBound < yRange.upperBound ? yRange : (yRange.lowerBound - 1)...(yRange.upperBound + 1)
    }

    func x(_ value: Double) -> Double {
        left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - left - right)
    }

    func y(_ value: Double) -> Double {
        height - bottom - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - top - bottom)
    }

    mutating func polyline(_ points: [(Double, Double)], colour: String, dashed: Bool = false) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
        elements.append("<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6,4\"" : "") points=\"\(list)\"/>")
    }

    mutating func points(_ points: [(Double, Double)], colour: String) {
        for point in points {
            elements.append("<circle cx=\"\(f(x(point.0)))\" cy=\"\(f(y(point.1)))\" r=\"2.5\" fill=\"\(colour)\" fill-opacity=\"0.6\"/>")
        }
    }

    mutating func text(_ string: String, x: Double, y: Double, anchor: String = "middle", size: Int = 14, rotate: Bool = false) {
        let transform = rotate ? " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" : ""
        elements.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-family=\"sans-serif\" font-size=\"\(size)\" text-anchor=\"\(anchor)\"\(transform)>\(escaped(string))</text>")
    }

    /// Frame, tick marks with labels at the given data positions, and axis titles.
    mutating func axes(xTicks: [(Double, String)], yTicks: [(Double, String)], xLabel: String, yLabel: String, title: String) {
        elements.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\" fill=\"none\" stroke=\"black\"/>")
        for (value, label) in xTicks where xRange.contains(value) {
            elements.append("<line x1=\"\(f(x(value)))\" y1=\"\(f(height - bottom))\" x2=\"\(f(x(value)))\" y2=\"\(f(height - bottom + 6))\" stroke=\"black\"/>")
            text(label, x: x(value), y: height - bottom + 22, size: 12)
        }
        for (value, label) in yTicks where yRange.contains(value) {
            elements.append("<line x1=\"\(f(left - 6))\" y1=\"\(f(y(value)))\" x2=\"\(f(left))\" y2=\"\(f(y(value)))\" stroke=\"black\"/>")
            text(label, x: left - 10, y: y(value) + 4, anchor: "end", size: 12)
        }
        text(xLabel, x: (left + width - right) / 2, y: height - 15)
        text(yLabel, x: 20, y: (top + height - bottom) / 2, rotate: true)
        text(title, x: (left + width - right) / 2, y: 25, size: 16)
    }

    var document: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    /// About five round tick positions covering `range` (1, 2 or 5 times a power of ten apart).
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5
        let magnitude = Foundation.pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        let first = (range.lowerBound / step).rounded(.up)
        return stride(from: first * step, through: range.upperBound + step * 1e-9, by: step).map { $0 }
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escaped(_ string: String) -> String {
        string.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
