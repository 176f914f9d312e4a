// SwiftMACE, MIT licence.
// Checkpoint: everything needed to resume training bit for bit (parameters, Adam state, EMA shadow, scheduler and
// epoch bookkeeping, RNG, epoch, best validation loss), stored as one safetensors file.

import Foundation
import MACE
import Tensors

/// A training checkpoint. Tensors are stored raw; the rest is JSON in the `swiftmace.training` metadata entry
/// (Doubles printed shortest-round-trip, so every number comes back bit for bit).
///
/// Tensor names: `parameters/<name>`, `optimizer/<index>/exp_avg`, `.../exp_avg_sq`, `.../max_exp_avg_sq`,
/// `ema/<index>`, with `<index>` the parameter's position.
public struct Checkpoint: Sendable {
    /// Epochs completed (the next epoch to run).
    public var epoch: Int
    public var bestValidationLoss: Double
    public var parameters: [NamedParameter]
    public var optimizer: Adam
    public var ema: ExponentialMovingAverage?
    public var schedule: EpochSchedule
    public var generator: PCG64
    /// The validation loss of the last evaluation (the scheduler's next metric).
    public var lastValidationLoss: Double = .infinity
    /// Optimiser steps already taken in epoch `epoch + 1` when the run was interrupted mid-epoch (nil: none);
    /// `generator` is then the state before that epoch's shuffle, so a resume replays the same batch order.
    public var stepsIntoNextEpoch: Int?

    public init(
        epoch: Int, bestValidationLoss: Double, parameters: [NamedParameter], optimizer: Adam,
        ema: ExponentialMovingAverage?, schedule: EpochSchedule, generator: PCG64
    ) {
        self.epoch = epoch
        self.bestValidationLoss = bestValidationLoss
        self.parameters = parameters
        self.optimizer = optimizer
        self.parameters = parameters
        self.ema = ema
        self.schedule = schedule
        self.generator = generator
    }

    static let metadataKey = "swiftmace.training"

    /// The JSON part of a checkpoint.
    private struct Header: Codable {
        var format = 1
        var epoch: Int
        var bestValidationLoss: Double
        var parameterNames: [String]
        var groups: [ParameterGroup]
        var beta1: Double, beta2: Double, eps: Double
        var amsgrad: Bool, decoupledWeightDecay: Bool
        /// Adam step per parameter; nil before its first step.
        var steps: [Double?]
        var emaDecay: Double?
        var emaNumUpdates: Int?
        var schedule: EpochSchedule
        var generator: PCG64
        var lastValidationLoss: Double?
        var stepsIntoNextEpoch: Int?
    }

    /// The checkpoint as safetensors bytes.
    public func serialized() throws -> Data {
        var tensors: [(name: String, tensor: SafetensorsTensor)] = []
        func add(_ name: String, _ value: Tensor) throws { tensors.append((name, try SafetensorsTensor(value))) }
        for parameter in parameters { try add("parameters/\(parameter.name)", parameter.value) }
        for (index, state) in optimizer.state.enumerated() {
            guard let state else { continue }
            try add("optimizer/\(index)/exp_avg", state.expAvg)
            try add("optimizer/\(index)/exp_avg_sq", state.expAvgSq)
            if let maximum = state.maxExpAvgSq { try add("optimizer/\(index)/max_exp_avg_sq", maximum) }
        }
        for (index, shadow) in (ema?.shadow ?? []).enumerated() { try add("ema/\(index)", shadow) }
        let header = Header(
            epoch: epoch, bestValidationLoss: bestValidationLoss, parameterNames: parameters.map(\.name),
            groups: optimizer.groups, beta1: optimizer.beta1, beta2: optimizer.beta2, eps: optimizer.eps,
            amsgrad: optimizer.amsgrad, decoupledWeightDecay: optimizer.decoupledWeightDecay,
            steps: optimizer.state.map { $0?.step }, emaDecay: ema?.decay, emaNumUpdates: ema?.numUpdates,
            schedule: schedule, generator: generator, lastValidationLoss: lastValidationLoss,
            stepsIntoNextEpoch: stepsIntoNextEpoch)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let metadata = [Self.metadataKey: String(decoding: try encoder.encode(header), as: UTF8.self)]
        return Data(SafetensorsWriter.encode(tensors: tensors, metadata: metadata))
    }

    /// Reads a checkpoint; `path` names the file in errors.
    /// - Throws: `TrainingError.invalidFile` when the file is not a SwiftMACE training checkpoint or is inconsistent.
    public init(data: Data, path: String) throws {
        func fail(_ reason: String) -> TrainingError { .invalidFile(path: path, reason: reason) }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(bytes: [UInt8](data), file: path)
        } catch let error as ModelError {
            throw fail("not a safetensors file (\(error))")
        }
        func entry(_ name: String) throws -> Tensor? { try file.tensors[name]?.tensor() }
        guard let json = file.metadata[Self.metadataKey] else { throw fail("not a SwiftMACE training checkpoint") }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: Data(json.utf8))
        } catch {
            throw fail("checkpoint header: \(error)")
        }
        let count = header.parameterNames.count
        guard header.steps.count == count,
              header.groups.allSatisfy({ $0.parameterIndices.allSatisfy { (0..<count).contains($0) } })
        else { throw fail("optimizer state does not match the \(count) parameters") }
        let parameters = try header.parameterNames.map { name in
            guard let value = try entry("parameters/\(name)") else { throw fail("missing tensor 'parameters/\(name)'") }
            return NamedParameter(name: name, value: value)
        }
        var optimizer = Adam(
            groups: header.groups, parameterCount: count, beta1: header.beta1, beta2: header.beta2, eps: header.eps,
            amsgrad: header.amsgrad, decoupledWeightDecay: header.decoupledWeightDecay)
        for (index, step) in header.steps.enumerated() {
            guard let step else { continue }
            let shape = parameters[index].value.shape
            func moment(_ name: String) throws -> Tensor {
                guard let tensor = try entry("optimizer/\(index)/\(name)"), tensor.shape == shape else {
                    throw fail("missing or misshapen tensor 'optimizer/\(index)/\(name)'")
                }
                return tensor
            }
            optimizer.state[index] = AdamParameterState(
                step: step, expAvg: try moment("exp_avg"), expAvgSq: try moment("exp_avg_sq"),
                maxExpAvgSq: header.amsgrad ? try moment("max_exp_avg_sq") : nil)
        }
        self.optimizer = optimizer
        self.parameters = parameters
        if let decay = header.emaDecay {
            var average = ExponentialMovingAverage(parameters: [], decay: decay)
            average.numUpdates = header.emaNumUpdates
            average.shadow = try (0..<count).map { index in
                guard let shadow = try entry("ema/\(index)"), shadow.shape == parameters[index].value.shape else {
                    throw fail("missing or misshapen tensor 'ema/\(index)'")
                }
                return shadow
            }
            ema = average
        } else {
            ema = nil
        }
        epoch = header.epoch
        bestValidationLoss = header.bestValidationLoss
        schedule = header.schedule
        generator = header.generator
        lastValidationLoss = header.lastValidationLoss ?? .infinity
        stepsIntoNextEpoch = header.stepsIntoNextEpoch
    }
}
