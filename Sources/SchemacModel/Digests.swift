import Crypto

/// Every digest schemac computes, from swift-crypto: the SHA-1 Redis names a
/// script by, the SHA-256 of a migration file, the definitions cache's keys.
public enum Digests {
    /// What `SCRIPT LOAD` answers for `bytes`: 40 lowercase hex digits.
    public static func sha1Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(Insecure.SHA1.hash(data: Array(bytes)))
    }

    /// 64 lowercase hex digits.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(Crypto.SHA256.hash(data: Array(bytes)))
    }

    /// A SHA-256 fed piece by piece, for a digest of many texts without joining them.
    public struct Running {
        private var hasher = Crypto.SHA256()

        public init() {}

        public mutating func add(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

        public mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }

        /// The digest's bytes; the hasher is spent.
        public func finish() -> [UInt8] { Array(hasher.finalize()) }
    }

    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 0x0f)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
