// SwiftMACE, MIT licence.
// Activation: the nonlinearities of the radial MLPs and the non-linear readout that SwiftMACE implements.

import Tensors

/// An element-wise activation named as in the exported config (`"silu"`, `"tanh"`, `"none"`).
enum Activation: String, Sendable {
    case silu, tanh, none

    init(_ node: ConfigNode) throws {
        guard let activation = Activation(rawValue: try node.string()) else { throw node.unsupported() }
        self = activation
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: Tensors.silu(x)
        case .tanh: Tensors.tanh(x)
        case .none: x
        }
    }
}
