// SwiftMACE, MIT licence.
// CellBins: atoms wrapped into the cell along periodic directions and sorted into bins (a linked-cell grid
// in fractional coordinates), with the per-direction bin reach a cutoff needs.

/// Atoms sorted into a grid of bins over the (wrapped) cell.
///
/// Along a periodic direction the grid covers fractional coordinates [0, 1) and an atom's fractional
/// coordinate is wrapped into it; `wrapOffsets` records the whole cells removed, so the original positions
/// stay the ones edges are measured with. Along a non-periodic direction the grid covers the atoms' extent.
struct CellBins {
    /// Largest atom distance from the cell, in cell lengths, whose wrapping offset is representable.
    static let maximumWrapOffset = 1 << 24
    /// Bins are at least this fraction of the cutoff wide: smaller bins scan less empty volume, more bins
    /// cost more loop overhead; a half cutoff gives ~125 bins of ~1/8 cutoff³ each.
    static let binsPerCutoff = 2.0

    /// Which directions are periodic (bins wrap around) and which are not (bins end at the atoms' extent).
    let periodic: PBC
    /// Bins per direction.
    let binCounts: SIMD3<Int>
    /// How many bins on each side of an atom's bin the cutoff can reach, per direction.
    let reach: SIMD3<Int>
    /// Each atom's bin coordinates, indexed by atom.
    let atomBins: [SIMD3<Int32>]
    /// Whole cells removed from each atom's fractional coordinates when wrapping, indexed by atom
    /// (0 along non-periodic directions).
    let wrapOffsets: [SIMD3<Int32>]
    /// `binStarts[b]..<binStarts[b + 1]` are the slots of bin `b` (linear index x + nx·(y + ny·z)).
    let binStarts: [Int32]
    /// Atom index in each slot.
    let slotAtoms: [Int32]
    /// Original position of the atom in each slot (Å), kept contiguous per bin for cache locality.
    let slotPositions: [SIMD3<Double>]
    /// Wrapped position of each atom (Å): its position minus its wrap offset times the cell.
    let wrappedPositions: [SIMD3<Double>]
    /// Wrapped position of the atom in each slot (Å).
    let slotWrappedPositions: [SIMD3<Double>]
    /// How much rounding can make a distance between wrapped positions differ from the same distance
    /// between original positions (Å), with a wide margin: a candidate search with `cutoff + roundingSkin`
    /// misses no edge.
    let roundingSkin: Double
    /// Wrap offset of the atom in each slot.
    let slotWrapOffsets: [SIMD3<Int32>]

    init(positions: [SIMD3<Double>], lattice: SearchLattice, cutoff: Double) throws {
        let numAtoms = positions.count
        var fractional = [SIMD3<Double>](repeating: .zero, count: numAtoms)
        var offsets = [SIMD3<Int32>](repeating: .zero, count: numAtoms)
        var lower = SIMD3<Double>(repeating: .infinity)
        var upper = SIMD3<Double>(repeating: -.infinity)
        var largestMagnitude = SIMD3<Double>.zero
        for (atom, position) in positions.enumerated() {
            var f = position * lattice.inverseBasis
            largestMagnitude = pointwiseMax(largestMagnitude, absolute(f))
            for axis in 0..<3 where lattice.pbc[axis] {
                let whole = f[axis].rounded(.down)
                guard abs(whole) <= Double(Self.maximumWrapOffset) else {
                    throw AtomsError.invalidGeometry(
                        nil,
                        reason: "atom \(atom) at \(describe(position)) lies \(whole) cell lengths along cell "
                            + "vector \(axis); at most \(Self.maximumWrapOffset) are supported")
                }
                offsets[atom][axis] = Int32(whole)
                f[axis] -= whole
            }
            fractional[atom] = f
            lower = pointwiseMin(lower, f)
            upper = pointwiseMax(upper, f)
        }

        // Bin sizes per direction, as widths in Å across the bin (perpendicular to the other directions).
        var binCounts = SIMD3<Int>(repeating: 1)
        var extents = SIMD3<Double>(repeating: 1)
        let target = cutoff / Self.binsPerCutoff
        let maximumBins = max(2 * numAtoms, 27)
        for axis in 0..<3 {
            let width = lattice.pbc[axis] ? lattice.planeSpacings[axis] : max(upper[axis] - lower[axis], 0)
            if !lattice.pbc[axis] {
                lower[axis] = numAtoms == 0 ? 0 : lower[axis]
                extents[axis] = width
            }
            // The 1e-6 margin keeps a bin strictly wider than the target when the width is a whole multiple of
            // it, so rounding cannot push the reach one bin further.
            let count = (width / (target * (1 + 1e-6))).rounded(.down)
            binCounts[axis] = Int(min(max(count, 1), Double(maximumBins)))
        }
        // Sparse structures (a large vacuum cell, a molecule spread far apart) would otherwise get far more bins
        // than atoms: coarsen the densest direction until there are at most about two bins per atom.
        while Double(binCounts[0]) * Double(binCounts[1]) * Double(binCounts[2]) > Double(maximumBins) {
            let axis =
                binCounts[0] >= binCounts[1] && binCounts[0] >= binCounts[2] ? 0 : binCounts[1] >= binCounts[2] ? 1 : 2
            binCounts[axis] = max(1, binCounts[axis] / 2)
        }

        // Reach: bins that can hold a partner closer than the cutoff. Fractional coordinates carry a rounding
        // error of ~1e-16 of their magnitude, so an atom may sit in the bin beside its true one; the slack
        // terms cover that twice (sender and receiver).
        var reach = SIMD3<Int>.zero
        for axis in 0..<3 {
            let count = Double(binCounts[axis])
            let rounding = 1e-12 * (1 + largestMagnitude[axis])
            if lattice.pbc[axis] {
                let binWidth = lattice.planeSpacings[axis] / count
                reach[axis] = Int((cutoff * (1 + 1e-9) / binWidth + 2 * rounding * count).rounded(.up))
            } else if binCounts[axis] > 1 {
                let binWidth = extents[axis] / count
                let bins = (cutoff * (1 + 1e-9) + 2 * rounding) / binWidth
                reach[axis] = Int(min(bins.rounded(.up), count - 1))
            }
        }

        // Bin coordinates, then a counting sort of atoms by bin.
        var atomBins = [SIMD3<Int32>](repeating: .zero, count: numAtoms)
        var binOfAtom = [Int](repeating: 0, count: numAtoms)
        let binTotal = binCounts[0] * binCounts[1] * binCounts[2]
        var starts = [Int32](repeating: 0, count: binTotal + 1)
        for atom in 0..<numAtoms {
            var bin = SIMD3<Int32>.zero
            for axis in 0..<3 {
                let count = binCounts[axis]
                let scaled =
                    lattice.pbc[axis]
                    ? fractional[atom][axis] * Double(count)
                    : extents[axis] > 0 ? (fractional[atom][axis] - lower[axis]) / extents[axis] * Double(count) : 0
                // Clamping only moves atoms that rounding put on the grid's outer edge.
                bin[axis] = Int32(min(max(Int(scaled.rounded(.down)), 0), count - 1))
            }
            atomBins[atom] = bin
            let linear = Int(bin.x) + binCounts[0] * (Int(bin.y) + binCounts[1] * Int(bin.z))
            binOfAtom[atom] = linear
            starts[linear + 1] += 1
        }
        for bin in 0..<binTotal { starts[bin + 1] += starts[bin] }
        var next = starts
        var slotAtoms = [Int32](repeating: 0, count: numAtoms)
        var slotPositions = [SIMD3<Double>](repeating: .zero, count: numAtoms)
        var slotOffsets = [SIMD3<Int32>](repeating: .zero, count: numAtoms)
        var slotWrapped = [SIMD3<Double>](repeating: .zero, count: numAtoms)
        var wrapped = [SIMD3<Double>](repeating: .zero, count: numAtoms)
        var largestCoordinate = 0.0
        for atom in 0..<numAtoms {
            wrapped[atom] = positions[atom] - SIMD3<Double>(offsets[atom]) * lattice.basis
            largestCoordinate = max(largestCoordinate, absolute(positions[atom]).max())
            let slot = Int(next[binOfAtom[atom]])
            next[binOfAtom[atom]] += 1
            slotAtoms[slot] = Int32(atom)
            slotPositions[slot] = positions[atom]
            slotOffsets[slot] = offsets[atom]
            slotWrapped[slot] = wrapped[atom]
        }

        self.periodic = lattice.pbc
        self.binCounts = binCounts
        self.reach = reach
        self.atomBins = atomBins
        self.wrapOffsets = offsets
        self.binStarts = starts
        self.slotAtoms = slotAtoms
        self.slotPositions = slotPositions
        self.slotWrapOffsets = slotOffsets
        self.wrappedPositions = wrapped
        self.slotWrappedPositions = slotWrapped
        // Each coordinate carries a rounding error of a few 1e-16 of the largest magnitude involved.
        self.roundingSkin = 1e-10 * (cutoff + largestCoordinate)
    }
}
