import Testing
@testable import WardenHTTPClient
@testable import WardenServe

/// libcurl is loaded at the first HTTP exchange and libmicrohttpd when `warden serve` starts
/// its server; without them, those are errors naming the library and the package.
@Suite("libcurl and libmicrohttpd loaded at run time")
struct LibraryLoadingTests {
    @Test func aMissingLibcurlIsAnHTTPClientErrorNamingItAndItsPackage() {
        guard case .failure(let error) = LibCurl.load(soname: "libcurl-warden-missing.so.4") else {
            Issue.record("loaded a library that does not exist")
            return
        }
        #expect(error.description.contains("HTTP client library libcurl (libcurl-warden-missing.so.4) cannot be loaded"), "\(error)")
        #expect(error.description.contains("install the Debian package libcurl4"), "\(error)")
    }

    @Test func aMissingLibmicrohttpdIsAServeErrorNamingItAndItsPackage() {
        guard case .failure(let error) = LibMicroHTTPD.load(soname: "libmicrohttpd-warden-missing.so.12") else {
            Issue.record("loaded a library that does not exist")
            return
        }
        #expect(error.description.contains("HTTP server library libmicrohttpd (libmicrohttpd-warden-missing.so.12) cannot be loaded"), "\(error)")
        #expect(error.description.contains("install the Debian package libmicrohttpd12"), "\(error)")
    }

    @Test func librariesWithoutTheFunctionsAreRefusedAtLoad() {
        guard case .failure(let curl) = LibCurl.load(soname: "libsqlite3.so.0"),
              case .failure(let mhd) = LibMicroHTTPD.load(soname: "libsqlite3.so.0") else {
            Issue.record("bound libcurl's or libmicrohttpd's functions from SQLite")
            return
        }
        #expect(curl.description.contains("has no curl_global_init"), "\(curl)")
        #expect(mhd.description.contains("has no MHD_start_daemon"), "\(mhd)")
    }
}
