// SwiftMACE, MIT licence.
// NamedParameter and TrainableModel: the minimal view of a model that training needs, its parameters by
// mace state-dict name (the names decide weight-decay groups).

import Tensors

/// One trainable tensor and its mace state-dict name (e.g. `interactions.0.linear.weight`).
public struct NamedParameter: Sendable {
    public var name: String
    public var value: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
    }
}

/// A model training can update: an ordered list of named parameters, read and written whole.
///
/// The order is the model's `named_parameters()` order; optimizer state and checkpoints follow it.
public protocol TrainableModel {
    var parameters: [NamedParameter] { get set }
}
