// SwiftMACE, MIT licence.
// Backward rules of reductions: the gradient of a sum is the incoming gradient broadcast back.

enum ReductionGradients {
    /// The incoming gradient has the kept-dims shape; broadcast it over the reduced axes.
    static func sum(inputShape: [Int]) -> BackwardRule {
        { c in [c.gradient.expanded(to: inputShape)] }
    }
}
