/// Counted nouns for messages.
enum Plural {
    /// `1 agent`, `3 agents`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
