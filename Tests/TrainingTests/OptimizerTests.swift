// SwiftMACE, MIT licence.
// Adam(amsgrad, L2), AdamW, clip_grad_norm_ and EMA against torch trajectories (Tests/Fixtures/training/optim/,
// made by tools/fixtures/make_optimizer_fixtures.py), and mace's parameter groups.

import Tensors
import Testing
@testable import Training

@Suite struct OptimizerTests {
    private func shapes(_ json: JSONFixture) -> [[Int]] { (json.object["shapes"] as? [[Int]]) ?? [] }

    private func tensors(_ values: [[Double]], _ shapes: [[Int]]) throws -> [Tensor] {
        try zip(values, shapes).map { try Tensor($0.0, shape: $0.1) }
    }

    @Test(arguments: ["adam_amsgrad", "adam", "adamw_amsgrad", "adam_amsgrad_clipped"])
    func adamMatchesTorch(name: String) throws {
        let json = try JSONFixture("optim/\(name).json")
        let shapes = shapes(json)
        let groups = json.list("groups").map { group in
            ParameterGroup(name: "g", parameterIndices: (group.object["parameters"] as? [Int]) ?? [],
                           lr: group.double("lr"), weightDecay: group.double("weight_decay"))
        }
        var optimizer = Adam(
            groups: groups, parameterCount: shapes.count, beta1: name.hasPrefix("adamw") ? 0.85 : 0.9,
            amsgrad: name.contains("amsgrad"), decoupledWeightDecay: name.hasPrefix("adamw"))
        var parameters = try tensors(json.nested("initial"), shapes)
        let gradientSteps = (json.object["gradients"] as? [[[Double]]]) ?? []
        let trajectory = (json.object["trajectory"] as? [[[Double]]]) ?? []
        let maxNorm = (json.object["max_norm"] as? Double)
        let norms = json.doubles("total_norms")
        #expect(gradientSteps.count == 6 && trajectory.count == 6)
        for (step, gradientValues) in gradientSteps.enumerated() {
            var gradients: [Tensor?] = try tensors(gradientValues, shapes)
            if let maxNorm {
                let total = GradientClipping.clipByTotalNorm(&gradients, maxNorm: maxNorm)
                expectClose([total], [norms[step]], "total norm \(step)")
            }
            optimizer.step(parameters: &parameters, gradients: gradients)
            for (index, parameter) in parameters.enumerated() {
                expectClose(parameter.toArray(), trajectory[step][index], "\(name) step \(step) parameter \(index)")
            }
        }
        let final = json["final_state"]
        for index in shapes.indices {
            let state = try #require(optimizer.state[index])
            #expect(state.step == 6)
            expectClose(state.expAvg.toArray(), final.nested("exp_avg")[index], "exp_avg")
            expectClose(state.expAvgSq.toArray(), final.nested("exp_avg_sq")[index], "exp_avg_sq")
            if name.contains("amsgrad") {
                expectClose(try #require(state.maxExpAvgSq).toArray(), final.nested("max_exp_avg_sq")[index], "max_exp_avg_sq")
            }
        }
    }

    @Test func clipGradNormMatchesTorch() throws {
        let json = try JSONFixture("optim/clip_grad_norm.json")
        for (number, item) in json.list("cases").enumerated() {
            var gradients: [Tensor?] = try tensors(item.nested("gradients"), shapes(json))
            let total = GradientClipping.clipByTotalNorm(&gradients, maxNorm: item.double("max_norm"))
            expectClose([total], [item.double("total_norm")], "case \(number) norm")
            for (index, gradient) in gradients.enumerated() {
                expectClose(try #require(gradient).toArray(), item.nested("clipped")[index], "case \(number) gradient \(index)")
            }
        }
    }

    @Test func emaMatchesTorchEMA() throws {
        let json = try JSONFixture("optim/ema.json")
        var parameters = try tensors(json.nested("initial"), shapes(json))
        var ema = ExponentialMovingAverage(parameters: parameters, decay: json.double("decay"))
        let updates = (json.object["updates"] as? [[[Double]]]) ?? []
        let shadows = (json.object["shadows"] as? [[[Double]]]) ?? []
        for (step, update) in updates.enumerated() {
            parameters = try zip(parameters, tensors(update, shapes(json))).map { $0 + $1 }
            ema.update(parameters: parameters)
            for index in parameters.indices {
                expectClose(ema.shadow[index].toArray(), shadows[step][index], "step \(step) shadow \(index)")
            }
        }
        #expect(ema.numUpdates == 6)
    }

    @Test func maceParameterGroupsByName() throws {
        let names = [
            "node_embedding.linear.weight", "interactions.0.linear_up.weight", "interactions.0.conv_tp_weights.layer0.weight",
            "interactions.0.linear.weight", "interactions.1.skip_tp_full.weight", "products.0.symmetric_contractions.contractions.0.weights_max",
            "products.0.linear.weight", "readouts.0.linear.weight", "readouts.1.linear_2.weight",
        ]
        let groups = try ParameterGroup.grouping(names, lr: 0.01, weightDecay: 5e-7)
        #expect(groups.map(\.name) == ["embedding", "interactions_decay", "interactions_no_decay", "products", "readouts"])
        #expect(groups.map(\.parameterIndices) == [[0], [3, 4], [1, 2], [5, 6], [7, 8]])
        #expect(groups.map(\.weightDecay) == [0, 5e-7, 0, 5e-7, 0])
        #expect(throws: TrainingError.invalidData("parameter 'scale_shift.scale' matches no parameter group rule")) {
            _ = try ParameterGroup.grouping(names + ["scale_shift.scale"], lr: 0.01, weightDecay: 0)
        }
    }
}
