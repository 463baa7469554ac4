import CCrypto

/// Randomness and hashing, from libcrypto.
package enum Secrets {
    /// `count` bytes from libcrypto's CSPRNG.
    package static func randomBytes(_ count: Int) throws(StoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw .io("the system random source failed") }
        return bytes
    }

    /// A new credential secret: `wdn_` + 43 base64url characters (32 random bytes).
    package static func newSecret() throws(StoreError) -> String { secret(from: try randomBytes(32)) }

    /// The secret text for 32 bytes: `wdn_` + their base64url.
    package static func secret(from bytes: [UInt8]) -> String { "wdn_" + base64url(bytes) }

    /// Lowercase hex of `bytes` random bytes (IDs and suffixes).
    package static func randomHex(bytes: Int) throws(StoreError) -> String { hex(try randomBytes(bytes)) }

    package static func sha256(_ text: String) -> [UInt8] { sha256(bytes: Array(text.utf8)) }

    package static func sha256(bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { out in
                _ = SHA256(input.baseAddress, input.count, out.baseAddress)
            }
        }
        return digest
    }

    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64url without padding (RFC 4648 §5).
    package static func base64url(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = [UInt8]()
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// SHA-256 for a hot path: the digest is fetched once and one context reused, where the
/// one-shot `SHA256()` (OpenSSL 3) fetches the algorithm and allocates a context per call.
/// Not thread-safe: one per connection, like the connection itself.
package final class SHA256Hasher {
    private let md: OpaquePointer?
    private let ctx: OpaquePointer?
    /// The last digest (32 bytes), valid until the next `hash`.
    package let digest = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)

    package init() {
        md = EVP_MD_fetch(nil, "SHA256", nil)
        ctx = EVP_MD_CTX_new()
    }

    deinit {
        EVP_MD_CTX_free(ctx)
        EVP_MD_free(md)
        digest.deallocate()
    }

    /// Hashes `bytes` into `digest`.
    package func hash(bytes: UnsafeRawBufferPointer) {
        var n: UInt32 = 0
        if let md, let ctx, EVP_DigestInit_ex2(ctx, md, nil) == 1,
           EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1,
           EVP_DigestFinal_ex(ctx, digest, &n) == 1, n == 32 { return }
        _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, digest)
    }

    /// Hashes `text` into `digest`.
    package func hash(_ text: String) {
        var text = text
        let ok = text.withUTF8 { (b: UnsafeBufferPointer<UInt8>) -> Bool in
            guard let md, let ctx, EVP_DigestInit_ex2(ctx, md, nil) == 1,
                  EVP_DigestUpdate(ctx, b.baseAddress, b.count) == 1 else { return false }
            var n: UInt32 = 0
            return EVP_DigestFinal_ex(ctx, digest, &n) == 1 && n == 32
        }
        if !ok {
            // Whatever failed in the reused context, the one-shot path gives the same digest.
            let d = Secrets.sha256(text)
            digest.update(from: d, count: 32)
        }
    }
}
