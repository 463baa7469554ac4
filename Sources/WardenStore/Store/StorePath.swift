/// Where the store lives: `--db PATH`, else `$WARDEN_DB`, else `$XDG_DATA_HOME/warden/warden.db`,
/// else `~/.local/share/warden/warden.db`.
public enum StorePath {
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["WARDEN_DB"], !env.isEmpty { return env }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/warden/warden.db" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return home + "/.local/share/warden/warden.db"
    }
}
