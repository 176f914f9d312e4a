// SwiftMACE, MIT licence.
// Backward rule of matmul: dA = dC·Bᵀ, dB = Aᵀ·dC, summed over broadcast batch dimensions.

enum MatmulGradients {
    static let matmul: BackwardRule = { c in
        let a = c.inputs[0], b = c.inputs[1]
        return [c.needs(0) ? Tensors.matmul(c.gradient, b.transposed()).summed(toShape: a.shape) : nil,
                c.needs(1) ? Tensors.matmul(a.transposed(), c.gradient).summed(toShape: b.shape) : nil]
    }
}
