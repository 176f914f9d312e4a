// SwiftMACE, MIT licence.
// MACEModel as a TrainableModel: its parameters under mace's state-dict names, in mace's order.

import MACE
import Tensors

extension MACEModel: TrainableModel {
    public var parameters: [NamedParameter] {
        get { zip(parameterNames, parameterValues).map { NamedParameter(name: $0, value: $1) } }
        set { parameterValues = newValue.map(\.value) }
    }
}
