// SwiftMACE, MIT licence.
// checkGradient: compares autodiff first and second derivatives of a scalar function of tensors
// with central finite differences in float64, recording a test issue on mismatch.

import Testing
import Tensors

/// The largest errors found by `checkGradient`, for messages and extra assertions.
public struct GradientCheckResult: Sendable {
    /// max over elements of |autodiff − finite difference| / (1 + |finite difference|), first order.
    public var firstOrderError: Double
    /// The same for the Hessian-vector product (second order); 0 when not checked.
    public var secondOrderError: Double
}

/// Checks the gradient (and Hessian-vector products) of a scalar function against central
/// finite differences in float64, recording an `Issue` at the caller when an error exceeds `tolerance`.
///
/// First order: every element of every input is perturbed by ±`eps`. Second order: for a fixed
/// pseudo-random direction v, the gradient of ⟨∇f, v⟩ (autodiff through the backward pass,
/// `createGraph: true`) is compared with (∇f(x + εv) − ∇f(x − εv)) / 2ε, which equals H·v.
/// - Parameters:
///   - f: a function of the inputs returning a one-element tensor; evaluated many times.
///   - inputs: float64 tensors (not requiring grad).
///   - eps: finite-difference step.
///   - tolerance: bound on |autodiff − FD| / (1 + |FD|).
///   - secondOrder: also check second derivatives.
@discardableResult
public func checkGradient(
    _ f: ([Tensor]) throws -> Tensor, at inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-6,
    secondOrder: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
) throws -> GradientCheckResult {
    let (_, analytic) = try valueAndGradient(of: f, at: inputs)
    var firstError = 0.0
    for (index, input) in inputs.enumerated() {
        let values = input.toArray()
        let gradient = analytic[index].toArray()
        for element in values.indices {
            func evaluate(_ offset: Double) throws -> Double {
                var shifted = values
                shifted[element] += offset
                var arguments = inputs
                arguments[index] = try Tensor(shifted, shape: input.shape)
                return try withoutGradient { try f(arguments).scalarValue }
            }
            let numeric = (try evaluate(eps) - evaluate(-eps)) / (2 * eps)
            let error = abs(gradient[element] - numeric) / (1 + abs(numeric))
            firstError = max(firstError, error)
            if error > tolerance {
                Issue.record("gradient of input \(index) element \(element): autodiff \(gradient[element]), finite difference \(numeric)",
                             sourceLocation: sourceLocation)
                return GradientCheckResult(firstOrderError: firstError, secondOrderError: 0)
            }
        }
    }
    guard secondOrder else { return GradientCheckResult(firstOrderError: firstError, secondOrderError: 0) }

    // A fixed direction: deterministic, no zero components, different per element.
    var directions: [Tensor] = []
    for (index, input) in inputs.enumerated() {
        let components: [Double] = (0..<input.elementCount).map { element in
            let phase = Double(((element + 3 * index) * 7919) % 13) / 13
            return 0.3 + 0.7 * phase
        }
        directions.append(try Tensor(components, shape: input.shape))
    }
    let variables = inputs.map { $0.requiringGrad() }
    let value = try f(variables)
    let gradients = try grad(of: value, withRespectTo: variables, createGraph: true, allowUnused: true)
    var projection = try Tensor.zeros([])
    for index in inputs.indices {
        let product: Tensor = gradients[index] * directions[index]
        projection = projection + product.sum()
    }
    let hessianVector: [Tensor]
    if projection.requiresGrad {
        hessianVector = try grad(of: projection, withRespectTo: variables, allowUnused: true)
    } else {
        hessianVector = inputs.map { Tensor.zeros(like: $0) }
    }
    func gradientAlong(_ step: Double) throws -> [[Double]] {
        var shifted: [Tensor] = []
        for (input, direction) in zip(inputs, directions) {
            let values: [Double] = zip(input.toArray(), direction.toArray()).map { $0 + step * $1 }
            shifted.append(try Tensor(values, shape: input.shape))
        }
        return try valueAndGradient(of: f, at: shifted).gradients.map { $0.toArray() }
    }
    let plus = try gradientAlong(eps), minus = try gradientAlong(-eps)
    var secondError = 0.0
    for index in inputs.indices {
        let analyticValues = hessianVector[index].toArray()
        for element in analyticValues.indices {
            let numeric = (plus[index][element] - minus[index][element]) / (2 * eps)
            let error = abs(analyticValues[element] - numeric) / (1 + abs(numeric))
            secondError = max(secondError, error)
            if error > tolerance {
                Issue.record("second derivative (H·v) of input \(index) element \(element): autodiff \(analyticValues[element]), finite difference \(numeric)",
                             sourceLocation: sourceLocation)
                return GradientCheckResult(firstOrderError: firstError, secondOrderError: secondError)
            }
        }
    }
    return GradientCheckResult(firstOrderError: firstError, secondOrderError: secondError)
}
