import CMicroHTTPD
import WardenSystem

/// The one owner of libmicrohttpd's functions: the library is loaded when `warden serve` starts
/// its HTTP server, once for the process, so no other command maps it (see `LoadedLibrary`).
enum LibMicroHTTPD {
    static let soname = "libmicrohttpd.so.12"
    static let package = "libmicrohttpd12"

    /// Loaded on first use; a static is initialised once, under the runtime's lock.
    private static let loaded = load(soname: soname)

    /// libmicrohttpd's functions, or why they cannot be had (named for the person who must install it).
    static func functions() throws(ServeError) -> LoadedLibrary<warden_libmhd> { try loaded.get() }

    /// Loads the library from `soname` (tests name one that does not exist).
    static func load(soname: String) -> Result<LoadedLibrary<warden_libmhd>, ServeError> {
        LoadedLibrary.load("the HTTP server library libmicrohttpd", soname: soname, package: package,
                           bind: { warden_libmhd_bind($0, $1) })
            .mapError { ServeError($0.description) }
    }
}
