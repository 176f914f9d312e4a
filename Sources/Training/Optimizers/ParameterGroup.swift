// SwiftMACE, MIT licence.
// ParameterGroup and its name-pattern rules: mace's `scripts_utils.get_params_options` grouping (embedding wd 0,
// interactions' linear.weight and skip_tp_full.weight wd, other interaction parameters wd 0, products wd,
// readouts wd 0), each group with its own learning rate and weight decay (MACE.md §11.2).

/// Parameters sharing a learning rate and weight decay, as a torch optimizer's `param_groups` entry.
public struct ParameterGroup: Sendable, Equatable, Codable {
    public var name: String
    /// Indices into the model's parameter list.
    public var parameterIndices: [Int]
    public var lr: Double
    public var weightDecay: Double

    public init(name: String, parameterIndices: [Int], lr: Double, weightDecay: Double) {
        self.name = name
        self.parameterIndices = parameterIndices
        self.lr = lr
        self.weightDecay = weightDecay
    }
}

/// A rule putting parameters into a group by name: names starting with `prefix` and containing any of
/// `containsAny` (all names with that prefix when empty). The first matching rule wins.
public struct ParameterGroupRule: Sendable, Equatable {
    public var group: String
    public var prefix: String
    public var containsAny: [String]
    /// true: the group gets `weight_decay`; false: 0.
    public var decays: Bool

    public init(group: String, prefix: String, containsAny: [String] = [], decays: Bool) {
        self.group = group
        self.prefix = prefix
        self.containsAny = containsAny
        self.decays = decays
    }

    func matches(_ name: String) -> Bool {
        name.hasPrefix(prefix) && (containsAny.isEmpty || containsAny.contains { name.contains($0) })
    }

    /// mace's five groups, in its order.
    public static let mace: [ParameterGroupRule] = [
        ParameterGroupRule(group: "embedding", prefix: "node_embedding.", decays: false),
        ParameterGroupRule(
            group: "interactions_decay", prefix: "interactions.", containsAny: ["linear.weight", "skip_tp_full.weight"],
            decays: true),
        ParameterGroupRule(group: "interactions_no_decay", prefix: "interactions.", decays: false),
        ParameterGroupRule(group: "products", prefix: "products.", decays: true),
        ParameterGroupRule(group: "readouts", prefix: "readouts.", decays: false),
    ]
}

extension ParameterGroup {
    /// Groups for `names` by `rules`, in rule order (empty groups kept, as mace keeps them).
    /// - Throws: `TrainingError.invalidData` naming a parameter no rule matches (it would never be trained).
    public static func grouping(
        _ names: [String], rules: [ParameterGroupRule] = ParameterGroupRule.mace, lr: Double, weightDecay: Double
    ) throws -> [ParameterGroup] {
        var groups = rules.map { ParameterGroup(name: $0.group, parameterIndices: [], lr: lr, weightDecay: $0.decays ? weightDecay : 0) }
        for (index, name) in names.enumerated() {
            guard let rule = rules.firstIndex(where: { $0.matches(name) }) else {
                throw TrainingError.invalidData("parameter '\(name)' matches no parameter group rule")
            }
            groups[rule].parameterIndices.append(index)
        }
        return groups
    }
}
