// SwiftMACE, MIT licence.
// Cost of an EquivariantPolynomial for roofline estimates: a naive FLOP count of its paths and the bytes its
// operands occupy.

extension EquivariantPolynomial {
    /// Floating-point operations of a direct evaluation over `batch` items.
    ///
    /// Every coefficient of a path, for every value of the path's channel modes, costs one multiplication per
    /// input (coefficient times each factor) and one addition into the output: `inputs.count + 1` FLOP. Common
    /// factors are not shared, so an executor that factors them does fewer.
    public func flopCount(batch: Int) -> Int {
        var perItem = 0
        for term in terms {
            let operands = term.inputs.map { inputs[$0] } + [outputs[term.output]]
            for path in term.paths {
                var extents: [Character: Int] = [:]
                for (n, modes) in term.modes.enumerated() {
                    let shape = operands[n].segments[path.segments[n]]
                    for (axis, letter) in modes.enumerated() { extents[letter] = shape[axis] }
                }
                perItem += path.coefficients.count * extents.values.reduce(1, *) * (term.inputs.count + 1)
            }
        }
        return perItem * batch
    }

    /// Bytes read and written by one pass: every input read once and every output written once per batch item,
    /// except inputs in `sharedInputs` (e.g. weights shared by all items), read once.
    /// - Parameters:
    ///   - batch: number of items.
    ///   - elementSize: bytes per scalar (8 for Float64, 4 for Float32).
    ///   - sharedInputs: indices of inputs with one row for the whole batch.
    public func byteCount(batch: Int, elementSize: Int = 8, sharedInputs: Set<Int> = []) -> Int {
        let inputScalars = inputs.enumerated().reduce(0) { sum, entry in
            sum + entry.element.size * (sharedInputs.contains(entry.offset) ? 1 : batch)
        }
        let outputScalars = outputs.reduce(0) { $0 + $1.size } * batch
        return (inputScalars + outputScalars) * elementSize
    }
}
