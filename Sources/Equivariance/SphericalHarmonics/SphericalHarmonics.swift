// SwiftMACE, MIT licence.
// Real spherical harmonics Y^0…Y^lmax and their gradients, as e3nn 0.4.4's `o3.spherical_harmonics`
// (MACE.md §2): explicit polynomials for l ≤ 3, the Wigner-3j recursion of §2.4 above.

/// Real spherical harmonics in e3nn 0.4.4's basis and sign convention, for `lmax` in `0...11`.
///
/// mace's edge attributes are `SphericalHarmonics(lmax: 3)` (normalize, component). For each input vector the output
/// is the concatenation `[Y^0, Y^1, …, Y^lmax]`, `(lmax+1)²` numbers, `Y^l` at offset `l²`, the irreps
/// `Irreps.sphericalHarmonics(lmax:)`. With `normalize` the input is first divided by `max(‖v‖, 1e-12)`
/// (`torch.nn.functional.normalize`), so the zero vector gives `Y^0 = 1` and zeros elsewhere.
public struct SphericalHarmonics: Sendable {
    /// The largest degree e3nn 0.4.4 implements.
    public static let maxDegree = 11

    public let lmax: Int
    public let normalization: SphericalHarmonicsNormalization
    /// Whether input vectors are normalised to the unit sphere first (mace: `true`).
    public let normalize: Bool

    /// `recursion[l]` lists the nonzeros of `√((2l+3)(2l+1)/(l+1)) · C^(l+1, l, 1)`, so that
    /// `S^(l+1)_i = Σ coefficient · S^l_j · x_k` for the raw (`norm`) polynomials.
    private let recursion: [[(i: Int, j: Int, k: Int, coefficient: Double)]]

    /// - Throws: `EquivarianceError.unsupported` when `lmax` is outside `0...11`.
    public init(lmax: Int, normalization: SphericalHarmonicsNormalization = .component, normalize: Bool = true) throws {
        guard (0...Self.maxDegree).contains(lmax) else {
            throw EquivarianceError.unsupported(
                "spherical harmonics of degree \(lmax): lmax must be in 0...\(Self.maxDegree)")
        }
        self.lmax = lmax
        self.normalization = normalization
        self.normalize = normalize
        self.recursion = try (0..<lmax).map { l in
            let c = try Wigner3j.tensor(l + 1, l, 1)
            let scale = (Double((2 * l + 3) * (2 * l + 1)) / Double(l + 1)).squareRoot()
            var terms: [(i: Int, j: Int, k: Int, coefficient: Double)] = []
            for i in 0..<(2 * l + 3) {
                for j in 0..<(2 * l + 1) {
                    for k in 0..<3 where c[i, j, k] != 0 { terms.append((i, j, k, scale * c[i, j, k])) }
                }
            }
            return terms
        }
    }

    /// `(lmax+1)²`, the number of outputs per vector.
    public var dim: Int { (lmax + 1) * (lmax + 1) }

    /// `1x0e+1x1o+…`: the irreps of the output.
    public var irreps: Irreps { .sphericalHarmonics(lmax: lmax) }

    /// The harmonics of each vector.
    /// - Parameter vectors: `[n]` vectors (any length unit; only the direction matters when `normalize`).
    /// - Returns: row-major `[n, (lmax+1)²]`.
    public func callAsFunction(_ vectors: [SIMD3<Double>]) -> [Double] {
        var values = [Double](repeating: 0, count: vectors.count * dim)
        values.withUnsafeMutableBufferPointer { out in
            for (n, v) in vectors.enumerated() {
                evaluate(input(v).u, values: out.baseAddress! + n * dim)
            }
        }
        return values
    }

    /// The harmonics and their derivatives with respect to the input vector (before normalisation).
    /// - Returns: `values` row-major `[n, (lmax+1)²]`; `gradients` row-major `[n, (lmax+1)², 3]` holding
    ///   `∂Y_i(v)/∂v_k` at `(n·dim + i)·3 + k`.
    public func valuesAndGradients(_ vectors: [SIMD3<Double>]) -> (values: [Double], gradients: [Double]) {
        var values = [Double](repeating: 0, count: vectors.count * dim)
        var gradients = [Double](repeating: 0, count: vectors.count * dim * 3)
        values.withUnsafeMutableBufferPointer { valueBuffer in
            gradients.withUnsafeMutableBufferPointer { gradientBuffer in
                for (n, v) in vectors.enumerated() {
                    let y = valueBuffer.baseAddress! + n * dim
                    let g = gradientBuffer.baseAddress! + n * dim * 3
                    let (u, length) = input(v)
                    evaluate(u, values: y, gradients: g)
                    applyNormalizationChainRule(u: u, length: length, gradients: g)
                }
            }
        }
        return (values, gradients)
    }

    /// The point the polynomials are evaluated at, and `‖v‖` (or `nil` without `normalize`).
    private func input(_ v: SIMD3<Double>) -> (u: SIMD3<Double>, length: Double?) {
        guard normalize else { return (v, nil) }
        let length = (v * v).sum().squareRoot()
        return (v / max(length, Self.epsilon), length)
    }

    /// `torch.nn.functional.normalize`'s default eps.
    private static let epsilon = 1e-12

    /// `∂u/∂v` of `u = v / max(‖v‖, eps)`: `(I − u uᵀ)/‖v‖` above eps, `I/eps` below.
    private func applyNormalizationChainRule(
        u: SIMD3<Double>, length: Double?, gradients g: UnsafeMutablePointer<Double>
    ) {
        guard let length else { return }
        for i in 0..<dim {
            let row = SIMD3(g[3 * i], g[3 * i + 1], g[3 * i + 2])
            let chained = length > Self.epsilon ? (row - (row * u).sum() * u) / length : row / Self.epsilon
            (g[3 * i], g[3 * i + 1], g[3 * i + 2]) = (chained.x, chained.y, chained.z)
        }
    }

    /// Writes `[Y^0 … Y^lmax]` at `u` into `values[0..<dim]` and, if given, `∂Y_i/∂u_k` into `gradients[3i+k]`.
    private func evaluate(_ u: SIMD3<Double>, values s: UnsafeMutablePointer<Double>,
                          gradients: UnsafeMutablePointer<Double>? = nil) {
        let (x, y, z) = (u.x, u.y, u.z)
        // Raw polynomials S^l (e3nn `_spherical_harmonics`, same operation order for l ≤ 3).
        s[0] = 1
        if lmax >= 1 { (s[1], s[2], s[3]) = (x, y, z) }
        if lmax >= 2 {
            let y2 = y * y
            let x2z2 = x * x + z * z
            s[4] = 3.0.squareRoot() * x * z
            s[5] = 3.0.squareRoot() * x * y
            s[6] = y2 - 0.5 * x2z2
            s[7] = 3.0.squareRoot() * y * z
            s[8] = 3.0.squareRoot() / 2.0 * (z * z - x * x)
            if lmax >= 3 {
                s[9] = (5.0 / 6.0).squareRoot() * (s[4] * z + s[8] * x)
                s[10] = 5.0.squareRoot() * s[4] * y
                s[11] = (3.0 / 8.0).squareRoot() * (4.0 * y2 - x2z2) * x
                s[12] = 0.5 * y * (2.0 * y2 - 3.0 * x2z2)
                s[13] = (3.0 / 8.0).squareRoot() * z * (4.0 * y2 - x2z2)
                s[14] = 5.0.squareRoot() * s[8] * y
                s[15] = (5.0 / 6.0).squareRoot() * (s[8] * z - s[4] * x)
            }
        }
        if lmax >= 4 {
            for l in 3..<lmax {
                let (source, target) = (l * l, (l + 1) * (l + 1))
                for index in target..<(target + 2 * l + 3) { s[index] = 0 }
                for term in recursion[l] { s[target + term.i] += term.coefficient * s[source + term.j] * u[term.k] }
            }
        }
        // ∂S^(l+1)_i/∂x_k = (l+1) Σ_j coefficient · S^l_j (S^(l+1) is homogeneous of degree l+1; MACE.md §2.4).
        if let g = gradients {
            for index in 0..<(3 * dim) { g[index] = 0 }
            for l in 0..<lmax {
                let (source, target) = (l * l, (l + 1) * (l + 1))
                for term in recursion[l] {
                    g[3 * (target + term.i) + term.k] += Double(l + 1) * term.coefficient * s[source + term.j]
                }
            }
        }
        for l in 0...lmax {
            let factor = normalization.factor(l: l)
            for index in (l * l)..<((l + 1) * (l + 1)) {
                s[index] *= factor
                if let g = gradients {
                    for k in 0..<3 { g[3 * index + k] *= factor }
                }
            }
        }
    }
}
