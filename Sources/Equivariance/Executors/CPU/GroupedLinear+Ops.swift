// SwiftMACE, MIT licence.
// GroupedLinear as three differentiable Tensor ops that are each other's derivatives: L(W, x), Lᵀ(W, g) and the
// weight gradient G(x, g). Forces (backward) and force training (double backward) stay in these fused kernels.

import Tensors

extension GroupedLinear {
    /// `y = L(W, x)`: weight `[1, weightCount]`, x `[N, inputSize]` → `[N, outputSize]`, in x's dtype.
    func callAsFunction(weight: Tensor, x: Tensor) throws -> Tensor {
        try Tensor.custom(name: "linear", inputs: [weight, x], forward: { v in
            [self.map(weight: v[0], v[1], size: outputSize, transposed: false)]
        }) { inputs, cotangents, needs in
            guard let g = cotangents[0] else { return [nil, nil] }
            return [needs[0] ? try self.weightGradient(x: inputs[1], g: g) : nil,
                    needs[1] ? try self.transposed(weight: inputs[0], g: g) : nil]
        }[0]
    }

    /// `Lᵀ(W, g)`: g `[N, outputSize]` → `[N, inputSize]` (the input gradient of L).
    func transposed(weight: Tensor, g: Tensor) throws -> Tensor {
        try Tensor.custom(name: "linear (transposed)", inputs: [weight, g], forward: { v in
            [self.map(weight: v[0], v[1], size: inputSize, transposed: true)]
        }) { inputs, cotangents, needs in
            guard let h = cotangents[0] else { return [nil, nil] }
            return [needs[0] ? try self.weightGradient(x: h, g: inputs[1]) : nil,
                    needs[1] ? try self(weight: inputs[0], x: h) : nil]
        }[0]
    }

    /// `G(x, g)`: x `[N, inputSize]`, g `[N, outputSize]` → `[1, weightCount]` (the weight gradient of L).
    func weightGradient(x: Tensor, g: Tensor) throws -> Tensor {
        try Tensor.custom(name: "linear (weight gradient)", inputs: [x, g], forward: { v in
            let rows = v[0].shape[0]
            func run<T: BinaryFloatingPoint>(_: T.Type) -> Tensor {
                Tensor.zeroed(shape: [1, weightCount], as: T.self) { out in
                    guard rows > 0, weightCount > 0 else { return }
                    v[0].withUnsafeBufferPointer(as: T.self) { x in
                        v[1].withUnsafeBufferPointer(as: T.self) { g in
                            weightGradient(x.baseAddress!, g.baseAddress!, rowCount: rows, into: out.baseAddress!)
                        }
                    }
                }
            }
            return [v[0].dtype == .float32 ? run(Float.self) : run(Double.self)]
        }) { inputs, cotangents, needs in
            guard let h = cotangents[0] else { return [nil, nil] }
            return [needs[0] ? try self.transposed(weight: h, g: inputs[1]) : nil,
                    needs[1] ? try self(weight: h, x: inputs[0]) : nil]
        }[0]
    }

    private func map(weight: Tensor, _ x: Tensor, size: Int, transposed: Bool) -> Tensor {
        let rows = x.shape[0]
        func run<T: BinaryFloatingPoint>(_: T.Type) -> Tensor {
            Tensor.zeroed(shape: [rows, size], as: T.self) { out in
                guard rows > 0, size > 0 else { return }
                weight.withUnsafeBufferPointer(as: T.self) { w in
                    x.withUnsafeBufferPointer(as: T.self) { x in
                        apply(weight: w.baseAddress!, x.baseAddress!, rowCount: rows, into: out.baseAddress!,
                              transposed: transposed)
                    }
                }
            }
        }
        return x.dtype == .float32 ? run(Float.self) : run(Double.self)
    }
}
