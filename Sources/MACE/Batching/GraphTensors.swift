// SwiftMACE, MIT licence.
// GraphTensors: what every interaction layer reads from the graph during one forward pass (one-hot attributes,
// edge indices, radial features, spherical harmonics), computed once per pass.

import Tensors

struct GraphTensors {
    /// One-hot element attributes `[N, n_el]`.
    let nodeAttributes: Tensor
    /// Element index per node.
    let elements: [Int]
    /// Sender and receiver of every edge.
    let edges: EdgeIndexing
    /// Bessel features, times the envelope when `apply_cutoff` (MACE.md §4.4), `[E, num_bessel]`.
    let radialFeatures: Tensor
    /// The envelope `[E, 1]` when it multiplies the radial-MLP output instead (`apply_cutoff = false`).
    let envelopeOnWeights: Tensor?
    /// Spherical harmonics of the edge vectors `[E, (lmax+1)²]`.
    let edgeAttributes: Tensor
}
