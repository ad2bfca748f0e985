internal import CLibCrypto

/// Every digest schemac computes, from OpenSSL's libcrypto: the SHA-1 Redis
/// names a script by, the SHA-256 of a migration file, the definitions cache's keys.
public enum Digests {
    /// What `SCRIPT LOAD` answers for `bytes`: 40 lowercase hex digits.
    public static func sha1Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        let input = Array(bytes)
        input.withUnsafeBufferPointer { b in _ = SHA1(b.baseAddress, b.count, &digest) }
        return hex(digest)
    }

    /// 64 lowercase hex digits.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var running = Running()
        Array(bytes).withUnsafeBytes { running.add($0) }
        return hex(running.finish())
    }

    /// A SHA-256 fed piece by piece, for a digest of many texts without joining them.
    public struct Running: @unchecked Sendable {
        // A plain C struct: a copy of a Running goes on from where the original was.
        private var context = SHA256_CTX()

        public init() { _ = SHA256_Init(&context) }

        public mutating func add(_ bytes: UnsafeRawBufferPointer) {
            guard !bytes.isEmpty else { return }
            _ = SHA256_Update(&context, bytes.baseAddress, bytes.count)
        }

        public mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        }

        /// The digest's bytes (the running digest itself can go on).
        public func finish() -> [UInt8] {
            var context = context
            var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
            _ = SHA256_Final(&digest, &context)
            return digest
        }
    }

    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 0x0f)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
