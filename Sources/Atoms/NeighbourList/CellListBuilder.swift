// SwiftMACE, MIT licence.
// CellListBuilder: the O(N) linked-cell neighbour search behind `NeighbourList`, parallel over chunks of
// senders, each chunk's edges sorted and then concatenated in sender order (deterministic output).

import Foundation

/// One edge found for a sender before assembly: the receiver and the unit shift S, packed in 16 bytes.
struct FoundEdge {
    var receiver: Int32
    var shiftX: Int32
    var shiftY: Int32
    var shiftZ: Int32

    var unitShift: SIMD3<Int32> { SIMD3(shiftX, shiftY, shiftZ) }

    /// Lexicographic order on (receiver, S).
    static func precedes(_ a: FoundEdge, _ b: FoundEdge) -> Bool {
        if a.receiver != b.receiver { return a.receiver < b.receiver }
        if a.shiftX != b.shiftX { return a.shiftX < b.shiftX }
        if a.shiftY != b.shiftY { return a.shiftY < b.shiftY }
        return a.shiftZ < b.shiftZ
    }
}

/// The edges of one chunk of consecutive senders: `counts[k]` edges for the chunk's k-th sender, in order.
struct ChunkEdges {
    var records: [FoundEdge] = []
    var counts: [Int32] = []
}

/// Finds every edge (i, j, S) with ‖pos[j] − pos[i] + S·cell‖ < cutoff by scanning, for each sender, the
/// bins (and their periodic images) within reach of its own bin.
struct CellListBuilder {
    let positions: [SIMD3<Double>]
    let cell: Matrix3
    let cutoff: Double
    let bins: CellBins

    init(positions: [SIMD3<Double>], cell: Matrix3, pbc: PBC, cutoff: Double) throws {
        let lattice = try SearchLattice(cell: cell, pbc: pbc, cutoff: cutoff)
        self.positions = positions
        self.cell = cell
        self.cutoff = cutoff
        self.bins = try CellBins(positions: positions, lattice: lattice, cutoff: cutoff)
    }

    /// The neighbour list, sorted by sender, receiver, then S.
    func build() -> NeighbourList {
        let numAtoms = positions.count
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Many more chunks than cores balance uneven densities; at least 256 senders per chunk keep the
        // per-chunk overhead small.
        let chunkSize = max(256, (numAtoms + 16 * workers - 1) / (16 * workers))
        let chunkCount = (numAtoms + chunkSize - 1) / chunkSize
        let chunks = SharedBuffer<ChunkEdges>(count: chunkCount, initialValue: ChunkEdges())
        defer { chunks.deallocate() }
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let senders = chunk * chunkSize..<min(numAtoms, (chunk + 1) * chunkSize)
            chunks[chunk] = findEdges(senders: senders)
        }

        var offsets = [Int](repeating: 0, count: chunkCount + 1)
        for chunk in 0..<chunkCount { offsets[chunk + 1] = offsets[chunk] + chunks[chunk].records.count }
        let total = offsets[chunkCount]
        let senders: [Int32] = gathered(total, chunks, offsets, chunkSize) { chunk, firstSender, out in
            var slot = 0
            for (k, count) in chunk.counts.enumerated() {
                for _ in 0..<Int(count) {
                    out[slot] = Int32(firstSender + k)
                    slot += 1
                }
            }
        }
        let receivers: [Int32] = gathered(total, chunks, offsets, chunkSize) { chunk, _, out in
            for (slot, edge) in chunk.records.enumerated() { out[slot] = edge.receiver }
        }
        let unitShifts: [SIMD3<Int32>] = gathered(total, chunks, offsets, chunkSize) { chunk, _, out in
            for (slot, edge) in chunk.records.enumerated() { out[slot] = edge.unitShift }
        }
        let cell = cell
        let shifts: [SIMD3<Double>] = gathered(total, chunks, offsets, chunkSize) { chunk, _, out in
            for (slot, edge) in chunk.records.enumerated() { out[slot] = SIMD3<Double>(edge.unitShift) * cell }
        }
        return NeighbourList(
            numAtoms: numAtoms, senders: senders, receivers: receivers, unitShifts: unitShifts, shifts: shifts)
    }

    /// One array of `total` values, written in parallel: chunk `c` fills slots `offsets[c]..<offsets[c+1]`
    /// through `write(chunkEdges, firstSenderOfChunk, pointerToFirstSlot)`.
    private func gathered<Value>(
        _ total: Int, _ chunks: SharedBuffer<ChunkEdges>, _ offsets: [Int], _ chunkSize: Int,
        _ write: @Sendable (ChunkEdges, Int, UnsafeMutablePointer<Value>) -> Void
    ) -> [Value] {
        return [Value](unsafeUninitializedCapacity: total) { buffer, initialized in
            let base = SharedPointer(buffer.baseAddress)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                guard let start = base.pointer else { return }
                write(chunks[chunk], chunk * chunkSize, start + offsets[chunk])
            }
            initialized = total
        }
    }

    /// The edges of `senders`, each sender's edges sorted by (receiver, S).
    private func findEdges(senders: Range<Int>) -> ChunkEdges {
        var result = ChunkEdges()
        result.counts.reserveCapacity(senders.count)
        // Reused per sender: the (bin, image) pairs within reach along each direction.
        var reachable: [[(bin: Int, image: Int32)]] = [[], [], []]
        var keys: [UInt64] = []
        var scratch: [FoundEdge] = []
        let cutoffSquared = cutoff * cutoff
        let candidateSquared = (cutoff + bins.roundingSkin) * (cutoff + bins.roundingSkin)
        let counts = bins.binCounts
        let (row0, row1, row2) = cell.rows
        bins.binStarts.withUnsafeBufferPointer { starts in
            bins.slotAtoms.withUnsafeBufferPointer { slotAtoms in
                bins.slotPositions.withUnsafeBufferPointer { slotPositions in
                    bins.slotWrappedPositions.withUnsafeBufferPointer { slotWrapped in
                        bins.slotWrapOffsets.withUnsafeBufferPointer { slotOffsets in
                            for sender in senders {
                                let home = bins.atomBins[sender]
                                for axis in 0..<3 {
                                    reachable[axis].removeAll(keepingCapacity: true)
                                    let count = counts[axis]
                                    let reach = bins.reach[axis]
                                    let bin = Int(home[axis])
                                    for extended in (bin - reach)...(bin + reach) {
                                        if bins.periodic[axis] {
                                            // Extended bin index → bin in the cell and whole cells crossed.
                                            let image =
                                                extended >= 0 ? extended / count : -((count - 1 - extended) / count)
                                            reachable[axis].append((extended - image * count, Int32(image)))
                                        } else if extended >= 0 && extended < count {
                                            reachable[axis].append((extended, 0))
                                        }
                                    }
                                }
                                let origin = positions[sender]
                                let wrappedOrigin = bins.wrappedPositions[sender]
                                let senderOffset = bins.wrapOffsets[sender]
                                let first = result.records.count
                                for z in reachable[2] {
                                    for y in reachable[1] {
                                        let row = counts[0] * (y.bin + counts[1] * z.bin)
                                        for x in reachable[0] {
                                            let image = SIMD3(x.image, y.image, z.image)
                                            // Candidates by wrapped positions: the receiver's wrapped position
                                            // minus this point is the edge vector up to rounding.
                                            let centre = wrappedOrigin - SIMD3<Double>(image) * cell
                                            let imageAndSender = image &+ senderOffset
                                            let bin = row + x.bin
                                            for slot in Int(starts[bin])..<Int(starts[bin + 1]) {
                                                let approximate = slotWrapped[slot] - centre
                                                guard dot(approximate, approximate) < candidateSquared else { continue }
                                                // The exact test, with NeighbourList's documented arithmetic:
                                                // S = image crossed + sender's wrap − receiver's wrap, and the
                                                // vector between the original positions (S·cell written out as
                                                // Matrix3's row-vector product).
                                                let shift = imageAndSender &- slotOffsets[slot]
                                                let (sx, sy, sz) = (Double(shift.x), Double(shift.y), Double(shift.z))
                                                let shiftVector = sx * row0 + sy * row1 + sz * row2
                                                let vector = (slotPositions[slot] - origin) + shiftVector
                                                guard dot(vector, vector) < cutoffSquared else { continue }
                                                let receiver = slotAtoms[slot]
                                                if Int(receiver) == sender && shift == .zero { continue }
                                                result.records.append(
                                                    FoundEdge(
                                                        receiver: receiver, shiftX: shift.x, shiftY: shift.y,
                                                        shiftZ: shift.z))
                                            }
                                        }
                                    }
                                }
                                sortEdges(&result.records, from: first, keys: &keys, scratch: &scratch)
                                result.counts.append(Int32(result.records.count - first))
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

/// Sorts `records[first...]` (one sender's edges) by (receiver, S).
///
/// Sorting integer keys (receiver, position) is several times faster than comparing records; only runs of one
/// receiver seen across several images, which occur in cells smaller than the cutoff, then need sorting by S.
/// `keys` and `scratch` are reused buffers.
private func sortEdges(_ records: inout [FoundEdge], from first: Int, keys: inout [UInt64], scratch: inout [FoundEdge])
{
    let count = records.count - first
    guard count > 1 else { return }
    keys.removeAll(keepingCapacity: true)
    for k in 0..<count { keys.append(UInt64(UInt32(bitPattern: records[first + k].receiver)) << 32 | UInt64(k)) }
    keys.sort()
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: records[first...])
    var runStart = first
    for (k, key) in keys.enumerated() {
        let slot = first + k
        records[slot] = scratch[Int(key & 0xFFFF_FFFF)]
        if records[slot].receiver != records[runStart].receiver {
            if slot - runStart > 1 { records[runStart..<slot].sort(by: FoundEdge.precedes) }
            runStart = slot
        }
    }
    if records.count - runStart > 1 { records[runStart...].sort(by: FoundEdge.precedes) }
}

/// A fixed-size buffer that concurrent iterations write at distinct indices (never the same one).
final class SharedBuffer<Element>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element>

    init(count: Int, initialValue: Element) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: initialValue)
    }

    var count: Int { storage.count }

    subscript(index: Int) -> Element {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    func deallocate() {
        _ = storage.deinitialize()
        storage.deallocate()
    }
}

/// A pointer handed to concurrent iterations that write disjoint ranges through it.
struct SharedPointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>?

    init(_ pointer: UnsafeMutablePointer<Pointee>?) { self.pointer = pointer }
}
