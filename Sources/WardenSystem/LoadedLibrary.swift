import Glibc

/// A C library's functions, bound at run time (`dlopen`, `dlsym`) rather than linked.
///
/// `warden authorize` runs once per tool call, and every library the binary is linked with is
/// mapped and bound at each start: libpq, libcurl and libmicrohttpd brought about 25 libraries
/// (Kerberos, LDAP, GnuTLS, …) that a decision on a SQLite store never uses. So their modules
/// load them when first needed, once, through this.
///
/// `Functions` is the shim's struct of function pointers, each typed `__typeof__(&name)` from
/// the library's own header: a signature that drifts is a compile error, not a crash. Its fields
/// read as calls: `libpq.PQexec(conn, sql)`.
@dynamicMemberLookup
public struct LoadedLibrary<Functions>: @unchecked Sendable {
    /// Filled once by the shim's bind function, never freed or changed (the library stays loaded
    /// for the life of the process), so sharing it between threads is safe.
    public let functions: UnsafePointer<Functions>

    /// Inlinable, so a call through a field compiles to a load and an indirect call: serve's
    /// per-request libmicrohttpd calls go through here.
    @inlinable
    public subscript<T>(dynamicMember field: KeyPath<Functions, T>) -> T { functions.pointee[keyPath: field] }

    /// Opens `soname` (`RTLD_NOW`: a missing symbol fails here, not at a later call;
    /// `RTLD_LOCAL`: its symbols stay out of the global scope) and fills `Functions` through
    /// `bind`, the shim's function that returns the name of the first symbol it could not find.
    /// The error names the library and the Debian `package` that installs it.
    public static func load(_ name: String, soname: String, package: String,
                            bind: (UnsafeMutableRawPointer, UnsafeMutablePointer<Functions>) -> UnsafePointer<CChar>?)
        -> Result<LoadedLibrary, LibraryLoadError> {
        let install = "install the Debian package \(package)"
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(LibraryLoadError("\(name) (\(soname)) cannot be loaded: \(why); \(install)"))
        }
        let table = UnsafeMutablePointer<Functions>.allocate(capacity: 1)
        if let missing = bind(handle, table) {
            table.deallocate()
            dlclose(handle)
            return .failure(LibraryLoadError("\(name) (\(soname)) has no \(String(cString: missing)): it is older than Warden needs; \(install)"))
        }
        return .success(LoadedLibrary(functions: UnsafePointer(table)))
    }
}

/// A library that could not be loaded: what, why, and the package to install.
public struct LibraryLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
