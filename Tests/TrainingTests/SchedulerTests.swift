// SwiftMACE, MIT licence.
// ReduceLROnPlateau and ExponentialLR against torch (fixture), and mace's epoch loop bookkeeping (stage two).

import Tensors
import Testing
@testable import Training

@Suite struct SchedulerTests {
    @Test func reduceLROnPlateauMatchesTorch() throws {
        let json = try JSONFixture("optim/schedulers.json")["reduce_lr_on_plateau"]
        var scheduler = ReduceLROnPlateau(factor: json.double("factor"), patience: 2)
        var rates = json.doubles("initial_lrs")
        let expected = json.nested("lrs")
        for (step, metric) in json.doubles("metrics").enumerated() {
            scheduler.step(metric: metric, learningRates: &rates)
            // torch rounds some products one ulp differently (its own float arithmetic); well inside 1e-12
            expectClose(rates, expected[step], relative: 1e-15, "step \(step)")
        }
        #expect(scheduler.best == json["final"].double("best"))
        #expect(Double(scheduler.numBadEpochs) == json["final"].double("num_bad_epochs"))
        #expect(Double(scheduler.lastEpoch) == json["final"].double("last_epoch"))
    }

    @Test func exponentialLRMatchesTorch() throws {
        let json = try JSONFixture("optim/schedulers.json")["exponential_lr"]
        var scheduler = ExponentialLR(gamma: json.double("gamma"))
        var rates = json.doubles("initial_lrs")
        for (step, expected) in json.nested("lrs").enumerated() {
            scheduler.step(learningRates: &rates)
            expectClose(rates, expected, relative: 1e-15, "step \(step)")
        }
    }

    @Test func stageTwoSwitchesLossAndLearningRate() throws {
        var options = TrainingOptions()
        options.maxNumEpochs = 8
        options.swa = true
        options.lr = 0.01
        options.patience = 2
        #expect(options.stageTwoStartEpoch == 6)
        var schedule = EpochSchedule(options: options)
        var optimizer = Adam(groups: [ParameterGroup(name: "all", parameterIndices: [0], lr: 0.01, weightDecay: 0)], parameterCount: 1)
        #expect(schedule.beginEpoch(0, lastValidationLoss: 1, optimizer: &optimizer).energyWeight == 1)
        #expect(schedule.endEpoch(0, validationLoss: 1) == .improved)
        #expect(schedule.endEpoch(1, validationLoss: 1) == .noImprovement)
        #expect(schedule.endEpoch(2, validationLoss: 2) == .jumpTo(epoch: 6))
        let loss = schedule.beginEpoch(6, lastValidationLoss: 2, optimizer: &optimizer)
        #expect(loss.energyWeight == 1000 && loss.forcesWeight == 100)
        #expect(optimizer.learningRates == [1e-3])
        #expect(schedule.endEpoch(6, validationLoss: 5) == .improved)
        #expect(schedule.endEpoch(7, validationLoss: 5) == .noImprovement)
        #expect(schedule.endEpoch(8, validationLoss: 5) == .stop)
    }

    @Test func plateauSchedulerStepsFromTheSecondEpoch() {
        var options = TrainingOptions()
        options.scheduler = .exponentialLR
        options.lrSchedulerGamma = 0.5
        var schedule = EpochSchedule(options: options)
        var optimizer = Adam(groups: [ParameterGroup(name: "all", parameterIndices: [0], lr: 0.01, weightDecay: 0)], parameterCount: 1)
        _ = schedule.beginEpoch(0, lastValidationLoss: 1, optimizer: &optimizer)
        #expect(optimizer.learningRates == [0.01])
        _ = schedule.beginEpoch(1, lastValidationLoss: 1, optimizer: &optimizer)
        #expect(optimizer.learningRates == [0.005])
    }
}
