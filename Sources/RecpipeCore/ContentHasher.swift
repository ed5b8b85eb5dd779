/// A streaming XXH64 hash: fingerprints stages (kind, parameters, inputs, file contents) and
/// checksums cache files. Not cryptographic — it detects change and corruption, not tampering.
///
/// Complexity: O(n) in the bytes fed, ~a few GB/s in release builds.
package struct ContentHasher: Sendable {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
    private let seed: UInt64
    private var total: UInt64 = 0
    private var buffer: [UInt8] = []

    package init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
        buffer.reserveCapacity(32)
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 {
        (x << r) | (x >> (64 - r))
    }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    @inline(__always) private static func load64(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }

    private mutating func stripes(_ p: UnsafeRawBufferPointer) {
        var o = 0
        while o + 32 <= p.count {
            v1 = Self.round(v1, Self.load64(p, o))
            v2 = Self.round(v2, Self.load64(p, o + 8))
            v3 = Self.round(v3, Self.load64(p, o + 16))
            v4 = Self.round(v4, Self.load64(p, o + 24))
            o += 32
        }
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        total &+= UInt64(bytes.count)
        var start = 0
        if !buffer.isEmpty {
            let need = 32 - buffer.count
            let take = min(need, bytes.count)
            buffer.append(contentsOf: bytes[0..<take])
            start = take
            if buffer.count == 32 {
                let b = buffer
                b.withUnsafeBytes { stripes($0) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                return
            }
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        let whole = rest.count / 32 * 32
        stripes(UnsafeRawBufferPointer(rebasing: rest[0..<whole]))
        buffer.append(contentsOf: rest[whole...])
    }

    package mutating func update<C: Collection<UInt8>>(_ bytes: C) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let a = Array(bytes)
        a.withUnsafeBytes { update($0) }
    }

    /// Feeds a string with a length prefix, so ("ab","c") and ("a","bc") hash differently.
    package mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { u in
            update(UInt64(u.count))
            update(UnsafeRawBufferPointer(u))
        }
    }

    package mutating func update(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { update($0) }
    }

    package func finalize() -> UInt64 {
        var h: UInt64
        if total >= 32 {
            h = Self.rotl(v1, 1) &+ Self.rotl(v2, 7) &+ Self.rotl(v3, 12) &+ Self.rotl(v4, 18)
            h = Self.merge(h, v1)
            h = Self.merge(h, v2)
            h = Self.merge(h, v3)
            h = Self.merge(h, v4)
        } else {
            h = seed &+ Self.p5
        }
        h &+= total
        buffer.withUnsafeBytes { p in
            var o = 0
            while o + 8 <= p.count {
                h ^= Self.round(0, Self.load64(p, o))
                h = Self.rotl(h, 27) &* Self.p1 &+ Self.p4
                o += 8
            }
            if o + 4 <= p.count {
                let w = UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                h ^= w &* Self.p1
                h = Self.rotl(h, 23) &* Self.p2 &+ Self.p3
                o += 4
            }
            while o < p.count {
                h ^= UInt64(p[o]) &* Self.p5
                h = Self.rotl(h, 11) &* Self.p1
                o += 1
            }
        }
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }

    /// 16 lowercase hex digits.
    package func hexDigest() -> String {
        let v = finalize()
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    package static func hash(_ bytes: some Collection<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var h = ContentHasher(seed: seed)
        h.update(bytes)
        return h.finalize()
    }
}
