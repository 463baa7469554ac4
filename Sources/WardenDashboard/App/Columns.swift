import TerminalUI

/// Column titles of the table views; sorting picks among them with `<` `>`.
public enum Columns {
    public static func titles(_ v: ViewKind) -> [String] {
        switch v {
        case .tree: return ["NAME"]
        case .agents: return ["STATUS", "NAME", "PRINCIPAL", "DEPTH", "LIVE", "EXPIRES", "CALLS/M", "DENIED/M", "LAST CALL"]
        case .credentials: return ["ID", "AGENT", "SCOPES", "ISSUED", "TIME LEFT", "STATUS"]
        case .calls: return ["TIME", "AGENT", "SERVER/TOOL", "DECISION", "REASON", "RESULT", "DURATION", "ARGS"]
        case .findings: return ["SEVERITY", "KIND", "SUBJECT", "EXPLANATION", "FIX"]
        case .audit: return ["SEQ", "TIME", "OPERATOR", "ACTION", "TARGET", "REASON"]
        }
    }

    public static func defaultSort(_ v: ViewKind) -> SortState {
        switch v {
        case .tree: return SortState(column: 0, ascending: true)
        case .agents: return SortState(column: 1, ascending: true)
        case .credentials: return SortState(column: 4, ascending: true)
        case .calls: return SortState(column: 0, ascending: false)
        case .findings: return SortState(column: 0, ascending: false)
        case .audit: return SortState(column: 0, ascending: false)
        }
    }
}
