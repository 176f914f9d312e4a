// SwiftMACE, MIT licence.
// Backward rules of element-wise ops, written in tensor ops so they are differentiable themselves.

enum ElementwiseGradients {
    static let add: BackwardRule = { c in
        [c.needs(0) ? c.gradient.summed(toShape: c.inputs[0].shape) : nil,
         c.needs(1) ? c.gradient.summed(toShape: c.inputs[1].shape) : nil]
    }
    static let subtract: BackwardRule = { c in
        [c.needs(0) ? c.gradient.summed(toShape: c.inputs[0].shape) : nil,
         c.needs(1) ? (-c.gradient).summed(toShape: c.inputs[1].shape) : nil]
    }
    static let multiply: BackwardRule = { c in
        [c.needs(0) ? (c.gradient * c.inputs[1]).summed(toShape: c.inputs[0].shape) : nil,
         c.needs(1) ? (c.gradient * c.inputs[0]).summed(toShape: c.inputs[1].shape) : nil]
    }
    /// d(a/b)/db = -(a/b)/b.
    static let divide: BackwardRule = { c in
        [c.needs(0) ? (c.gradient / c.inputs[1]).summed(toShape: c.inputs[0].shape) : nil,
         c.needs(1) ? (-(c.gradient * c.output) / c.inputs[1]).summed(toShape: c.inputs[1].shape) : nil]
    }
    static let which: BackwardRule = { c in
        let zero = c.gradient.scalar(0)
        return [nil,
                c.needs(1) ? Tensors.which(c.inputs[0], c.gradient, zero).summed(toShape: c.inputs[1].shape) : nil,
                c.needs(2) ? Tensors.which(c.inputs[0], zero, c.gradient).summed(toShape: c.inputs[2].shape) : nil]
    }
    static let negate: BackwardRule = { c in [-c.gradient] }
    static let exp: BackwardRule = { c in [c.gradient * c.output] }
    static let log: BackwardRule = { c in [c.gradient / c.inputs[0]] }
    static let sin: BackwardRule = { c in [c.gradient * Tensors.cos(c.inputs[0])] }
    static let cos: BackwardRule = { c in [-(c.gradient * Tensors.sin(c.inputs[0]))] }
    static let sqrt: BackwardRule = { c in [c.gradient * 0.5 / c.output] }
    static let tanh: BackwardRule = { c in [c.gradient * (1 - c.output.squared())] }
    static let sigmoid: BackwardRule = { c in [c.gradient * (c.output * (1 - c.output))] }
    /// silu'(x) = s (1 + x (1 - s)), s = sigmoid(x).
    static let silu: BackwardRule = { c in
        let x = c.inputs[0]
        let s = Tensors.sigmoid(x)
        return [c.gradient * (s * (1 + x * (1 - s)))]
    }
    static let square: BackwardRule = { c in [c.gradient * (2 * c.inputs[0])] }
    static func power(_ exponent: Double) -> BackwardRule {
        { c in
            let derivative = exponent == 2 ? 2 * c.inputs[0] : exponent * Tensors.pow(c.inputs[0], exponent - 1)
            return [c.gradient * derivative]
        }
    }
}
