import CCurl
import WardenSystem

/// The one owner of libcurl's functions: the library is loaded at the first HTTP exchange, once
/// for the process, so a process that makes none never maps it (see `LoadedLibrary`).
enum LibCurl {
    static let soname = "libcurl.so.4"
    static let package = "libcurl4"

    /// Loaded and initialised on first use. curl_global_init must run once, before any handle
    /// exists: a static is initialised once, under the runtime's lock, and every exchange asks
    /// for the functions through it first. It may now run while other threads are up (a first
    /// upstream exchange under `warden serve`), as it could before (the first `HTTPClient()`):
    /// libcurl ≥ 7.84 built with its `threadsafe` feature, as Debian's is, allows that.
    private static let loaded: Result<LoadedLibrary<warden_libcurl>, HTTPClientError> = load(soname: soname).flatMap { curl in
        curl.curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
            ? .success(curl) : .failure(HTTPClientError("libcurl (\(soname)) could not initialise"))
    }

    /// libcurl's functions, or why they cannot be had (named for the person who must install it).
    static func functions() throws(HTTPClientError) -> LoadedLibrary<warden_libcurl> { try loaded.get() }

    /// Loads the library from `soname` (tests name one that does not exist).
    static func load(soname: String) -> Result<LoadedLibrary<warden_libcurl>, HTTPClientError> {
        LoadedLibrary.load("the HTTP client library libcurl", soname: soname, package: package,
                           bind: { warden_libcurl_bind($0, $1) })
            .mapError { HTTPClientError($0.description) }
    }
}
