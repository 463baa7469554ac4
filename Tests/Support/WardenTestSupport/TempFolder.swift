import Foundation

/// A private folder under the temporary directory, removed with everything in it when its owner
/// lets go of it: a test that keeps it in a local leaves nothing behind when it ends.
public final class TempFolder: @unchecked Sendable {
    public let path: String

    /// `prefix` names the folder in `ls /tmp` should a crashed run leave it behind.
    public init(_ prefix: String = "warden-test") throws {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the folder (nothing is created).
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let p = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }
}
