/// Texts the `warden tools …` help pages share.
enum ToolsHelp {
    static let pinning = "Every tool object a server lists (annotations and _meta included) is pinned by the SHA-256 of its RFC 8785 form. A known server's tool is callable only while its current definition is approved: pending (never approved), changed (a definition outside the approved set), rejected and gone tools are hidden from tools/list and their calls denied tool_unapproved."
    static let yes = FlagSpec(bool: "yes", "confirm without asking (needed when stdin is not a terminal): approving a definition with poisoning signals, rejecting one in use")
}
